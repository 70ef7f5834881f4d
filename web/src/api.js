// The JSON API client: bearer token in sessionStorage, errors as ApiError.
import { sentence } from './format.js';

const TOKEN_KEY = 'mesodesk.token';

/**
 * An error answer: status, code, message and field as in {"error": {...}}, and `errors`,
 * every field error of the request ([{field, code, message}], the first one included; a
 * single-entry list built from `field` when the server sent none).
 */
export class ApiError extends Error {
  constructor(status, code, message, field, errors) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.errors = Array.isArray(errors) && errors.length ? errors : this.field ? [{ field: this.field, code, message }] : [];
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection and try again.');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText || 'Request failed', e.field, e.errors);
    if (Array.isArray(e.candidates)) err.candidates = e.candidates; // 409 duplicate_suspected
    if (Array.isArray(e.reasons)) err.reasons = e.reasons; // 409 mixture_blocked
    if (Array.isArray(e.cautions)) err.cautions = e.cautions;
    if (res.status === 401 && path !== '/login') onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b ?? {});
export const put = (p, b) => api('PUT', p, b);

/** Build a query string from an object, skipping empty values. */
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

/**
 * A field error ({field, message}) as people read it under its control: the server's field
 * name at the start becomes the control's label ("given_name is required" -> "Given name is
 * required"), or is dropped without one, and dates read in the clinic's format.
 */
export function fieldMessage(err, label) {
  if (!err) return '';
  const m = err.message || '';
  let out = m;
  if (err.field && m.startsWith(err.field + ': ')) out = m.slice(err.field.length + 2);
  else if (err.field && m.startsWith(err.field + ' ')) out = label ? `${label} ${m.slice(err.field.length + 1)}` : m.slice(err.field.length + 1);
  return sentence(out);
}

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
    if (Array.isArray(e.checks)) err.checks = e.checks; // 409 prechecks / completion (every check)
    if (Array.isArray(e.warnings)) err.warnings = e.warnings; // 409 acknowledge (chart warnings)
    err.detail = e; // every member the handler added (server.h err_detail)
    if (res.status === 401 && path !== '/login') onUnauthorized(err);
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);

/**
 * Send raw bytes (a photo) with the bearer token: POST path with the file's own type;
 * answers as api() does (JSON, ApiError).
 */
export async function upload(path, blob, type) {
  const headers = { Accept: 'application/json', 'Content-Type': type || blob.type || 'application/octet-stream' };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method: 'POST', headers, body: blob });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection and try again.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data && data.error) || {};
    const err = new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText || 'Request failed', e.field, e.errors);
    err.detail = e;
    if (res.status === 401) onUnauthorized(err);
    throw err;
  }
  return data;
}

/** The bytes of an authenticated file (an image, a PDF) as a Blob; ApiError when refused. */
export async function getBlob(path) {
  const t = token.get();
  const res = await fetch(`/api/v1${path}`, { headers: t ? { Authorization: `Bearer ${t}` } : {} }).catch(() => {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check the connection and try again.');
  });
  if (!res.ok) {
    const data = await res.json().catch(() => null);
    const e = (data && data.error) || {};
    if (res.status === 401) onUnauthorized(e);
    throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || res.statusText || 'Request failed', e.field, e.errors);
  }
  return res.blob();
}

/** A Blob as a data: URL (the app's Content-Security-Policy allows data: images, not blob:). */
export const dataUrl = (blob) =>
  new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
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

/**
 * A call from a patient's public page (a one-time link): no staff token, no cookies, no
 * referrer. body is JSON, or raw bytes when type is given. Answers the JSON, or throws an
 * Error with status, field, errors ([{field, message}]) and the error's other members.
 */
export async function publicApi(method, path, body, type) {
  let res;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': type || 'application/json' },
      body: body === undefined ? undefined : type ? body : JSON.stringify(body),
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw Object.assign(new Error('We could not reach the clinic’s system. Check your connection and try again.'), { status: 0 });
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw Object.assign(new Error(e.message || 'Something went wrong.'), { status: res.status, field: e.field || null, errors: e.errors || (e.field ? [{ field: e.field, message: e.message }] : []), detail: e });
  }
  return data;
}

// Shared UI pieces: htm-bound `html`, routing links, form fields, dialogs.
import { h } from 'preact';
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import htm from 'htm';
import { fieldMessage } from './api.js';
import { sentence, todayInClinic } from './format.js';

export const html = htm.bind(h);

/* --- routing (History API) --- */

export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) return;
  history[replace ? 'replaceState' : 'pushState'](null, '', to);
  dispatchEvent(new Event('mesodesk:navigate'));
}

export function useLocation() {
  const [loc, setLoc] = useState(() => ({ path: location.pathname, search: location.search }));
  useEffect(() => {
    const upd = () => setLoc({ path: location.pathname, search: location.search });
    addEventListener('popstate', upd);
    addEventListener('mesodesk:navigate', upd);
    return () => {
      removeEventListener('popstate', upd);
      removeEventListener('mesodesk:navigate', upd);
    };
  }, []);
  return loc;
}

export function Link({ href, children, ...rest }) {
  const onClick = (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(href);
  };
  return html`<a href=${href} onClick=${onClick} ...${rest}>${children}</a>`;
}

/* --- data loading --- */

/** Run an async loader when deps change; returns {data, error, loading, reload}. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && setState({ data: null, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

/* --- forms --- */

let idSeq = 0;
export const useId = (prefix) => useRef(`${prefix}-${++idSeq}`).current;

/**
 * Form state with server errors mapped onto fields: every field error of an ApiError
 * (`err.errors`, or its one `field`) that names one of `fields` shown by the form goes under
 * that control, all at once; the rest is shown at the top of the form. errors[name] holds the
 * server's message (Field words it with its label); errors._form the text at the top and
 * errors._status the HTTP status. A field's error clears when it is changed; the message at
 * the top clears at any change too (it is about the values sent), except a conflict (409),
 * whose cause (a newer version) stays until the form is reloaded.
 */
export function useForm(initial, fields) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const set = (name) => (e) => {
    const t = e.currentTarget;
    const v = t.type === 'checkbox' ? t.checked : t.value;
    setValues((s) => ({ ...s, [name]: v }));
    setErrors((s) => {
      if (!s[name] && (!s._form || s._status === 409)) return s;
      const next = { ...s, [name]: undefined };
      if (s._status !== 409) next._form = next._status = undefined;
      return next;
    });
  };
  const formRef = useRef(null);
  const submit = (action) => async (e) => {
    e && e.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    try {
      await action(values);
    } catch (err) {
      // A field error goes under its control only when the form shows that control.
      const root = formRef.current;
      const shown = (f) => f && fields.includes(f) && root && root.querySelector(`[name="${f}"]`);
      const list = (err && err.errors) || (err && err.field ? [{ field: err.field, message: err.message }] : []);
      const next = {};
      const elsewhere = [];
      for (const fe of list) {
        if (shown(fe.field)) next[fe.field] = next[fe.field] || fe.message;
        else elsewhere.push(fieldMessage(fe));
      }
      const named = Object.keys(next);
      if (!named.length) Object.assign(next, { _form: sentence((err && err.message) || String(err)), _status: err && err.status });
      else if (elsewhere.length) Object.assign(next, { _form: elsewhere.join(' '), _status: err.status });
      setErrors(next);
      // Move focus to the first field in error (in the form's order) so the keyboard user lands on it.
      requestAnimationFrame(() => {
        const el = root && (named.length ? root.querySelector(named.map((f) => `[name="${f}"]`).join(',')) : root.querySelector('.form-error'));
        if (el) el.focus();
      });
    } finally {
      setBusy(false);
    }
  };
  return { values, setValues, set, errors, setErrors, busy, submit, formRef };
}

// Calendar-date fields of the API: a Field with one of these names is a date control unless
// told otherwise, so every form enters dates the same way.
const DATE_FIELDS = new Set(['birth_date', 'last_dose', 'recorded_on', 'valid_until', 'date', 'asked_on', 'licence_expiry']);

/** A labelled control with hint and error, wired with aria-describedby / aria-invalid. */
export function Field({ form, name, label, hint, type, required, options, list, children, ...rest }) {
  const id = useId(`f-${name}`);
  const kind = type || (DATE_FIELDS.has(name) ? 'date' : 'text');
  const raw = form.errors[name];
  const err = raw && fieldMessage({ field: name, message: raw }, typeof label === 'string' ? label.replace(/ \(optional\)$/, '') : undefined);
  const describedBy = [hint && `${id}-hint`, err && `${id}-err`].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name,
    'aria-invalid': err ? 'true' : undefined,
    'aria-describedby': describedBy,
    required,
    ...rest,
  };
  let control;
  if (kind === 'select') {
    control = html`<select ...${common} value=${form.values[name] ?? ''} onChange=${form.set(name)}>
      ${options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
    </select>`;
  } else if (kind === 'checkbox') {
    return html`<div class=${'field field-check' + (err ? ' has-error' : '')}>
      <input type="checkbox" ...${common} checked=${!!form.values[name]} onChange=${form.set(name)} />
      <label for=${id}>${label}</label>
      ${err && html`<p class="field-error" id=${`${id}-err`}>${err}</p>`}
    </div>`;
  } else if (kind === 'textarea') {
    control = html`<textarea ...${common} value=${form.values[name] ?? ''} onInput=${form.set(name)} rows="2"></textarea>`;
  } else if (kind === 'date') {
    control = html`<${DateInput} ...${common} value=${form.values[name] ?? ''} onInput=${form.set(name)} />`;
  } else {
    control = html`<input type=${kind} ...${common} list=${list} value=${form.values[name] ?? ''} onInput=${form.set(name)} />`;
  }
  return html`<div class=${'field' + (err ? ' has-error' : '')}>
    <label for=${id}>${label}${required && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    ${control}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${err && html`<p class="field-error" id=${`${id}-err`} role="alert"><span aria-hidden="true">⚠ </span>${err}</p>`}
    ${children}
  </div>`;
}

/**
 * The one date control of the app: the browser's own date input (a keyboard-editable day,
 * month and year with a calendar picker; the phone's native date wheel). Its value is
 * "YYYY-MM-DD" or "" and it never holds an impossible date. `past` caps it at the clinic's
 * today (birth dates, last doses). Text-entry hints (placeholder, maxlength, inputmode)
 * meant for typed dates are dropped.
 */
export function DateInput({ past, placeholder, maxlength, inputmode, ...rest }) {
  return html`<input type="date" class="date-input" max=${past ? todayInClinic() : undefined} ...${rest} />`;
}

export function FormError({ form }) {
  const e = form.errors._form;
  if (!e) return null;
  return html`<div class="form-error" role="alert" tabindex="-1">${e}</div>`;
}

export function Alert({ kind = 'error', children }) {
  return html`<div class=${`alert alert-${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${children}</div>`;
}

export function Spinner({ label = 'Loading…' }) {
  return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}</p>`;
}

/** A modal <dialog>: focus is trapped by the browser, Escape closes it. */
export function Dialog({ title, onClose, children, wide }) {
  const ref = useRef(null);
  const titleId = useId('dlg');
  // The opener is taken during the first render, which runs in the same task as
  // the click that opened the dialog; by the time effects run, another effect
  // (a page heading taking focus, say) may already have moved it.
  const openerRef = useRef(undefined);
  if (openerRef.current === undefined) openerRef.current = document.activeElement;
  useEffect(() => {
    const opener = openerRef.current;
    const d = ref.current;
    if (d && !d.open) d.showModal();
    const first = d && d.querySelector('input:not([type=hidden]), select, textarea');
    if (first) first.focus();
    return () => {
      // Preact runs this before the <dialog> leaves the DOM. While it is still
      // open and modal the rest of the page is inert and focus() on the opener
      // is silently ignored, so close it first.
      if (d && d.open) d.close();
      if (opener && opener.focus && document.contains(opener)) opener.focus();
    };
  }, []);
  const onCancel = (e) => {
    e.preventDefault();
    onClose();
  };
  return html`<dialog ref=${ref} class=${'dialog' + (wide ? ' dialog-wide' : '')} aria-labelledby=${titleId} onCancel=${onCancel}>
    <header class="dialog-head">
      <h2 id=${titleId}>${title}</h2>
      <button type="button" class="btn-icon" aria-label="Close" onClick=${onClose}>×</button>
    </header>
    <div class="dialog-body">${children}</div>
  </dialog>`;
}

/** Focus the page heading after a route change so screen readers announce the page. */
export function PageTitle({ children, title }) {
  const ref = useRef(null);
  // Focus as it was when this heading rendered. If the user has moved focus since
  // (clicked or tabbed to a control before the effect ran), leave it there.
  const focusAtRender = document.activeElement;
  useEffect(() => {
    document.title = `${title || (typeof children === 'string' ? children : '')} · Mesodesk`;
    const a = document.activeElement;
    const untouched = !a || a === document.body || a === focusAtRender;
    if (ref.current && untouched && !document.querySelector('dialog[open]')) ref.current.focus({ preventScroll: true });
  }, [title]);
  return html`<h1 ref=${ref} tabindex="-1">${children}</h1>`;
}

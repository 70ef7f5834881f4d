// Shared UI pieces: htm-bound `html`, routing links, form fields, dialogs.
import { h } from 'preact';
import { useEffect, useRef, useState, useCallback } from 'preact/hooks';
import htm from 'htm';
import { fieldMessage } from './api.js';

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
 * Form state with server errors mapped onto fields: an ApiError whose `field` is one
 * of `fields` is shown under that field; anything else is shown at the top of the form.
 */
export function useForm(initial, fields) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const set = (name) => (e) => {
    const t = e.currentTarget;
    const v = t.type === 'checkbox' ? t.checked : t.value;
    setValues((s) => ({ ...s, [name]: v }));
    if (errors[name]) setErrors((s) => ({ ...s, [name]: undefined }));
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
      const field =
        err && err.field && fields.includes(err.field) && root && root.querySelector(`[name="${err.field}"]`) ? err.field : null;
      if (field) setErrors({ [field]: fieldMessage(err) });
      else setErrors({ _form: err.message || String(err), _status: err.status });
      // Move focus to the first field in error so the keyboard user lands on it.
      requestAnimationFrame(() => {
        const el = root && (field ? root.querySelector(`[name="${field}"]`) : root.querySelector('.form-error'));
        if (el) el.focus();
      });
    } finally {
      setBusy(false);
    }
  };
  return { values, setValues, set, errors, setErrors, busy, submit, formRef };
}

/** A labelled control with hint and error, wired with aria-describedby / aria-invalid. */
export function Field({ form, name, label, hint, type = 'text', required, options, list, children, ...rest }) {
  const id = useId(`f-${name}`);
  const err = form.errors[name];
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
  if (type === 'select') {
    control = html`<select ...${common} value=${form.values[name] ?? ''} onChange=${form.set(name)}>
      ${options.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
    </select>`;
  } else if (type === 'checkbox') {
    return html`<div class=${'field field-check' + (err ? ' has-error' : '')}>
      <input type="checkbox" ...${common} checked=${!!form.values[name]} onChange=${form.set(name)} />
      <label for=${id}>${label}</label>
      ${err && html`<p class="field-error" id=${`${id}-err`}>${err}</p>`}
    </div>`;
  } else if (type === 'textarea') {
    control = html`<textarea ...${common} value=${form.values[name] ?? ''} onInput=${form.set(name)} rows="2"></textarea>`;
  } else {
    control = html`<input type=${type} ...${common} list=${list} value=${form.values[name] ?? ''} onInput=${form.set(name)} />`;
  }
  return html`<div class=${'field' + (err ? ' has-error' : '')}>
    <label for=${id}>${label}${required && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    ${control}
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${err && html`<p class="field-error" id=${`${id}-err`} role="alert"><span aria-hidden="true">⚠ </span>${err}</p>`}
    ${children}
  </div>`;
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

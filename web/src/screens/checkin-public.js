// The patient's check-in after a session at /ci/{token} (issue 11 items 3 and 8): public,
// no sign-in, no staff chrome, no staff token (credentials omitted), laid out for a phone
// first. The questions come from the server (GET /checkin/{token}) in plain language, each
// answered with large touch targets; a photo can be taken with the phone's camera
// (<input type="file" accept="image/*" capture="environment">), sent at once to
// /checkin/{token}/photo and shown; then Send. An answer that matches a red flag comes
// back with call_now: the page says "Call the clinic now" with the clinic's number as a
// tel: link (or that the number is not on file). A link already answered says so (409);
// an expired or unknown one says it is no longer valid. The server is the judge of every
// answer: a field error naming answers.<code> is shown under that question.
import { useEffect, useRef, useState } from 'preact/hooks';
import { publicApi } from '../api.js';
import { html, Spinner } from '../ui.js';
import { dayLabel } from './checkin-common.js';
import './complication.css';

const NOTE_MAX = 2000;
const base = (token) => `/checkin/${encodeURIComponent(token)}`;
const call = publicApi;

/** A server message for the patient, without its field's code name. */
function friendly(field, msg) {
  let m = String(msg || '');
  if (field && m.startsWith(field + ': ')) m = m.slice(field.length + 2);
  else if (field && m.startsWith(field + ' ')) m = m.slice(field.length + 1);
  return m.charAt(0).toUpperCase() + m.slice(1);
}

const telOf = (phone) => `tel:${String(phone).replace(/[^\d+]/g, '')}`;

/** The options of a question as [value, label]: its options (with option_text, or objects
 * {code, text | label}), a scale's numbers, or yes / no / not sure. */
function optionsOf(q) {
  const list = Array.isArray(q.options) ? q.options : [];
  const text = Array.isArray(q.option_text) ? q.option_text : [];
  if (list.length)
    return list.map((o, i) => (typeof o === 'object' && o !== null ? [o.code ?? o.value, o.text ?? o.label ?? String(o.code ?? o.value)] : [o, text[i] || String(o).replace(/_/g, ' ')]));
  if (isScale(q)) {
    const lo = Number.isFinite(q.min) ? q.min : 0;
    const hi = Number.isFinite(q.max) ? q.max : 10;
    const out = [];
    for (let i = lo; i <= hi && out.length < 11; i++) out.push([i, String(i)]);
    return out;
  }
  return [
    ['yes', 'Yes'],
    ['no', 'No'],
    ['not_sure', 'Not sure'],
  ];
}

const isScale = (q) => q.type === 'scale' || q.type === 'integer' || q.type === 'rating';
const isFree = (q) => q.type === 'text' || q.type === 'free_text' || q.type === 'string';
const isMulti = (q) => q.type === 'multi' || q.type === 'multiple' || q.type === 'multi_choice';

function Question({ q, value, onChange, error, n }) {
  const id = `ci-q-${n}`;
  if (isFree(q))
    return html`<div class=${'ci-q field' + (error ? ' has-error' : '')} data-question=${q.code}>
      <label for=${id} class="ci-q-text">${q.text}${q.required === false ? html` <span class="ci-optional">(optional)</span>` : ''}</label>
      ${q.hint && html`<p class="hint">${q.hint}</p>`}
      <textarea id=${id} name=${`answers.${q.code}`} rows="3" maxlength=${q.max_length || NOTE_MAX} value=${value ?? ''} aria-invalid=${error ? 'true' : undefined} onInput=${(e) => onChange(e.currentTarget.value)}></textarea>
      ${error && html`<p class="field-error" role="alert">${error}</p>`}
    </div>`;
  const opts = optionsOf(q);
  const multi = isMulti(q);
  const chosen = multi ? new Set(Array.isArray(value) ? value : []) : null;
  return html`<fieldset class=${'ci-q' + (error ? ' has-error' : '')} data-question=${q.code} name=${`answers.${q.code}`}>
    <legend class="ci-q-text">${q.text}${q.required === false ? html` <span class="ci-optional">(optional)</span>` : ''}</legend>
    ${q.hint && html`<p class="hint">${q.hint}</p>`}
    <div class=${'ci-opts' + (isScale(q) ? ' ci-opts-scale' : opts.length <= 3 ? ' ci-opts-row' : '')}>
      ${opts.map(([v, label], i) => {
        const on = multi ? chosen.has(v) : value === v;
        return html`<label class=${'ci-opt' + (on ? ' on' : '')} key=${i}>
          <input type=${multi ? 'checkbox' : 'radio'} name=${`ci-${q.code}`} value=${String(v)} checked=${on}
            onChange=${() => {
              if (!multi) return onChange(v);
              const s = new Set(chosen);
              if (s.has(v)) s.delete(v);
              else s.add(v);
              onChange([...s]);
            }} /> <span>${label}</span></label>`;
      })}
    </div>
    ${error && html`<p class="field-error" role="alert">${error}</p>`}
  </fieldset>`;
}

/** The photo: the phone's camera (or a file), sent at once; the picture shown from the phone itself. */
function Photo({ token, photo, setPhoto, error, setError }) {
  const [busy, setBusy] = useState(false);
  const [preview, setPreview] = useState(null);
  const onFile = async (e) => {
    const f = e.currentTarget.files && e.currentTarget.files[0];
    e.currentTarget.value = '';
    if (!f) return;
    setBusy(true);
    setError(null);
    try {
      const out = await call('POST', `${base(token)}/photo`, f, f.type || 'application/octet-stream');
      setPhoto(out.photo || out);
      const r = new FileReader();
      r.onload = () => setPreview(String(r.result));
      r.readAsDataURL(f);
    } catch (x) {
      setError(x.status === 422 || x.status === 400 || x.status === 413 || x.status === 415 ? 'This file is not a photo we can use. Please take a picture with your camera (a JPEG or PNG image).' : x.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class=${'ci-photo' + (error ? ' has-error' : '')} data-photo=${photo ? 'sent' : 'none'}>
    <h2>A photo (optional)</h2>
    <p class="q-help">If you can, take a photo of the treated area in good light.</p>
    ${preview && html`<img class="ci-preview" src=${preview} alt="Your photo" />`}
    ${photo && html`<p class="ci-photo-ok" role="status">✓ Photo received.</p>`}
    <label class="btn btn-block ci-camera" for="ci-photo-input">${busy ? 'Sending the photo…' : photo ? 'Take another photo' : 'Take a photo'}</label>
    <input id="ci-photo-input" class="sr-only" type="file" accept="image/*" capture="environment" name="photo" aria-label="Take a photo" disabled=${busy} onChange=${onFile} />
    ${error && html`<p class="field-error" role="alert">${error}</p>`}
  </section>`;
}

function Shell({ clinic, children }) {
  return html`<div class="q-wrap ci-wrap">
    <header class="q-head">
      <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" /><path d="M8 23V9h3.2l4.8 7.4L20.8 9H24v14h-3v-9l-5 7.4-5-7.4v9z" /></svg>
      <span>${clinic || 'Your clinic'}</span>
    </header>
    <main class="q-main" id="main">${children}</main>
  </div>`;
}

function Heading({ children }) {
  const ref = useRef(null);
  useEffect(() => ref.current && ref.current.focus({ preventScroll: true }), []);
  return html`<h1 ref=${ref} tabindex="-1">${children}</h1>`;
}

/** "Call the clinic now" with the number as a tel: link; or that the number is not on file. */
function CallNow({ result, clinic }) {
  const phone = result.clinic_phone || (clinic && clinic.phone);
  return html`<div class="q-card ci-callnow" role="alert" data-call-now>
    <${Heading}>Call the clinic now</${Heading}>
    <p class="ci-callnow-msg">${result.message ? friendly(null, result.message) : 'One of your answers needs a practitioner to look at it today.'}</p>
    ${phone
      ? html`<a class="btn btn-block ci-call" href=${telOf(phone)} data-tel=${phone}>Call ${phone}</a>`
      : html`<p class="ci-nophone" data-no-phone>The clinic’s number is not on file here: please call the clinic on the number you were given, or your doctor.</p>`}
    <p class="small">If you cannot reach the clinic and it is getting worse (spreading pain, skin turning white or dark, changes in your sight), call the emergency services.</p>
    <p class="small muted">Your answers have been sent to the clinic.</p>
  </div>`;
}

/** Why a link cannot be used: answered already (409 naming the token and saying so), or no longer valid (expired, cancelled, unknown). */
function refusal(e) {
  if (e.status === 409 && /answered/i.test(e.message)) return 'answered';
  if (e.status === 404 || e.status === 410 || ((e.status === 409 || e.status === 422) && e.field === 'token')) return 'invalid';
  return 'error';
}

export function PublicCheckin({ token }) {
  const [state, setState] = useState({ phase: 'loading' });
  const [answers, setAnswers] = useState({});
  const [errors, setErrors] = useState({});
  const [photo, setPhoto] = useState(null);
  const [photoError, setPhotoError] = useState(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    document.title = 'Your check-in';
    call('GET', base(token)).then(
      (info) => setState(info.status === 'answered' ? { phase: 'answered', info } : { phase: 'form', info }),
      (e) => setState({ phase: refusal(e), message: e.message }),
    );
  }, [token]);
  const info = state.info;
  const clinic = info && info.clinic;
  const clinicName = clinic && clinic.name;
  if (state.phase === 'loading') return html`<${Shell}><${Spinner} label="Opening your check-in…" /><//>`;
  if (state.phase === 'invalid')
    return html`<${Shell} clinic=${clinicName}><div class="q-card q-message" data-checkin="invalid"><${Heading}>This link is no longer valid</${Heading}>
      ${state.message && html`<p>${friendly('token', state.message)}.</p>`}
      <p>It may have expired, or the clinic sent you a newer one. Please contact the clinic.</p></div><//>`;
  if (state.phase === 'error')
    return html`<${Shell} clinic=${clinicName}><div class="q-card q-message"><${Heading}>Something went wrong</${Heading}><p>${state.message}</p></div><//>`;
  if (state.phase === 'answered')
    return html`<${Shell} clinic=${clinicName}><div class="q-card q-message" data-checkin="answered"><${Heading}>You have already answered this check-in</${Heading}>
      <p>Thank you: the clinic has your answers. If something worries you now, call the clinic${clinic && clinic.phone ? html` on <a href=${telOf(clinic.phone)}>${clinic.phone}</a>` : ''}.</p></div><//>`;
  if (state.phase === 'done')
    return state.result.call_now
      ? html`<${Shell} clinic=${clinicName}><${CallNow} result=${state.result} clinic=${clinic} /><//>`
      : html`<${Shell} clinic=${clinicName}><div class="q-card q-message q-thanks" data-checkin="thanks"><div class="q-tick" aria-hidden="true">✓</div><${Heading}>Thank you${info.patient && info.patient.given_name ? `, ${info.patient.given_name}` : ''}</${Heading}>
        <p>${state.result.message ? friendly(null, state.result.message) : 'The clinic has your answers.'}</p>
        ${(state.result.clinic_phone || (clinic && clinic.phone)) && html`<p class="small">The clinic’s number: <a href=${telOf(state.result.clinic_phone || clinic.phone)}>${state.result.clinic_phone || clinic.phone}</a></p>`}</div><//>`;

  const questions = [...(Array.isArray(info.questions) ? info.questions : []), ...(Array.isArray(info.outcome_questions) ? info.outcome_questions : [])];
  const setAnswer = (code, v) => {
    setAnswers((a) => ({ ...a, [code]: v }));
    setErrors((e) => (e[code] || e._form ? { ...e, [code]: undefined, _form: undefined } : e));
  };
  const submit = async (ev) => {
    ev.preventDefault();
    if (busy) return;
    // Every required question unanswered is said at once, before anything is sent (the server checks again).
    const missing = questions.filter((q) => q.required && (answers[q.code] === undefined || answers[q.code] === ''));
    if (missing.length) {
      setErrors(Object.fromEntries(missing.map((q) => [q.code, 'Please answer this question.'])));
      requestAnimationFrame(() => {
        const el = document.querySelector('.ci-q.has-error input, .ci-q.has-error textarea');
        if (el) el.focus();
      });
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      const result = await call('POST', base(token), { answers });
      setState({ phase: 'done', info, result });
      window.scrollTo(0, 0);
    } catch (e) {
      if (refusal(e) !== 'error') return setState({ phase: refusal(e), info, message: e.message });
      const next = {};
      const rest = [];
      for (const fe of e.errors || []) {
        // The question whose code the field names (codes may hold a dot: "outcome.gais").
        const f = fe.field || '';
        const q = questions.filter((x) => f === `answers.${x.code}` || f.startsWith(`answers.${x.code}.`) || f.startsWith(`answers.${x.code}[`)).sort((a, b) => b.code.length - a.code.length)[0];
        if (q) next[q.code] = next[q.code] || friendly(fe.field, fe.message);
        else rest.push(friendly(fe.field, fe.message));
      }
      if (!Object.keys(next).length || rest.length) next._form = rest.join(' ') || friendly(null, e.message);
      // Not sent at all (no connection, a fault of the server): the patient is never left without the number.
      if (!e.status || e.status >= 500) next._unsent = true;
      setErrors(next);
      requestAnimationFrame(() => {
        const el = document.querySelector('.ci-q.has-error input, .ci-q.has-error textarea, .ci-form .form-error');
        if (el) el.focus();
      });
    } finally {
      setBusy(false);
    }
  };
  return html`<${Shell} clinic=${clinicName}><div class="q-card ci-card">
    <${Heading}>How are you feeling${info.patient && info.patient.given_name ? `, ${info.patient.given_name}` : ''}?</${Heading}>
    <p class="q-intro">${dayLabel(info.day_offset)} after your treatment. A few quick questions about the treated area: it takes a minute.</p>
    <form class="ci-form q-form" onSubmit=${submit} novalidate>
      ${errors._form && html`<div class="form-error" role="alert" tabindex="-1">${errors._form}
        ${errors._unsent && html`<p class="ci-unsent" data-unsent>Your answers could not be sent. If something worries you, call the clinic now${clinic && clinic.phone ? html` on <a href=${telOf(clinic.phone)}>${clinic.phone}</a>` : ''}.</p>`}</div>`}
      ${questions.map((q, i) => html`<${Question} key=${q.code} q=${q} n=${i} value=${answers[q.code]} error=${errors[q.code]} onChange=${(v) => setAnswer(q.code, v)} />`)}
      <${Photo} token=${token} photo=${photo} setPhoto=${setPhoto} error=${photoError} setError=${setPhotoError} />
      <button type="submit" class="btn btn-primary btn-block q-submit" disabled=${busy}>${busy ? 'Sending…' : 'Send my answers'}</button>
      <p class="q-privacy">Your answers go only to your clinic.${clinic && clinic.phone ? html` Worried now? Call <a href=${telOf(clinic.phone)}>${clinic.phone}</a>.` : ''}</p>
    </form>
  </div><//>`;
}

/** The public page when the address is a check-in link, else null (main.js renders the app). */
export function checkinPage() {
  const m = /^\/ci\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  return m ? html`<${PublicCheckin} token=${m[1]} />` : null;
}

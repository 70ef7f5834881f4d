// The patient's pre-consultation questionnaire at /q/{token}: public, no sign-in, no
// staff chrome, mobile first. The link works once; the server is the judge of validity.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { html, Spinner } from '../ui.js';
import { makeVocab } from '../vocab.js';
import { ANSWERS } from '../facts.js';

const NOTES_MAX = 2000;

/** Plain fetch without the staff token: this page is for the patient. */
async function call(method, token, body) {
  let res;
  try {
    res = await fetch(`/api/v1/questionnaire/${encodeURIComponent(token)}`, {
      method,
      headers: body ? { Accept: 'application/json', 'Content-Type': 'application/json' } : { Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
    });
  } catch {
    throw Object.assign(new Error('We could not reach the clinic’s system. Check your connection and try again.'), { status: 0 });
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw Object.assign(new Error(e.message || 'Something went wrong.'), { status: res.status, field: e.field || null });
  }
  return data;
}

/** An option with its everyday names from the vocabulary's synonyms: "NSAID (e.g. ibuprofen)". */
function optionText(V, kind, e) {
  const ex = kind === 'medication' || kind === 'condition' ? V.examples(kind, e.code) : [];
  return ex.length ? `${e.label} (e.g. ${ex.join(', ')})` : e.label;
}

/** When the link expires, in the clinic's time zone, with the zone named. */
function expiry(info) {
  const d = new Date(info.expires_at);
  const opts = { dateStyle: 'medium', timeStyle: 'short' };
  try {
    const zone = info.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    const when = d.toLocaleString(undefined, { ...opts, timeZone: zone });
    const abbr = new Intl.DateTimeFormat(undefined, { timeZone: zone, timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    return `${when} (${info.time_zone ? 'clinic time, ' : ''}${zone.replace(/_/g, ' ')}${abbr ? `, ${abbr.value}` : ''})`;
  } catch {
    return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

const localToday = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

function Shell({ clinic, children }) {
  return html`<div class="q-wrap">
    <header class="q-head">
      <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" /><path d="M8 23V9h3.2l4.8 7.4L20.8 9H24v14h-3v-9l-5 7.4-5-7.4v9z" /></svg>
      <span>${clinic || 'Your clinic'}</span>
    </header>
    <main class="q-main" id="main">${children}</main>
  </div>`;
}

/** Yes, no or not sure: "not sure" is an answer of its own, never read as "no". */
function YesNo({ name, legend, value, onChange, error }) {
  return html`<fieldset class=${'q-yesno' + (error ? ' has-error' : '')} data-name=${name}>
    <legend>${legend}</legend>
    <div class="q-yesno-opts">
      ${ANSWERS.map(
        ([v, label]) => html`<label class=${value === v ? 'on' : ''}><input type="radio" name=${name} value=${v} checked=${value === v} onChange=${() => onChange(v)} /> ${label}</label>`,
      )}
    </div>
    ${error && html`<p class="field-error" role="alert">${error}</p>`}
  </fieldset>`;
}

function Err({ errors, name }) {
  return errors[name] ? html`<p class="field-error" role="alert" id=${`err-${name}`}><span aria-hidden="true">⚠ </span>${errors[name]}</p>` : null;
}

/** A list of rows (conditions, medications, allergies) the patient adds one by one. */
function Rows({ title, help, kind, rows, setRows, blank, addLabel, render, errors, extra }) {
  const upd = (i, patch) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return html`<section class="q-section" data-section=${kind}>
    <h2>${title}</h2>
    <p class="q-help">${help}</p>
    ${rows.length === 0 && html`<p class="q-none">None added.</p>`}
    <ol class="q-rows">
      ${rows.map(
        (r, i) => html`<li class=${'q-row' + (Object.keys(errors).some((k) => k.startsWith(`${kind}[${i}]`)) ? ' has-error' : '')} key=${r.key}>
          ${render(r, i, (patch) => upd(i, patch))}
          <button type="button" class="btn btn-small btn-ghost-danger q-remove" onClick=${() => setRows(rows.filter((_, j) => j !== i))}>Remove<span class="sr-only"> ${title} ${i + 1}</span></button>
          <${Err} errors=${errors} name=${`${kind}[${i}]`} />
        </li>`,
      )}
    </ol>
    <button type="button" class="btn q-add" onClick=${() => setRows([...rows, { ...blank, key: Math.random().toString(36).slice(2) }])}>+ ${addLabel}</button>
    ${extra}
  </section>`;
}

/** A server message worded for the patient, without the field's code name. */
function friendly(field, msg) {
  let m = msg || '';
  if (field && m.startsWith(field + ': ')) m = m.slice(field.length + 2);
  const leaf = field ? field.replace(/^.*\./, '') : '';
  if (leaf && m.startsWith(leaf + ' ')) m = m.slice(leaf.length + 1);
  if (/last_dose$/.test(field || '') && /future/.test(m)) return 'This date is in the future. Please give the day you last took it.';
  return m.charAt(0).toUpperCase() + m.slice(1);
}

let seq = 0;
function Select({ name, label, V, kind, value, onChange, errors, placeholder }) {
  const id = `q-${name.replace(/\W/g, '-')}-${++seq}`;
  return html`<div class=${'field' + (errors[name] ? ' has-error' : '')}>
    <label for=${id}>${label}</label>
    <select id=${id} name=${name} value=${value} aria-invalid=${errors[name] ? 'true' : undefined} onChange=${(e) => onChange(e.currentTarget.value)}>
      <option value="">${placeholder}</option>
      ${V.list(kind).map((o) => html`<option value=${o.code}>${optionText(V, kind, o)}</option>`)}
    </select>
    <${Err} errors=${errors} name=${name} />
  </div>`;
}

function Input({ name, label, value, onChange, errors, hint, ...rest }) {
  const id = `q-${name.replace(/\W/g, '-')}-${++seq}`;
  return html`<div class=${'field' + (errors[name] ? ' has-error' : '')}>
    <label for=${id}>${label}</label>
    <input id=${id} name=${name} value=${value} aria-invalid=${errors[name] ? 'true' : undefined} onInput=${(e) => onChange(e.currentTarget.value)} ...${rest} />
    ${hint && html`<p class="hint">${hint}</p>`}
    <${Err} errors=${errors} name=${name} />
  </div>`;
}

function Form({ token, info, onDone }) {
  // The vocabulary of the server's knowledge base, as this link's endpoint returns it.
  const V = useMemo(() => {
    const v = info.vocabulary || {};
    return makeVocab({ condition: v.conditions, medication: v.medications, substance: v.allergies, area: v.areas });
  }, [info]);
  const [pregnant, setPregnant] = useState(null);
  const [breastfeeding, setBreastfeeding] = useState(null);
  const [conditions, setConditions] = useState([]);
  const [medications, setMedications] = useState([]);
  const [allergies, setAllergies] = useState([]);
  const [noAllergies, setNoAllergies] = useState(false);
  const [notes, setNotes] = useState('');
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);

  const focusError = () =>
    requestAnimationFrame(() => {
      const el = document.querySelector('.q-form [aria-invalid="true"], .q-form .has-error input, .q-form .form-error');
      if (el) el.focus();
    });

  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (pregnant === null) errs.pregnant = 'Please answer yes, no or not sure.';
    if (breastfeeding === null) errs.breastfeeding = 'Please answer yes, no or not sure.';
    if (!noAllergies && allergies.length === 0) errs.no_known_allergies = 'Please add your allergies, or tick “I have no known allergies”.';
    conditions.forEach((c, i) => !c.code && (errs[`conditions[${i}].code`] = 'Choose a condition, or remove this row.'));
    medications.forEach((m, i) => !m.code && (errs[`medications[${i}].code`] = 'Choose a medicine, or remove this row.'));
    allergies.forEach((a, i) => !a.substance && (errs[`allergies[${i}].substance`] = 'Choose what you are allergic to, or remove this row.'));
    if (Object.keys(errs).length) {
      setErrors({ ...errs, _form: 'Please check the answers marked below.' });
      focusError();
      return;
    }
    const body = {
      pregnant,
      breastfeeding,
      conditions: conditions.map((c) => ({ code: c.code, active: c.active, ...(c.site ? { site: c.site } : {}) })),
      medications: medications.map((m) => ({ code: m.code, ...(m.name.trim() ? { name: m.name.trim() } : {}), ...(m.last_dose ? { last_dose: m.last_dose } : {}) })),
      allergies: noAllergies ? [] : allergies.map((a) => ({ substance: a.substance, ...(a.reaction.trim() ? { reaction: a.reaction.trim() } : {}) })),
      no_known_allergies: noAllergies,
      notes: notes.trim(),
    };
    setBusy(true);
    setErrors({});
    try {
      await call('POST', token, body);
      onDone();
    } catch (err) {
      if (err.status === 404) return onDone('invalid');
      const f = err.field;
      const msg = friendly(f, err.message);
      const q = f && CSS.escape(f);
      const shown = f && (f === 'pregnant' || f === 'breastfeeding' || f === 'no_known_allergies' || document.querySelector(`.q-form select[name="${q}"], .q-form input[name="${q}"]:not([type=radio]), .q-form textarea[name="${q}"]`));
      setErrors(shown ? { [f]: msg, _form: 'Please check the answer marked below.' } : { _form: msg });
      focusError();
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="q-form" onSubmit=${submit} novalidate>
    <h1 tabindex="-1">Hello ${info.given_name}</h1>
    <p class="q-intro">
      Before your appointment at ${info.clinic_name}, please answer a few health questions. It takes about two
      minutes. Your practitioner will go through the answers with you. This link works once and
      expires ${expiry(info)}.
    </p>
    ${errors._form && html`<div class="form-error" role="alert" tabindex="-1">${errors._form}</div>`}

    <section class="q-section">
      <h2>Pregnancy and breastfeeding</h2>
      <${YesNo} name="pregnant" legend="Are you pregnant, or could you be?" value=${pregnant} onChange=${(x) => { setPregnant(x); setErrors({ ...errors, pregnant: undefined }); }} error=${errors.pregnant} />
      <${YesNo} name="breastfeeding" legend="Are you breastfeeding?" value=${breastfeeding} onChange=${(x) => { setBreastfeeding(x); setErrors({ ...errors, breastfeeding: undefined }); }} error=${errors.breastfeeding} />
    </section>

    <${Rows} title="Health conditions" kind="conditions" addLabel="Add a condition" errors=${errors}
      help="Any of these, now or in the past. Skip this if none apply."
      rows=${conditions} setRows=${setConditions} blank=${{ code: '', active: true, site: '' }}
      render=${(r, i, set) => html`
        <${Select} name=${`conditions[${i}].code`} label="Condition" placeholder="Choose…" V=${V} kind="condition" value=${r.code} onChange=${(x) => set({ code: x })} errors=${errors} />
        <fieldset class="q-inline" >
          <legend>Do you have it now?</legend>
          <label><input type="radio" name=${`conditions[${i}].active`} checked=${r.active} onChange=${() => set({ active: true })} /> Yes, now</label>
          <label><input type="radio" name=${`conditions[${i}].active`} checked=${!r.active} onChange=${() => set({ active: false })} /> In the past</label>
        </fieldset>
        <${Select} name=${`conditions[${i}].site`} label="Where on the body? (optional)" placeholder="Not in one place" V=${V} kind="area" value=${r.site} onChange=${(x) => set({ site: x })} errors=${errors} />`} />

    <${Rows} title="Medicines and supplements" kind="medications" addLabel="Add a medicine or supplement" errors=${errors}
      help="Include painkillers like ibuprofen or aspirin, blood thinners, and supplements such as fish oil or vitamin E."
      rows=${medications} setRows=${setMedications} blank=${{ code: '', name: '', last_dose: '' }}
      render=${(r, i, set) => html`
        <${Select} name=${`medications[${i}].code`} label="Medicine or supplement" placeholder="Choose…" V=${V} kind="medication" value=${r.code} onChange=${(x) => set({ code: x })} errors=${errors} />
        <${Input} name=${`medications[${i}].name`} label="Name on the pack (optional)" placeholder="e.g. Nurofen 200 mg" value=${r.name} onChange=${(x) => set({ name: x })} errors=${errors} maxlength="200" />
        <${Input} name=${`medications[${i}].last_dose`} label="When did you last take it? (optional)" type="date" max=${localToday()} value=${r.last_dose} onChange=${(x) => set({ last_dose: x })} errors=${errors} />`} />

    <${Rows} title="Allergies" kind="allergies" addLabel="Add an allergy" errors=${errors}
      help="Anything you are allergic to, including anaesthetics (numbing injections or creams) and latex."
      rows=${noAllergies ? [] : allergies} setRows=${(x) => { setAllergies(x); if (x.length) setNoAllergies(false); setErrors({ ...errors, no_known_allergies: undefined }); }}
      extra=${html`<label class=${'q-check' + (errors.no_known_allergies ? ' has-error' : '')}>
          <input type="checkbox" name="no_known_allergies" checked=${noAllergies} aria-invalid=${errors.no_known_allergies ? 'true' : undefined}
            onChange=${(e) => { setNoAllergies(e.currentTarget.checked); if (e.currentTarget.checked) setAllergies([]); setErrors({ ...errors, no_known_allergies: undefined }); }} />
          I have no known allergies</label>
        <${Err} errors=${errors} name="no_known_allergies" />`} blank=${{ substance: '', reaction: '' }}
      render=${(r, i, set) => html`
        <${Select} name=${`allergies[${i}].substance`} label="Allergic to" placeholder="Choose…" V=${V} kind="substance" value=${r.substance} onChange=${(x) => set({ substance: x })} errors=${errors} />
        <${Input} name=${`allergies[${i}].reaction`} label="What happened? (optional)" placeholder="e.g. rash, swelling" value=${r.reaction} onChange=${(x) => set({ reaction: x })} errors=${errors} maxlength="200" />`} />

    <section class="q-section">
      <h2>Anything else?</h2>
      <div class=${'field' + (errors.notes ? ' has-error' : '')}>
        <label for="q-notes">Notes for your practitioner (optional)</label>
        <textarea id="q-notes" name="notes" rows="4" maxlength=${NOTES_MAX} value=${notes} aria-invalid=${errors.notes ? 'true' : undefined} onInput=${(e) => setNotes(e.currentTarget.value)}></textarea>
        <p class="hint">${notes.length} / ${NOTES_MAX}</p>
        <${Err} errors=${errors} name="notes" />
      </div>
    </section>

    <button type="submit" class="btn btn-primary btn-block q-submit" disabled=${busy}>${busy ? 'Sending…' : 'Send my answers'}</button>
    <p class="q-privacy">Your answers go only to ${info.clinic_name}.</p>
  </form>`;
}

export function PublicQuestionnaire({ token }) {
  const [state, setState] = useState({ phase: 'loading' });
  useEffect(() => {
    document.title = 'Pre-consultation questionnaire';
    call('GET', token).then(
      (info) => setState({ phase: 'form', info }),
      (e) => setState({ phase: e.status === 404 ? 'invalid' : 'error', message: e.message }),
    );
  }, [token]);
  useEffect(() => {
    const h = document.querySelector('.q-main h1');
    if (h) h.focus();
    window.scrollTo(0, 0);
  }, [state.phase]);
  const clinic = state.info && state.info.clinic_name;
  if (state.phase === 'loading') return html`<${Shell}><${Spinner} label="Opening your questionnaire…" /><//>`;
  if (state.phase === 'invalid')
    return html`<${Shell} clinic=${clinic}><div class="q-card q-message"><h1 tabindex="-1">This link is no longer valid</h1>
      <p>It may have expired or already been used. Please contact the clinic for a new link.</p></div><//>`;
  if (state.phase === 'error')
    return html`<${Shell} clinic=${clinic}><div class="q-card q-message"><h1 tabindex="-1">Something went wrong</h1><p>${state.message}</p>
      <button type="button" class="btn" onClick=${() => location.reload()}>Try again</button></div><//>`;
  if (state.phase === 'done')
    return html`<${Shell} clinic=${clinic}><div class="q-card q-message q-thanks"><div class="q-tick" aria-hidden="true">✓</div><h1 tabindex="-1">Thank you, ${state.info.given_name}</h1>
      <p>Your answers have been sent to ${clinic}. Your practitioner will go through them with you at your appointment.</p>
      <p class="muted">You can close this page. The link cannot be used again.</p></div><//>`;
  return html`<${Shell} clinic=${clinic}><div class="q-card"><${Form} token=${token} info=${state.info}
    onDone=${(x) => setState((s) => ({ ...s, phase: x === 'invalid' ? 'invalid' : 'done' }))} /></div><//>`;
}

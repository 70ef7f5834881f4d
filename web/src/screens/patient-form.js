// Add a patient (POST /patients) or edit one (PUT /patients/{id} with reason and version).
// Every field error of an answer is shown at once, each under its field (useForm).
import { useState } from 'preact/hooks';
import { get, post, put } from '../api.js';
import { FITZPATRICK, calendarDate, sentence } from '../format.js';
import { html, Link, navigate, useForm, useLoad, Field, FormError, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';

const FIELDS = ['given_name', 'family_name', 'birth_date', 'sex', 'fitzpatrick', 'email', 'phone', 'reason'];
const EDITABLE = ['given_name', 'family_name', 'birth_date', 'sex', 'fitzpatrick', 'email', 'phone'];
const SEX_OPTIONS = [['', 'Choose…'], ['female', 'Female'], ['male', 'Male'], ['other', 'Other'], ['unknown', 'Not known']];
const FITZ_OPTIONS = [['', 'Not assessed'], ...FITZPATRICK.map((r, i) => [String(i + 1), `Type ${r}`])];

function toForm(p) {
  return {
    given_name: p.given_name || '',
    family_name: p.family_name || '',
    birth_date: p.birth_date || '',
    sex: p.sex || '',
    fitzpatrick: p.fitzpatrick ? String(p.fitzpatrick) : '',
    email: p.email || '',
    phone: p.phone || '',
    reason: '',
  };
}

function toApi(v) {
  const out = {};
  for (const k of EDITABLE) {
    const raw = typeof v[k] === 'string' ? v[k].trim() : v[k];
    if (k === 'fitzpatrick') out[k] = raw ? Number(raw) : null;
    else out[k] = raw === '' ? null : raw;
  }
  return out;
}

function PatientFields({ form, editing }) {
  return html`<${FormError} form=${form} />
    <div class="grid-2">
      <${Field} form=${form} name="given_name" label="Given name" required autocomplete="off" />
      <${Field} form=${form} name="family_name" label="Family name" required autocomplete="off" />
      <${Field} form=${form} name="birth_date" label="Birth date" required past autocomplete="off" />
      <${Field} form=${form} name="sex" label="Sex" type="select" options=${SEX_OPTIONS} required />
      <${Field} form=${form} name="fitzpatrick" label="Fitzpatrick skin type" type="select" options=${FITZ_OPTIONS} />
      <div></div>
      <${Field} form=${form} name="phone" label="Phone" type="tel" autocomplete="off" />
      <${Field} form=${form} name="email" label="Email" type="email" autocomplete="off" />
    </div>
    <${Field} form=${form} name="reason" label=${editing ? 'Reason for the change' : 'Note (optional)'} required=${editing} hint=${editing ? 'Kept in the record’s history, e.g. “patient moved house”.' : undefined} />`;
}

const MATCHED_ON = { name_and_birth_date: 'same name and birth date', email: 'same e-mail', phone: 'same phone' };

/** The server found records that may be the same person (409 duplicate_suspected). */
function DuplicateWarning({ candidates, busy, onConfirm }) {
  return html`<div class="alert alert-info duplicate-warning" role="alert" tabindex="-1">
    <p><strong>This patient may already be registered.</strong> Open the record below if it is the same person; add a new one only for someone else.</p>
    <ul class="duplicate-list" style="overflow-wrap: anywhere">
      ${candidates.map((c) => html`<li key=${c.id}>
        <${Link} href=${`/patients/${c.id}`}><strong>${c.family_name}</strong>, ${c.given_name}<//>
        <span class="muted"> · born ${calendarDate(c.birth_date)}${c.phone ? ` · ${c.phone}` : ''}${c.email ? ` · ${c.email}` : ''}</span>
        <span class="muted"> · ${(c.matched_on || []).map((m) => MATCHED_ON[m] || m).join(', ')}</span>
      </li>`)}
    </ul>
    <button type="button" class="btn" disabled=${busy} onClick=${onConfirm}>Add anyway: a different person</button>
  </div>`;
}

function NewPatient() {
  const form = useForm(toForm({}), FIELDS);
  const [dupes, setDupes] = useState(null);
  const create = (confirm) => async (v) => {
    const body = toApi(v);
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    if (v.reason.trim()) body.reason = v.reason.trim();
    if (confirm) body.confirm_not_duplicate = true;
    setDupes(null);
    try {
      const p = await post('/patients', body);
      navigate(`/patients/${p.id}`);
    } catch (e) {
      if (e.code !== 'duplicate_suspected') throw e;
      setDupes(e.candidates || []);
      requestAnimationFrame(() => {
        const el = document.querySelector('.duplicate-warning');
        if (el) el.focus();
      });
    }
  };
  const onSubmit = form.submit(create(false));
  const onConfirm = form.submit(create(true));
  return html`<section class="page page-narrow">
    <p class="crumbs"><${Link} href="/patients">Patients<//> ›</p>
    <${PageTitle} title="New patient">New patient<//>
    <form class="card form" ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="New patient">
      <${PatientFields} form=${form} editing=${false} />
      ${dupes && html`<${DuplicateWarning} candidates=${dupes} busy=${form.busy} onConfirm=${onConfirm} />`}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : 'Add patient'}</button>
        <${Link} href="/patients" class="btn btn-ghost">Cancel<//>
      </div>
    </form>
  </section>`;
}

function EditPatient({ patient }) {
  const form = useForm(toForm(patient), FIELDS);
  // The server checks the reason with the fields, so a missing reason and a wrong value are
  // named together.
  const onSubmit = form.submit(async (v) => {
    const before = toApi(toForm(patient));
    const after = toApi(v);
    const body = { version: patient.version };
    if (v.reason.trim()) body.reason = v.reason.trim();
    for (const k of EDITABLE) if (before[k] !== after[k]) body[k] = after[k];
    await put(`/patients/${patient.id}`, body);
    navigate(`/patients/${patient.id}`);
  });
  const name = `${patient.given_name} ${patient.family_name}`;
  return html`<section class="page page-narrow">
    <p class="crumbs"><${Link} href="/patients">Patients<//> › <${Link} href=${`/patients/${patient.id}`}>${name}<//> ›</p>
    <${PageTitle} title=${`Edit ${name}`}>Edit patient details<//>
    <form class="card form" ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Edit patient">
      <${PatientFields} form=${form} editing=${true} />
      ${form.errors._status === 409 && html`<p><button type="button" class="btn" onClick=${() => location.reload()}>Reload the latest version</button></p>`}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : 'Save changes'}</button>
        <${Link} href=${`/patients/${patient.id}`} class="btn btn-ghost">Cancel<//>
      </div>
    </form>
  </section>`;
}

export function PatientFormScreen({ id }) {
  const session = useSession();
  if (!session.can('demographics_write'))
    return html`<section class="page"><${PageTitle}>Not allowed<//><${Alert}>Your role cannot add or edit patients.<//></section>`;
  if (!id) return html`<${NewPatient} />`;
  return html`<${LoadAndEdit} id=${id} />`;
}

function LoadAndEdit({ id }) {
  const p = useLoad(() => get(`/patients/${id}`), [id]);
  if (p.error) return html`<section class="page"><${PageTitle}>Patient<//><${Alert}>${sentence(p.error.message)}<//></section>`;
  if (!p.data) return html`<${Spinner} />`;
  return html`<${EditPatient} patient=${p.data} />`;
}

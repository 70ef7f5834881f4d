// Staff credentials (admin, staff_write): the worklist of licences expiring within 60 days
// (or expired), and one staff member's licences and qualifications (number, issuing body,
// scope, issued and expiry dates, with the days left), added with their evidence (a file
// uploaded and stored by the server under its content hash). A practitioner whose licence
// has expired or lacks the scope cannot be booked for a treatment; the server says so.
import { useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { calendarDate, sentence } from '../format.js';
import { html, navigate, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { daysFromToday } from '../stock-common.js';
import { personName, ScheduleNav } from '../schedule.js';
import './admin.css';
import './stock.css';
import './schedule.css';

const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);
// Types and scopes are the server's (GET /credentials/kb); these are the short names shown.
const TYPE_SHORT = { licence: 'Licence', registration: 'Registration', qualification: 'Qualification', insurance: 'Insurance' };
const typeLabel = (t) => TYPE_SHORT[t] || t || '';
const expiryOf = (c) => c.expires_on || '';
const upper = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : s);

/** The expiry as a badge [text, class], or null when it is far off (or there is none). */
export function expiryBadge(c) {
  const e = expiryOf(c);
  if (!e) return null;
  const days = daysFromToday(e);
  if (days === null) return null;
  if (days < 0) return [`Expired ${-days} day${days === -1 ? '' : 's'} ago`, 'badge-danger'];
  if (days <= 60) return [days === 0 ? 'Expires today' : `Expires in ${days} day${days === 1 ? '' : 's'}`, 'badge-warn'];
  return null;
}

function Expiring({ onOpen }) {
  const list = useLoad(() => get(`/credentials/expiring${qs({ within: 60 })}`), []);
  const rows = items(list.data);
  return html`<section class="card panel worklist" aria-labelledby="expiring-h" data-worklist="credentials-expiring">
    <header class="panel-head"><h2 id="expiring-h">Expiring within 60 days ${list.data && html`<span class="count">${rows.length}</span>`}</h2></header>
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && rows.length === 0 && html`<p class="empty">No licence expires within 60 days.</p>`}
    <ul class="plain cred-list">${rows.map((c) => {
      const b = expiryBadge(c);
      return html`<li key=${c.id} class="cred-row" data-credential=${c.number || c.id}>
        <div class="cred-main"><button type="button" class="btn-link" onClick=${() => onOpen(c.staff_id)}>${c.staff_name || 'Staff member'}</button>
          <div class="small">${typeLabel(c.type)} ${c.number || ''}${c.issuing_body ? ` · ${c.issuing_body}` : ''} · expires ${calendarDate(expiryOf(c))}</div></div>
        ${b && html`<span class=${`badge ${b[1]}`}>${b[0]}</span>`}
      </li>`;
    })}</ul>
  </section>`;
}

/** A file as base64 (no data: prefix). */
const readBase64 = (file) =>
  new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });

const FIELDS = ['type', 'number', 'issuing_body', 'scopes', 'issued_on', 'expires_on', 'note', 'evidence'];

/** Upload one file as evidence of credential c (stored by the server under its hash). */
async function addEvidence(staffId, c, file) {
  const body = { filename: file.name, data: await readBase64(file) };
  if (file.type) body.media_type = file.type;
  return post(`/staff/${staffId}/credentials/${c.id}/evidence`, body);
}

function AddCredentialDialog({ staff, kb, onClose, onSaved }) {
  const form = useForm({ type: 'licence', number: '', issuing_body: '', scopes: [], issued_on: '', expires_on: '', note: '' }, FIELDS);
  const [file, setFile] = useState(null);
  const [saved, setSaved] = useState(null);
  const types = items(kb && kb.types);
  const scopes = items(kb && kb.scopes);
  const type = types.find((t) => t.code === form.values.type);
  const toggle = (code) => form.setValues((v) => ({ ...v, scopes: v.scopes.includes(code) ? v.scopes.filter((x) => x !== code) : [...v.scopes, code] }));
  const onSubmit = form.submit(async (v) => {
    let c = saved;
    if (!c) {
      const body = { type: v.type, scopes: v.scopes };
      for (const k of ['number', 'issuing_body', 'issued_on', 'expires_on', 'note']) if (v[k].trim()) body[k] = v[k].trim();
      c = await post(`/staff/${staff.id}/credentials`, body);
      setSaved(c);
    }
    if (file) {
      try {
        await addEvidence(staff.id, c, file);
      } catch (e) {
        // The credential is kept; the file can be sent again from here, its error under it.
        throw Object.assign(e, { field: 'evidence', errors: [{ field: 'evidence', message: e.message }] });
      }
    }
    onSaved(c);
  });
  return html`<${Dialog} title=${`Add a credential for ${personName(staff)}`} onClose=${saved ? () => onSaved(saved) : onClose} wide>
    ${saved && html`<p class="notice-ok" role="status">${typeLabel(saved.type)} ${saved.number || ''} saved; the evidence was not.</p>`}
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Add a credential">
      <${FormError} form=${form} />
      <fieldset disabled=${!!saved} class="plain-fieldset">
      <div class="grid-2">
        <${Field} form=${form} name="type" label="Type" type="select" options=${(types.length ? types : [{ code: 'licence', label: 'licence' }]).map((t) => [t.code, upper(t.label || t.code)])} />
        <${Field} form=${form} name="number" label="Number" />
        <${Field} form=${form} name="issuing_body" label="Issuing body" required />
        <${Field} form=${form} name="issued_on" label="Issued on" type="date" required />
        <${Field} form=${form} name="expires_on" label=${type && !type.requires_expiry ? 'Expires on (optional)' : 'Expires on'} type="date" required=${!type || !!type.requires_expiry} />
        <${Field} form=${form} name="note" label="Note (optional)" />
      </div>
      <fieldset class=${'checks' + (form.errors.scopes ? ' has-error' : '')} name="scopes">
        <legend>Scope</legend>
        ${scopes.map((sc) => html`<label key=${sc.code} class="field field-check"><input type="checkbox" checked=${form.values.scopes.includes(sc.code)} onChange=${() => toggle(sc.code)} data-scope=${sc.code} />
          <span>${upper(sc.label || sc.code)} <span class="muted small">(${sc.code})</span></span></label>`)}
        ${form.errors.scopes && html`<p class="field-error" role="alert">${sentence(form.errors.scopes)}</p>`}
      </fieldset>
      </fieldset>
      <div class=${'field' + (form.errors.evidence ? ' has-error' : '')}>
        <label for="cred-evidence">Evidence (optional)</label>
        <input id="cred-evidence" name="evidence" type="file" accept="application/pdf,image/*" onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />
        <p class="hint">A scan or photo of the certificate; stored by its content hash.</p>
        ${form.errors.evidence && html`<p class="field-error" role="alert">${sentence(form.errors.evidence)}</p>`}
      </div>
      <div class="actions"><button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : saved ? 'Upload the evidence' : 'Add credential'}</button>
        <button type="button" class="btn btn-ghost" onClick=${saved ? () => onSaved(saved) : onClose}>${saved ? 'Done' : 'Cancel'}</button></div>
    </form>
  <//>`;
}

function StaffCredentials({ staff, kb, canWrite, onChanged }) {
  const list = useLoad(() => get(`/staff/${staff.id}/credentials`), [staff.id]);
  const [adding, setAdding] = useState(false);
  const rows = items(list.data).filter((c) => c.status !== 'entered_in_error');
  return html`<section class="card panel" aria-labelledby="cred-staff-h" data-staff=${staff.email}>
    <header class="panel-head"><h2 id="cred-staff-h">${personName(staff)}: licences and qualifications</h2>
      ${canWrite && html`<button type="button" class="btn btn-small" onClick=${() => setAdding(true)}>+ Add credential</button>`}</header>
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && rows.length === 0 && html`<p class="empty">No licence or qualification recorded.</p>`}
    <ul class="plain cred-list">${rows.map((c) => {
      const b = expiryBadge(c);
      return html`<li key=${c.id} class="cred-row" data-credential=${c.number || c.id}>
        <div class="cred-main">
          <strong>${typeLabel(c.type)}${c.number ? ` ${c.number}` : ''}</strong>${c.status && c.status !== 'active' ? html` <span class="badge badge-danger">${upper(c.status)}</span>` : ''}
          <div class="small">${[c.issuing_body, items(c.scopes).length ? `scope ${items(c.scopes).join(', ')}` : ''].filter(Boolean).join(' · ')}</div>
          <div class="small">${c.issued_on ? `Issued ${calendarDate(c.issued_on)} · ` : ''}${expiryOf(c) ? `Expires ${calendarDate(expiryOf(c))}` : 'No expiry'}</div>
          ${items(c.evidence).map((e) => html`<div class="small muted wrap-any" data-evidence=${e.hash}>Evidence: ${e.filename || 'file'} <span class="mono">${String(e.hash).slice(0, 12)}…</span></div>`)}
        </div>
        ${b && html`<span class=${`badge ${b[1]}`}>${b[0]}</span>`}
      </li>`;
    })}</ul>
    ${adding && html`<${AddCredentialDialog} staff=${staff} kb=${kb} onClose=${() => setAdding(false)} onSaved=${() => { setAdding(false); list.reload(); onChanged(); }} />`}
  </section>`;
}

export function CredentialsScreen({ search }) {
  const session = useSession();
  const staff = useLoad(() => get('/staff'), []);
  const kb = useLoad(() => get('/credentials/kb'), []);
  const [tick, setTick] = useState(0);
  const params = new URLSearchParams(search || '');
  const all = items(staff.data).filter((s) => s.active !== false);
  const chosenId = params.get('staff_id') || (all.find((s) => s.role === 'practitioner') || all[0] || {}).id;
  const chosen = all.find((s) => s.id === chosenId);
  const open = (id) => navigate(`/credentials${qs({ staff_id: id })}`);
  return html`<section class="page cred-page">
    <${PageTitle} title="Credentials">Credentials<//>
    <${ScheduleNav} current="credentials" admin=${session.can('staff_write')} />
    <div class="cred-grid">
      <${Expiring} key=${tick} onOpen=${open} />
      <div class="cred-col">
        ${staff.error && html`<${Alert}>${sentence(staff.error.message)}<//>`}
        ${staff.data && html`<div class="field"><label for="cred-who">Staff member</label>
          <select id="cred-who" value=${chosenId} onChange=${(e) => open(e.currentTarget.value)}>
            ${all.map((s) => html`<option value=${s.id}>${personName(s)} (${s.role})</option>`)}</select></div>`}
        ${chosen && html`<${StaffCredentials} key=${chosen.id} staff=${chosen} kb=${kb.data} canWrite=${session.can('staff_write')} onChanged=${() => setTick((t) => t + 1)} />`}
      </div>
    </div>
  </section>`;
}

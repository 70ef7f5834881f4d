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
const KINDS = [
  ['licence', 'Licence'],
  ['qualification', 'Qualification'],
];
const kindLabel = (k) => (KINDS.find(([c]) => c === k) || [k, k || ''])[1];
const expiryOf = (c) => c.expires_on || c.expiry || c.valid_until || '';

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
  const list = useLoad(() => get(`/credentials/expiring${qs({ days: 60 })}`), []);
  const rows = items(list.data);
  return html`<section class="card panel worklist" aria-labelledby="expiring-h" data-worklist="credentials-expiring">
    <header class="panel-head"><h2 id="expiring-h">Expiring within 60 days ${list.data && html`<span class="count">${rows.length}</span>`}</h2></header>
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && rows.length === 0 && html`<p class="empty">No licence expires within 60 days.</p>`}
    <ul class="plain cred-list">${rows.map((c) => {
      const b = expiryBadge(c);
      return html`<li key=${c.id} class="cred-row" data-credential=${c.number || c.id}>
        <div class="cred-main"><button type="button" class="btn-link" onClick=${() => onOpen(c.staff_id)}>${c.staff_name || personName(c.staff) || 'Staff member'}</button>
          <div class="small">${kindLabel(c.kind)} ${c.number || ''}${c.issuer ? ` · ${c.issuer}` : ''} · expires ${calendarDate(expiryOf(c))}</div></div>
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

const FIELDS = ['kind', 'number', 'issuer', 'scope', 'issued_on', 'expires_on', 'evidence', 'title'];

function AddCredentialDialog({ staff, onClose, onSaved }) {
  const form = useForm({ kind: 'licence', number: '', issuer: '', scope: '', issued_on: '', expires_on: '', title: '' }, FIELDS);
  const [file, setFile] = useState(null);
  const onSubmit = form.submit(async (v) => {
    const body = { staff_id: staff.id, kind: v.kind };
    for (const k of ['number', 'issuer', 'issued_on', 'expires_on', 'title']) if (v[k].trim()) body[k] = v[k].trim();
    const scopes = v.scope.split(/[\s,]+/).filter(Boolean);
    if (scopes.length) body.scope = scopes;
    if (file) body.evidence = { filename: file.name, content_type: file.type || 'application/octet-stream', content_base64: await readBase64(file) };
    const c = await post('/credentials', body);
    onSaved(c);
  });
  return html`<${Dialog} title=${`Add a credential for ${personName(staff)}`} onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Add a credential">
      <${FormError} form=${form} />
      <div class="grid-2">
        <${Field} form=${form} name="kind" label="Kind" type="select" options=${KINDS} />
        <${Field} form=${form} name="number" label="Number" required=${form.values.kind === 'licence'} />
        <${Field} form=${form} name="issuer" label="Issuing body" />
        <${Field} form=${form} name="scope" label="Scope" hint="For example injectables; several separated by commas." />
        <${Field} form=${form} name="issued_on" label="Issued on" type="date" />
        <${Field} form=${form} name="expires_on" label="Expires on" type="date" required=${form.values.kind === 'licence'} />
      </div>
      ${form.values.kind === 'qualification' && html`<${Field} form=${form} name="title" label="Qualification" />`}
      <div class=${'field' + (form.errors.evidence ? ' has-error' : '')}>
        <label for="cred-evidence">Evidence (optional)</label>
        <input id="cred-evidence" name="evidence" type="file" accept="application/pdf,image/*" onChange=${(e) => setFile(e.currentTarget.files[0] || null)} />
        <p class="hint">A scan or photo of the certificate; stored by its content hash.</p>
        ${form.errors.evidence && html`<p class="field-error" role="alert">${sentence(form.errors.evidence)}</p>`}
      </div>
      <div class="actions"><button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : 'Add credential'}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button></div>
    </form>
  <//>`;
}

function StaffCredentials({ staff, canWrite, onChanged }) {
  const list = useLoad(() => get(`/credentials${qs({ staff_id: staff.id })}`), [staff.id]);
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
          <strong>${kindLabel(c.kind)}${c.number ? ` ${c.number}` : ''}${c.title ? `: ${c.title}` : ''}</strong>
          <div class="small">${[c.issuer, items(c.scope).length ? `scope ${items(c.scope).join(', ')}` : typeof c.scope === 'string' ? `scope ${c.scope}` : ''].filter(Boolean).join(' · ')}</div>
          <div class="small">${c.issued_on ? `Issued ${calendarDate(c.issued_on)} · ` : ''}${expiryOf(c) ? `Expires ${calendarDate(expiryOf(c))}` : 'No expiry'}</div>
          ${(c.evidence_hash || (c.evidence && c.evidence.hash)) && html`<div class="small muted wrap-any">Evidence <span class="mono">${String(c.evidence_hash || c.evidence.hash).slice(0, 16)}…</span></div>`}
        </div>
        ${b && html`<span class=${`badge ${b[1]}`}>${b[0]}</span>`}
      </li>`;
    })}</ul>
    ${adding && html`<${AddCredentialDialog} staff=${staff} onClose=${() => setAdding(false)} onSaved=${() => { setAdding(false); list.reload(); onChanged(); }} />`}
  </section>`;
}

export function CredentialsScreen({ search }) {
  const session = useSession();
  const staff = useLoad(() => get('/staff'), []);
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
        ${chosen && html`<${StaffCredentials} key=${chosen.id} staff=${chosen} canWrite=${session.can('staff_write')} onChanged=${() => setTick((t) => t + 1)} />`}
      </div>
    </div>
  </section>`;
}

// Clearances on record: which rule, who cleared it and until when; revoke with a reason;
// each clearance's version history.
import { useState } from 'preact/hooks';
import { put } from '../api.js';
import { calendarDate, instant, todayInClinic } from '../format.js';
import { html, useForm, Field, FormError, Dialog, Spinner, Alert, useId } from '../ui.js';
import { useSession } from '../session.js';
import { History } from '../history.js';
import { ruleName } from '../screening.js';
import { useKb } from '../vocab.js';

const STATUS = {
  active: ['Active', 'badge-ok'],
  revoked: ['Revoked', 'badge-danger'],
  entered_in_error: ['Entered in error', 'badge-eie'],
};

function RevokeDialog({ patientId, clearance, onClose, onSaved }) {
  const kb = useKb().data;
  const form = useForm({ reason: '' }, ['reason', 'status']);
  const onSubmit = form.submit(async (v) => {
    if (!v.reason.trim()) throw Object.assign(new Error('Say why the clearance is revoked.'), { field: 'reason' });
    await put(`/patients/${patientId}/clearances/${clearance.id}`, { status: 'revoked', reason: v.reason.trim() });
    onSaved();
  });
  return html`<${Dialog} title="Revoke clearance" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
      <p><strong>${ruleName(clearance.rule, kb)}</strong> cleared by ${clearance.physician} will no longer apply to screenings. It stays in the history.</p>
      <${FormError} form=${form} />
      <${Field} form=${form} name="reason" label="Why is it revoked?" required placeholder="e.g. prescriber withdrew the clearance" />
      <div class="actions">
        <button type="submit" class="btn btn-danger" disabled=${form.busy}>Revoke clearance</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

function ClearanceRow({ c, patientId, canWrite, onRevoke }) {
  const session = useSession();
  const kb = useKb().data;
  const [open, setOpen] = useState(false);
  const histId = useId('chist');
  const [label, cls] = STATUS[c.status] || [c.status, ''];
  const expired = c.status === 'active' && c.valid_until < todayInClinic();
  const inactive = c.status !== 'active' || expired;
  return html`<li class=${'fact clearance' + (inactive ? ' is-inactive' : '')} data-clearance-id=${c.id}>
    <div class="fact-main">
      <span class="fact-name">${ruleName(c.rule, kb)}</span>
      <span class=${`badge ${expired ? '' : cls}`}>${expired ? 'Expired' : label}</span>
      <div class="fact-sub">${c.physician} · valid until ${calendarDate(c.valid_until)}</div>
      <div class="fact-sub muted small">${c.clearance_reason}</div>
      ${c.status !== 'active' && c.reason && html`<div class="fact-sub small">${c.status === 'revoked' ? 'Reason for revoking' : 'Reason for the change'}: ${c.reason}</div>`}
      <div class="fact-meta">v${c.version} · ${session.staffName(c.recorded_by)} · ${instant(c.recorded_at)}</div>
    </div>
    <div class="fact-actions">
      <button type="button" class="btn btn-small btn-ghost" aria-expanded=${open} aria-controls=${histId} onClick=${() => setOpen(!open)}>History</button>
      ${canWrite && c.status === 'active' && html`<button type="button" class="btn btn-small btn-ghost-danger" onClick=${() => onRevoke(c)}>Revoke…</button>`}
    </div>
    <div id=${histId} class="clearance-hist">${open && html`<${History} key=${c.version} path=${`/patients/${patientId}/clearances/${c.id}/history`} kind="clearance" label=${`History of ${ruleName(c.rule, kb)}`} />`}</div>
  </li>`;
}

export function ClearancesPanel({ patientId, list, canWrite, onChanged }) {
  const [revoking, setRevoking] = useState(null);
  const items = list.data ? [...list.data.items].sort((a, b) => (b.status === 'active') - (a.status === 'active') || (a.recorded_at < b.recorded_at ? 1 : -1)) : [];
  return html`<section class="card panel" aria-labelledby="clearances-h" data-kind="clearances">
    <header class="panel-head">
      <h2 id="clearances-h">Clearances${list.data && html` <span class="count">${items.filter((c) => c.status === 'active').length}</span>`}</h2>
    </header>
    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && !items.length && html`<p class="empty">None. A clearance is recorded from a screening finding that needs one.</p>`}
    ${items.length > 0 && html`<ul class="facts">${items.map((c) => html`<${ClearanceRow} key=${c.id + ':' + c.version} c=${c} patientId=${patientId} canWrite=${canWrite} onRevoke=${setRevoking} />`)}</ul>`}
    ${revoking && html`<${RevokeDialog} patientId=${patientId} clearance=${revoking} onClose=${() => setRevoking(null)} onSaved=${() => { setRevoking(null); onChanged(); }} />`}
  </section>`;
}

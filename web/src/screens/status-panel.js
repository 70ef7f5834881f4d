// Pregnancy and breastfeeding: one record per patient; each update is a new version.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { instant, calendarDate, todayInClinic } from '../format.js';
import { html, useForm, Field, FormError, Dialog, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { History } from '../history.js';

function StatusDialog({ patientId, current, onClose, onSaved }) {
  const form = useForm(
    { pregnant: current ? !!current.pregnant : false, breastfeeding: current ? !!current.breastfeeding : false, recorded_on: todayInClinic(), reason: '' },
    ['pregnant', 'breastfeeding', 'recorded_on', 'reason'],
  );
  const onSubmit = form.submit(async (v) => {
    const body = { pregnant: v.pregnant, breastfeeding: v.breastfeeding, recorded_on: v.recorded_on.trim() };
    if (v.reason.trim()) body.reason = v.reason.trim();
    await post(`/patients/${patientId}/status`, body);
    onSaved();
  });
  return html`<${Dialog} title="Pregnancy and breastfeeding" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
      <${FormError} form=${form} />
      <fieldset class="checks">
        <legend>As stated by the patient today</legend>
        <${Field} form=${form} name="pregnant" type="checkbox" label="Pregnant" />
        <${Field} form=${form} name="breastfeeding" type="checkbox" label="Breastfeeding" />
      </fieldset>
      <${Field} form=${form} name="recorded_on" label="Asked on" placeholder="YYYY-MM-DD" inputmode="numeric" maxlength="10" required />
      <${Field} form=${form} name="reason" label="Note (optional)" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>Record</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

export function StatusPanel({ patientId, list, canWrite, onChanged }) {
  const session = useSession();
  const [editing, setEditing] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const cur = list.data && list.data.items.find((s) => s.status !== 'entered_in_error');
  const yesNo = (b) => (b ? html`<strong class="text-danger">Yes</strong>` : 'No');
  return html`<section class="card panel" aria-labelledby="status-h" data-kind="status">
    <header class="panel-head">
      <h2 id="status-h">Pregnancy and breastfeeding</h2>
      ${canWrite && html`<button type="button" class="btn btn-small" onClick=${() => setEditing(true)}>${cur ? 'Update' : 'Record'}</button>`}
    </header>
    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && !cur && html`<p class="empty">Not recorded yet. Ask before every screening.</p>`}
    ${cur &&
    html`<dl class="details">
        <dt>Pregnant</dt><dd>${yesNo(cur.pregnant)}</dd>
        <dt>Breastfeeding</dt><dd>${yesNo(cur.breastfeeding)}</dd>
        <dt>Asked on</dt><dd>${calendarDate(cur.recorded_on)}</dd>
      </dl>
      <p class="record-meta">v${cur.version} · ${session.staffName(cur.recorded_by)} · ${instant(cur.recorded_at)}</p>
      <button type="button" class="btn-link" aria-expanded=${showHistory} onClick=${() => setShowHistory(!showHistory)}>${showHistory ? 'Hide history' : 'Show history'}</button>
      ${showHistory && html`<${History} key=${cur.version} path=${`/patients/${patientId}/status/${cur.id}/history`} kind="status" label="Pregnancy and breastfeeding history" />`}`}
    ${editing && html`<${StatusDialog} patientId=${patientId} current=${cur} onClose=${() => setEditing(false)} onSaved=${() => { setEditing(false); onChanged(); }} />`}
  </section>`;
}

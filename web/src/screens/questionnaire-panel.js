// Pre-consultation questionnaires: create a one-time link for the patient (shown once),
// list the patient's questionnaires, read submitted answers and confirm them into the record.
// Reception may send the link (it holds no clinical data) but sees no list and no answers.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { calendarDate, instant } from '../format.js';
import { html, Dialog, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { answerText, factName, showValue } from '../facts.js';
import { useVocab } from '../vocab.js';

const STATUS = {
  pending: ['Waiting for the patient', 'badge-info'],
  submitted: ['Answers to review', 'badge-warn'],
  confirmed: ['Confirmed into record', 'badge-ok'],
  expired: ['Expired', ''],
  cancelled: ['Cancelled', ''],
};

function LinkDialog({ link, onClose }) {
  // The server's configured public address (--public-url); this browser's only as a fallback.
  const url = link.url || location.origin + link.path;
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      const el = document.getElementById('q-link');
      el.select();
      setCopied(document.execCommand && document.execCommand('copy'));
    }
  };
  return html`<${Dialog} title="Questionnaire link" onClose=${onClose} wide>
    <p>Send this link to the patient. It works <strong>once</strong> and expires ${instant(link.expires_at)}.</p>
    <div class="field">
      <label for="q-link">Link for the patient</label>
      <div class="copy-row">
        <textarea id="q-link" class="link-box" rows="2" readonly value=${url} onFocus=${(e) => e.currentTarget.select()}></textarea>
        <button type="button" class="btn btn-primary" onClick=${copy}>${copied ? 'Copied' : 'Copy link'}</button>
      </div>
      <p class="hint" role="status">${copied ? 'Copied to the clipboard.' : 'Shown only now: Mesodesk cannot show this link again.'}</p>
    </div>
    <div class="actions"><button type="button" class="btn" onClick=${onClose}>Done</button></div>
  <//>`;
}

/** Submitted answers as a clinician reads them. */
export function Answers({ a }) {
  const V = useVocab();
  if (!a) return null;
  const yes = (b) => (b === 'no' || b === false ? 'No' : b === undefined || b === null ? 'Not answered' : html`<strong class="text-danger">${answerText(b)}</strong>`);
  return html`<dl class="details answers">
    <dt>Pregnant</dt><dd>${yes(a.pregnant)}</dd>
    <dt>Breastfeeding</dt><dd>${yes(a.breastfeeding)}</dd>
    <dt>Conditions</dt><dd>${(a.conditions || []).length
      ? html`<ul class="plain">${a.conditions.map((c) => html`<li>${factName('conditions', c, V)} — ${c.active ? 'active' : 'not active'}${c.site ? `, ${showValue('conditions', 'site', c.site, V)}` : ''}</li>`)}</ul>`
      : 'None'}</dd>
    <dt>Medications</dt><dd>${(a.medications || []).length
      ? html`<ul class="plain">${a.medications.map((m) => html`<li>${m.name ? `${m.name} (${factName('medications', m, V)})` : factName('medications', m, V)}${m.last_dose ? ` — last dose ${calendarDate(m.last_dose)}` : ''}</li>`)}</ul>`
      : 'None'}</dd>
    <dt>Allergies</dt><dd>${(a.allergies || []).length
      ? html`<ul class="plain">${a.allergies.map((x) => html`<li>${factName('allergies', x, V)}${x.reaction ? ` — ${x.reaction}` : ''}</li>`)}</ul>`
      : a.no_known_allergies ? 'No known allergies' : 'Not answered'}</dd>
    <dt>Notes</dt><dd class="prewrap">${a.notes || html`<span class="muted">—</span>`}</dd>
  </dl>`;
}

function QuestionnaireRow({ q, canWrite, onConfirmed }) {
  const session = useSession();
  const [open, setOpen] = useState(q.status === 'submitted');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [label, cls] = STATUS[q.status] || [q.status, ''];
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await post(`/questionnaires/${q.id}/confirm`);
      onConfirmed(r);
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<li class="fact questionnaire" data-questionnaire-id=${q.id} data-status=${q.status}>
    <div class="fact-main">
      <span class=${`badge ${cls}`}>${label}</span>
      <div class="fact-meta">
        Sent ${instant(q.created_at)}
        ${q.status === 'pending' && html`<br />Expires ${instant(q.expires_at)}`}
        ${q.submitted_at && html`<br />Answered ${instant(q.submitted_at)}`}
        ${q.confirmed_at && html`<br />Confirmed ${q.confirmed_by ? `by ${session.staffName(q.confirmed_by)} ` : ''}${instant(q.confirmed_at)}`}
      </div>
    </div>
    ${q.answers &&
    html`<button type="button" class="btn-link" aria-expanded=${open ? 'true' : 'false'} onClick=${() => setOpen(!open)}>${open ? 'Hide answers' : 'Show answers'}</button>
      ${open && html`<${Answers} a=${q.answers} />`}`}
    ${error && html`<${Alert}>${error}<//>`}
    ${q.status === 'submitted' && canWrite &&
    html`<div class="actions"><button type="button" class="btn btn-small btn-primary" disabled=${busy} onClick=${confirm}>${busy ? 'Confirming…' : 'Confirm into record'}</button></div>
      <p class="hint">Adds the answers to the clinical record as new facts, with this questionnaire as the reason.</p>`}
  </li>`;
}

export function QuestionnairePanel({ patientId, list, canWrite, canRead = true, onConfirmed }) {
  const session = useSession();
  const canSend = session.can('demographics_write');
  const [link, setLink] = useState(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(null);
  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      setLink(await post(`/patients/${patientId}/questionnaires`, { valid_hours: 72 }));
      if (canRead) list.reload();
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  const items = canRead && list.data ? [...list.data.items].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)) : [];
  return html`<section class="card panel" aria-labelledby="q-h" data-kind="questionnaires">
    <header class="panel-head">
      <h2 id="q-h">Patient questionnaires</h2>
    </header>
    ${error && html`<${Alert}>${error}<//>`}
    ${done && html`<p class="notice-ok" role="status">${done}</p>`}
    ${!canRead && html`<p class="empty">Send the patient a one-time link to answer the pre-consultation questions. Clinical staff review the answers.</p>`}
    ${canRead && list.error && html`<${Alert}>${list.error.message}<//>`}
    ${canRead && !list.data && !list.error && html`<${Spinner} />`}
    ${canRead && list.data && !items.length && html`<p class="empty">None sent. The patient can answer the pre-consultation questions from a one-time link.</p>`}
    ${items.length > 0 &&
    html`<ul class="facts">${items.slice(0, 5).map((q) => html`<${QuestionnaireRow} key=${q.id + q.status} q=${q} canWrite=${canWrite}
      onConfirmed=${(r) => { setDone(`Confirmed: ${(r.created || []).length} record${(r.created || []).length === 1 ? '' : 's'} added.`); list.reload(); onConfirmed(r); }} />`)}</ul>`}
    ${canSend && html`<button type="button" class="btn btn-small q-new" disabled=${busy} onClick=${create}>+ Pre-consultation questionnaire</button>`}
    ${link && html`<${LinkDialog} link=${link} onClose=${() => setLink(null)} />`}
  </section>`;
}

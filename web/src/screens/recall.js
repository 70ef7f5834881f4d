// Recalls: the recalled lots, and for each its worklist (GET /lots/{id}/recall-worklist):
// every exposed patient with contact details and the doses they received, the case's status,
// each contact attempt (method, outcome, when, who) and the case's closing outcome.
// Recording an attempt: POST .../recall-worklist/{patient}/contacts; closing a contacted
// case: POST .../recall-worklist/{patient}/close.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, instant } from '../format.js';
import { html, Link, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { useVocab } from '../vocab.js';
import { StockNav, ZoneNote, ml, routeLabel, FormActions } from '../stock-common.js';
import './stock.css';

export const METHODS = [
  ['phone', 'Phone'],
  ['email', 'E-mail'],
  ['letter', 'Letter'],
  ['in_person', 'In person'],
];
export const ATTEMPT_OUTCOMES = [
  ['reached', 'Reached'],
  ['no_answer', 'No answer'],
  ['left_message', 'Left a message'],
  ['declined', 'Declined'],
  ['unreachable', 'Unreachable'],
];
export const CLOSE_OUTCOMES = [
  ['reviewed_no_symptoms', 'Reviewed, no symptoms'],
  ['referred', 'Referred'],
  ['complication_reported', 'Complication reported'],
  ['declined_review', 'Declined a review'],
  ['unreachable', 'Unreachable'],
];
const CASE_STATUS = { open: ['To contact', 'badge-warn'], contacted: ['Contacted', 'badge-info'], closed: ['Closed', 'badge-ok'] };
const label = (list, code) => (list.find(([c]) => c === code) || [code, code])[1];

export function RecallsScreen() {
  const lots = useLoad(() => get('/lots'), []);
  const products = useLoad(() => get('/products'), []);
  const names = new Map(((products.data && products.data.items) || []).map((p) => [p.id, p.name]));
  const recalled = ((lots.data && lots.data.items) || []).filter((l) => l.status === 'recalled');
  return html`<section class="page stock-page">
    <${PageTitle} title="Recalls">Recalls<//>
    <${StockNav} current="recalls" />
    <p class="muted">A lot is marked recalled from its page (Stock › the lot › Mark recalled). Each recalled lot has a worklist of the patients who received it.</p>
    ${lots.error && html`<${Alert}>${lots.error.message}<//>`}
    ${!lots.data && !lots.error && html`<${Spinner} />`}
    ${lots.data && recalled.length === 0 && html`<p class="empty">No lot has been recalled.</p>`}
    <ul class="lot-list card recall-lots" aria-label="Recalled lots">
      ${recalled.map((l) => html`<li key=${l.id} class="lot-row" data-lot=${l.lot_number}>
        <div class="lot-main"><${Link} href=${`/stock/recalls/${l.id}`}>Lot ${l.lot_number}<//> <span class="muted small">· ${names.get(l.product_id) || ''}</span>
          <div class="small">Recalled ${calendarDate(l.recalled_on)}${l.recall_reason ? ` — ${l.recall_reason}` : ''}</div></div>
        <div class="lot-side"><span class="badge badge-danger">Recalled</span></div>
      </li>`)}
    </ul>
  </section>`;
}

function ContactDialog({ lotId, item, onClose, onSaved }) {
  const form = useForm({ method: item.patient.phone ? 'phone' : 'email', outcome: 'reached', note: '' }, ['method', 'outcome', 'note', 'attempted_at']);
  const onSubmit = form.submit(async (v) => {
    const body = { method: v.method, outcome: v.outcome };
    if (v.note.trim()) body.note = v.note.trim();
    await post(`/lots/${lotId}/recall-worklist/${item.patient.id}/contacts`, body);
    onSaved();
  });
  return html`<${Dialog} title=${`Contact attempt: ${item.patient.given_name} ${item.patient.family_name}`} onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Record a contact attempt">
      <${FormError} form=${form} />
      <p class="small">${item.patient.phone ? html`Phone <a href=${`tel:${item.patient.phone.replace(/\s+/g, '')}`}>${item.patient.phone}</a>` : 'No phone recorded'}
        · ${item.patient.email ? html`<a href=${`mailto:${item.patient.email}`}>${item.patient.email}</a>` : 'no e-mail recorded'}</p>
      <div class="grid-2">
        <${Field} form=${form} name="method" label="How" type="select" options=${METHODS} />
        <${Field} form=${form} name="outcome" label="Outcome" type="select" options=${ATTEMPT_OUTCOMES} />
      </div>
      <${Field} form=${form} name="note" label="Note" type="textarea" hint="What was said or agreed. Recorded now, in the patient's record." />
      <${FormActions} busy=${form.busy} label="Record attempt" busyLabel="Saving…" onClose=${onClose} />
    </form>
  <//>`;
}

function CloseDialog({ lotId, item, onClose, onSaved }) {
  const form = useForm({ outcome: 'reviewed_no_symptoms', note: '' }, ['outcome', 'note']);
  const onSubmit = form.submit(async (v) => {
    const body = { outcome: v.outcome };
    if (v.note.trim()) body.note = v.note.trim();
    if (item.case && item.case.version) body.version = item.case.version;
    await post(`/lots/${lotId}/recall-worklist/${item.patient.id}/close`, body);
    onSaved();
  });
  return html`<${Dialog} title=${`Close the case: ${item.patient.given_name} ${item.patient.family_name}`} onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Close the case">
      <${FormError} form=${form} />
      <${Field} form=${form} name="outcome" label="Outcome" type="select" options=${CLOSE_OUTCOMES} />
      <${Field} form=${form} name="note" label="Note" type="textarea" />
      <${FormActions} busy=${form.busy} label="Close the case" busyLabel="Saving…" onClose=${onClose} />
    </form>
  <//>`;
}

function ExposedPatient({ item, canWrite, onAction }) {
  const session = useSession();
  const V = useVocab();
  const p = item.patient;
  const c = item.case || { status: 'open' };
  const [st, cls] = CASE_STATUS[c.status] || [c.status, 'badge-muted'];
  return html`<li class="card exposed" data-patient=${p.id} data-case=${c.status}>
    <div class="exposed-top">
      <div class="exposed-name">
        <${Link} href=${`/patients/${p.merged_into || p.id}`}><strong>${p.family_name}, ${p.given_name}</strong><//>
        <span class="muted small"> · born ${calendarDate(p.birth_date)}</span>
      </div>
      <span class=${`badge ${cls}`}>${st}${c.status === 'closed' && c.outcome ? `: ${label(CLOSE_OUTCOMES, c.outcome)}` : ''}</span>
    </div>
    <dl class="details exposed-contact">
      <dt>Phone</dt><dd>${p.phone ? html`<a href=${`tel:${p.phone.replace(/\s+/g, '')}`}>${p.phone}</a>` : html`<span class="muted">not recorded</span>`}</dd>
      <dt>E-mail</dt><dd class="wrap-any">${p.email ? html`<a href=${`mailto:${p.email}`}>${p.email}</a>` : html`<span class="muted">not recorded</span>`}</dd>
    </dl>
    <h3 class="sub-h">Doses received <span class="count">${item.administrations.length}</span></h3>
    <ul class="plain doses">
      ${item.administrations.map((a) => html`<li key=${a.id} class="small">${instant(a.given_at)} · ${ml(a.volume_ml)} ${routeLabel(a.route).toLowerCase()}${a.area ? ` · ${V.label('area', a.area)}` : ''} · ${a.context === 'patch_test' ? 'patch test' : 'session'} · ${a.given_by_name || session.staffName(a.given_by)}</li>`)}
    </ul>
    <h3 class="sub-h">Contact attempts <span class="count">${item.contacts.length}</span></h3>
    ${item.contacts.length === 0
      ? html`<p class="empty">Not contacted yet.</p>`
      : html`<ol class="plain contacts">${item.contacts.map((k) => html`<li key=${k.id} class="contact small" data-outcome=${k.outcome}>
          <strong>${label(ATTEMPT_OUTCOMES, k.outcome)}</strong> by ${label(METHODS, k.method).toLowerCase()} · ${instant(k.attempted_at)} · ${session.staffName(k.recorded_by)}${k.note ? html`<div class="muted">${k.note}</div>` : ''}</li>`)}</ol>`}
    ${c.status === 'closed' && c.note && html`<p class="small"><span class="muted">Closing note:</span> ${c.note}</p>`}
    ${canWrite && c.status !== 'closed' &&
    html`<div class="actions">
      <button type="button" class="btn btn-small btn-primary" onClick=${() => onAction('contact', item)}>Record contact attempt…</button>
      ${c.status === 'contacted' && html`<button type="button" class="btn btn-small" onClick=${() => onAction('close', item)}>Close the case…</button>`}
    </div>`}
  </li>`;
}

export function RecallWorklistScreen({ id }) {
  const session = useSession();
  const list = useLoad(() => get(`/lots/${id}/recall-worklist`), [id]);
  const [dialog, setDialog] = useState(null);
  const [notice, setNotice] = useState(null);
  if (list.error)
    return html`<section class="page"><p class="crumbs"><${Link} href="/stock/recalls">Recalls<//> ›</p><${PageTitle}>Recall worklist<//><${Alert}>${list.error.message}<//></section>`;
  if (!list.data) return html`<section class="page"><${Spinner} /></section>`;
  const w = list.data;
  const lot = w.lot || {};
  const counts = w.counts || {};
  const saved = (msg) => {
    setDialog(null);
    setNotice(msg);
    list.reload();
  };
  return html`<section class="page stock-page">
    <p class="crumbs"><${Link} href="/stock/recalls">Recalls<//> ›</p>
    <div class="page-head">
      <${PageTitle} title=${`Recall of lot ${lot.lot_number}`}>Recall of lot ${lot.lot_number}<//>
      <${Link} href=${`/stock/lots/${lot.id}`} class="btn btn-small">The lot<//>
    </div>
    <div class="alert alert-error recall-head" role="status">
      <strong>${lot.product_name}</strong>, lot ${lot.lot_number}, recalled ${calendarDate(lot.recalled_on)}${lot.recall_reason ? `: ${lot.recall_reason}` : ''}.
    </div>
    <p class="recall-counts">${w.patients} patient${w.patients === 1 ? '' : 's'} exposed (${w.administrations} dose${w.administrations === 1 ? '' : 's'}) ·
      <span class="badge badge-warn">${counts.open || 0} to contact</span> <span class="badge badge-info">${counts.contacted || 0} contacted</span> <span class="badge badge-ok">${counts.closed || 0} closed</span>
      <${ZoneNote} /></p>
    ${notice && html`<p class="notice-ok stock-notice" role="status">${notice}</p>`}
    ${w.items.length === 0 && html`<p class="empty">No patient received a dose of this lot.</p>`}
    <ul class="exposed-list" aria-label="Exposed patients">
      ${w.items.map((it) => html`<${ExposedPatient} key=${it.patient.id} item=${it} canWrite=${session.can('clinical_write')} onAction=${(a, item) => { setNotice(null); setDialog({ a, item }); }} />`)}
    </ul>
    ${dialog && dialog.a === 'contact' && html`<${ContactDialog} lotId=${id} item=${dialog.item} onClose=${() => setDialog(null)} onSaved=${() => saved(`Contact attempt recorded for ${dialog.item.patient.given_name} ${dialog.item.patient.family_name}.`)} />`}
    ${dialog && dialog.a === 'close' && html`<${CloseDialog} lotId=${id} item=${dialog.item} onClose=${() => setDialog(null)} onSaved=${() => saved(`Case closed for ${dialog.item.patient.given_name} ${dialog.item.patient.family_name}.`)} />`}
  </section>`;
}

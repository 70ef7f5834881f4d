// A lot: its product, expiry, what is on hand (the sum of its movements, listed), its open
// vials; record a movement (wasted, returned, an inventory count, more received), open a
// vial of a multi-dose product, mark the lot recalled. A vial: when it was opened, its
// beyond-use time with the rule and sources it came from, what remains; draw a dose for a
// patient (an administration from the vial: POST /patients/{id}/administrations), discard.
import { useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { calendarDate, instant, todayInClinic } from '../format.js';
import { html, Link, navigate, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { useKb, useVocab } from '../vocab.js';
import { sourceInfo } from '../screening.js';
import { MOVEMENTS, ROUTES, ZoneNote, lotState, expiryText, ml, presentationLabel, FormActions } from '../stock-common.js';
import './stock.css';

function MovementDialog({ lot, onClose, onSaved }) {
  const form = useForm({ kind: 'wasted', quantity: '1', reason: '' }, ['kind', 'quantity', 'reason']);
  const onSubmit = form.submit(async (v) => {
    const body = { kind: v.kind, quantity: Number(v.quantity) };
    if (v.reason.trim()) body.reason = v.reason.trim();
    const r = await post(`/lots/${lot.id}/movements`, body);
    onSaved(`${MOVEMENTS[r.kind] || r.kind}: ${r.quantity > 0 ? '+' : ''}${r.quantity}. On hand now ${r.on_hand}.`);
  });
  return html`<${Dialog} title=${`Record a movement: lot ${lot.lot_number}`} onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Record a movement">
      <${FormError} form=${form} />
      <${Field} form=${form} name="kind" label="Movement" type="select"
        options=${[['wasted', 'Wasted'], ['returned', 'Returned to the supplier'], ['adjusted', 'Inventory count (adjusted, + or −)'], ['received', 'More received']]} />
      <${Field} form=${form} name="quantity" label="Quantity (containers)" type="number" required
        hint=${form.values.kind === 'adjusted' ? 'Negative to take containers off, positive to add them.' : 'How many containers.'} />
      <${Field} form=${form} name="reason" label="Reason" required=${form.values.kind !== 'received'} />
      <${FormActions} busy=${form.busy} label="Record movement" busyLabel="Saving…" onClose=${onClose} />
    </form>
  <//>`;
}

function RecallDialog({ lot, onClose, onSaved }) {
  const form = useForm({ reason: '', date: todayInClinic() }, ['reason', 'date']);
  const onSubmit = form.submit(async (v) => {
    const r = await post(`/lots/${lot.id}/recall`, { reason: v.reason.trim(), date: v.date });
    onSaved(r);
  });
  return html`<${Dialog} title=${`Mark lot ${lot.lot_number} recalled`} onClose=${onClose}>
    <p>From now on no dose can be given from this lot and no vial of it opened; what is on hand leaves the stock.
      Patients who received it are listed on the recall worklist, to be contacted.</p>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Mark the lot recalled">
      <${FormError} form=${form} />
      <${Field} form=${form} name="reason" label="Reason (from the recall notice)" required />
      <${Field} form=${form} name="date" label="Date of the recall notice" required />
      <${FormActions} busy=${form.busy} label="Mark recalled" busyLabel="Saving…" onClose=${onClose} danger />
    </form>
  <//>`;
}

export function LotScreen({ id }) {
  const session = useSession();
  const lot = useLoad(() => get(`/lots/${id}`), [id]);
  const product = useLoad(() => (lot.data ? get(`/products/${lot.data.product_id}`) : Promise.resolve(null)), [lot.data && lot.data.product_id]);
  const movements = useLoad(() => get(`/lots/${id}/movements`), [id]);
  // Open vials come with what is available (clinical staff); there is no list of a lot's vials.
  const available = useLoad(() => (session.can('clinical_read') ? get('/stock/available') : Promise.resolve(null)), [id]);
  const [dialog, setDialog] = useState(null);
  const [notice, setNotice] = useState(null);
  const [error, setError] = useState(null);
  const [opening, setOpening] = useState(false);
  if (lot.error) return html`<section class="page"><${PageTitle}>Lot<//><${Alert}>${lot.error.message}<//></section>`;
  if (!lot.data) return html`<section class="page"><${Spinner} /></section>`;
  const l = lot.data;
  const p = product.data;
  const [state, cls] = lotState(l);
  const canWrite = session.can('stock_write');
  const vials = [];
  for (const it of (available.data && available.data.items) || [])
    for (const x of it.lots || []) if (x.id === l.id) vials.push(...(x.open_vials || []));
  const reload = () => {
    lot.reload();
    movements.reload();
    available.reload();
  };
  const openVial = async () => {
    setOpening(true);
    setError(null);
    try {
      const v = await post(`/lots/${l.id}/vials`, {});
      navigate(`/stock/vials/${v.id}`);
    } catch (e) {
      setError(e.message);
    } finally {
      setOpening(false);
    }
  };
  return html`<section class="page stock-page">
    <p class="crumbs"><${Link} href="/stock">Stock<//> › ${p ? html`<${Link} href=${`/stock/products/${p.id}`}>${p.name}<//> ›` : ''}</p>
    <div class="page-head">
      <${PageTitle} title=${`Lot ${l.lot_number}`}>Lot ${l.lot_number}<//>
      <span class=${`badge badge-lg ${cls}`}>${state}</span>
    </div>
    ${notice && html`<p class="notice-ok stock-notice" role="status">${notice}</p>`}
    ${error && html`<${Alert}>${error}<//>`}
    ${!l.usable && l.unusable_reason && l.status !== 'recalled' && html`<p class="alert alert-info">Not usable today: ${l.unusable_reason}</p>`}
    ${l.status === 'recalled' &&
    html`<div class="alert alert-error" role="status">Recalled on ${calendarDate(l.recalled_on)}: ${l.recall_reason}. Marked ${instant(l.recalled_at)} by ${session.staffName(l.recorded_by)}.
      ${' '}<${Link} href=${`/stock/recalls/${l.id}`}>Open the recall worklist<//></div>`}
    <div class="stock-grid">
      <section class="card panel" aria-labelledby="lot-h">
        <header class="panel-head"><h2 id="lot-h">Lot</h2></header>
        <dl class="details">
          <dt>Product</dt><dd>${p ? html`<${Link} href=${`/stock/products/${p.id}`}>${p.name}<//>` : '…'}</dd>
          ${p && html`<dt>Presentation</dt><dd>${presentationLabel(p.presentation)}${p.volume_ml ? ` · ${ml(p.volume_ml)}` : ''}</dd>`}
          <dt>Expiry</dt><dd>${expiryText(l.expiry)}</dd>
          <dt>On hand</dt><dd><strong class="lot-onhand-big">${l.on_hand}</strong> ${l.unit ? `${l.unit}${l.on_hand === 1 ? '' : 's'}` : ''}</dd>
          <dt>Received</dt><dd>${calendarDate(l.received_on)}${l.quantity ? ` · ${l.quantity} ${l.unit || ''}` : ''}</dd>
          <dt>Supplier</dt><dd>${l.supplier || html`<span class="muted">—</span>`}</dd>
        </dl>
        ${canWrite && l.status === 'active' &&
        html`<div class="actions">
          ${p && p.presentation === 'multi_dose' && html`<button type="button" class="btn btn-primary" disabled=${opening} onClick=${openVial}>${opening ? 'Opening…' : 'Open a vial'}</button>`}
          <button type="button" class="btn" onClick=${() => { setNotice(null); setDialog('movement'); }}>Record a movement</button>
          <button type="button" class="btn btn-ghost-danger" onClick=${() => { setNotice(null); setDialog('recall'); }}>Mark recalled…</button>
        </div>`}
      </section>
      <div class="stock-col">
        ${p && p.presentation === 'multi_dose' &&
        html`<section class="card panel" aria-labelledby="vials-h">
          <header class="panel-head"><h2 id="vials-h">Open vials <span class="count">${vials.length}</span></h2><${ZoneNote} /></header>
          ${vials.length === 0
            ? html`<p class="empty">No open vial in use.</p>`
            : html`<ul class="lot-list">${vials.map((v) => html`<li key=${v.id} class="lot-row">
                <div class="lot-main"><${Link} href=${`/stock/vials/${v.id}`}>Vial opened, ${ml(v.remaining_ml)} left<//></div>
                <div class="lot-side small">Use before ${instant(v.beyond_use_at)}</div>
              </li>`)}</ul>`}
        </section>`}
        <section class="card panel" aria-labelledby="mov-h">
          <header class="panel-head"><h2 id="mov-h">Movements</h2><${ZoneNote} /></header>
          ${movements.error && html`<${Alert}>${movements.error.message}<//>`}
          ${movements.data &&
          html`<ul class="movements" aria-label="Movements">
              ${movements.data.items.map((m) => html`<li key=${m.id} class="movement" data-kind=${m.kind}>
                <span class="mv-kind">${MOVEMENTS[m.kind] || m.kind}</span>
                <span class=${`mv-qty ${m.quantity < 0 ? 'neg' : 'pos'}`}>${m.quantity > 0 ? '+' : ''}${m.quantity}</span>
                <span class="mv-meta muted small">${instant(m.recorded_at)} · ${session.staffName(m.recorded_by)}${m.reason ? ` · ${m.reason}` : ''}</span>
              </li>`)}
            </ul>
            <p class="small">On hand (sum of the movements): <strong>${movements.data.on_hand}</strong></p>`}
        </section>
      </div>
    </div>
    ${dialog === 'movement' && html`<${MovementDialog} lot=${l} onClose=${() => setDialog(null)} onSaved=${(msg) => { setDialog(null); setNotice(msg); reload(); }} />`}
    ${dialog === 'recall' && html`<${RecallDialog} lot=${l} onClose=${() => setDialog(null)} onSaved=${() => { setDialog(null); setNotice(`Lot ${l.lot_number} is marked recalled.`); reload(); }} />`}
  </section>`;
}

/** Pick a patient by name (the patient search), then the dose. */
function DrawDialog({ vial, lot, onClose, onSaved }) {
  const V = useVocab();
  const [q, setQ] = useState('');
  const [patient, setPatient] = useState(null);
  const found = useLoad(() => (q.trim().length >= 2 ? get('/patients' + qs({ q: q.trim(), limit: 8 })) : Promise.resolve(null)), [q]);
  const form = useForm({ volume_ml: '', route: 'intradermal', area: '' }, ['patient_id', 'volume_ml', 'route', 'area', 'vial_id', 'lot_id']);
  const onSubmit = form.submit(async (v) => {
    if (!patient) throw Object.assign(new Error('Choose the patient the dose is for.'), { field: 'patient_id' });
    const body = { lot_id: lot.id, vial_id: vial.id, volume_ml: v.volume_ml.trim(), route: v.route, context: 'session' };
    if (v.area) body.area = v.area;
    const a = await post(`/patients/${patient.id}/administrations`, body);
    onSaved(a, patient);
  });
  const areas = [['', 'Not recorded'], ...V.list('area').map((a) => [a.code, a.label])];
  return html`<${Dialog} title="Draw a dose" onClose=${onClose}>
    <p class="small">From the vial of lot ${lot.lot_number}: ${ml(vial.remaining_ml)} left.</p>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Draw a dose">
      <${FormError} form=${form} />
      <div class=${'field' + (form.errors.patient_id ? ' has-error' : '')}>
        <label for="draw-q">Patient</label>
        ${patient
          ? html`<div class="chosen"><span data-patient=${patient.id}>${patient.family_name}, ${patient.given_name}</span> <span class="muted small">born ${calendarDate(patient.birth_date)}</span>
              <button type="button" class="btn-link" onClick=${() => setPatient(null)}>Change</button></div>`
          : html`<input id="draw-q" name="patient_id" type="search" value=${q} placeholder="Family name…" autocomplete="off" onInput=${(e) => setQ(e.currentTarget.value)} />
              ${found.data && html`<ul class="picker-hits">${found.data.items.map((c) => html`<li key=${c.id}><button type="button" class="btn-link" onClick=${() => setPatient(c)}>${c.family_name}, ${c.given_name} · born ${calendarDate(c.birth_date)}</button></li>`)}
                ${found.data.items.length === 0 && html`<li class="muted small">Nobody matches.</li>`}</ul>`}`}
        ${form.errors.patient_id && html`<p class="field-error" role="alert">${form.errors.patient_id}</p>`}
      </div>
      <${Field} form=${form} name="volume_ml" label="Dose (ml)" inputmode="decimal" required autocomplete="off" hint="Up to three decimals, e.g. 0.5" />
      <div class="grid-2">
        <${Field} form=${form} name="route" label="Route" type="select" options=${ROUTES} />
        <${Field} form=${form} name="area" label="Area" type="select" options=${areas} />
      </div>
      <${FormActions} busy=${form.busy} label="Record the dose" busyLabel="Recording…" onClose=${onClose} />
    </form>
  <//>`;
}

function DiscardDialog({ vial, onClose, onSaved }) {
  const form = useForm({ reason: '' }, ['reason']);
  const onSubmit = form.submit(async (v) => {
    await post(`/vials/${vial.id}/discard`, { reason: v.reason.trim() });
    onSaved();
  });
  return html`<${Dialog} title="Discard the vial" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Discard the vial">
      <${FormError} form=${form} />
      <${Field} form=${form} name="reason" label="Reason" required hint="e.g. beyond-use time reached, contaminated" />
      <${FormActions} busy=${form.busy} label="Discard" busyLabel="Saving…" onClose=${onClose} danger />
    </form>
  <//>`;
}

export function VialScreen({ id }) {
  const session = useSession();
  const { data: kb } = useKb();
  const vial = useLoad(() => get(`/vials/${id}`), [id]);
  const lot = useLoad(() => (vial.data ? get(`/lots/${vial.data.lot_id}`) : Promise.resolve(null)), [vial.data && vial.data.lot_id]);
  const [dialog, setDialog] = useState(null);
  const [given, setGiven] = useState(null);
  if (vial.error) return html`<section class="page"><${PageTitle}>Vial<//><${Alert}>${vial.error.message}<//></section>`;
  if (!vial.data) return html`<section class="page"><${Spinner} /></section>`;
  const v = vial.data;
  const l = lot.data;
  const bu = v.beyond_use || {};
  const sources = (bu.sources || []).map((k) => sourceInfo(k, kb));
  const past = Date.parse(v.beyond_use_at) <= Date.now();
  return html`<section class="page stock-page page-narrow">
    <p class="crumbs"><${Link} href="/stock">Stock<//> › ${l ? html`<${Link} href=${`/stock/lots/${l.id}`}>Lot ${l.lot_number}<//> ›` : ''}</p>
    <div class="page-head">
      <${PageTitle} title="Vial">Vial${l ? ` of lot ${l.lot_number}` : ''}<//>
      <span class=${`badge badge-lg ${v.usable ? 'badge-ok' : 'badge-danger'}`}>${v.status === 'discarded' ? 'Discarded' : v.usable ? 'In use' : 'Not usable'}</span>
    </div>
    ${given && html`<p class="notice-ok stock-notice" role="status">Dose of ${ml(given.a.volume_ml)} recorded for${' '}
      <${Link} href=${`/patients/${given.p.id}`}>${given.p.given_name} ${given.p.family_name}<//>.</p>`}
    ${!v.usable && v.unusable_reason && html`<p class="alert alert-error" role="status">${v.unusable_reason}</p>`}
    <section class="card panel beyond-use" aria-labelledby="bu-h" data-past=${past ? 'true' : 'false'}>
      <header class="panel-head"><h2 id="bu-h">Beyond-use time</h2><${ZoneNote} /></header>
      <p class="bu-when">Use before <strong class="bu-at">${instant(v.beyond_use_at)}</strong></p>
      <p class="small">Opened ${instant(v.opened_at)}${bu.hours ? ` · ${bu.hours} hours (${Math.round(bu.hours / 24)} days) after opening` : ''}</p>
      ${bu.message && html`<p class="bu-message">${bu.message}</p>`}
      <p class="small bu-source"><span class="muted">Source:</span> ${sources.length
        ? sources.map((x, i) => html`${i ? '; ' : ''}${x.url ? html`<a href=${x.url} target="_blank" rel="noopener noreferrer">${x.title}</a>` : x.title}`)
        : html`<span>${v.beyond_use_rule === 'manufacturer' ? "the manufacturer's beyond-use time" : v.beyond_use_rule || '—'}</span>`}
        ${v.beyond_use_rule && html` <span class="muted">(rule <code>${v.beyond_use_rule}</code>)</span>`}</p>
    </section>
    <section class="card panel" aria-labelledby="vial-h">
      <header class="panel-head"><h2 id="vial-h">Contents</h2></header>
      <dl class="details">
        <dt>Remaining</dt><dd><strong class="vial-remaining">${ml(v.remaining_ml)}</strong> of ${ml(v.volume_ml)}</dd>
        <dt>Lot</dt><dd>${l ? html`<${Link} href=${`/stock/lots/${l.id}`}>${l.lot_number}<//> · expiry ${expiryText(l.expiry)}` : '…'}</dd>
      </dl>
      ${v.status === 'open' &&
      html`<div class="actions">
        ${session.can('clinical_write') && v.usable && l && html`<button type="button" class="btn btn-primary" onClick=${() => setDialog('draw')}>Draw a dose</button>`}
        ${session.can('stock_write') && html`<button type="button" class="btn btn-ghost-danger" onClick=${() => setDialog('discard')}>Discard…</button>`}
      </div>`}
    </section>
    ${dialog === 'draw' && html`<${DrawDialog} vial=${v} lot=${l} onClose=${() => setDialog(null)} onSaved=${(a, p) => { setDialog(null); setGiven({ a, p }); vial.reload(); }} />`}
    ${dialog === 'discard' && html`<${DiscardDialog} vial=${v} onClose=${() => setDialog(null)} onSaved=${() => { setDialog(null); vial.reload(); }} />`}
  </section>`;
}

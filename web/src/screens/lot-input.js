// Choosing a lot while charting (issue 10 item 7): a text box that takes a typed lot number
// or a barcode scanner's keystrokes ending in Enter (a GS1 code read for its lot, as when
// receiving), with suggestions from the clinic's usable stock only (GET /stock/available:
// products with a usable lot today, lots with their open vials; needle lots from GET /lots
// joined to GET /consumables). Enter never sends the form: it resolves the lot, or says that
// no usable lot has that number. A multi-dose lot asks for its vial (the open vials).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { calendarDate } from '../format.js';
import { html, useId } from '../ui.js';
import { readScan } from './stock-receive.js';
import { ml } from '../stock-common.js';
import { items, loadChartKb } from '../chart.js';

/**
 * The lots charting can use: {drug: [{id, lot_number, expiry, remaining, open_vials,
 * product}], needle: [...]} — drug lots usable today with their product, needle lots (lots
 * of a consumable; every other usable lot when the clinic has no consumable on record).
 */
export async function loadChartStock() {
  const [avail, lots, cons, kb] = await Promise.all([
    get('/stock/available'),
    get('/lots').catch(() => ({ items: [] })),
    get('/consumables').catch(() => ({ items: [] })),
    loadChartKb().catch(() => null),
  ]);
  // The consumable kinds whose lot is the needle lot are the kb's (GET /charting/prechecks).
  const needleKinds = kb && kb.needle_kinds;
  const drug = items(avail).flatMap((it) => items(it.lots).map((l) => ({ ...l, product: it.product })));
  const consumables = new Map(items(cons).filter((c) => !needleKinds || needleKinds.includes(c.kind)).map((c) => [c.id, c]));
  const usable = items(lots).filter((l) => l.status !== 'entered_in_error' && l.status !== 'recalled' && l.usable !== false);
  const products = new Map(drug.map((l) => [l.product_id || (l.product && l.product.id), l.product]));
  let needle = usable.filter((l) => consumables.has(l.product_id) || consumables.has(l.consumable_id)).map((l) => ({ ...l, product: consumables.get(l.product_id) || consumables.get(l.consumable_id) }));
  // No lot of a consumable on record: every usable lot (the server says which is a needle's).
  if (!needle.length) needle = usable.map((l) => ({ ...l, product: l.product || products.get(l.product_id) }));
  return { drug, needle };
}

export const lotLabel = (l) => (l ? `${l.lot_number}${l.product && l.product.name ? ` · ${l.product.name}` : ''}` : '');
export const isMultiDose = (l) => !!(l && l.product && l.product.presentation === 'multi_dose');

/** The lot of a typed or scanned text among lots (exact lot number, then case-insensitive). */
export function findLot(lots, text) {
  const n = readScan(text).lot_number;
  if (!n) return null;
  return lots.find((l) => l.lot_number === n) || lots.find((l) => String(l.lot_number).toLowerCase() === n.toLowerCase()) || null;
}

/**
 * lots: the choices; value: {lot_id, text, vial_id}; onChange(next value); error: the
 * server's message for this field (shown under it); name: the control's name (the API's
 * field, so errors and tests find it); vialName: the vial select's name.
 */
export function LotInput({ label, name, vialName, lots, value, onChange, error, vialError, hint, required }) {
  const id = useId(`lot-${name}`);
  const listId = `${id}-list`;
  const [local, setLocal] = useState(null);
  const v = value || {};
  const lot = lots.find((l) => l.id === v.lot_id) || null;
  const text = v.text !== undefined ? v.text : lot ? lot.lot_number : '';
  const set = (t) => {
    const found = findLot(lots, t);
    setLocal(null);
    onChange({ text: t, lot_id: found ? found.id : '', vial_id: found && isMultiDose(found) && items(found.open_vials)[0] ? items(found.open_vials)[0].id : '' });
  };
  const onKeyDown = (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const t = e.currentTarget.value;
    const found = findLot(lots, t);
    if (!found) {
      setLocal(t.trim() ? `No usable lot numbered “${readScan(t).lot_number}” in stock today.` : 'Type or scan a lot number.');
      return;
    }
    setLocal(null);
    onChange({ text: found.lot_number, lot_id: found.id, vial_id: isMultiDose(found) && items(found.open_vials)[0] ? items(found.open_vials)[0].id : '' });
    // Like a form, Enter moves on: the next control after this one.
    const all = [...document.querySelectorAll('input, select, textarea, button')].filter((x) => !x.disabled && x.getClientRects().length);
    const next = all[all.indexOf(e.currentTarget) + 1];
    if (next) next.focus();
  };
  const shown = local || error;
  const vials = lot ? items(lot.open_vials) : [];
  return html`<div class=${`field lot-field${shown ? ' has-error' : ''}`}>
    <label for=${id}>${label}${required && html`<span class="req" aria-hidden="true"> *</span>`}</label>
    <input id=${id} name=${name} class="mono" list=${listId} autocomplete="off" value=${text} onInput=${(e) => set(e.currentTarget.value)} onKeyDown=${onKeyDown}
      aria-invalid=${shown ? 'true' : undefined} aria-describedby=${`${id}-hint${shown ? ` ${id}-err` : ''}`} />
    <datalist id=${listId}>${lots.map((l) => html`<option value=${l.lot_number}>${l.product && l.product.name ? `${l.product.name}, expires ${calendarDate(l.expiry)}` : `expires ${calendarDate(l.expiry)}`}</option>`)}</datalist>
    <p class="hint" id=${`${id}-hint`} data-lot=${lot ? lot.id : ''}>${lot ? `${lot.product && lot.product.name ? lot.product.name + ' · ' : ''}expires ${calendarDate(lot.expiry)}` : hint || 'Type or scan the lot number (Enter).'}</p>
    ${shown && html`<p class="field-error" id=${`${id}-err`} role="alert"><span aria-hidden="true">⚠ </span>${shown}</p>`}
    ${isMultiDose(lot) && html`<div class=${`field vial-field${vialError ? ' has-error' : ''}`}>
      <label for=${`${id}-vial`}>Vial</label>
      <select id=${`${id}-vial`} name=${vialName} value=${v.vial_id || ''} onChange=${(e) => onChange({ ...v, text, vial_id: e.currentTarget.value })}>
        <option value="">${vials.length ? 'Choose the open vial…' : 'No open vial: open one from the lot’s page'}</option>
        ${vials.map((x) => html`<option value=${x.id}>Opened vial, ${ml(x.remaining_ml)} left</option>`)}
      </select>
      ${vialError && html`<p class="field-error" role="alert"><span aria-hidden="true">⚠ </span>${vialError}</p>`}
    </div>`}
  </div>`;
}

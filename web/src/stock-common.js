// How stock reads: labels for presentations, units, regulatory statuses, movements, lot
// states; volumes; the sub-navigation of the stock screens; the clinic's time zone named
// beside a time; a clinic-zone date and time turned into the UTC instant the API takes.
// Codes the server sends that are not listed here read as themselves.
import { get } from './api.js';
import { html, Link } from './ui.js';
import { calendarDate, timeZone, todayInClinic } from './format.js';

export const PRESENTATIONS = [
  ['single_dose', 'Single dose'],
  ['multi_dose', 'Multi-dose vial'],
];
export const UNITS = ['ampoule', 'vial', 'syringe', 'cartridge', 'bottle', 'sachet', 'tube'];
export const REGULATORY = [
  ['ce_marked', 'CE marked'],
  ['fda_cleared', 'FDA cleared'],
  ['approved_drug_off_label', 'Approved drug, off-label'],
  ['compounded', 'Compounded'],
  ['unapproved', 'Unapproved'],
];
export const BASES = [
  ['aqueous', 'Aqueous'],
  ['gel', 'Gel'],
  ['cream', 'Cream'],
  ['oil', 'Oil'],
  ['alcohol', 'Alcohol'],
];
export const ROUTES = [
  ['intradermal', 'Intradermal'],
  ['subcutaneous', 'Subcutaneous'],
  ['intraepidermal', 'Intraepidermal'],
  ['epicutaneous', 'Epicutaneous'],
  ['topical', 'Topical'],
];
export const MOVEMENTS = { received: 'Received', used: 'Used', wasted: 'Wasted', returned: 'Returned', adjusted: 'Adjusted (count)', recalled: 'Recalled' };

const labelOf = (list) => {
  const m = new Map(list);
  return (code) => m.get(code) || code || '';
};
export const presentationLabel = labelOf(PRESENTATIONS);
export const regulatoryLabel = labelOf(REGULATORY);
export const baseLabel = labelOf(BASES);
export const routeLabel = labelOf(ROUTES);
/** Statuses a regulatory policy blocks (kb/stock.json); shown in red. */
export const BLOCKED_STATUS = new Set(['compounded', 'unapproved']);

/** "1.5" -> "1.5 ml"; a number or a numeric string from the API. */
export const ml = (v) => (v === undefined || v === null || v === '' ? '' : `${Number(v).toLocaleString('en-GB', { maximumFractionDigits: 3 })} ml`);

/** Whole days from the clinic's today to a calendar date (negative: past). */
export function daysFromToday(date) {
  const t = Date.parse(`${todayInClinic()}T00:00:00Z`);
  const d = Date.parse(`${date}T00:00:00Z`);
  return Number.isNaN(d) ? null : Math.round((d - t) / 86400000);
}

/** A lot's state as a badge [text, class]: recalled, entered in error, expired, empty, soon. */
export function lotState(lot) {
  if (lot.status === 'recalled') return ['Recalled', 'badge-danger'];
  if (lot.status === 'entered_in_error') return ['Entered in error', 'badge-eie'];
  const days = daysFromToday(lot.expiry);
  if (days !== null && days < 0) return ['Expired', 'badge-danger'];
  if (lot.on_hand === 0) return ['None on hand', 'badge-muted'];
  if (days !== null && days <= 30) return [`Expires in ${days} day${days === 1 ? '' : 's'}`, 'badge-warn'];
  return ['In stock', 'badge-ok'];
}

/** The expiry as a date, with how far off it is. */
export function expiryText(date) {
  const days = daysFromToday(date);
  if (days === null) return calendarDate(date);
  const rel = days < 0 ? `expired ${-days} day${days === -1 ? '' : 's'} ago` : days === 0 ? 'expires today' : `in ${days} day${days === 1 ? '' : 's'}`;
  return `${calendarDate(date)} (${rel})`;
}

/** The clinic's zone, said once beside times: "clinic time, Europe/London". */
export const ZoneNote = () => html`<span class="muted small zone-note">Times in clinic time (${timeZone()})</span>`;

/**
 * A date and a time of day in the clinic's zone ("2026-12-01", "09:30") as the UTC instant
 * "2026-12-01T09:30:00Z"; null when either is missing or unreadable. The zone's offset is
 * taken at that moment (twice, so a change of offset that day is met).
 */
export function clinicToUtc(date, time) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date || '');
  const t = /^(\d{2}):(\d{2})$/.exec(time || '');
  if (!m || !t) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +t[1], +t[2]);
  const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: timeZone(), hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
  const offset = (ms) => {
    const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute) - ms;
  };
  let utc = wall - offset(wall);
  utc = wall - offset(utc);
  return new Date(utc).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The sub-navigation of the stock screens. */
export function StockNav({ current }) {
  const items = [
    ['products', '/stock', 'Products and lots'],
    ['receive', '/stock/receive', 'Receive stock'],
    ['worklists', '/stock/worklists', 'Worklists'],
    ['recalls', '/stock/recalls', 'Recalls'],
  ];
  return html`<nav class="subnav" aria-label="Stock">
    ${items.map(([k, href, text]) => html`<${Link} key=${k} href=${href} aria-current=${current === k ? 'page' : undefined}>${text}<//>`)}
  </nav>`;
}

/**
 * The clinic's lots (of one product with `only`) with what is on hand and whether each is
 * usable today, lots entered in error left out: GET /lots carries `on_hand` and `usable`; a
 * server whose list does not is asked for each lot (GET /lots/{id}).
 */
export async function loadLots(only) {
  const list = await get(`/lots${only ? `?product_id=${encodeURIComponent(only)}` : ''}`);
  const items = (list.items || []).filter((l) => l.status !== 'entered_in_error' && (!only || l.product_id === only));
  if (items.every((l) => 'on_hand' in l)) return { items };
  return { items: await Promise.all(items.map((l) => ('on_hand' in l ? l : get(`/lots/${l.id}`).catch(() => l)))) };
}

/** A form's submit button (busy while it runs) and Cancel. */
export const FormActions = ({ busy, label, busyLabel = 'Saving…', onClose, danger }) => html`<div class="actions">
  <button type="submit" class=${`btn ${danger ? 'btn-danger' : 'btn-primary'}`} disabled=${busy}>${busy ? busyLabel : label}</button>
  <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
</div>`;

// Stock worklists: products at or under their low-stock threshold (GET /stock/low), lots
// expiring within 30 days or expired with stock left (GET /stock/expiring?days=30), and open
// vials past half their beyond-use time (GET /stock/vials-aging).
import { get } from '../api.js';
import { instant } from '../format.js';
import { html, Link, useLoad, PageTitle, Spinner, Alert } from '../ui.js';
import { StockNav, ZoneNote, expiryText, ml } from '../stock-common.js';
import './stock.css';

function Section({ id, title, load, empty, children }) {
  const n = load.data ? load.data.items.length : null;
  return html`<section class="card panel worklist" aria-labelledby=${id} data-worklist=${id}>
    <header class="panel-head"><h2 id=${id}>${title}${n !== null && html` <span class="count">${n}</span>`}</h2></header>
    ${load.error && html`<${Alert}>${load.error.message}<//>`}
    ${!load.data && !load.error && html`<${Spinner} />`}
    ${load.data && (n === 0 ? html`<p class="empty">${empty}</p>` : children(load.data.items))}
  </section>`;
}

export function WorklistsScreen() {
  const low = useLoad(() => get('/stock/low'), []);
  const expiring = useLoad(() => get('/stock/expiring?days=30'), []);
  const aging = useLoad(() => get('/stock/vials-aging'), []);
  return html`<section class="page stock-page">
    <${PageTitle} title="Stock worklists">Stock worklists<//>
    <${StockNav} current="worklists" />
    <div class="worklists">
      <${Section} id="low-h" title="Low stock" load=${low} empty="No product is at or under its low-stock level.">
        ${(items) => html`<ul class="lot-list">${items.map((x) => html`<li key=${x.product.id} class="lot-row" data-product=${x.product.name}>
          <div class="lot-main"><${Link} href=${`/stock/products/${x.product.id}`}>${x.product.name}<//></div>
          <div class="lot-side"><span><strong>${x.on_hand}</strong> usable on hand</span>
            <span class="badge badge-warn">Low at ${x.threshold}${x.threshold_is_default ? ' (default)' : ''}</span></div>
        </li>`)}</ul>`}
      <//>
      <${Section} id="expiring-h" title="Expiring within 30 days" load=${expiring} empty="No lot with stock expires within 30 days.">
        ${(items) => html`<ul class="lot-list">${items.map((x) => html`<li key=${x.id} class="lot-row" data-lot=${x.lot_number}>
          <div class="lot-main"><${Link} href=${`/stock/lots/${x.id}`}>Lot ${x.lot_number}<//> <span class="muted small">· ${x.product_name}</span>
            <div class="small">Expiry ${expiryText(x.expiry)}</div></div>
          <div class="lot-side"><span><strong>${x.on_hand}</strong> on hand</span>
            <span class=${`badge ${x.expired ? 'badge-danger' : 'badge-warn'}`}>${x.expired ? 'Expired' : `${x.days_left} day${x.days_left === 1 ? '' : 's'} left`}</span></div>
        </li>`)}</ul>`}
      <//>
      <${Section} id="aging-h" title="Open vials past half their beyond-use time" load=${aging} empty="No open vial is past half its beyond-use time.">
        ${(items) => html`<${ZoneNote} /><ul class="lot-list">${items.map((x) => html`<li key=${x.id} class="lot-row" data-vial=${x.id}>
          <div class="lot-main"><${Link} href=${`/stock/vials/${x.id}`}>Vial of lot ${x.lot_number}<//>
            <div class="small">Opened ${instant(x.opened_at)} · use before ${instant(x.beyond_use_at)}</div></div>
          <div class="lot-side"><span>${ml(x.remaining_ml)} left</span>
            <span class=${`badge ${x.past_beyond_use ? 'badge-danger' : 'badge-warn'}`}>${x.past_beyond_use ? 'Past beyond-use: discard' : `${x.hours_left} h left`}</span></div>
        </li>`)}</ul>`}
      <//>
    </div>
  </section>`;
}

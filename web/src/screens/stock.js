// Stock: the product catalogue with each product's lots (expiry, on hand, recalled state),
// a product's page, and adding a product with its ingredients and regulatory status
// (POST /products; a field error such as `ingredients[1].ingredient` or `regulatory.EU` is
// shown on its row).
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, instant } from '../format.js';
import { html, Link, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert, useId } from '../ui.js';
import { fieldMessage } from '../api.js';
import { useSession } from '../session.js';
import { useVocab } from '../vocab.js';
import { History } from '../history.js';
import {
  PRESENTATIONS, REGULATORY, BASES, BLOCKED_STATUS, StockNav, presentationLabel, regulatoryLabel, baseLabel, lotState, expiryText, ml, loadLots, FormActions } from '../stock-common.js';
import './stock.css';

/** Lots by product id, each list first to expire first. */
function lotsByProduct(lots) {
  const m = new Map();
  for (const l of lots || []) {
    if (!m.has(l.product_id)) m.set(l.product_id, []);
    m.get(l.product_id).push(l);
  }
  for (const list of m.values()) list.sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : 0));
  return m;
}

const onHandOf = (lots) => lots.filter((l) => l.status === 'active' && l.usable !== false).reduce((n, l) => n + (l.on_hand || 0), 0);

/** A product's ingredients as "Hyaluronic acid 15 mg/ml, Peptides". */
export const ingredientsText = (p, V) =>
  (p.ingredients || []).map((i) => `${V.label('ingredient', i.ingredient)}${i.concentration ? ` ${i.concentration}` : ''}`).join(', ');

function RegulatoryBadges({ regulatory }) {
  const entries = Object.entries(regulatory || {});
  if (!entries.length) return html`<span class="badge badge-warn">No regulatory status recorded</span>`;
  return entries.map(([j, s]) => html`<span key=${j} class=${`badge ${BLOCKED_STATUS.has(s) ? 'badge-danger' : s === 'approved_drug_off_label' ? 'badge-warn' : 'badge-info'}`}>${j}: ${regulatoryLabel(s)}</span>`);
}

/** One editable row list (ingredients, regulatory): its errors by the server's field names. */
function RowError({ form, name, label }) {
  const raw = form.errors[name];
  if (!raw) return null;
  return html`<p class="field-error" role="alert"><span aria-hidden="true">⚠ </span>${fieldMessage({ field: name, message: raw }, label)}</p>`;
}

function AddProductDialog({ onClose, onSaved }) {
  const V = useVocab();
  const listId = useId('ingredients');
  const [ings, setIngs] = useState([{ ingredient: '', concentration: '' }]);
  const [regs, setRegs] = useState([{ jurisdiction: '', status: 'ce_marked' }]);
  const rowFields = [
    ...ings.flatMap((_, i) => [`ingredients[${i}].ingredient`, `ingredients[${i}].concentration`, `ingredients[${i}]`]),
    ...regs.map((r) => `regulatory.${r.jurisdiction}`),
  ];
  const FIELDS = ['name', 'manufacturer', 'form', 'presentation', 'volume_ml', 'base', 'low_stock', 'beyond_use_hours', 'ingredients', 'regulatory', ...rowFields];
  const form = useForm({ name: '', manufacturer: '', form: '', presentation: 'single_dose', volume_ml: '', base: 'aqueous', low_stock: '', beyond_use_hours: '' }, FIELDS);
  const jurisdictions = V.list('jurisdiction').filter((j) => j.code !== 'default');
  const jurOptions = [['', 'Choose…'], ...jurisdictions.map((j) => [j.code, j.label && j.label !== j.code ? `${j.label} (${j.code})` : j.code])];
  const clear = (name) => form.setErrors((s) => (s[name] || s._form ? { ...s, [name]: undefined, _form: undefined } : s));
  const setIng = (i, k) => (e) => {
    const v = e.currentTarget.value;
    setIngs((rows) => rows.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
    clear(`ingredients[${i}].${k}`);
    clear(`ingredients[${i}]`);
  };
  const setReg = (i, k) => (e) => {
    const v = e.currentTarget.value;
    clear(`regulatory.${regs[i].jurisdiction}`);
    setRegs((rows) => rows.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  };
  const onSubmit = form.submit(async (v) => {
    const body = { name: v.name.trim(), presentation: v.presentation, base: v.base };
    for (const k of ['manufacturer', 'form']) if (v[k].trim()) body[k] = v[k].trim();
    if (v.volume_ml.trim()) body.volume_ml = v.volume_ml.trim();
    for (const k of ['low_stock', 'beyond_use_hours']) if (String(v[k]).trim()) body[k] = Number(v[k]);
    body.ingredients = ings
      .filter((r) => r.ingredient.trim() || r.concentration.trim())
      .map((r) => (r.concentration.trim() ? { ingredient: r.ingredient.trim(), concentration: r.concentration.trim() } : { ingredient: r.ingredient.trim() }));
    body.regulatory = Object.fromEntries(regs.filter((r) => r.jurisdiction).map((r) => [r.jurisdiction, r.status]));
    const p = await post('/products', body);
    onSaved(p);
  });
  return html`<${Dialog} title="Add a product" onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Add a product">
      <${FormError} form=${form} />
      <div class="grid-2">
        <${Field} form=${form} name="name" label="Name" required autocomplete="off" />
        <${Field} form=${form} name="manufacturer" label="Manufacturer" autocomplete="off" />
        <${Field} form=${form} name="presentation" label="Presentation" type="select" options=${PRESENTATIONS} />
        <${Field} form=${form} name="volume_ml" label="Volume of one container (ml)" inputmode="decimal" autocomplete="off" />
        <${Field} form=${form} name="form" label="Form" hint="e.g. solution, gel" autocomplete="off" />
        <${Field} form=${form} name="base" label="Base" type="select" options=${BASES} />
        <${Field} form=${form} name="low_stock" label="Low stock at (containers)" type="number" min="0" hint="Empty: the clinic default." />
        ${form.values.presentation === 'multi_dose' &&
        html`<${Field} form=${form} name="beyond_use_hours" label="Beyond-use time once opened (hours)" type="number" min="1" hint="The manufacturer's; empty: 28 days (CDC, USP 797)." />`}
      </div>
      <fieldset class="rows-fieldset">
        <legend>Ingredients</legend>
        ${form.errors.ingredients && html`<${RowError} form=${form} name="ingredients" />`}
        <datalist id=${listId}>${V.suggestions('ingredient').map(([c, l]) => html`<option value=${c}>${l}</option>`)}</datalist>
        ${ings.map(
          (r, i) => html`<div key=${i} class="row-line" data-row=${`ingredient-${i}`}>
            <div class=${'field' + (form.errors[`ingredients[${i}].ingredient`] || form.errors[`ingredients[${i}]`] ? ' has-error' : '')}>
              <label for=${`${listId}-i${i}`}>Ingredient ${i + 1}</label>
              <input id=${`${listId}-i${i}`} name=${`ingredients[${i}].ingredient`} list=${listId} value=${r.ingredient} onInput=${setIng(i, 'ingredient')} autocomplete="off"
                aria-invalid=${form.errors[`ingredients[${i}].ingredient`] ? 'true' : undefined} />
              <span class="muted small">${r.ingredient && V.label('ingredient', r.ingredient) !== r.ingredient ? V.label('ingredient', r.ingredient) : ''}</span>
              <${RowError} form=${form} name=${`ingredients[${i}].ingredient`} label=${`Ingredient ${i + 1}`} />
              <${RowError} form=${form} name=${`ingredients[${i}]`} label=${`Ingredient ${i + 1}`} />
            </div>
            <div class=${'field' + (form.errors[`ingredients[${i}].concentration`] ? ' has-error' : '')}>
              <label for=${`${listId}-c${i}`}>Concentration</label>
              <input id=${`${listId}-c${i}`} name=${`ingredients[${i}].concentration`} value=${r.concentration} onInput=${setIng(i, 'concentration')} placeholder="e.g. 1.5% or 20 mg/ml" autocomplete="off" />
              <${RowError} form=${form} name=${`ingredients[${i}].concentration`} label="Concentration" />
            </div>
            ${ings.length > 1 && html`<button type="button" class="btn btn-small btn-ghost-danger row-remove" onClick=${() => setIngs((rows) => rows.filter((_, j) => j !== i))}>Remove</button>`}
          </div>`,
        )}
        <button type="button" class="btn btn-small" onClick=${() => setIngs((rows) => [...rows, { ingredient: '', concentration: '' }])}>+ Another ingredient</button>
      </fieldset>
      <fieldset class="rows-fieldset">
        <legend>Regulatory status</legend>
        <p class="hint">Per jurisdiction. A jurisdiction with no status is never read as allowed.</p>
        ${form.errors.regulatory && html`<${RowError} form=${form} name="regulatory" />`}
        ${regs.map(
          (r, i) => html`<div key=${i} class="row-line" data-row=${`regulatory-${i}`}>
            <div class=${'field' + (form.errors[`regulatory.${r.jurisdiction}`] ? ' has-error' : '')}>
              <label for=${`${listId}-j${i}`}>Jurisdiction</label>
              <select id=${`${listId}-j${i}`} value=${r.jurisdiction} onChange=${setReg(i, 'jurisdiction')}>
                ${jurOptions.map(([c, l]) => html`<option value=${c}>${l}</option>`)}
              </select>
            </div>
            <div class=${'field' + (form.errors[`regulatory.${r.jurisdiction}`] ? ' has-error' : '')}>
              <label for=${`${listId}-s${i}`}>Status</label>
              <select id=${`${listId}-s${i}`} name=${`regulatory.${r.jurisdiction}`} value=${r.status} onChange=${setReg(i, 'status')}>
                ${REGULATORY.map(([c, l]) => html`<option value=${c}>${l}</option>`)}
              </select>
              <${RowError} form=${form} name=${`regulatory.${r.jurisdiction}`} label="Status" />
            </div>
            ${regs.length > 1 && html`<button type="button" class="btn btn-small btn-ghost-danger row-remove" onClick=${() => setRegs((rows) => rows.filter((_, j) => j !== i))}>Remove</button>`}
          </div>`,
        )}
        <button type="button" class="btn btn-small" onClick=${() => setRegs((rows) => [...rows, { jurisdiction: '', status: 'ce_marked' }])}>+ Another jurisdiction</button>
      </fieldset>
      <${FormActions} busy=${form.busy} label="Add product" busyLabel="Adding…" onClose=${onClose} />
    </form>
  <//>`;
}

function ProductCard({ p, lots, V }) {
  const onHand = onHandOf(lots);
  const recalled = lots.filter((l) => l.status === 'recalled').length;
  return html`<li class="card stock-card" data-product-id=${p.id}>
    <div class="stock-card-top">
      <${Link} href=${`/stock/products/${p.id}`} class="stock-name">${p.name}<//>
      <span class="stock-onhand"><strong>${onHand}</strong> on hand</span>
    </div>
    <p class="muted small wrap-any">${[p.manufacturer, presentationLabel(p.presentation), p.volume_ml ? ml(p.volume_ml) : ''].filter(Boolean).join(' · ')}</p>
    <p class="small wrap-any">${ingredientsText(p, V) || html`<span class="muted">No ingredients recorded</span>`}</p>
    <div class="badges"><${RegulatoryBadges} regulatory=${p.regulatory} />
      ${p.status !== 'active' && html`<span class="badge badge-muted">${p.status === 'discontinued' ? 'Discontinued' : p.status}</span>`}
      ${recalled > 0 && html`<span class="badge badge-danger">${recalled} lot${recalled === 1 ? '' : 's'} recalled</span>`}
    </div>
    ${lots.length > 0 &&
    html`<ul class="plain card-lots" aria-label=${`Lots of ${p.name}`}>
      ${lots.slice(0, 4).map((l) => {
        const [state, cls] = lotState(l);
        return html`<li key=${l.id} data-lot=${l.lot_number}><${Link} href=${`/stock/lots/${l.id}`}>Lot ${l.lot_number}<//>
          <span class="muted">exp. ${calendarDate(l.expiry)} · ${l.on_hand ?? '—'} left</span> <span class=${`badge ${cls}`}>${state}</span></li>`;
      })}
      ${lots.length > 4 && html`<li class="muted">and ${lots.length - 4} more on the product's page</li>`}
    </ul>`}
  </li>`;
}

export function StockScreen() {
  const session = useSession();
  const V = useVocab();
  const products = useLoad(() => get('/products'), []);
  const lots = useLoad(() => loadLots(), []);
  const [adding, setAdding] = useState(false);
  const [notice, setNotice] = useState(null);
  const [q, setQ] = useState('');
  const byProduct = lotsByProduct(lots.data && lots.data.items);
  const items = ((products.data && products.data.items) || []).filter((p) => !q.trim() || p.name.toLowerCase().includes(q.trim().toLowerCase()));
  return html`<section class="page stock-page">
    <div class="page-head">
      <${PageTitle} title="Stock">Stock<//>
      ${session.can('stock_write') && html`<div class="actions head-actions">
        <${Link} href="/stock/receive" class="btn">Receive stock<//>
        <button type="button" class="btn btn-primary" onClick=${() => { setNotice(null); setAdding(true); }}>+ Add product</button>
      </div>`}
    </div>
    <${StockNav} current="products" />
    ${notice && html`<p class="notice-ok stock-notice" role="status">${notice}</p>`}
    ${(products.error || lots.error) && html`<${Alert}>${(products.error || lots.error).message}<//>`}
    <div class="field stock-filter">
      <label for="stock-q">Find a product</label>
      <input id="stock-q" type="search" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} autocomplete="off" />
    </div>
    ${!products.data && !products.error && html`<${Spinner} />`}
    ${products.data && items.length === 0 && html`<p class="empty">${q ? 'No product matches.' : 'No products yet.'}</p>`}
    <ul class="stock-list" aria-label="Products">
      ${items.map((p) => html`<${ProductCard} key=${p.id} p=${p} lots=${byProduct.get(p.id) || []} V=${V} />`)}
    </ul>
    ${adding && html`<${AddProductDialog} onClose=${() => setAdding(false)} onSaved=${(p) => { setAdding(false); setNotice(`${p.name} added to the catalogue.`); products.reload(); }} />`}
  </section>`;
}

/** A product's lots: lot number, expiry, on hand, state; each a link to the lot. */
export function LotList({ lots, showProduct, products }) {
  if (!lots.length) return html`<p class="empty">No lots received yet.</p>`;
  return html`<ul class="lot-list" aria-label="Lots">
    ${lots.map((l) => {
      const [state, cls] = lotState(l);
      const p = products && products.get(l.product_id);
      return html`<li key=${l.id} class="lot-row" data-lot=${l.lot_number} data-status=${l.status}>
        <div class="lot-main">
          <${Link} href=${`/stock/lots/${l.id}`} class="lot-number">Lot ${l.lot_number}<//>
          ${showProduct && p && html`<span class="muted small"> · ${p.name}</span>`}
          <div class="small">Expiry ${expiryText(l.expiry)}</div>
        </div>
        <div class="lot-side">
          <span class="lot-onhand"><strong>${l.on_hand ?? '—'}</strong> ${l.unit ? `${l.unit}${l.on_hand === 1 ? '' : 's'}` : ''} on hand</span>
          <span class=${`badge ${cls}`}>${state}</span>
        </div>
        ${l.status === 'recalled' && html`<p class="lot-recall small">Recalled ${calendarDate(l.recalled_on)}${l.recall_reason ? ` — ${l.recall_reason}` : ''} · <${Link} href=${`/stock/recalls/${l.id}`}>Recall worklist<//></p>`}
      </li>`;
    })}
  </ul>`;
}

export function ProductScreen({ id }) {
  const session = useSession();
  const V = useVocab();
  const product = useLoad(() => get(`/products/${id}`), [id]);
  const lots = useLoad(() => loadLots(id), [id]);
  const [showHistory, setShowHistory] = useState(false);
  if (product.error) return html`<section class="page"><${PageTitle}>Product<//><${Alert}>${product.error.message}<//></section>`;
  if (!product.data) return html`<section class="page"><${Spinner} /></section>`;
  const p = product.data;
  const mine = lotsByProduct(lots.data && lots.data.items).get(p.id) || [];
  return html`<section class="page stock-page">
    <p class="crumbs"><${Link} href="/stock">Stock<//> ›</p>
    <div class="page-head">
      <${PageTitle} title=${p.name}>${p.name}<//>
      ${session.can('stock_write') && html`<${Link} href=${`/stock/receive?product_id=${p.id}`} class="btn btn-primary">Receive a lot<//>`}
    </div>
    <div class="stock-grid">
      <section class="card panel" aria-labelledby="product-h">
        <header class="panel-head"><h2 id="product-h">Product</h2></header>
        <dl class="details">
          <dt>Manufacturer</dt><dd>${p.manufacturer || html`<span class="muted">—</span>`}</dd>
          <dt>Presentation</dt><dd>${presentationLabel(p.presentation)}${p.volume_ml ? ` · ${ml(p.volume_ml)}` : ''}</dd>
          <dt>Form</dt><dd>${p.form || html`<span class="muted">—</span>`}</dd>
          <dt>Base</dt><dd>${p.base ? baseLabel(p.base) : html`<span class="muted">Not recorded</span>`}</dd>
          <dt>Ingredients</dt><dd><ul class="plain">${(p.ingredients || []).map((i) => html`<li>${V.label('ingredient', i.ingredient)}${i.concentration ? html` <span class="muted">${i.concentration}</span>` : ''}</li>`)}</ul></dd>
          <dt>Regulatory</dt><dd class="badges"><${RegulatoryBadges} regulatory=${p.regulatory} /></dd>
          <dt>Low stock at</dt><dd>${p.low_stock ?? html`<span class="muted">clinic default</span>`}</dd>
          ${p.presentation === 'multi_dose' && html`<dt>Beyond use</dt><dd>${p.beyond_use_hours ? `${p.beyond_use_hours} h after opening (manufacturer)` : '28 days after opening (default)'}</dd>`}
          <dt>Status</dt><dd>${p.status}</dd>
        </dl>
        <p class="record-meta">v${p.version} · ${session.staffName(p.recorded_by)} · ${instant(p.recorded_at)}</p>
        <button type="button" class="btn-link" aria-expanded=${showHistory} onClick=${() => setShowHistory(!showHistory)}>${showHistory ? 'Hide history' : 'Show history'}</button>
        ${showHistory && html`<${History} path=${`/products/${p.id}/history`} kind="product" label="Product history" />`}
      </section>
      <section class="card panel" aria-labelledby="lots-h">
        <header class="panel-head"><h2 id="lots-h">Lots <span class="count">${mine.length}</span></h2></header>
        ${lots.error && html`<${Alert}>${lots.error.message}<//>`}
        ${!lots.data && !lots.error ? html`<${Spinner} />` : html`<${LotList} lots=${mine} />`}
      </section>
    </div>
  </section>`;
}

// Receiving stock: the lot number first, scanned or typed. A barcode scanner types like a
// keyboard and ends with Enter, so Enter in the lot number box never sends the form: it
// reads the scan (a GS1 code "(17)YYMMDD(10)LOT" fills the expiry and the lot number),
// says when the clinic already has that lot (with a link to it; the form is left as it
// is), and moves on to the next empty field.
// POST /lots; every field error is shown at the field the API names.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { todayInClinic } from '../format.js';
import { html, Link, useLoad, useForm, Field, FormError, PageTitle, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { StockNav, UNITS, expiryText } from '../stock-common.js';
import './stock.css';

const FIELDS = ['lot_number', 'product_id', 'expiry', 'received_on', 'supplier', 'quantity', 'unit'];

/**
 * What a scan holds: a GS1 element string in its printed form ("(01)0540…(17)271231(10)AB12")
 * or with group separators, read for its expiry (17) and lot (10); anything else is the lot
 * number as typed.
 */
export function readScan(text) {
  const s = String(text || '').trim();
  const out = { lot_number: s };
  const ai = /\((\d{2,4})\)([^()\x1d]*)/g;
  let m;
  let found = false;
  while ((m = ai.exec(s))) {
    found = true;
    if (m[1] === '10') out.lot_number = m[2];
    if (m[1] === '17' && /^\d{6}$/.test(m[2])) {
      const [yy, mm, dd] = [m[2].slice(0, 2), m[2].slice(2, 4), m[2].slice(4, 6)];
      // GS1: day 00 means the last day of the month.
      const y = 2000 + Number(yy);
      const day = dd === '00' ? new Date(Date.UTC(y, Number(mm), 0)).getUTCDate() : Number(dd);
      out.expiry = `${y}-${mm}-${String(day).padStart(2, '0')}`;
    }
  }
  if (!found) out.lot_number = s;
  return out;
}

export function ReceiveScreen({ search }) {
  const session = useSession();
  const preset = new URLSearchParams(search || '').get('product_id') || '';
  const products = useLoad(() => get('/products'), []);
  const lots = useLoad(() => get('/lots'), []);
  const blank = { lot_number: '', product_id: preset, expiry: '', received_on: todayInClinic(), supplier: '', quantity: '1', unit: '' };
  const form = useForm(blank, FIELDS);
  const [known, setKnown] = useState(null); // the clinic's lot with the scanned number
  const [received, setReceived] = useState(null);
  useEffect(() => {
    const el = form.formRef.current && form.formRef.current.querySelector('[name="lot_number"]');
    if (el) el.focus();
  }, []);
  const active = ((products.data && products.data.items) || []).filter((p) => p.status === 'active');
  const productName = (id) => ((products.data && products.data.items) || []).find((p) => p.id === id)?.name || '';
  const options = [['', 'Choose the product…'], ...active.map((p) => [p.id, p.name])];

  const onLotKey = (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    const scan = readScan(e.currentTarget.value);
    const next = { ...form.values, lot_number: scan.lot_number };
    if (scan.expiry) next.expiry = scan.expiry;
    const same = ((lots.data && lots.data.items) || []).find((l) => l.lot_number === scan.lot_number && l.status !== 'entered_in_error');
    form.setValues(next);
    setKnown(same || null);
    setReceived(null);
    // On to the first field still empty.
    const order = ['product_id', 'expiry', 'quantity'];
    const to = order.find((k) => !String(next[k] || '').trim()) || 'quantity';
    requestAnimationFrame(() => {
      const el = form.formRef.current && form.formRef.current.querySelector(`[name="${to}"]`);
      if (el) el.focus();
    });
  };

  const onSubmit = form.submit(async (v) => {
    const body = { lot_number: v.lot_number.trim(), product_id: v.product_id, expiry: v.expiry, received_on: v.received_on };
    if (v.supplier.trim()) body.supplier = v.supplier.trim();
    if (String(v.quantity).trim() !== '') body.quantity = Number(v.quantity);
    if (v.unit) body.unit = v.unit;
    const lot = await post('/lots', body);
    setReceived(lot);
    setKnown(null);
    lots.reload();
    // Ready for the next scan: same product, supplier and dates kept.
    form.setValues({ ...v, lot_number: '', expiry: '', quantity: '1' });
    requestAnimationFrame(() => {
      const el = form.formRef.current && form.formRef.current.querySelector('[name="lot_number"]');
      if (el) el.focus();
    });
  });

  if (!session.can('stock_write'))
    return html`<section class="page"><${PageTitle}>Receive stock<//><${StockNav} current="receive" /><p>Receiving stock is for practitioners and the admin.</p></section>`;
  return html`<section class="page stock-page page-narrow">
    <${PageTitle} title="Receive stock">Receive stock<//>
    <${StockNav} current="receive" />
    ${received &&
    html`<p class="notice-ok stock-notice" role="status" data-received=${received.lot_number}>
      Lot <strong>${received.lot_number}</strong> of ${productName(received.product_id)} received: ${received.on_hand} on hand, expiry ${expiryText(received.expiry)}.
      ${' '}<${Link} href=${`/stock/lots/${received.id}`}>Open the lot<//></p>`}
    ${products.error && html`<${Alert}>${products.error.message}<//>`}
    <form ref=${form.formRef} class="card form" onSubmit=${onSubmit} novalidate aria-label="Receive stock">
      <${FormError} form=${form} />
      <${Field} form=${form} name="lot_number" label="Lot number" required autocomplete="off" spellcheck="false" class="scan-input"
        hint="Scan the barcode or type the lot number, then press Enter." onKeyDown=${onLotKey} />
      ${known &&
      html`<div class="alert alert-info" role="status" data-known-lot=${known.lot_number}>
        Lot ${known.lot_number} of ${productName(known.product_id)} is already recorded (expiry ${expiryText(known.expiry)}).
        To add containers to it, record a received movement on <${Link} href=${`/stock/lots/${known.id}`}>the lot<//>.
      </div>`}
      <${Field} form=${form} name="product_id" label="Product" type="select" options=${options} required />
      <div class="grid-2">
        <${Field} form=${form} name="expiry" label="Expiry" required />
        <${Field} form=${form} name="received_on" label="Received on" required />
        <${Field} form=${form} name="quantity" label="Quantity (containers)" type="number" min="1" required />
        <${Field} form=${form} name="unit" label="Container" type="select" options=${[['', 'As the product'], ...UNITS.map((u) => [u, u])]} />
      </div>
      <${Field} form=${form} name="supplier" label="Supplier" autocomplete="off" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Receiving…' : 'Receive lot'}</button>
      </div>
    </form>
  </section>`;
}

// The signal report (/signals; issue 11 items 6 and 8; pv_read): GET /pv/signals in full,
// over the sessions of a period (from, to: civil days; the default is all): the flagged
// lines and the infection clusters (each naming its rule and sources, linking to the lot and
// the complications), the rates per product, lot, vial, ingredient and practitioner (events
// per 1,000 sessions with the exact 95% interval), and every disproportionality line (PRR
// and ROR with their 95% intervals, chi-squared, the 2x2 counts). "Download CSV" fetches
// GET /pv/signals?format=csv with the session's token and saves it.
import { useState } from 'preact/hooks';
import { get, getBlob, qs } from '../api.js';
import { instant, sentence } from '../format.js';
import { html, useLoad, useForm, Field, PageTitle, Spinner, Alert } from '../ui.js';
import { interval, num } from './dashboard-chart.js';
import { PvNav } from './dashboard.js';
import { DIMENSIONS, Entity, firedRules, items, ratio, SignalList, useComplicationNames } from './signals-common.js';
import './stock.css';
import './dashboard.css';

/** The CSV of the same report, saved as a file (the token goes in the header, so no plain link). */
async function downloadCsv(params) {
  const blob = await getBlob(`/pv/signals${qs({ ...params, format: 'csv' })}`);
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = 'signals.csv';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function CsvLink({ params }) {
  const [err, setErr] = useState(null);
  const href = `/api/v1/pv/signals${qs({ ...params, format: 'csv' })}`;
  const onClick = async (e) => {
    e.preventDefault();
    setErr(null);
    try {
      await downloadCsv(params);
    } catch (x) {
      setErr(x);
    }
  };
  return html`<span class="csv-link"><a class="btn btn-small" href=${href} download="signals.csv" onClick=${onClick} data-csv>Download CSV</a>
    ${err && html`<span class="field-error" role="alert">${sentence(err.message)}</span>`}</span>`;
}

const DIM_ORDER = ['product', 'lot', 'vial', 'ingredient', 'practitioner'];

function RatesTable({ rows, dimension }) {
  const list = rows.filter((r) => r.dimension === dimension);
  if (!list.length) return null;
  return html`<table class="table pv-table" data-rates=${dimension}>
    <caption class="sr-only">Complication rates by ${DIMENSIONS[dimension].toLowerCase()}</caption>
    <thead><tr><th scope="col">${DIMENSIONS[dimension]}</th><th scope="col">Sessions</th><th scope="col">Events</th><th scope="col">Per 1,000</th><th scope="col">95% interval</th></tr></thead>
    <tbody>${list.map((r) => html`<tr key=${r.id}>
      <th scope="row"><${Entity} dimension=${dimension} id=${r.id} label=${r.label} /></th>
      <td data-label="Sessions">${r.sessions ?? '—'}</td><td data-label="Events">${r.events ?? '—'}</td>
      <td data-label="Per 1,000">${num(r.rate_per_1000)}</td><td data-label="95% interval">${interval(r.lo, r.hi)}</td></tr>`)}</tbody>
  </table>`;
}

function DispTable({ rows }) {
  const name = useComplicationNames();
  if (!rows.length) return html`<p class="empty">No complication recorded against a product or lot in this period.</p>`;
  return html`<table class="table pv-table" data-table="disproportionality">
    <caption class="sr-only">Disproportionality of each product or lot with each complication</caption>
    <thead><tr><th scope="col">Product or lot</th><th scope="col">Complication</th><th scope="col">Cases (a, b, c, d)</th><th scope="col">PRR (95%)</th><th scope="col">ROR (95%)</th><th scope="col">χ²</th><th scope="col">Signal</th></tr></thead>
    <tbody>${rows.map((d, i) => {
      const fired = firedRules(d);
      return html`<tr key=${i} class=${fired.length ? 'is-flagged' : ''} data-line=${`${d.dimension}:${d.id}:${d.code}`}>
        <th scope="row">${DIMENSIONS[d.dimension] || d.dimension} <${Entity} dimension=${d.dimension} id=${d.id} label=${d.label} /></th>
        <td data-label="Complication">${name(d.code)}</td>
        <td data-label="Cases">${d.a}, ${d.b}, ${d.c}, ${d.d}</td>
        <td data-label="PRR (95%)">${ratio(d.prr)}</td>
        <td data-label="ROR (95%)">${ratio(d.ror)}</td>
        <td data-label="χ²">${num(d.chi2, 2)}</td>
        <td data-label="Signal">${fired.length ? html`<span class="badge badge-danger">${fired.map((r) => r.toUpperCase()).join(', ')}</span>` : html`<span class="badge badge-muted">No</span>`}</td>
      </tr>`;
    })}</tbody>
  </table>`;
}

export function SignalsScreen({ search }) {
  const q = new URLSearchParams(search || '');
  const [params, setParams] = useState({ from: q.get('from') || '', to: q.get('to') || '' });
  const form = useForm(params, ['from', 'to']);
  const report = useLoad(() => get(`/pv/signals${qs(params)}`), [params.from, params.to]);
  const r = report.data;
  const rates = items(r && r.rates);
  const onSubmit = form.submit(async (v) => setParams({ from: v.from, to: v.to }));
  return html`<section class="page pv-page">
    <div class="page-head"><${PageTitle} title="Signal report">Signal report<//>
      <div class="pv-head-tools"><${CsvLink} params=${params} /></div></div>
    <${PvNav} current="signals" />
    <form class="pv-filter card panel" ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Period of the report">
      <div class="grid-2">
        <${Field} form=${form} name="from" label="Sessions from (optional)" type="date" />
        <${Field} form=${form} name="to" label="Sessions to (optional)" type="date" />
      </div>
      ${report.error && report.error.field && html`<p class="field-error" role="alert">${sentence(report.error.message)}</p>`}
      <button type="submit" class="btn btn-small">Show this period</button>
    </form>
    ${report.error && !report.error.field && html`<${Alert}>${sentence(report.error.message)}<//>`}
    ${!r && !report.error && html`<${Spinner} />`}
    ${r && html`
      <p class="pv-meta" data-report-meta>${r.sessions ?? 0} sessions · ${r.complications ?? 0} complications${r.kb_version ? ` · kb ${r.kb_version}` : ''}${r.generated_at ? ` · generated ${instant(r.generated_at)}` : ''}</p>
      <section class="card panel" aria-labelledby="sig-flagged-h" data-kind="pv-signals">
        <header class="panel-head"><h2 id="sig-flagged-h">Signals and clusters</h2></header>
        <${SignalList} signals=${r} rules=${r.rules} />
      </section>
      <section class="card panel" aria-labelledby="sig-disp-h" data-kind="pv-disproportionality">
        <header class="panel-head"><h2 id="sig-disp-h">Disproportionality</h2></header>
        <p class="hint">Each product or lot against every other, for each complication: PRR (Evans 2001) and ROR (Rothman 2004) with their 95% intervals; flagged with at least ${r.min_cases || 3} cases. “—” where a zero cell leaves a ratio undefined.</p>
        <${DispTable} rows=${items(r.disproportionality)} />
      </section>
      <section class="card panel" aria-labelledby="sig-rates-h" data-kind="pv-rates">
        <header class="panel-head"><h2 id="sig-rates-h">Rates</h2></header>
        <p class="hint">Complications per 1,000 sessions, with the exact (Garwood) 95% interval of the count.</p>
        ${!rates.length && html`<p class="empty">No session in this period.</p>`}
        ${DIM_ORDER.filter((dim) => rates.some((x) => x.dimension === dim)).map((dim) => html`<h3 class="sub-h" key=${'h' + dim}>By ${DIMENSIONS[dim].toLowerCase()}</h3><${RatesTable} key=${dim} rows=${rates} dimension=${dim} />`)}
      </section>`}
  </section>`;
}

// The clinic's pharmacovigilance dashboard (/dashboard; issue 11 item 8; pv_read: admin,
// practitioner, medical director, auditor): GET /pv/dashboard?weeks=N drawn as charts, each
// with its table (dashboard-chart.js): sessions per week; complication rates per 1,000
// sessions by product and by lot with their 95% intervals; the signals (flagged
// disproportionality lines and infection clusters, each naming its rule and sources and
// linking to the lot and the complications); the GAIS distribution; courses due for
// maintenance per week. The full report is the signals view (/signals).
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { calendarDate, sentence } from '../format.js';
import { html, Link, useId, useLoad, PageTitle, Spinner, Alert } from '../ui.js';
import { COLOURS, ChartFigure } from './dashboard-chart.js';
import { items, RateChart, SignalList } from './signals-common.js';
import './stock.css';
import './dashboard.css';

/** The sub-navigation of the pharmacovigilance screens. */
export function PvNav({ current }) {
  const list = [
    ['dashboard', '/dashboard', 'Dashboard'],
    ['signals', '/signals', 'Signal report'],
  ];
  return html`<nav class="subnav" aria-label="Pharmacovigilance">
    ${list.map(([k, href, text]) => html`<${Link} key=${k} href=${href} aria-current=${current === k ? 'page' : undefined}>${text}<//>`)}
  </nav>`;
}

/** "1 Dec" for a week's Monday (the year is in the table). */
const weekShort = (d) => calendarDate(d).replace(/[ /-]?\d{4}$|^\d{4}[-/]/, '');

/** A count per week as a bar chart with its table: rows [{week, <key>}]. */
function WeekChart({ name, label, rows, valueKey, unit, empty }) {
  const list = items(rows);
  const data = {
    labels: list.map((r) => weekShort(r.week)),
    datasets: [{ label: unit, data: list.map((r) => Number(r[valueKey]) || 0), backgroundColor: COLOURS[0] }],
  };
  const options = { scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { maxRotation: 0, autoSkip: true } } } };
  const table = { caption: label, head: ['Week of', unit], rows: list.map((r) => [calendarDate(r.week), String(r[valueKey] ?? 0)]) };
  const anything = list.some((r) => Number(r[valueKey]) > 0);
  return html`<${ChartFigure} name=${name} label=${label} type="bar" data=${data} options=${options} table=${anything ? table : { ...table, rows: [] }} empty=${empty} />`;
}

const RATERS = { practitioner: 'Practitioner', patient: 'Patient' };

/** The GAIS distribution: one bar per point of the scale, a series per rater. */
function GaisChart({ gais }) {
  const dists = (Array.isArray(gais) ? gais : gais ? [gais] : []).filter((g) => g && items(g.counts).length);
  const points = [];
  for (const g of dists) for (const c of items(g.counts)) if (!points.some((p) => p.value === c.value)) points.push({ value: c.value, label: c.label });
  points.sort((a, b) => a.value - b.value);
  const n = (g, v) => (items(g.counts).find((c) => c.value === v) || {}).n || 0;
  const seriesName = (g) => (g.rater ? `Rated by ${(RATERS[g.rater] || g.rater).toLowerCase()}` : 'Scores');
  const data = {
    labels: points.map((p) => p.label || String(p.value)),
    datasets: dists.map((g, i) => ({ label: seriesName(g), data: points.map((p) => n(g, p.value)), backgroundColor: COLOURS[i % COLOURS.length] })),
  };
  const options = { scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { ticks: { autoSkip: false, maxRotation: 40 } } } };
  const table = {
    caption: 'GAIS scores',
    head: ['Score', ...dists.map(seriesName)],
    rows: dists.some((g) => g.n > 0 || items(g.counts).some((c) => c.n > 0)) ? points.map((p) => [`${p.value} ${p.label || ''}`.trim(), ...dists.map((g) => String(n(g, p.value)))]) : [],
  };
  return html`<${ChartFigure} name="gais" label="GAIS distribution" type="bar" data=${data} options=${options} table=${table} empty="No GAIS score recorded in this period." />`;
}

const WEEKS = [
  [13, '13 weeks'],
  [26, '26 weeks'],
  [52, '52 weeks'],
];

export function DashboardScreen() {
  const [weeks, setWeeks] = useState(26);
  const wid = useId('pv-weeks');
  const dash = useLoad(() => get(`/pv/dashboard?weeks=${weeks}`), [weeks]);
  const d = dash.data;
  const rates = items(d && d.rates);
  const byProduct = rates.filter((r) => r.dimension === 'product');
  const byLot = rates.filter((r) => r.dimension === 'lot');
  return html`<section class="page pv-page">
    <div class="page-head"><${PageTitle} title="Dashboard">Dashboard<//>
      <div class="panel-tools"><label for=${wid} class="small">Period</label>
        <select id=${wid} value=${weeks} onChange=${(e) => setWeeks(Number(e.currentTarget.value))}>${WEEKS.map(([v, l]) => html`<option value=${v}>Last ${l}</option>`)}</select></div>
    </div>
    <${PvNav} current="dashboard" />
    ${dash.error && html`<${Alert}>${sentence(dash.error.message)}<//>`}
    ${!d && !dash.error && html`<${Spinner} />`}
    ${d && html`<div class="pv-grid">
      <section class="card panel pv-wide" aria-labelledby="pv-signals-h" data-kind="pv-signals">
        <header class="panel-head"><h2 id="pv-signals-h">Signals</h2><${Link} class="small" href="/signals">Full signal report ›<//></header>
        <${SignalList} signals=${d.signals} rules=${d.rules || (d.signals && d.signals.rules)} />
      </section>
      <section class="card panel" aria-labelledby="pv-sessions-h" data-kind="pv-sessions">
        <header class="panel-head"><h2 id="pv-sessions-h">Sessions per week</h2></header>
        <${WeekChart} name="sessions_per_week" label="Sessions per week" rows=${d.sessions_per_week} valueKey="sessions" unit="Sessions" empty="No completed session in this period." />
      </section>
      <section class="card panel" aria-labelledby="pv-gais-h" data-kind="pv-gais">
        <header class="panel-head"><h2 id="pv-gais-h">GAIS distribution</h2></header>
        <${GaisChart} gais=${d.gais} />
      </section>
      <section class="card panel" aria-labelledby="pv-rate-product-h" data-kind="pv-rate-product">
        <header class="panel-head"><h2 id="pv-rate-product-h">Complication rates by product</h2></header>
        <p class="hint">Complications per 1,000 sessions, with the exact 95% interval of the count.</p>
        <${RateChart} name="rates_product" label="Complication rates by product" rows=${byProduct} />
      </section>
      <section class="card panel" aria-labelledby="pv-rate-lot-h" data-kind="pv-rate-lot">
        <header class="panel-head"><h2 id="pv-rate-lot-h">Complication rates by lot</h2></header>
        <p class="hint">Complications per 1,000 sessions, with the exact 95% interval of the count.</p>
        <${RateChart} name="rates_lot" label="Complication rates by lot" rows=${byLot} />
      </section>
      <section class="card panel pv-wide" aria-labelledby="pv-maint-h" data-kind="pv-maintenance">
        <header class="panel-head"><h2 id="pv-maint-h">Maintenance due</h2></header>
        <p class="hint">Courses whose maintenance visit falls in each coming week.</p>
        <${WeekChart} name="maintenance_due" label="Maintenance due per week" rows=${d.maintenance_due} valueKey="courses" unit="Courses" empty="No maintenance visit due in the coming weeks." />
      </section>
    </div>`}
  </section>`;
}

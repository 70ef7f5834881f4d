// How the pharmacovigilance figures read (issue 11 items 6 and 8), shared by the dashboard
// (dashboard.js) and the signal report (signals.js): the dimensions' names, where each
// product, lot and complication is opened, the complication catalogue's names (GET
// /kb/complications, loaded once per page load), a rule with its sources (GET /kb source
// titles and links), the rate charts with their 95% intervals, and the flagged lines and
// clusters as a list. Nothing is computed here but what is drawn: the rates, intervals,
// PRR and ROR are the server's (pv_stats.c, signal.c; docs/SIGNALS.md).
import { get } from '../api.js';
import { calendarDate } from '../format.js';
import { html, Link, useLoad } from '../ui.js';
import { useKb } from '../vocab.js';
import { sourceInfo } from '../screening.js';
import { COLOURS, ChartFigure, finite, interval, num } from './dashboard-chart.js';

export const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);

export const DIMENSIONS = { product: 'Product', lot: 'Lot', vial: 'Vial', ingredient: 'Ingredient', practitioner: 'Practitioner' };
export const SHARED = { lot: 'a lot', vial: 'a vial', practitioner_day: "one practitioner's day of sessions" };
const RULES = {
  infection_cluster: 'Infection cluster',
  prr: 'Disproportionality: PRR',
  ror: 'Disproportionality: ROR',
};
export const ruleTitle = (r) => RULES[r] || String(r || '').replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

/** Where an entity of a report line is opened in the app, or null. */
export function entityHref(dimension, id) {
  if (!id) return null;
  if (dimension === 'lot') return `/stock/lots/${encodeURIComponent(id)}`;
  if (dimension === 'product') return `/stock/products/${encodeURIComponent(id)}`;
  if (dimension === 'vial') return `/stock/vials/${encodeURIComponent(id)}`;
  return null;
}
export const complicationHref = (id) => `/complications/${encodeURIComponent(id)}`;

/** A line's entity: its label, linked where the app has a page for it. */
export function Entity({ dimension, id, label }) {
  const href = entityHref(dimension, id);
  const text = label || id || '—';
  return href ? html`<${Link} href=${href} data-entity=${`${dimension}:${id}`}>${text}<//>` : html`<span>${text}</span>`;
}

let catalogueOnce = null;
/** The complication catalogue (GET /kb/complications), loaded once per page load. */
export function loadCatalogue() {
  if (!catalogueOnce) catalogueOnce = get('/kb/complications').catch((e) => ((catalogueOnce = null), Promise.reject(e)));
  return catalogueOnce;
}
/** code -> name from the catalogue; the code itself while it loads or when it is unknown. */
export function useComplicationNames() {
  const cat = useLoad(() => loadCatalogue().catch(() => null), []);
  const list = items(cat.data && cat.data.complications);
  return (code) => {
    const c = list.find((x) => x.code === code);
    return (c && c.name) || String(code || '').replace(/_/g, ' ');
  };
}

/** The sources of a rule: from the line itself or the report's "rules". */
export function ruleSources(rule, line, rules) {
  const own = items(line && (line.sources || line.rule_sources || line.rule_source));
  if (own.length) return own.map((s) => (typeof s === 'string' ? s : s.key || s.id));
  const r = items(rules).find((x) => x.rule === rule || x.id === rule);
  return items(r && r.sources).map((s) => (typeof s === 'string' ? s : s.key || s.id));
}

/** Source keys, each with its kb title on hover (linked when the kb has a url). */
export function SourceList({ keys }) {
  const kb = useKb();
  if (!keys.length) return null;
  return html`<ul class="sources pv-sources">${keys.map((k) => {
    const s = sourceInfo(k, kb.data);
    const t = html`<abbr title=${s.title}>${s.key}</abbr>`;
    return html`<li key=${k} class="src" data-source=${k}>${s.url ? html`<a href=${s.url} target="_blank" rel="noopener noreferrer">${t}</a>` : t}</li>`;
  })}</ul>`;
}

/** The rule a flagged line or cluster names, with its sources. */
export function RuleLine({ rule, line, rules }) {
  return html`<div class="pv-rule"><span class="small muted">Rule</span> <code class="rule-id">${rule}</code>
    <${SourceList} keys=${ruleSources(rule, line, rules)} /></div>`;
}

/** The rules a disproportionality line fired: "prr", "ror" (the server's flags). */
export function firedRules(d) {
  const s = d && d.signal;
  if (s && typeof s === 'object') return Object.keys(s).filter((k) => s[k] === true).map((k) => k.replace(/^signal_/, ''));
  const out = [];
  if (d && (d.signal_prr === true || (d.prr && d.prr.signal === true))) out.push('prr');
  if (d && (d.signal_ror === true || (d.ror && d.ror.signal === true))) out.push('ror');
  if (!out.length && (s === true || (typeof s === 'string' && s))) out.push(typeof s === 'string' && s !== 'true' ? s : 'disproportionality');
  return out;
}
export const isFlagged = (d) => firedRules(d).length > 0;

/** A ratio with its interval: "4.2 (1.3–13.1)". */
export const ratio = (r) => (r && num(r.value, 2) !== '—' ? `${num(r.value, 2)} (${interval(r.lo, r.hi, 2)})` : '—');

/**
 * One dimension's rates as a chart of events per 1,000 sessions with their 95% intervals
 * (error bars), and the table of the same figures.
 */
export function RateChart({ name, label, rows }) {
  const list = items(rows);
  const data = {
    labels: list.map((r) => r.label || r.id),
    datasets: [
      {
        label: 'Events per 1,000 sessions (95% interval)',
        backgroundColor: COLOURS[0] + '55',
        borderColor: COLOURS[0],
        borderWidth: 1,
        errorBarColor: '#1b2428',
        errorBarWhiskerColor: '#1b2428',
        data: list.map((r) => {
          const v = finite(r.rate_per_1000) ?? 0;
          return { x: v, xMin: finite(r.lo) ?? v, xMax: finite(r.hi) ?? v };
        }),
      },
    ],
  };
  const options = {
    indexAxis: 'y',
    scales: { x: { beginAtZero: true, title: { display: true, text: 'per 1,000 sessions' } }, y: { ticks: { autoSkip: false } } },
  };
  const table = {
    caption: label,
    head: [DIMENSIONS[list[0] && list[0].dimension] || 'Item', 'Sessions', 'Events', 'Per 1,000', '95% interval'],
    rows: list.map((r) => [html`<${Entity} dimension=${r.dimension} id=${r.id} label=${r.label} />`, String(r.sessions ?? '—'), String(r.events ?? '—'), num(r.rate_per_1000), interval(r.lo, r.hi)]),
  };
  return html`<${ChartFigure} name=${name} label=${label} type="barWithErrorBars" data=${data} options=${options} table=${table}
    height=${Math.max(140, 48 + list.length * 30)} empty="No sessions in this period." />`;
}

/** A disproportionality line as one sentence: what, with what complication, PRR and ROR. */
function DispLine({ d, name, rules }) {
  const fired = firedRules(d);
  return html`<li class="pv-line" data-signal=${`${d.dimension}:${d.id}:${d.code}`}>
    <p class="pv-line-head"><span class="badge badge-danger">Signal</span>
      <strong>${DIMENSIONS[d.dimension] || d.dimension} <${Entity} dimension=${d.dimension} id=${d.id} label=${d.label} /></strong> with <strong>${name(d.code)}</strong></p>
    <p class="small">${d.a} case${d.a === 1 ? '' : 's'} · PRR ${ratio(d.prr)} · ROR ${ratio(d.ror)}${d.chi2 !== undefined && d.chi2 !== null ? ` · χ² ${num(d.chi2, 2)}` : ''}</p>
    ${fired.map((r) => html`<${RuleLine} key=${r} rule=${r} line=${d} rules=${rules} />`)}
  </li>`;
}

/** A cluster: what it shares, its complications (each a link), the window, its rule. */
function ClusterLine({ c, rules }) {
  const list = items(c.complications);
  const w = c.window || {};
  return html`<li class="pv-line pv-cluster" data-cluster=${`${c.shared}:${c.id}`}>
    <p class="pv-line-head"><span class="badge badge-danger">Cluster</span>
      <strong>${list.length} infections sharing ${SHARED[c.shared] || c.shared}:</strong> ${c.shared === 'practitioner_day' ? html`<span>${c.label || c.id}</span>` : html`<${Entity} dimension=${c.shared} id=${c.id} label=${c.label} />`}</p>
    <p class="small">${c.patients !== undefined ? `${c.patients} patient${c.patients === 1 ? '' : 's'}` : ''}${w.from ? ` · onset window ${calendarDate(w.from)} – ${calendarDate(w.to)}` : ''}</p>
    <p class="small pv-complications">Complications: ${list.map((id, i) => {
      const cid = typeof id === 'string' ? id : id.id;
      return html`${i ? ', ' : ''}<${Link} href=${complicationHref(cid)} data-complication=${cid}>${(typeof id === 'object' && id.label) || `#${String(cid).slice(0, 8)}`}<//>`;
    })}</p>
    <${RuleLine} rule=${c.rule || 'infection_cluster'} line=${c} rules=${rules} />
  </li>`;
}

/**
 * The flagged lines and the clusters, each naming its rule and sources. signals: the
 * dashboard's "signals" ({disproportionality, clusters} or one list of both) or a report.
 */
export function SignalList({ signals, rules }) {
  const name = useComplicationNames();
  const all = Array.isArray(signals) ? signals : [];
  const disp = (Array.isArray(signals) ? all.filter((x) => !x.shared) : items(signals && (signals.disproportionality || signals.flagged))).filter(isFlagged);
  const clusters = Array.isArray(signals) ? all.filter((x) => x.shared) : items(signals && signals.clusters);
  const ruleList = rules || (signals && signals.rules);
  if (!disp.length && !clusters.length) return html`<p class="empty" data-signals="none">No signal: no product or lot reaches the thresholds, and no infections cluster.</p>`;
  return html`<ul class="plain pv-lines">
    ${clusters.map((c, i) => html`<${ClusterLine} key=${'c' + i} c=${c} rules=${ruleList} />`)}
    ${disp.map((d, i) => html`<${DispLine} key=${'d' + i} d=${d} name=${name} rules=${ruleList} />`)}
  </ul>`;
}

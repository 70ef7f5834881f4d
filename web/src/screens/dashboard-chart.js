// The charts of the dashboard, the signals view and the course outcomes (issue 11 item 8),
// drawn with Chart.js 4 and its error-bar controllers (chartjs-chart-error-bars) for the 95%
// intervals. Only what is drawn is registered (bars, lines, bars with error bars, the
// category and linear scales, tooltips and the legend), so the bundle carries no other chart
// type. Every chart is a <figure> with a canvas in a box of fixed height (responsive,
// maintainAspectRatio false: it takes its container's width at any screen size) and a table
// of the same numbers: the table is what screen readers read and what is printed, and
// "Show the numbers" shows it on screen. The canvas itself is hidden from assistive
// technology (the table says everything it draws).
import { useEffect, useRef, useState } from 'preact/hooks';
import { html, useId } from '../ui.js';

let lib = null;
/** Chart.js, registered (dashboard-chartlib.js): loaded once, at the first chart shown. */
const loadChartJs = () => lib || (lib = import('./dashboard-chartlib.js').catch((e) => ((lib = null), Promise.reject(e))));

/** The app's colours (styles.css), in the order series take them. */
export const COLOURS = ['#0f5e63', '#b0561f', '#1f4f8a', '#6b3d8f', '#1e6b34', '#7a4b00'];

/** A number as the tables print it: "—" for none (a zero cell's ratio is not a number). */
export function num(v, digits = 1) {
  if (v === null || v === undefined || v === '' || Number.isNaN(Number(v))) return '—';
  return Number(v).toLocaleString('en-GB', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** "0.4–12.3" from an interval's bounds, "—" when either is undefined. */
export function interval(lo, hi, digits = 1) {
  const l = num(lo, digits);
  const h = num(hi, digits);
  return l === '—' || h === '—' ? '—' : `${l}–${h}`;
}

/** A finite number or null (Chart.js leaves a gap for null). */
export const finite = (v) => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? null : Number(v));

/**
 * A chart with its table: type ("bar", "line", "barWithErrorBars"), data and options as
 * Chart.js takes them; table {caption, head: [..], rows: [[..]]}, the same numbers as
 * cells (strings or nodes); height of the drawing box in px; empty: the text shown instead
 * of both when there is nothing to draw.
 */
export function ChartFigure({ name, label, type, data, options, table, height = 240, empty }) {
  const canvas = useRef(null);
  const chart = useRef(null);
  const [shown, setShown] = useState(false);
  const tid = useId(`tbl-${name}`);
  const nothing = !table.rows.length;
  // One chart object per mounted figure, rebuilt when what it draws changes.
  const key = JSON.stringify([type, data, options]);
  const [failed, setFailed] = useState(null);
  useEffect(() => {
    if (nothing || !canvas.current) return undefined;
    let live = true;
    loadChartJs().then(
      ({ Chart }) => {
        if (!live || !canvas.current) return;
        chart.current = new Chart(canvas.current, {
          type,
          data,
          options: {
            responsive: true,
            maintainAspectRatio: false,
            animation: false,
            ...options,
            plugins: { legend: { display: (data.datasets || []).length > 1, position: 'bottom' }, ...(options && options.plugins) },
          },
        });
      },
      (e) => live && setFailed(e),
    );
    return () => {
      live = false;
      if (chart.current) chart.current.destroy();
      chart.current = null;
    };
  }, [key, nothing]);
  if (nothing) return html`<figure class="chart-fig is-empty" data-chart=${name}><p class="empty">${empty || 'Nothing to show yet.'}</p></figure>`;
  return html`<figure class="chart-fig" data-chart=${name} aria-label=${label}>
    <div class="chart-box" style=${`height:${height}px`}><canvas ref=${canvas} aria-hidden="true"></canvas></div>
    ${failed && html`<p class="small muted">The chart could not be drawn (${failed.message}); the numbers are below.</p>`}
    <button type="button" class="btn-link chart-toggle" aria-expanded=${shown || !!failed} aria-controls=${tid} onClick=${() => setShown(!shown)}>${shown ? 'Hide the numbers' : 'Show the numbers'}</button>
    <div id=${tid} class=${`chart-table-wrap${shown || failed ? '' : ' sr-only'}`}>
      <table class="table chart-table" data-table=${name}>
        <caption>${table.caption || label}</caption>
        <thead><tr>${table.head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
        <tbody>${table.rows.map((r, i) => html`<tr key=${i}>${r.map((cell, j) => (j === 0 ? html`<th scope="row" data-label=${table.head[0]}>${cell}</th>` : html`<td data-label=${table.head[j]}>${cell}</td>`))}</tr>`)}</tbody>
      </table>
    </div>
  </figure>`;
}

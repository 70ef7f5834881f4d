// A course's outcomes (issue 11 items 5 and 8), on the course page: GET
// /courses/{id}/outcomes plotted per scale (GAIS, WSRS, satisfaction), one line per rater
// (practitioner, patient) over the course's sessions, each chart with its table
// (dashboard-chart.js); beside them the before/after photos of each view, session by
// session, with the scores given at that session. The axis is drawn from the scale's
// definition stored with the scores (outcome.h): "better" is always up, whichever way a
// scale is numbered. "Record a score" (chart_write) posts a practitioner's score on a
// completed or signed-off session of the course (POST /outcomes), the scale's points with
// their meanings from the kb (GET /kb/outcome-scales); a second score of the same session,
// scale and rater is an amendment and needs a reason.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, sentence } from '../format.js';
import { html, useLoad, useForm, Field, FormError, Dialog, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { Thumb } from './photos.js';
import { items, viewLabel } from '../chart.js';
import { COLOURS, ChartFigure } from './dashboard-chart.js';
import './dashboard.css';

const RATERS = { practitioner: 'Practitioner', patient: 'Patient' };
export const raterLabel = (r) => RATERS[r] || String(r || '');

let scalesOnce = null;
/** The outcome scales of the kb (GET /kb/outcome-scales), loaded once per page load. */
export function loadScales() {
  if (!scalesOnce) scalesOnce = get('/kb/outcome-scales').catch((e) => ((scalesOnce = null), Promise.reject(e)));
  return scalesOnce;
}

/**
 * The definition a series was scored on: the one stored with it where the answer carries it
 * (its direction and version always win over the kb's), else the kb's entry of the scale.
 */
function definitionOf(series, scales) {
  for (const p of items(series.points)) if (p.scale_definition) return p.scale_definition;
  if (series.scale_definition) return series.scale_definition;
  const kb = items(scales).find((s) => s.id === series.scale) || { id: series.scale, name: series.scale, points: [] };
  return { ...kb, direction: series.direction || kb.direction, version: series.scale_version || kb.version };
}
const capital = (t) => String(t || '').replace(/^./, (c) => c.toUpperCase());
const seriesLabel = (s) => `${raterLabel(s.rater)}${s.area ? `, ${String(s.area).replace(/_/g, ' ')}` : ''}`;

/** A scale's short name beside a photo: its abbreviation ("GAIS", "WSRS") or its name. */
const shortName = (def) => def.short_name || def.abbreviation || (/^[a-z]{2,5}$/i.test(def.id || '') ? def.id.toUpperCase() : def.name || def.id);
const sessionName = (s) => `Session ${s.course_session || '?'}`;
const scoreText = (p, def) => {
  const pt = items(def && def.points).find((x) => x.value === p.score);
  return `${p.score}${p.label || (pt && pt.label) ? ` ${p.label || pt.label}` : ''}`;
};

/** One scale's series (one per rater) over the course's sessions, with its table. */
function ScaleChart({ scale, series, sessions, scales }) {
  const def = definitionOf(series[0], scales);
  const values = items(def.points).map((p) => p.value);
  const lo = values.length ? Math.min(...values) : undefined;
  const hi = values.length ? Math.max(...values) : undefined;
  const lowerBetter = def.direction === 'lower_is_better';
  const at = (s, sid) => items(s.points).find((p) => p.session_id === sid);
  const data = {
    labels: sessions.map(sessionName),
    datasets: series.map((s, i) => ({
      label: seriesLabel(s),
      data: sessions.map((x) => (at(s, x.id) ? Number(at(s, x.id).score) : null)),
      borderColor: COLOURS[i % COLOURS.length],
      backgroundColor: COLOURS[i % COLOURS.length],
      spanGaps: true,
      pointRadius: 4,
      clip: false,
    })),
  };
  const pointLabel = (v) => capital((items(def.points).find((p) => p.value === v) || {}).label) || String(v);
  const options = {
    layout: { padding: { top: 6, right: 8 } },
    scales: {
      y: { min: lo, max: hi, reverse: lowerBetter, ticks: { stepSize: 1, callback: (v) => pointLabel(v) }, title: { display: true, text: 'better ↑' } },
      x: { ticks: { maxRotation: 0, autoSkip: true } },
    },
    plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.parsed.y} ${pointLabel(c.parsed.y)}` } } },
  };
  const table = {
    caption: `${def.name || scale} over the course`,
    head: ['Session', ...series.map(seriesLabel)],
    rows: sessions.filter((x) => series.some((s) => at(s, x.id))).map((x) => [`${sessionName(x)}${x.day ? `, ${calendarDate(x.day)}` : ''}`, ...series.map((s) => (at(s, x.id) ? scoreText(at(s, x.id), def) : '—'))]),
  };
  return html`<div class="outcome-chart" data-scale=${scale}>
    <h3 class="sub-h">${def.name || scale}${def.version ? html` <span class="small muted">v${def.version}</span>` : ''}</h3>
    <${ChartFigure} name=${`outcome-${scale}`} label=${`${def.name || scale} over the course`} type="line" data=${data} options=${options} table=${table} height=${220} />
  </div>`;
}

/** The before/after photos of each view, session by session, with the scores of that session. */
function PhotosBeside({ photos, series, scales }) {
  const views = items(photos).filter((v) => items(v.items).some((x) => x.before || x.after));
  if (!views.length) return html`<div class="outcome-views"><p class="empty">No before or after photos in this course yet.</p></div>`;
  const scoresOf = (sid) =>
    series.flatMap((s) => items(s.points).filter((p) => p.session_id === sid).map((p) => `${shortName(definitionOf(s, scales))} (${seriesLabel(s).toLowerCase()}): ${scoreText(p, definitionOf(s, scales))}`));
  return html`<div class="outcome-views">${views.map((v) => html`<div class="outcome-photos" key=${v.view} data-view=${v.view}>
    <h3 class="sub-h">${viewLabel(v.view)}</h3>
    <ol class="plain outcome-photo-row">${items(v.items).map((x) => html`<li key=${x.session_id} class="outcome-photo-cell" data-session=${x.session_id}>
      <p class="small"><strong>Session ${x.course_session || ''}</strong> <span class="muted">${x.day ? calendarDate(x.day) : ''}</span></p>
      <div class="compare-pair">
        <figure><${Thumb} photo=${x.before} alt=${`${viewLabel(v.view)}, before, session ${x.course_session || ''}`} /><figcaption class="small">Before</figcaption></figure>
        <figure><${Thumb} photo=${x.after} alt=${`${viewLabel(v.view)}, after, session ${x.course_session || ''}`} /><figcaption class="small">After</figcaption></figure>
      </div>
      ${scoresOf(x.session_id).length > 0 && html`<ul class="plain small outcome-scores">${scoresOf(x.session_id).map((t) => html`<li>${t}</li>`)}</ul>`}
    </li>`)}</ol>
  </div>`)}</div>`;
}

const SCORE_FIELDS = ['session_id', 'scale', 'score', 'reason'];

/** A practitioner's score on a completed session: the scale's points with their meanings. */
function ScoreDialog({ sessions, scales, onClose, onDone }) {
  const mine = items(scales).filter((s) => !items(s.raters).length || items(s.raters).includes('practitioner'));
  const form = useForm({ session_id: sessions.length === 1 ? sessions[0].id : '', scale: mine.length === 1 ? mine[0].id : '', score: '', reason: '' }, SCORE_FIELDS);
  const scale = mine.find((s) => s.id === form.values.scale);
  const onSubmit = form.submit(async (v) => {
    const body = { session_id: v.session_id, scale: v.scale, rater: 'practitioner', score: v.score === '' ? null : Number(v.score) };
    if (v.reason.trim()) body.reason = v.reason.trim();
    onDone(await post('/outcomes', body));
  });
  const err = form.errors.score;
  return html`<${Dialog} title="Record a score" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Record a score">
      <${FormError} form=${form} />
      <${Field} form=${form} name="session_id" label="Session" type="select" required
        options=${[['', sessions.length ? 'Choose a completed session' : 'No completed session yet'], ...sessions.map((s) => [s.id, `${sessionName(s)}${s.day ? `, ${calendarDate(s.day)}` : ''}`])]} />
      <${Field} form=${form} name="scale" label="Scale" type="select" required options=${[['', 'Choose a scale'], ...mine.map((s) => [s.id, s.name || s.id])]} />
      ${scale && html`<fieldset class=${`answer score-points${err ? ' has-error' : ''}`}>
        <legend>Score (rated by the practitioner)</legend>
        <ul class="plain">${items(scale.points).map((p) => html`<li key=${p.value}><label class=${`score-point${String(form.values.score) === String(p.value) ? ' on' : ''}`}>
          <input type="radio" name="score" value=${p.value} checked=${String(form.values.score) === String(p.value)} onChange=${form.set('score')} />
          <span><strong>${p.value} ${capital(p.label)}</strong>${p.meaning && html`<span class="point-meaning small muted">${p.meaning}</span>`}</span></label></li>`)}</ul>
        ${err && html`<p class="field-error" role="alert"><span aria-hidden="true">⚠ </span>${sentence(err)}</p>`}
      </fieldset>`}
      <${Field} form=${form} name="reason" label="Reason (optional)" type="textarea" hint="Needed only to change a score already recorded for this session and scale." />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : 'Record the score'}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** The course page's panel: the outcome plots beside the photos of each view. */
export function OutcomesPanel({ course }) {
  const session = useSession();
  const out = useLoad(() => get(`/courses/${encodeURIComponent(course.id)}/outcomes`), [course.id]);
  const scales = useLoad(() => loadScales().catch(() => null), []);
  const charted = useLoad(() => get(`/patients/${course.patient_id}/sessions`).catch(() => null), [course.patient_id, course.version]);
  const [scoring, setScoring] = useState(false);
  const [saved, setSaved] = useState(null);
  if (out.error && out.error.status === 404) return null; // a server without outcomes
  const d = out.data;
  const scaleList = items(scales.data && scales.data.scales);
  const sessions = items(d && d.sessions);
  const series = items(d && d.series).filter((s) => items(s.points).length);
  const byScale = [];
  for (const s of series) {
    let g = byScale.find((x) => x.scale === s.scale);
    if (!g) byScale.push((g = { scale: s.scale, series: [] }));
    g.series.push(s);
  }
  const done = items(charted.data).filter((x) => x.course_id === course.id && ['completed', 'signed_off'].includes(x.state)).sort((a, b) => (a.course_session || 0) - (b.course_session || 0));
  const canScore = session.can('chart_write');
  return html`<section class="card panel" aria-labelledby="outcomes-h" data-kind="outcomes" id="outcomes">
    <header class="panel-head"><h2 id="outcomes-h">Outcomes</h2>
      ${canScore && html`<button type="button" class="btn btn-small" onClick=${() => setScoring(true)} disabled=${!scales.data || !charted.data}>Record a score</button>`}</header>
    ${saved && html`<p class="notice-ok" role="status">Score recorded: ${saved}</p>`}
    ${out.error && html`<${Alert}>${sentence(out.error.message)}<//>`}
    ${!d && !out.error && html`<${Spinner} />`}
    ${d && html`<div class="outcome-layout">
      <div class="outcome-charts">
        ${byScale.length === 0 && html`<p class="empty">No score recorded for this course yet.</p>`}
        ${byScale.map((g) => html`<${ScaleChart} key=${g.scale} scale=${g.scale} series=${g.series} sessions=${sessions} scales=${scaleList} />`)}
      </div>
      <${PhotosBeside} photos=${d.photos} series=${series} scales=${scaleList} />
    </div>`}
    ${scoring && html`<${ScoreDialog} sessions=${done} scales=${scaleList} onClose=${() => setScoring(false)} onDone=${(o) => {
      setScoring(false);
      setSaved(`${o.scale} ${o.score}${o.label ? ` ${o.label}` : ''}`);
      out.reload();
    }} />`}
  </section>`;
}

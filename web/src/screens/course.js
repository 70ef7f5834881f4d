// Treatment courses (issue 9 item 3): the patient page's Courses panel with the planner
// (protocol, formulation, start date, and optionally the session count and spacing inside
// the protocol's cited range, its source shown), and the course page (/courses/{id}) with
// its timeline: each session's window (earliest, target, latest), its booking, the sessions
// done, the windows missed and the re-plan message, the maintenance after the course; and
// abandoning it with a reason. The plan is the server's: nothing is computed here.
import { useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { calendarDate, instant, sentence, todayInClinic } from '../format.js';
import { html, Link, navigate, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { History } from '../history.js';
import { useKb } from '../vocab.js';
import { sourceInfo } from '../screening.js';
import { apptRange, apptStatus, apptTime, courseState, dayLabel, ZoneLabel } from '../schedule.js';
import { CheckInButton } from './charting.js';
import { PhotoCompare } from './photos.js';
import { OutcomesPanel } from './outcome-panel.js';
import { isOpen, items as listOf, stateBadge, stateLabel } from '../chart.js';
import './admin.css';
import './stock.css';
import './schedule.css';

const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);

let protocolsOnce = null;
/** The protocols as the clinic uses them (GET /protocols), loaded once per page load. */
export function loadProtocols() {
  if (!protocolsOnce) protocolsOnce = get('/protocols').catch((e) => ((protocolsOnce = null), Promise.reject(e)));
  return protocolsOnce;
}
/** A course or timeline with its protocol's label (the code when the list cannot be had). */
async function withLabel(c) {
  const ps = await loadProtocols().catch(() => null);
  const p = ps && items(ps).find((x) => x.code === c.protocol);
  return p ? { ...c, protocol_label: p.label } : c;
}

/** A course with its plan (GET /courses/{id}: clinical read). */
export const loadCourse = async (id) => withLabel(await get(`/courses/${id}`));

/**
 * What booking needs of a course, without clinical detail (GET /courses/{id}/timeline:
 * schedule_read): {course_id, patient_id, protocol, state, windows, bookings}, with the
 * patient's name (GET /patients/{id}).
 */
export async function loadTimeline(id) {
  const t = await get(`/courses/${id}/timeline`);
  const p = await get(`/patients/${t.patient_id}`).catch(() => null);
  return withLabel({ ...t, id: t.course_id || id, patient: p });
}

/**
 * The planned visits of a course, series then maintenance, each {seq, kind, window
 * {earliest, target, latest}, done_on, appointment_id, missed}: from a course's plan
 * (plan.sessions) or a timeline (windows).
 */
export function sessionsOf(course) {
  if (!course) return [];
  const list = items((course.plan && course.plan.sessions) || course.windows);
  return list.map((s, i) => ({
    ...s,
    seq: s.seq || i + 1,
    kind: s.kind === 'maintenance' ? 'maintenance' : 'series',
    window: s.window || { earliest: s.earliest, target: s.target, latest: s.latest },
  }));
}

export const protocolName = (c) => (c && (c.protocol_label || (c.protocol_info && c.protocol_info.label) || c.protocol)) || 'course';

/** A protocol's range for one setting: {min, max, default, unit, sources}. */
function rangeOf(p, name) {
  const r = p && p[name];
  if (!r || typeof r !== 'object') return null;
  const d = r.default && typeof r.default === 'object' ? r.default : { value: r.default, sources: [] };
  return { ...r, dflt: r.value !== undefined ? r.value : d.value, chosen: !!r.chosen_by_clinic, dsources: items(d.sources) };
}
/** Source keys ("S2") as people read them: each with its kb title on hover, linked when it has a url. */
function Sources({ keys, kb }) {
  return keys.map((k, i) => {
    const info = sourceInfo(k, kb);
    const t = html`<abbr title=${info.title}>${info.key}</abbr>`;
    return html`${i ? ', ' : ''}${info.url ? html`<a href=${info.url} target="_blank" rel="noopener noreferrer">${t}</a>` : t}`;
  });
}

/** "Range 3–6 (sources S2, S4); default 4 (S2). Leave empty for the default." */
function rangeHint(r, unit, kb) {
  if (!r) return undefined;
  const src = items(r.sources);
  const dsrc = !r.chosen && r.dsources.length ? html` (<${Sources} keys=${r.dsources} kb=${kb} />)` : '';
  return html`Range ${r.min}–${r.max}${unit}${src.length ? html` (sources <${Sources} keys=${src} kb=${kb} />)` : ''}${r.dflt !== undefined
    ? html`; ${r.chosen ? 'this clinic chose' : 'default'} ${r.dflt}${unit}${dsrc}`
    : ''}. Leave empty for ${r.chosen ? "the clinic's choice" : 'the default'}.`;
}

const PLAN_FIELDS = ['protocol', 'formulation_id', 'start', 'session_count', 'spacing_days', 'reason'];

/** The planner: POST /patients/{id}/courses, then the course page. */
export function PlanCourseDialog({ patientId, onClose }) {
  const protocols = useLoad(loadProtocols, []);
  const kb = useKb();
  const mixtures = useLoad(() => get(`/patients/${patientId}/formulations`), [patientId]);
  const form = useForm({ protocol: '', formulation_id: '', start: todayInClinic(), session_count: '', spacing_days: '' }, PLAN_FIELDS);
  const plist = items(protocols.data);
  const chosen = plist.find((p) => p.code === form.values.protocol);
  const mlist = items(mixtures.data).filter((m) => (m.status || 'active') === 'active');
  const onSubmit = form.submit(async (v) => {
    const body = { protocol: v.protocol, formulation_id: v.formulation_id, start: v.start };
    if (String(v.session_count).trim()) body.session_count = Number(v.session_count);
    if (String(v.spacing_days).trim()) body.spacing_days = Number(v.spacing_days);
    const c = await post(`/patients/${patientId}/courses`, body);
    navigate(`/courses/${c.id}`);
  });
  const sessions = rangeOf(chosen, 'session_count');
  const spacing = rangeOf(chosen, 'spacing_days');
  return html`<${Dialog} title="Plan a course" onClose=${onClose} wide>
    ${(protocols.error || mixtures.error) && html`<${Alert}>${sentence((protocols.error || mixtures.error).message)}<//>`}
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Plan a course">
      <${FormError} form=${form} />
      <${Field} form=${form} name="protocol" label="Protocol" type="select" required options=${[['', protocols.data ? 'Choose a protocol' : 'Loading…'], ...plist.map((p) => [p.code, p.label || p.code])]} />
      ${chosen && chosen.description && html`<p class="hint">${chosen.description}</p>`}
      <${Field} form=${form} name="formulation_id" label="Formulation" type="select" required
        options=${[['', mixtures.data ? (mlist.length ? 'Choose a saved mixture' : 'No saved mixture yet') : 'Loading…'], ...mlist.map((m) => [m.id, m.name])]}
        hint=${mixtures.data && !mlist.length ? 'Save a mixture in the formulation builder first.' : undefined} />
      <${Field} form=${form} name="start" label="Start date" type="date" required />
      <div class="grid-2">
        <${Field} form=${form} name="session_count" label="Sessions (optional)" type="number" inputmode="numeric" min=${sessions && sessions.min} max=${sessions && sessions.max}
          hint=${sessions ? rangeHint(sessions, '', kb.data) : 'Choose a protocol to see its range.'} />
        <${Field} form=${form} name="spacing_days" label="Spacing in days (optional)" type="number" inputmode="numeric" min=${spacing && spacing.min} max=${spacing && spacing.max}
          hint=${spacing ? rangeHint(spacing, ' days', kb.data) : undefined} />
      </div>
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Planning…' : 'Plan the course'}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** The patient page's panel: the patient's courses and the planner. */
export function CoursesPanel({ patientId, canPlan }) {
  const list = useLoad(async () => {
    const r = await get(`/patients/${patientId}/courses`);
    return Promise.all(items(r).map(withLabel));
  }, [patientId]);
  const [planning, setPlanning] = useState(false);
  const courses = items(list.data);
  return html`<section class="card panel" aria-labelledby="courses-h" data-kind="courses" id="courses">
    <header class="panel-head">
      <h2 id="courses-h">Courses${list.data && html` <span class="count">${courses.length}</span>`}</h2>
      ${canPlan && html`<button type="button" class="btn btn-small" onClick=${() => setPlanning(true)}>+ Plan a course</button>`}
    </header>
    ${list.error && html`<div class="wrap-any"><${Alert}>${sentence(list.error.message)}<//></div>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && courses.length === 0 && html`<p class="empty">No course planned.</p>`}
    ${courses.length > 0 && html`<ul class="facts">${courses.map((c) => {
      const [st, cls] = courseState(c.state);
      return html`<li key=${c.id} class="fact" data-course=${c.id}>
        <div class="fact-line"><div class="fact-main">
          <${Link} href=${`/courses/${c.id}`} class="fact-name">${protocolName(c)}<//> <span class=${`badge ${cls}`}>${st}</span>
          <div class="fact-meta">From ${calendarDate(c.start)}${c.session_count ? ` · ${c.session_count} sessions` : ''}</div>
        </div></div>
      </li>`;
    })}</ul>`}
    ${planning && html`<${PlanCourseDialog} patientId=${patientId} onClose=${() => setPlanning(false)} />`}
  </section>`;
}

function AbandonDialog({ course, onClose, onDone }) {
  const form = useForm({ reason: '' }, ['reason']);
  const onSubmit = form.submit(async (v) => {
    const c = await post(`/courses/${course.id}/abandon`, { reason: v.reason.trim(), version: course.version });
    onDone(c);
  });
  return html`<${Dialog} title="Abandon the course" onClose=${onClose}>
    <p>The course stops here: no further sessions are planned. Its record and history stay.</p>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Abandon the course">
      <${FormError} form=${form} />
      <${Field} form=${form} name="reason" label="Why the course is abandoned" type="textarea" required />
      <div class="actions">
        <button type="submit" class="btn btn-danger" disabled=${form.busy}>Abandon the course</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Back</button>
      </div>
    </form>
  <//>`;
}

/** Where a session stands: done, missed, booked, window open, not booked yet. */
function sessionState(s, booking, today) {
  if (s.done_on) return ['done', 'Done', 'badge-ok'];
  if (s.missed || (s.window.latest && s.window.latest < today)) return ['missed', 'Window missed', 'badge-danger'];
  if (booking) return ['booked', 'Booked', 'badge-info'];
  if (s.window.earliest && s.window.earliest <= today) return ['open', 'Window open', 'badge-warn'];
  return ['upcoming', 'Not booked', 'badge-muted'];
}

/** The course's visits in order, each with its window drawn on one time line. */
export function Timeline({ course, bookings, canBook }) {
  const today = todayInClinic();
  const list = sessionsOf(course);
  const all = list.flatMap((s) => [s.window.earliest, s.window.latest]).filter(Boolean).sort();
  const t0 = all[0];
  const span = t0 ? Math.max(1, (Date.parse(all[all.length - 1]) - Date.parse(t0)) / 86400000) : 1;
  const pos = (d) => (d && t0 ? Math.min(100, Math.max(0, ((Date.parse(d) - Date.parse(t0)) / 86400000 / span) * 100)) : 0);
  const live = bookings.filter((a) => a.status !== 'cancelled');
  const open = course.state === 'planned' || course.state === 'active';
  let n = 0;
  return html`<ol class="timeline" aria-label="Course timeline">
    ${list.map((s) => {
      const booking = live.find((a) => (s.appointment_id && a.id === s.appointment_id) || String(a.course_session) === String(s.seq));
      const [key, label, cls] = sessionState(s, booking, today);
      const w = s.window;
      const title = s.kind === 'maintenance' ? 'Maintenance' : `Session ${++n}`;
      return html`<li key=${s.seq} class=${`tl-item tl-${key}`} data-seq=${s.seq} data-state=${key}>
        <div class="tl-head">
          <span class="tl-title">${title}</span>
          <span class=${`badge ${cls}`}>${label}</span>
        </div>
        <div class="tl-bar" aria-hidden="true"><span class="tl-range" style=${`left:${pos(w.earliest)}%;width:${Math.max(1, pos(w.latest) - pos(w.earliest))}%`}></span>
          <span class="tl-target" style=${`left:${pos(w.target)}%`}></span></div>
        <p class="tl-window small">Window <strong>${calendarDate(w.earliest)}</strong> – <strong>${calendarDate(w.latest)}</strong> · target ${calendarDate(w.target)}</p>
        ${s.done_on && html`<p class="small">Done on ${calendarDate(s.done_on)}</p>`}
        ${booking && !s.done_on && html`<p class="small tl-booking" data-appointment=${booking.id}>Booked ${dayLabel((apptTime(booking) || {}).day || '')} ${apptRange(booking)} · ${apptStatus(booking.status)[0]}${booking.window_override ? ` · outside the window: ${booking.window_override.reason}` : ''}</p>`}
        ${!booking && !s.done_on && key !== 'missed' && open && canBook && html`<p class="small"><${Link} href=${`/calendar${qs({ course_id: course.id, seq: s.seq })}`}>Book ${title.toLowerCase()} ›<//></p>`}
      </li>`;
    })}
  </ol>`;
}

/**
 * The course's treatment sessions (GET /patients/{id}/sessions, this course's): each with its
 * state and a link, and Check in for the next series session not done (chart_write).
 */
function CourseSessions({ course, canChart }) {
  const list = useLoad(() => get(`/patients/${course.patient_id}/sessions`), [course.patient_id, course.version]);
  const mine = listOf(list.data).filter((x) => x.course_id === course.id).sort((a, b) => (a.course_session || 0) - (b.course_session || 0));
  const next = sessionsOf(course).find((x) => x.kind === 'series' && !x.done_on && !x.missed && !mine.some((m) => String(m.course_session) === String(x.seq) && m.state !== 'cancelled'));
  const openOne = mine.find(isOpen);
  const live = course.state === 'planned' || course.state === 'active';
  return html`<section class="card panel" aria-labelledby="course-sessions-h" data-kind="course-sessions">
    <header class="panel-head"><h2 id="course-sessions-h">Treatment sessions${list.data && html` <span class="count">${mine.length}</span>`}</h2>
      ${canChart && live && next && !openOne && html`<${CheckInButton} body=${{ patient_id: course.patient_id, course_id: course.id, course_session: next.seq }} patientId=${course.patient_id} courseId=${course.id} seq=${next.seq} label=${`Check in for session ${next.seq}`} />`}
    </header>
    ${list.error && list.error.status !== 404 && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${list.data && !mine.length && html`<p class="empty">No session charted yet.</p>`}
    ${mine.length > 0 && html`<ul class="plain course-sessions">${mine.map((x) => html`<li key=${x.id} data-session=${x.id}>
      <${Link} href=${`/sessions/${x.id}`}>Session ${x.course_session}<//> <span class=${`badge ${stateBadge(x.state)}`}>${stateLabel(x.state)}</span>
      <span class="small muted">${x.day ? calendarDate(x.day) : ''}</span></li>`)}</ul>`}
  </section>`;
}

function ReplanButton({ course, onDone }) {
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setErr(null);
    try {
      onDone(await post(`/courses/${course.id}/replan`, { version: course.version }));
    } catch (e) {
      setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="alert alert-error replan-needed" role="alert">
    <p>A session window was missed: the rest of the course no longer keeps its spacing.</p>
    <button type="button" class="btn btn-primary" disabled=${busy} onClick=${run}>Re-plan the rest from today</button>
    ${err && html`<p class="field-error">${sentence(err.message)}</p>`}
  </div>`;
}

export function CourseScreen({ id }) {
  const session = useSession();
  const course = useLoad(() => loadCourse(id), [id]);
  const timeline = useLoad(() => get(`/courses/${id}/timeline`), [id]);
  const patient = useLoad(() => (course.data ? get(`/patients/${course.data.patient_id}`) : Promise.resolve(null)), [course.data && course.data.patient_id]);
  const [abandoning, setAbandoning] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  if (course.error) return html`<section class="page"><${PageTitle}>Course<//><${Alert}>${sentence(course.error.message)}<//></section>`;
  if (!course.data) return html`<section class="page"><${Spinner} /></section>`;
  const c = course.data;
  const p = patient.data;
  const [st, cls] = courseState(c.state);
  const open = c.state === 'planned' || c.state === 'active';
  const canWrite = session.can('clinical_write');
  const missed = open && sessionsOf(c).some((s) => !s.done_on && s.missed);
  const bookings = items(timeline.data && timeline.data.bookings);
  const pname = p ? `${p.given_name} ${p.family_name}` : '';
  const reload = () => {
    course.reload();
    timeline.reload();
  };
  return html`<section class="page course-page">
    <p class="crumbs"><${Link} href=${`/patients/${c.patient_id}`}>${pname || 'Patient'}<//> › Course</p>
    <div class="page-head">
      <${PageTitle} title=${`${protocolName(c)} course`}>${protocolName(c)} <span class=${`badge badge-lg ${cls}`}>${st}</span><//>
      ${open && canWrite && html`<button type="button" class="btn btn-ghost-danger" onClick=${() => setAbandoning(true)}>Abandon…</button>`}
    </div>
    ${c.state === 'abandoned' && html`<div class="alert alert-error" role="status" data-abandoned>Abandoned: ${c.reason || ''}</div>`}
    ${c.state !== 'abandoned' && c.version > 1 && c.reason && html`<div class="alert alert-info replan" role="status" data-replan>
      <strong>Re-planned (v${c.version}):</strong> ${sentence(c.reason)}</div>`}
    ${missed && canWrite && html`<${ReplanButton} course=${c} onDone=${reload} />`}
    <div class="course-grid">
      <section class="card panel" aria-labelledby="course-details-h">
        <header class="panel-head"><h2 id="course-details-h">Course</h2></header>
        <dl class="details">
          <dt>Patient</dt><dd><${Link} href=${`/patients/${c.patient_id}`}>${pname || 'Patient'}<//></dd>
          <dt>Protocol</dt><dd>${protocolName(c)}</dd>
          <dt>Formulation</dt><dd>${c.formulation_name || (c.formulation && c.formulation.name) || html`<${Link} href=${`/patients/${c.patient_id}/formulation`}>Saved mixture<//>`}</dd>
          <dt>Start</dt><dd>${calendarDate(c.start)}</dd>
          ${c.session_count && html`<dt>Sessions</dt><dd>${c.session_count}</dd>`}
          ${c.spacing_days && html`<dt>Spacing</dt><dd>${c.spacing_days} days</dd>`}
          ${c.maintenance_months && html`<dt>Maintenance</dt><dd>every ${c.maintenance_months} months</dd>`}
          ${c.session_minutes && html`<dt>Session length</dt><dd>${c.session_minutes} minutes</dd>`}
        </dl>
        <p class="record-meta">v${c.version} · ${session.staffName(c.recorded_by)} · ${instant(c.recorded_at)}</p>
        <button type="button" class="btn-link" aria-expanded=${showHistory} onClick=${() => setShowHistory(!showHistory)}>${showHistory ? 'Hide history' : 'Show history'}</button>
        ${showHistory && html`<${History} path=${`/courses/${c.id}/history`} kind="course" label="Course history" />`}
      </section>
      <section class="card panel" aria-labelledby="timeline-h">
        <header class="panel-head"><h2 id="timeline-h">Timeline</h2></header>
        <${ZoneLabel} sample=${bookings[0]} />
        ${timeline.error && html`<${Alert}>${sentence(timeline.error.message)}<//>`}
        <${Timeline} course=${c} bookings=${bookings} canBook=${session.can('schedule_write')} />
      </section>
    </div>
    <div class="course-grid course-charting">
      <${CourseSessions} course=${c} canChart=${session.can('chart_write')} />
      <${PhotoCompare} courseId=${c.id} />
    </div>
    <${OutcomesPanel} course=${c} />
    ${abandoning && html`<${AbandonDialog} course=${c} onClose=${() => setAbandoning(false)} onDone=${() => { setAbandoning(false); reload(); }} />`}
  </section>`;
}

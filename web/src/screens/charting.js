// Charting worklists (/charting; issue 10 items 5 and 7): the sign-off queue (completed
// charts set for review or not yet signed; the medical director signs from each session's
// page) and the overdue charts (sessions not completed within the clinic's hours, 72 by
// default). Each row opens its session. CheckInButton: check a patient in from an
// appointment (the day) or a course session (the course page), then open the session; a
// course session already checked in opens its open session.
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { calendarDate, instant, sentence } from '../format.js';
import { html, Link, navigate, useLoad, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { checkIn, items, openSessionOf, reviewReason, stateBadge, stateLabel } from '../chart.js';
import './admin.css';
import './stock.css';
import './schedule.css';
import './chart.css';

/** Check in, then open the session: body {appointment_id} or {patient_id, course_id, course_session}. */
export function CheckInButton({ body, patientId, courseId, seq, label = 'Check in', small = true }) {
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const go = async () => {
    setBusy(true);
    setErr(null);
    try {
      const s = await checkIn(body);
      navigate(`/sessions/${s.id}`);
    } catch (e) {
      // Already checked in: the course session's open session.
      const open = e.status === 409 && patientId && courseId ? await openSessionOf(patientId, courseId, seq).catch(() => null) : null;
      if (open) navigate(`/sessions/${open.id}`);
      else setErr(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<span class="checkin">
    <button type="button" class=${`btn btn-primary${small ? ' btn-small' : ''}`} disabled=${busy} onClick=${go}>${busy ? 'Checking in…' : label}</button>
    ${err && html`<span class="field-error checkin-error" role="alert">${sentence(err.message)}</span>`}
  </span>`;
}

const who = (r, session) => r.patient_name || (r.patient && [r.patient.family_name, r.patient.given_name].filter(Boolean).join(', ')) || 'Patient';

function Row({ r, session, extra }) {
  const s = r.session || r;
  return html`<li class="chart-work-row" data-session=${s.id}>
    <div class="day-appt-top">
      <${Link} href=${`/sessions/${s.id}`} class="fact-name">${who(r, session)}<//>
      <span class=${`badge ${stateBadge(s.state)}`}>${stateLabel(s.state)}</span>
      ${extra}
    </div>
    <p class="small muted">${s.day ? calendarDate(s.day) : ''}${s.course_session ? ` · session ${s.course_session}` : ''} · ${session.staffName(s.practitioner_id)}${s.recorded_at ? ` · last change ${instant(s.recorded_at)}` : ''}</p>
  </li>`;
}

const REVIEW = { sample: 'Review sample', warning_acknowledged: 'Warning acknowledged' };

export function ChartingScreen({ search }) {
  const session = useSession();
  const tab = new URLSearchParams(search || '').get('list') === 'overdue' ? 'overdue' : 'queue';
  const queue = useLoad(() => get('/charting/signoff-queue'), []);
  const overdue = useLoad(() => get('/charting/overdue'), []);
  const q = items(queue.data);
  const o = items(overdue.data);
  return html`<section class="page charting-page">
    <div class="page-head"><${PageTitle} title="Charting">Charting<//></div>
    <div class="seg" role="tablist" aria-label="Worklist">
      <button type="button" role="tab" class="seg-btn" aria-selected=${tab === 'queue'} onClick=${() => navigate('/charting')}>Sign-off queue${queue.data ? html` <span class="count">${q.length}</span>` : ''}</button>
      <button type="button" role="tab" class="seg-btn" aria-selected=${tab === 'overdue'} onClick=${() => navigate('/charting?list=overdue')}>Overdue charts${overdue.data ? html` <span class="count">${o.length}</span>` : ''}</button>
    </div>
    ${tab === 'queue' && html`<section class="card panel" aria-labelledby="queue-h" data-worklist="signoff-queue">
      <header class="panel-head"><h2 id="queue-h">Sign-off queue</h2></header>
      <p class="hint">Completed charts waiting for a medical director: those set for review first (a practitioner’s review sample, a warning acknowledged).${session.can('chart_signoff') ? '' : ' Only a medical director signs off.'}</p>
      ${queue.error && html`<${Alert}>${sentence(queue.error.message)}<//>`}
      ${!queue.data && !queue.error && html`<${Spinner} />`}
      ${queue.data && !q.length && html`<p class="empty">No chart is waiting for sign-off.</p>`}
      ${q.length > 0 && html`<ul class="plain day-list">${q.map((r) => html`<${Row} key=${(r.session || r).id} r=${r} session=${session}
        extra=${items((r.review || (r.session && r.session.review) || {}).reasons).map((x) => html`<span class="badge badge-warn">${REVIEW[x && x.code ? x.code : x] || reviewReason(x)}</span>`)} />`)}</ul>`}
    </section>`}
    ${tab === 'overdue' && html`<section class="card panel" aria-labelledby="overdue-h" data-worklist="overdue">
      <header class="panel-head"><h2 id="overdue-h">Overdue charts</h2></header>
      <p class="hint">Sessions not completed within the clinic’s time (72 hours unless the clinic set another).</p>
      ${overdue.error && html`<${Alert}>${sentence(overdue.error.message)}<//>`}
      ${!overdue.data && !overdue.error && html`<${Spinner} />`}
      ${overdue.data && !o.length && html`<p class="empty">No chart is overdue.</p>`}
      ${o.length > 0 && html`<ul class="plain day-list">${o.map((r) => html`<${Row} key=${(r.session || r).id} r=${r} session=${session}
        extra=${r.hours_overdue !== undefined ? html`<span class="badge badge-danger">${Math.round(r.hours_overdue)} h overdue</span>` : r.due_at ? html`<span class="badge badge-danger">Due ${instant(r.due_at)}</span>` : ''} />`)}</ul>`}
    </section>`}
  </section>`;
}

/** The patient page's treatment sessions, newest first, each opening its session page. */
export function PatientSessionsPanel({ patientId }) {
  const list = useLoad(() => get(`/patients/${patientId}/sessions`), [patientId]);
  if (list.error && list.error.status === 404) return null; // a server without charting
  const all = items(list.data);
  return html`<section class="card panel" aria-labelledby="sessions-h" data-kind="sessions" id="sessions">
    <header class="panel-head"><h2 id="sessions-h">Treatment sessions${list.data && html` <span class="count">${all.length}</span>`}</h2></header>
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && !all.length && html`<p class="empty">No session yet: check the patient in from the day or a course.</p>`}
    ${all.length > 0 && html`<ul class="plain course-sessions">${all.map((x) => html`<li key=${x.id} data-session=${x.id}>
      <${Link} href=${`/sessions/${x.id}`}>${x.day ? calendarDate(x.day) : 'Session'}${x.course_session ? `, session ${x.course_session}` : ''}<//>
      <span class=${`badge ${stateBadge(x.state)}`}>${stateLabel(x.state)}</span></li>`)}</ul>`}
  </section>`;
}

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

const REVIEW = { sample: 'Review sample', warning_acknowledged: 'Warning acknowledged' };

/** The worklist's items with their patients' names (GET /patients/{id}, once per patient). */
async function withPatients(list) {
  const rows = items(list);
  const ids = [...new Set(rows.map((r) => r.patient_id).filter(Boolean))];
  const people = new Map(await Promise.all(ids.map((id) => get(`/patients/${id}`).then((p) => [id, p], () => [id, null]))));
  return { ...list, items: rows.map((r) => ({ ...r, patient: people.get(r.patient_id) || null })) };
}

const who = (r) => (r.patient ? `${r.patient.family_name}, ${r.patient.given_name}` : 'Patient');

function Row({ r, session, extra, when }) {
  return html`<li class="chart-work-row" data-session=${r.id}>
    <div class="day-appt-top">
      <${Link} href=${`/sessions/${r.id}`} class="fact-name">${who(r)}<//>
      <span class="badge-row"><span class=${`badge ${stateBadge(r.state)}`}>${stateLabel(r.state)}</span>${extra}</span>
    </div>
    <p class="small muted">${r.day ? calendarDate(r.day) : ''}${r.course_session ? ` · session ${r.course_session}` : ''} · ${session.staffName(r.practitioner_id)}${when ? ` · ${when}` : ''}</p>
  </li>`;
}

export function ChartingScreen({ search }) {
  const session = useSession();
  const director = session.can('chart_signoff');
  const asked = new URLSearchParams(search || '').get('list');
  const tab = asked === 'overdue' || !director ? 'overdue' : 'queue';
  // The queue is the medical director's (chart_signoff); the overdue list every charting role's.
  const queue = useLoad(() => (director ? get('/charting/signoff-queue').then(withPatients) : Promise.resolve(null)), [director]);
  const overdue = useLoad(() => get('/charting/overdue').then(withPatients), []);
  const q = items(queue.data);
  const o = items(overdue.data);
  return html`<section class="page charting-page">
    <div class="page-head"><${PageTitle} title="Charting">Charting<//></div>
    <div class="seg" role="tablist" aria-label="Worklist">
      ${director && html`<button type="button" role="tab" class="seg-btn" aria-selected=${tab === 'queue'} onClick=${() => navigate('/charting')}>Sign-off queue${queue.data ? html` <span class="count">${q.length}</span>` : ''}</button>`}
      <button type="button" role="tab" class="seg-btn" aria-selected=${tab === 'overdue'} onClick=${() => navigate('/charting?list=overdue')}>Overdue charts${overdue.data ? html` <span class="count">${o.length}</span>` : ''}</button>
    </div>
    ${tab === 'queue' && html`<section class="card panel" aria-labelledby="queue-h" data-worklist="signoff-queue">
      <header class="panel-head"><h2 id="queue-h">Sign-off queue</h2></header>
      <p class="hint">Completed charts waiting for sign-off: those set for review first (the practitioner’s review sample, a warning acknowledged), then the oldest.</p>
      ${queue.error && html`<${Alert}>${sentence(queue.error.message)}<//>`}
      ${!queue.data && !queue.error && html`<${Spinner} />`}
      ${queue.data && !q.length && html`<p class="empty">No chart is waiting for sign-off.</p>`}
      ${q.length > 0 && html`<ul class="plain day-list">${q.map((r) => html`<${Row} key=${r.id} r=${r} session=${session}
        when=${r.completed_at ? `completed ${instant(r.completed_at)}` : ''}
        extra=${[
          ...(r.review && r.review.selected ? items(r.review.reasons).map((x) => html`<span class="badge badge-warn" data-review=${x.code || x}>${REVIEW[x && x.code ? x.code : x] || reviewReason(x)}</span>`) : []),
          r.own ? html`<span class="badge badge-muted">Your own chart</span>` : null,
        ]} />`)}</ul>`}
    </section>`}
    ${tab === 'overdue' && html`<section class="card panel" aria-labelledby="overdue-h" data-worklist="overdue">
      <header class="panel-head"><h2 id="overdue-h">Overdue charts</h2></header>
      <p class="hint">Sessions not completed within ${overdue.data && overdue.data.hours ? `${overdue.data.hours} hours` : 'the clinic’s time'} of check-in (the clinic’s chart policy).</p>
      ${overdue.error && html`<${Alert}>${sentence(overdue.error.message)}<//>`}
      ${!overdue.data && !overdue.error && html`<${Spinner} />`}
      ${overdue.data && !o.length && html`<p class="empty">No chart is overdue.</p>`}
      ${o.length > 0 && html`<ul class="plain day-list">${o.map((r) => html`<${Row} key=${r.id} r=${r} session=${session}
        when=${r.checked_in_at ? `checked in ${instant(r.checked_in_at)}` : ''}
        extra=${html`<span class="badge badge-danger">${r.hours_overdue !== undefined ? `${r.hours_overdue} h overdue` : `due ${instant(r.due_at)}`}</span>`} />`)}</ul>`}
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

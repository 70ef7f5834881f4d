// The booking calendar (schedule_read; booking with schedule_write): a day view with a
// column per practitioner or per room, and a week view of one practitioner or room, the
// view kept in the URL (?view=day|week&by=practitioner|room&id=&date=). Booking a course
// session (?course_id=&seq=, from the course page or the day's lists) shows the session's
// allowed window on the calendar (days inside it marked, the target day named) and books
// inside it; outside it the server refuses with the reason, and a practitioner may book
// anyway with a written reason (audited). A double booking is refused with the server's
// message. An appointment opens with reschedule, cancel and no-show.
import { useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { calendarDate, instant, sentence } from '../format.js';
import { html, Link, navigate, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import {
  addDays,
  apptRange,
  apptStatus,
  apptTime,
  dayLabel,
  kindLabel,
  loadPractitioners,
  loadRooms,
  personName,
  ScheduleNav,
  todayInClinic,
  weekStart,
  weekdayOf,
  ZoneLabel,
} from '../schedule.js';
import { loadTimeline, sessionsOf, protocolName } from './course.js';
import './admin.css';
import './stock.css';
import './schedule.css';

const START_MIN = 7 * 60;
const END_MIN = 21 * 60;
const PX_PER_MIN = 1.1;
const LENGTHS = [15, 20, 30, 45, 60, 75, 90, 120];
const KINDS = ['treatment', 'consultation', 'review'];
// Controls named as the API's fields where they match, so its errors land under them;
// start_local and duration_minutes are said under the time and length.
const FIELDS = ['patient_id', 'practitioner_id', 'room_id', 'date', 'start', 'end', 'kind', 'course_session', 'reason', 'override_reason'];
const toControls = (e) => {
  const f = (x) => (x === 'start_local' ? 'start' : x === 'duration_minutes' || x === 'end_local' ? 'end' : x);
  return Object.assign(e, { field: f(e.field), errors: (e.errors || []).map((x) => ({ ...x, field: f(x.field) })) });
};

const patients = new Map();
/** The patient's name (GET /patients/{id}, once per page load); appointments carry only the id. */
async function withPatient(a) {
  if (a.patient) return a;
  if (!patients.has(a.patient_id)) patients.set(a.patient_id, get(`/patients/${a.patient_id}`).catch(() => null));
  return { ...a, patient: await patients.get(a.patient_id) };
}

/** Appointments of the civil days [from, to] in the clinic's zone, every status, with names. */
export async function loadAppointments(from, to) {
  const days = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  const lists = await Promise.all(days.map((date) => get(`/appointments${qs({ date })}`)));
  return Promise.all(lists.flatMap((r) => r.items || []).map(withPatient));
}

const patientName = (a) => personName(a.patient) || 'Patient';

/** The window of session seq of a course, or null. */
function windowOf(course, seq) {
  const s = sessionsOf(course).find((x) => String(x.seq) === String(seq));
  return s ? { ...s.window, seq: s.seq } : null;
}
const inWindow = (w, day) => !!w && day >= w.earliest && day <= w.latest;

function Block({ a, onOpen }) {
  const s = apptTime(a, 'start');
  const e = apptTime(a, 'end');
  if (!s) return null;
  const top = Math.max(0, (s.minutes - START_MIN) * PX_PER_MIN);
  const len = e && e.day === s.day ? Math.max(15, e.minutes - s.minutes) : 30;
  const [st] = apptStatus(a.status);
  return html`<button type="button" class=${`cal-appt status-${a.status}`} style=${`top:${top}px;height:${len * PX_PER_MIN}px`}
    data-appointment=${a.id} onClick=${(ev) => { ev.stopPropagation(); onOpen(a); }}
    aria-label=${`${apptRange(a)} ${patientName(a)}, ${st}`}>
    <span class="cal-appt-time">${apptRange(a)}</span>
    <span class="cal-appt-name">${patientName(a)}</span>
    <span class="cal-appt-status">${st}${a.window_override ? ' · override' : ''}</span>
  </button>`;
}

/** One column of the grid: a day of one practitioner or room, or one of them on a day. */
function Column({ head, sub, day, list, win, canBook, onSlot, onOpen, colKey }) {
  const within = win ? inWindow(win, day) : null;
  const click = (ev) => {
    if (!canBook) return;
    const y = ev.clientY - ev.currentTarget.getBoundingClientRect().top;
    const m = START_MIN + Math.round(y / PX_PER_MIN / 15) * 15;
    onSlot(day, `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`, colKey);
  };
  return html`<div class=${`cal-col${within === true ? ' in-window' : within === false ? ' out-window' : ''}${win && win.target === day ? ' is-target' : ''}`}
    data-day=${day} data-col=${colKey} data-in-window=${within === null ? undefined : String(within)}>
    <div class="cal-col-head">
      <span class="cal-col-title">${head}</span>
      ${sub && html`<span class="cal-col-sub">${sub}</span>`}
      ${win && win.target === day && html`<span class="cal-target">Target</span>`}
    </div>
    <div class="cal-col-body" style=${`height:${(END_MIN - START_MIN) * PX_PER_MIN}px`} onClick=${click}>
      ${list.map((a) => html`<${Block} key=${a.id} a=${a} onOpen=${onOpen} />`)}
    </div>
  </div>`;
}

function Hours() {
  const marks = [];
  for (let m = START_MIN; m < END_MIN; m += 60) marks.push(m);
  return html`<div class="cal-hours" aria-hidden="true">
    <div class="cal-col-head"></div>
    <div class="cal-col-body" style=${`height:${(END_MIN - START_MIN) * PX_PER_MIN}px`}>
      ${marks.map((m) => html`<span key=${m} style=${`top:${(m - START_MIN) * PX_PER_MIN}px`}>${String(m / 60).padStart(2, '0')}</span>`)}
    </div>
  </div>`;
}

/** Choose a patient by name (GET /patients?q=). */
function PatientPicker({ form }) {
  const [q, setQ] = useState('');
  const [chosen, setChosen] = useState(null);
  const found = useLoad(() => (q.trim().length > 1 ? get('/patients' + qs({ q: q.trim(), limit: 8 })) : Promise.resolve(null)), [q]);
  const err = form.errors.patient_id;
  if (chosen)
    return html`<div class=${'field' + (err ? ' has-error' : '')}>
      <span class="label-like">Patient</span>
      <div class="chosen"><span data-chosen-patient>${chosen.family_name}, ${chosen.given_name}</span>
        <button type="button" class="btn-link" onClick=${() => { setChosen(null); form.setValues((v) => ({ ...v, patient_id: '' })); }}>Change</button></div>
      <input type="hidden" name="patient_id" value=${form.values.patient_id} />
      ${err && html`<p class="field-error" role="alert">${sentence(err)}</p>`}
    </div>`;
  return html`<div class=${'field' + (err ? ' has-error' : '')}>
    <label for="book-patient-q">Patient</label>
    <input id="book-patient-q" type="search" autocomplete="off" value=${q} placeholder="Family name" onInput=${(e) => setQ(e.currentTarget.value)} />
    <input type="hidden" name="patient_id" value=${form.values.patient_id} />
    ${found.data && html`<ul class="picker-hits">${(found.data.items || []).map((p) => html`<li key=${p.id}>
      <button type="button" class="btn-link" onClick=${() => { setChosen(p); form.setValues((v) => ({ ...v, patient_id: p.id })); }}>${p.family_name}, ${p.given_name} · ${calendarDate(p.birth_date)}</button></li>`)}
      ${(found.data.items || []).length === 0 && html`<li class="muted">No patient matches.</li>`}</ul>`}
    ${err && html`<p class="field-error" role="alert">${sentence(err)}</p>`}
  </div>`;
}

/** The course-window refusal: 409 naming start (BOOKINGS.md), not a double booking. */
const isWindowRefusal = (e) => !!e && e.status === 409 && (e.field === 'start' || e.field === 'start_local');

/** Book an appointment; for a course session, inside its window (or overridden with a reason). */
function BookDialog({ init, practitioners, rooms, course, win, onClose, onBooked }) {
  const session = useSession();
  // Booking outside the window needs clinical write (practitioner, admin); reception cannot.
  const mayOverride = session.can('clinical_write');
  const form = useForm(
    {
      patient_id: init.patient_id || '',
      practitioner_id: init.practitioner_id || (practitioners[0] && practitioners[0].id) || '',
      room_id: init.room_id || (rooms[0] && rooms[0].id) || '',
      date: init.date,
      start: init.time || '10:00',
      end: '',
      kind: course ? 'treatment' : 'consultation',
      override_reason: '',
    },
    FIELDS,
  );
  const [refusal, setRefusal] = useState(null);
  const send = async (v, override) => {
    // The clinic's wall-clock time; the server turns it into UTC in the clinic's zone.
    const body = {
      patient_id: v.patient_id,
      practitioner_id: v.practitioner_id,
      room_id: v.room_id,
      kind: v.kind,
      start_local: `${v.date}T${v.start}`,
    };
    if (v.end) body.duration_minutes = Number(v.end);
    if (course) Object.assign(body, { course_id: course.id, course_session: Number(init.seq) });
    if (override) {
      // A written reason, always: an empty one is never sent.
      if (!v.override_reason.trim()) throw Object.assign(new Error('a reason is required'), { errors: [{ field: 'override_reason', message: 'override_reason is required' }] });
      body.window_override_reason = v.override_reason.trim();
    }
    try {
      const a = await post('/appointments', body);
      onBooked(await withPatient(a));
    } catch (e) {
      if (course && !override && isWindowRefusal(e)) {
        setRefusal(e);
        return;
      }
      if (override) {
        // A refusal of the override is about its reason: shown under it.
        const f = (x) => (x === 'window_override_reason' ? 'override_reason' : x);
        throw Object.assign(e, { field: f(e.field), errors: (e.errors || []).map((x) => ({ ...x, field: f(x.field) })) });
      }
      throw e;
    }
  };
  const onSubmit = form.submit((v) => send(v, false).catch((e) => Promise.reject(toControls(e))));
  const onOverride = form.submit((v) => send(v, true).catch((e) => Promise.reject(toControls(e))));
  return html`<${Dialog} title=${course ? `Book session ${init.seq}` : 'Book an appointment'} onClose=${onClose} wide>
    ${course && win && html`<p class="window-note" data-window>Allowed window for session ${init.seq} of ${protocolName(course)}:
      <strong>${calendarDate(win.earliest)} – ${calendarDate(win.latest)}</strong>, target ${calendarDate(win.target)}.</p>`}
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Book an appointment">
      <${FormError} form=${form} />
      ${course ? html`<p><span class="label-like">Patient</span> ${personName(course.patient)}<input type="hidden" name="patient_id" value=${form.values.patient_id} /></p>` : html`<${PatientPicker} form=${form} />`}
      <div class="grid-2">
        <${Field} form=${form} name="practitioner_id" label="Practitioner" type="select" options=${practitioners.map((p) => [p.id, personName(p)])} />
        <${Field} form=${form} name="room_id" label="Room" type="select" options=${rooms.map((r) => [r.id, r.name])} />
        <${Field} form=${form} name="date" label="Date" />
        <${Field} form=${form} name="start" label="Start (clinic time)" type="time" step="300" />
        <${Field} form=${form} name="end" label="Length" type="select"
          options=${[['', course ? 'The course’s session length' : 'Usual for the kind'], ...LENGTHS.map((m) => [String(m), `${m} minutes`])]} />
        <${Field} form=${form} name="kind" label="Kind" type="select" options=${KINDS.map((k) => [k, kindLabel(k)])} />
      </div>
      ${form.values.date && html`<${ZoneLabel} />`}
      ${!refusal && html`<div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Booking…' : 'Book'}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>`}
      ${refusal && html`<div class="refusal" role="alert" data-refusal=${refusal.code}>
        <p class="refusal-msg"><strong>Outside the window:</strong> ${sentence(refusal.message)}</p>
        ${mayOverride
          ? html`<${Field} form=${form} name="override_reason" label="Reason for booking outside the window" type="textarea" required hint="Kept with the appointment and in the audit trail." />
            <div class="actions">
              <button type="button" class="btn btn-danger" disabled=${form.busy} onClick=${onOverride}>Book outside the window</button>
              <button type="button" class="btn" onClick=${() => setRefusal(null)}>Choose another time</button>
            </div>`
          : html`<p class="small">Only a practitioner can book outside the window, with a written reason.</p>
            <div class="actions"><button type="button" class="btn" onClick=${() => setRefusal(null)}>Choose another time</button></div>`}
      </div>`}
    </form>
  <//>`;
}

/** An appointment: details, reschedule, cancel, no-show, done. */
function ApptDialog({ a, practitioners, rooms, canWrite, onClose, onChanged }) {
  const session = useSession();
  const [mode, setMode] = useState(null);
  const s = apptTime(a, 'start');
  const e = apptTime(a, 'end');
  const len = s && e ? e.minutes - s.minutes + (e.day !== s.day ? 1440 : 0) : 30;
  const form = useForm({ date: s ? s.day : '', start: s ? s.time : '', end: String(len), reason: '' }, FIELDS);
  const [st, cls] = apptStatus(a.status);
  const act = (path, body) =>
    form.submit(async () => {
      try {
        onChanged(await post(`/appointments/${a.id}/${path}`, { ...body(), version: a.version }));
      } catch (err) {
        throw toControls(err);
      }
    });
  const reschedule = act('reschedule', () => ({
    start_local: `${form.values.date}T${form.values.start}`,
    duration_minutes: Number(form.values.end),
    reason: form.values.reason.trim() || undefined,
  }));
  const cancel = act('cancel', () => ({ reason: form.values.reason.trim() }));
  const noShow = act('no-show', () => ({ reason: form.values.reason.trim() || undefined }));
  const open = a.status === 'booked' || a.status === 'arrived';
  const pName = (id) => personName(practitioners.find((p) => p.id === id)) || session.staffName(id);
  const rName = (id) => (rooms.find((r) => r.id === id) || {}).name || a.room_name || '';
  return html`<${Dialog} title=${`${patientName(a)}, ${apptRange(a)}`} onClose=${onClose}>
    <dl class="details">
      <dt>When</dt><dd>${s ? dayLabel(s.day) : ''} ${apptRange(a)} <span class="muted small">(${a.time_zone || ''}${s ? ` ${s.offset}` : ''})</span></dd>
      <dt>UTC</dt><dd class="small mono">${a.start} – ${a.end}</dd>
      <dt>Status</dt><dd><span class=${`badge ${cls}`}>${st}</span></dd>
      <dt>Practitioner</dt><dd>${a.practitioner_name || pName(a.practitioner_id)}</dd>
      <dt>Room</dt><dd>${rName(a.room_id)}</dd>
      <dt>Patient</dt><dd><${Link} href=${`/patients/${a.patient_id}`}>${patientName(a)}<//></dd>
      ${a.kind && html`<dt>Kind</dt><dd>${kindLabel(a.kind)}</dd>`}
      ${a.course_id && html`<dt>Course</dt><dd><${Link} href=${`/courses/${a.course_id}`}>Session ${a.course_session}<//></dd>`}
      ${a.window_override && html`<dt>Override</dt><dd>${a.window_override.reason} <span class="muted small">· ${session.staffName(a.window_override.by)} · ${instant(a.window_override.at)}</span></dd>`}
    </dl>
    ${a.cancel_reason && html`<p class="small">Cancelled: ${a.cancel_reason}</p>`}
    <form ref=${form.formRef} onSubmit=${(ev) => ev.preventDefault()} novalidate aria-label="Change the appointment">
      <${FormError} form=${form} />
      ${canWrite && open && !mode && html`<div class="actions">
        <button type="button" class="btn" onClick=${() => setMode('reschedule')}>Reschedule…</button>
        <button type="button" class="btn" onClick=${() => setMode('cancel')}>Cancel appointment…</button>
        <button type="button" class="btn" onClick=${() => setMode('no_show')}>No-show…</button>
      </div>`}
      ${mode === 'reschedule' && html`<div class="grid-2">
          <${Field} form=${form} name="date" label="New date" />
          <${Field} form=${form} name="start" label="New start (clinic time)" type="time" step="300" />
          <${Field} form=${form} name="end" label="Length" type="select" options=${LENGTHS.map((m) => [String(m), `${m} minutes`])} />
        </div>
        <${Field} form=${form} name="reason" label="Reason (optional)" />
        <div class="actions"><button type="button" class="btn btn-primary" disabled=${form.busy} onClick=${reschedule}>Move the appointment</button>
          <button type="button" class="btn btn-ghost" onClick=${() => setMode(null)}>Back</button></div>`}
      ${mode === 'cancel' && html`<${Field} form=${form} name="reason" label="Why it is cancelled" required />
        <div class="actions"><button type="button" class="btn btn-danger" disabled=${form.busy} onClick=${cancel}>Cancel the appointment</button>
          <button type="button" class="btn btn-ghost" onClick=${() => setMode(null)}>Back</button></div>`}
      ${mode === 'no_show' && html`<${Field} form=${form} name="reason" label="Note (optional)" />
        <div class="actions"><button type="button" class="btn btn-danger" disabled=${form.busy} onClick=${noShow}>Record a no-show</button>
          <button type="button" class="btn btn-ghost" onClick=${() => setMode(null)}>Back</button></div>`}
    </form>
  <//>`;
}

export function CalendarScreen({ search }) {
  const session = useSession();
  const p = new URLSearchParams(search || '');
  const courseId = p.get('course_id') || '';
  const seq = p.get('seq') || '';
  const course = useLoad(() => (courseId ? loadTimeline(courseId) : Promise.resolve(null)), [courseId]);
  const win = course.data ? windowOf(course.data, seq) : null;
  const view = p.get('view') === 'week' || (courseId && p.get('view') !== 'day') ? 'week' : 'day';
  const by = p.get('by') === 'room' ? 'room' : 'practitioner';
  const date = p.get('date') || (win ? (win.target < todayInClinic() ? todayInClinic() : win.target) : todayInClinic());
  const from = view === 'week' ? weekStart(date) : date;
  const to = view === 'week' ? addDays(from, 6) : date;
  const practitioners = useLoad(loadPractitioners, []);
  const rooms = useLoad(() => loadRooms(false), []);
  const list = practitioners.data && rooms.data ? (by === 'room' ? rooms.data : practitioners.data) : [];
  // The week's practitioner or room: the one asked for, else oneself when bookable, else the first.
  const me = session.me.staff.id;
  const id = p.get('id') || (list.some((c) => c.id === me) ? me : list[0] && list[0].id) || '';
  const appts = useLoad(() => loadAppointments(from, to), [from, to]);
  const [booking, setBooking] = useState(null);
  const [opened, setOpened] = useState(null);
  const [notice, setNotice] = useState(null);
  const canWrite = session.can('schedule_write');

  const go = (ch) => {
    const n = { view, by, id: p.get('id') || '', date, course_id: courseId, seq, ...ch };
    navigate(`/calendar${qs({ view: n.view === 'day' ? 'day' : 'week', by: n.by === 'room' ? 'room' : '', id: n.id, date: n.date, course_id: n.course_id, seq: n.seq })}`);
  };
  const step = view === 'week' ? 7 : 1;
  const loading = !practitioners.data || !rooms.data || !appts.data;
  const err = practitioners.error || rooms.error || appts.error || course.error;
  const items = appts.data || [];
  const key = by === 'room' ? 'room_id' : 'practitioner_id';
  const onSlot = (day, time, colKey) =>
    setBooking({
      date: day,
      time,
      practitioner_id: by === 'practitioner' ? (view === 'week' ? id : colKey) : undefined,
      room_id: by === 'room' ? (view === 'week' ? id : colKey) : undefined,
      patient_id: course.data ? course.data.patient_id : '',
      seq,
    });
  const columns = [];
  if (!loading) {
    if (view === 'day')
      for (const c of list)
        columns.push({ k: c.id, head: by === 'room' ? c.name : personName(c), day: date, list: items.filter((a) => a[key] === c.id && (apptTime(a) || {}).day === date) });
    else
      for (let i = 0; i < 7; i++) {
        const d = addDays(from, i);
        columns.push({ k: d, head: weekdayOf(d), sub: calendarDate(d), day: d, list: items.filter((a) => a[key] === id && (apptTime(a) || {}).day === d) });
      }
  }
  const title = view === 'week' ? `Week of ${calendarDate(from)}` : dayLabel(date);
  return html`<section class="page cal-page">
    <div class="page-head">
      <${PageTitle} title="Calendar">Calendar<//>
      ${canWrite && html`<button type="button" class="btn btn-primary" onClick=${() => onSlot(date >= todayInClinic() ? date : todayInClinic(), '10:00', view === 'day' ? list[0] && list[0].id : id)}>${course.data ? `Book session ${seq}` : '+ New appointment'}</button>`}
    </div>
    <${ScheduleNav} current="calendar" admin=${session.can('staff_write')} />
    ${course.data && win && html`<div class="window-banner" data-window-banner>
      <p><strong>Booking session ${seq}</strong> of <${Link} href=${`/courses/${course.data.id}`}>${protocolName(course.data)}<//> for ${personName(course.data.patient) || 'the patient'}.</p>
      <p>Allowed window: <strong data-earliest=${win.earliest} data-latest=${win.latest}>${calendarDate(win.earliest)} – ${calendarDate(win.latest)}</strong>, target ${calendarDate(win.target)}. Days inside it are marked on the calendar.</p>
    </div>`}
    ${course.data && !win && html`<${Alert}>This course has no session ${seq}.<//>`}
    ${notice && html`<div class="notice-ok" role="status">${notice}</div>`}
    <div class="cal-tools">
      <div class="seg" role="tablist" aria-label="View">
        <button type="button" role="tab" class="seg-btn" aria-selected=${view === 'day'} onClick=${() => go({ view: 'day' })}>Day</button>
        <button type="button" role="tab" class="seg-btn" aria-selected=${view === 'week'} onClick=${() => go({ view: 'week' })}>Week</button>
      </div>
      <div class="seg" role="tablist" aria-label="Columns">
        <button type="button" role="tab" class="seg-btn" aria-selected=${by === 'practitioner'} onClick=${() => go({ by: 'practitioner', id: '' })}>Practitioners</button>
        <button type="button" role="tab" class="seg-btn" aria-selected=${by === 'room'} onClick=${() => go({ by: 'room', id: '' })}>Rooms</button>
      </div>
      ${view === 'week' && list.length > 0 && html`<label class="cal-which"><span class="sr-only">${by === 'room' ? 'Room' : 'Practitioner'}</span>
        <select value=${id} onChange=${(e) => go({ id: e.currentTarget.value })} aria-label=${by === 'room' ? 'Room' : 'Practitioner'}>
          ${list.map((c) => html`<option value=${c.id}>${by === 'room' ? c.name : personName(c)}</option>`)}
        </select></label>`}
      <div class="day-nav" role="group" aria-label="Dates">
        <button type="button" class="btn btn-small" onClick=${() => go({ date: addDays(date, -step) })}>‹ Previous</button>
        <button type="button" class="btn btn-small" onClick=${() => go({ date: todayInClinic() })}>Today</button>
        <button type="button" class="btn btn-small" onClick=${() => go({ date: addDays(date, step) })}>Next ›</button>
      </div>
    </div>
    <h2 class="cal-title">${title}</h2>
    <${ZoneLabel} sample=${items[0]} />
    ${err && html`<${Alert}>${sentence(err.message)}<//>`}
    ${loading && !err && html`<${Spinner} />`}
    ${!loading && list.length === 0 && html`<p class="empty card">${by === 'room' ? 'No rooms yet: an admin adds them under Hours and rooms.' : 'No practitioners yet.'}</p>`}
    ${!loading && list.length > 0 && html`<div class="cal-grid" style=${`--cols:${columns.length}`} data-view=${view}>
      <${Hours} />
      ${columns.map((c) => html`<${Column} key=${c.k} colKey=${c.k} head=${c.head} sub=${c.sub} day=${c.day} list=${c.list} win=${win} canBook=${canWrite} onSlot=${onSlot} onOpen=${setOpened} />`)}
    </div>`}
    ${booking && html`<${BookDialog} init=${booking} practitioners=${practitioners.data || []} rooms=${rooms.data || []} course=${course.data} win=${win}
      onClose=${() => setBooking(null)}
      onBooked=${(a) => {
        setBooking(null);
        setNotice(`Booked ${patientName(a)} on ${dayLabel((apptTime(a) || {}).day || date)} at ${apptRange(a)}${a.window_override ? ' (outside the window, reason recorded)' : ''}.`);
        // Show the booking: its day, and in the week view its practitioner or room.
        const d = (apptTime(a) || {}).day || date;
        const col = by === 'room' ? a.room_id : a.practitioner_id;
        if (d < from || d > to || (view === 'week' && col !== id)) go({ date: d, id: view === 'week' ? col : p.get('id') || '' });
        else appts.reload();
      }} />`}
    ${opened && html`<${ApptDialog} a=${opened} practitioners=${practitioners.data || []} rooms=${rooms.data || []} canWrite=${canWrite}
      onClose=${() => setOpened(null)}
      onChanged=${() => { setOpened(null); setNotice('Appointment updated.'); appts.reload(); }} />`}
  </section>`;
}

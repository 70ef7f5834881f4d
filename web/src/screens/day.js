// The clinic's day (the landing screen with schedule_read): GET /day?date= gives the day's
// appointments, each with what is missing before treatment (code, message, what satisfies
// it; DAY.md), and the
// lists: maintenance due, windows about to be missed, no-shows to follow up. Grouped per
// practitioner or per room (a switch kept in the URL, ?by=room); times in the clinic's
// zone, labelled. Reception gets the same answer without clinical detail (the server
// leaves it out); nothing here asks for more.
import { get, qs } from '../api.js';
import { calendarDate } from '../format.js';
import { html, Link, navigate, useLoad, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { addDays, apptRange, apptStatus, apptTime, dayLabel, fixLink, kindLabel, loadRooms, personName, ScheduleNav, todayInClinic, ZoneLabel } from '../schedule.js';
import { CheckInButton } from './charting.js';
import './admin.css';
import './stock.css';
import './schedule.css';

const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);
const patientName = (a) => a.patient_name || personName(a.patient) || 'Patient';

function Missing({ appt }) {
  const list = items(appt.missing);
  if (!list.length) return appt.status === 'cancelled' ? null : html`<p class="day-ready small">Nothing missing</p>`;
  return html`<ul class="missing" aria-label=${`Missing before treatment for ${patientName(appt)}`}>
    ${list.map((m) => {
      const fix = fixLink(m, appt);
      return html`<li key=${m.code} class=${`missing-item sev-${m.severity || 'blocking'}`} data-code=${m.code}>
        <span class=${`badge mono ${m.severity === 'info' ? 'badge-info' : 'badge-warn'}`}>${m.code}</span>
        <span class="missing-msg">${m.message}${m.satisfy && html`<span class="missing-satisfy small"> ${m.satisfy}</span>`}</span>
        ${fix && html`<${Link} href=${fix[0]} class="missing-fix">${fix[1]} ›<//>`}
      </li>`;
    })}
  </ul>`;
}

function ApptRow({ a, by, names, canChart }) {
  const [st, cls] = apptStatus(a.status);
  const other = by === 'room' ? a.practitioner_name || names.staff(a.practitioner_id) : a.room_name || names.room(a.room_id);
  return html`<li class=${`day-appt status-${a.status}`} data-appointment=${a.id} data-patient=${patientName(a)}>
    <div class="day-appt-top">
      <span class="day-time">${apptRange(a)}</span>
      <span class="day-who"><${Link} href=${`/patients/${a.patient_id}`}>${patientName(a)}<//></span>
      <span class="badge-row"><span class=${`badge ${cls}`}>${st}</span>${a.kind && html`<span class="badge badge-muted">${kindLabel(a.kind)}</span>`}</span>
    </div>
    <p class="small muted day-sub">${other}${a.course_id ? html` · <${Link} href=${`/courses/${a.course_id}`}>Course${a.course_session ? `, session ${a.course_session}` : ''}<//>` : ''}</p>
    <${Missing} appt=${a} />
    ${canChart && a.course_id && (a.status === 'booked' || a.status === 'arrived') &&
    html`<div class="day-checkin"><${CheckInButton} body=${{ appointment_id: a.id }} patientId=${a.patient_id} courseId=${a.course_id} seq=${a.course_session} label=${`Check in ${patientName(a)}`} /></div>`}
  </li>`;
}

function Group({ title, list, by, names, canChart }) {
  return html`<section class="card panel day-group" data-group=${title}>
    <header class="panel-head"><h2>${title} <span class="count">${list.length}</span></h2></header>
    ${list.length ? html`<ul class="plain day-list">${list.map((a) => html`<${ApptRow} key=${a.id} a=${a} by=${by} names=${names} canChart=${canChart} />`)}</ul>` : html`<p class="empty">No appointments.</p>`}
  </section>`;
}

function Worklist({ id, title, list, empty, render }) {
  return html`<section class="card panel worklist" aria-labelledby=${id} data-worklist=${id}>
    <header class="panel-head"><h2 id=${id}>${title} <span class="count">${list.length}</span></h2></header>
    ${list.length ? html`<ul class="plain day-list">${list.map(render)}</ul>` : html`<p class="empty">${empty}</p>`}
  </section>`;
}

const windowText = (w) => (w ? `${calendarDate(w.earliest)} – ${calendarDate(w.latest)} (target ${calendarDate(w.target)})` : '');

export function DayScreen({ search }) {
  const session = useSession();
  const params = new URLSearchParams(search || '');
  const date = params.get('date') || todayInClinic();
  const by = params.get('by') === 'room' ? 'room' : 'practitioner';
  const day = useLoad(() => get(`/day${qs({ date })}`), [date]);
  // The day names its practitioners; rooms come by id, their names from GET /rooms.
  const roomList = useLoad(() => loadRooms(true).catch(() => []), []);
  const go = (p) => navigate(`/${qs({ date: p.date === todayInClinic() ? '' : p.date, by: p.by === 'room' ? 'room' : '' })}`);
  const d = day.data;
  const appts = d ? items(d.appointments) : [];
  const staff = new Map(items(d && d.practitioners).map((s) => [s.id, personName(s)]));
  const rooms = new Map(items(roomList.data).map((r) => [r.id, r.name]));
  const dayRooms = items(d && d.rooms).map((r) => r.id);
  const names = { staff: (id) => staff.get(id) || session.staffName(id), room: (id) => rooms.get(id) || (id ? 'Room' : 'No room') };
  const groups = new Map();
  for (const a of appts) {
    const key = by === 'room' ? a.room_id || '' : a.practitioner_id || '';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  // Every practitioner or room of the day is shown, with no appointments too.
  for (const id of by === 'room' ? dayRooms : staff.keys()) if (!groups.has(id)) groups.set(id, []);
  const title = (key) => (by === 'room' ? (key ? names.room(key) : 'No room') : names.staff(key));
  const isToday = date === todayInClinic();
  return html`<section class="page day-page">
    <div class="page-head">
      <${PageTitle} title="The day">${isToday ? 'Today' : dayLabel(date)}<//>
      <div class="day-nav" role="group" aria-label="Day">
        <button type="button" class="btn btn-small" onClick=${() => go({ date: addDays(date, -1), by })}>‹ Previous day</button>
        ${!isToday && html`<button type="button" class="btn btn-small" onClick=${() => go({ date: todayInClinic(), by })}>Today</button>`}
        <button type="button" class="btn btn-small" onClick=${() => go({ date: addDays(date, 1), by })}>Next day ›</button>
      </div>
    </div>
    <${ScheduleNav} current="day" admin=${session.can('staff_write')} />
    <p class="day-date">${dayLabel(date)}</p>
    <${ZoneLabel} sample=${appts[0] || (d && d.time_zone ? { time_zone: d.time_zone } : null)} />
    <div class="seg" role="tablist" aria-label="Group by">
      <button type="button" role="tab" class="seg-btn" aria-selected=${by === 'practitioner'} onClick=${() => go({ date, by: 'practitioner' })}>By practitioner</button>
      <button type="button" role="tab" class="seg-btn" aria-selected=${by === 'room'} onClick=${() => go({ date, by: 'room' })}>By room</button>
    </div>
    ${day.error && html`<${Alert}>${day.error.message}<//>`}
    ${!d && !day.error && html`<${Spinner} />`}
    ${d &&
    html`<div class="day-layout">
      <div class="day-groups">
        ${groups.size === 0 && html`<p class="empty card">No appointments on this day.</p>`}
        ${[...groups.keys()].map((k) => html`<${Group} key=${k || 'none'} title=${title(k)} list=${groups.get(k)} by=${by} names=${names} canChart=${session.can('chart_write')} />`)}
      </div>
      <div class="day-side">
        <${Worklist} id="windows-h" title="Windows about to be missed" list=${items(d.windows_closing)} empty="No course window closes soon without a booking."
          render=${(w) => html`<li key=${`${w.course_id}-${w.seq}`} class="day-work" data-course=${w.course_id}>
            <${Link} href=${`/patients/${w.patient_id}`}>${w.patient_name || personName(w.patient) || 'Patient'}<//>
            <div class="small">Session ${w.seq}${w.protocol_label || w.protocol ? ` of ${w.protocol_label || w.protocol}` : ''}: window ${windowText(w.window)}</div>
            <div class="small"><${Link} href=${`/calendar${qs({ course_id: w.course_id, seq: w.seq })}`}>Book it ›<//> · <${Link} href=${`/courses/${w.course_id}`}>Course<//></div>
          </li>`} />
        <${Worklist} id="maintenance-h" title="Maintenance due" list=${items(d.maintenance_due)} empty="No maintenance visit is due."
          render=${(w) => html`<li key=${`${w.course_id}-${w.seq}`} class="day-work" data-course=${w.course_id}>
            <${Link} href=${`/patients/${w.patient_id}`}>${w.patient_name || personName(w.patient) || 'Patient'}<//>
            <div class="small">${w.protocol_label || w.protocol || 'Course'}: due ${windowText(w.window)}</div>
            <div class="small"><${Link} href=${`/calendar${qs({ course_id: w.course_id, seq: w.seq })}`}>Book it ›<//></div>
          </li>`} />
        <${Worklist} id="noshows-h" title="No-shows to follow up" list=${items(d.no_shows)} empty="No no-show to follow up."
          render=${(a) => html`<li key=${a.id} class="day-work" data-appointment=${a.id}>
            <${Link} href=${`/patients/${a.patient_id}`}>${patientName(a)}<//>
            <div class="small">Missed ${dayLabel((apptTime(a) || {}).day || date)} at ${(apptTime(a) || {}).time || ''}</div>
            ${a.phone && html`<div class="small"><a href=${`tel:${a.phone.replace(/\s+/g, '')}`}>${a.phone}</a></div>`}
          </li>`} />
      </div>
    </div>`}
  </section>`;
}

// What booking needs set up (admin): the clinic's opening hours per weekday (clinic time,
// the zone named; GET/PUT /schedule/hours), its rooms (GET/POST/PUT /rooms), and each
// practitioner's weekly availability with exceptions (absences; GET/PUT
// /staff/{id}/availability). Every change is a new version on the server with who, when
// and why; nothing is deleted (a room is retired). Hours or availability not recorded yet
// do not limit bookings (BOOKINGS.md), and the screen says so.
import { useState } from 'preact/hooks';
import { get, post, put } from '../api.js';
import { calendarDate, sentence, todayInClinic } from '../format.js';
import { html, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { loadPractitioners, personName, ScheduleNav, ZoneLabel } from '../schedule.js';
import './admin.css';
import './stock.css';
import './schedule.css';

const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);
// The API's weekday keys, Monday first.
export const WEEKDAYS = [
  ['mon', 'Monday'],
  ['tue', 'Tuesday'],
  ['wed', 'Wednesday'],
  ['thu', 'Thursday'],
  ['fri', 'Friday'],
  ['sat', 'Saturday'],
  ['sun', 'Sunday'],
];
/** A record that is not there yet (404 until recorded) reads as none. */
const orNone = (p) => p.catch((e) => (e.status === 404 ? null : Promise.reject(e)));
const intervals = (weekly, d) => items(weekly && weekly[d]);
const spans = (list) => list.map((x) => `${x.from}–${x.to}`).join(', ');

/** A week of intervals: "Monday 09:00–13:00, 14:00–18:00 / Sunday Closed". */
function WeekList({ weekly, empty = 'Closed', attr }) {
  return html`<dl class="details hours-list">${WEEKDAYS.map(([d, name]) => {
    const list = intervals(weekly, d);
    return html`<dt key=${`t-${d}`}>${name}</dt><dd key=${`d-${d}`} ...${{ [attr]: d }}>${list.length ? spans(list) : html`<span class="muted">${empty}</span>`}</dd>`;
  })}</dl>`;
}

/**
 * Edit a week: each day open or not, with one interval (from, to) in clinic time; a day
 * that had several keeps them unless changed. save(weekly, reason) sends it.
 */
function WeekDialog({ title, weekly, save, onClose, onSaved }) {
  const init = { reason: '' };
  for (const [d] of WEEKDAYS) {
    const list = intervals(weekly, d);
    init[`open_${d}`] = list.length > 0;
    init[`from_${d}`] = list.length ? list[0].from : '09:00';
    init[`to_${d}`] = list.length ? list[list.length - 1].to : '18:00';
  }
  const form = useForm(init, [...Object.keys(init), 'weekly']);
  const onSubmit = form.submit(async (v) => {
    const out = {};
    for (const [d] of WEEKDAYS) {
      const list = intervals(weekly, d);
      const same = list.length && list[0].from === v[`from_${d}`] && list[list.length - 1].to === v[`to_${d}`];
      out[d] = !v[`open_${d}`] ? [] : same ? list : [{ from: v[`from_${d}`], to: v[`to_${d}`] }];
    }
    await save(out, v.reason.trim() || undefined);
    onSaved();
  });
  return html`<${Dialog} title=${title} onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label=${title}>
      <${FormError} form=${form} />
      <${ZoneLabel} />
      <div name="weekly" class=${form.errors.weekly ? 'has-error' : ''}>
      ${WEEKDAYS.map(([d, name]) => html`<div class="hours-row" key=${d} data-weekday=${d}>
        <${Field} form=${form} name=${`open_${d}`} label=${`Open on ${name}`} type="checkbox" />
        ${form.values[`open_${d}`] && html`<${Field} form=${form} name=${`from_${d}`} label=${`${name} from`} type="time" step="300" />
          <${Field} form=${form} name=${`to_${d}`} label=${`${name} to`} type="time" step="300" />`}
      </div>`)}
      ${form.errors.weekly && html`<p class="field-error" role="alert">${sentence(form.errors.weekly)}</p>`}
      </div>
      <${Field} form=${form} name="reason" label="Reason (optional)" />
      <div class="actions"><button type="submit" class="btn btn-primary" disabled=${form.busy}>Save</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button></div>
    </form>
  <//>`;
}

function HoursPanel({ canWrite }) {
  const hours = useLoad(() => orNone(get('/schedule/hours')), []);
  const [editing, setEditing] = useState(false);
  const h = hours.data;
  return html`<section class="card panel" aria-labelledby="hours-h" data-panel="hours">
    <header class="panel-head"><h2 id="hours-h">Opening hours</h2>
      ${canWrite && !hours.loading && html`<button type="button" class="btn btn-small" onClick=${() => setEditing(true)}>Edit hours</button>`}</header>
    <${ZoneLabel} />
    ${hours.error && html`<${Alert}>${sentence(hours.error.message)}<//>`}
    ${hours.loading && html`<${Spinner} />`}
    ${!hours.loading && !h && !hours.error && html`<p class="empty">Not recorded yet: bookings are not limited to opening hours.</p>`}
    ${h && html`<${WeekList} weekly=${h.weekly} attr="data-weekday" />`}
    ${h && html`<h3 class="sub-h">Closed on</h3>
      ${items(h.closures).length === 0 && html`<p class="empty">No closures.</p>`}
      <ul class="plain setup-list">${items(h.closures).map((c) => html`<li key=${c.date} data-closure=${c.date}>${calendarDate(c.date)} <span class="muted small wrap-any">${c.reason || ''}</span></li>`)}</ul>
      ${canWrite && html`<${ClosureForm} save=${(c) => put('/schedule/hours', { weekly: h.weekly, closures: [...items(h.closures), c], reason: `closed on ${c.date}` })} onSaved=${hours.reload} />`}`}
    ${editing && html`<${WeekDialog} title="Opening hours" weekly=${h && h.weekly} onClose=${() => setEditing(false)}
      save=${(weekly, reason) => put('/schedule/hours', { weekly, closures: items(h && h.closures), reason })}
      onSaved=${() => { setEditing(false); hours.reload(); }} />`}
  </section>`;
}

/** A day the clinic is closed (a holiday): date and reason, added to the hours' closures. */
function ClosureForm({ save, onSaved }) {
  const form = useForm({ date: '', reason: '' }, ['date', 'reason', 'closures']);
  const onSubmit = form.submit(async (v) => {
    try {
      await save({ date: v.date, reason: v.reason.trim() });
    } catch (e) {
      // The server names the list entry ("closures[1].date"); the form shows one closure.
      const f = (x) => (/\.date$/.test(x || '') ? 'date' : /\.reason$/.test(x || '') ? 'reason' : x);
      throw Object.assign(e, { field: f(e.field), errors: (e.errors || []).map((x) => ({ ...x, field: f(x.field) })) });
    }
    form.setValues({ date: '', reason: '' });
    onSaved();
  });
  return html`<form class="inline-form" ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Add a closure">
    <${FormError} form=${form} />
    <${Field} form=${form} name="date" label="Closed on" type="date" />
    <${Field} form=${form} name="reason" label="Why" />
    <button type="submit" class="btn" disabled=${form.busy}>Add closure</button>
  </form>`;
}

function RoomsPanel({ canWrite }) {
  const rooms = useLoad(() => get('/rooms'), []);
  const form = useForm({ name: '' }, ['name']);
  const [notice, setNotice] = useState(null);
  const onSubmit = form.submit(async (v) => {
    const r = await post('/rooms', { name: v.name.trim() });
    form.setValues({ name: '' });
    setNotice(`${r.name} added.`);
    rooms.reload();
  });
  const retire = async (r) => {
    await put(`/rooms/${r.id}`, { name: r.name, status: 'retired', reason: 'room retired' }).catch((e) => setNotice(sentence(e.message)));
    rooms.reload();
  };
  const list = items(rooms.data);
  return html`<section class="card panel" aria-labelledby="rooms-h" data-panel="rooms">
    <header class="panel-head"><h2 id="rooms-h">Rooms ${rooms.data && html`<span class="count">${list.filter((r) => (r.status || 'active') === 'active').length}</span>`}</h2></header>
    ${rooms.error && html`<${Alert}>${sentence(rooms.error.message)}<//>`}
    ${!rooms.data && !rooms.error && html`<${Spinner} />`}
    ${rooms.data && list.length === 0 && html`<p class="empty">No rooms yet.</p>`}
    <ul class="plain setup-list">${list.map((r) => html`<li key=${r.id} class="setup-row" data-room=${r.name}>
      <span class="wrap-any">${r.name}</span>
      ${(r.status || 'active') !== 'active' ? html`<span class="badge badge-muted">Retired</span>` : canWrite && html`<button type="button" class="btn btn-small btn-ghost-danger" onClick=${() => retire(r)}>Retire</button>`}
    </li>`)}</ul>
    ${notice && html`<p class="notice-ok" role="status">${notice}</p>`}
    ${canWrite && html`<form class="inline-form" ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Add a room">
      <${FormError} form=${form} />
      <${Field} form=${form} name="name" label="New room" />
      <button type="submit" class="btn" disabled=${form.busy}>Add room</button>
    </form>`}
  </section>`;
}

/** "2027-04-05T00:00" (local) as a date; an end at midnight is the day before. */
const exDay = (t, end) => {
  const d = String(t || '').slice(0, 10);
  return end && /T00:00/.test(t || '') ? addDaysIso(d, -1) : d;
};
function addDaysIso(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function AvailabilityPanel({ canWrite }) {
  const staff = useLoad(loadPractitioners, []);
  const [who, setWho] = useState('');
  const id = who || (staff.data && staff.data[0] && staff.data[0].id) || '';
  const av = useLoad(() => (id ? orNone(get(`/staff/${id}/availability`)) : Promise.resolve(null)), [id]);
  const [editing, setEditing] = useState(null);
  const a = av.data;
  const exceptions = items(a && a.exceptions);
  const save = (ch, reason) => put(`/staff/${id}/availability`, { weekly: (a && a.weekly) || {}, exceptions, ...ch, reason });
  return html`<section class="card panel" aria-labelledby="avail-h" data-panel="availability">
    <header class="panel-head"><h2 id="avail-h">Practitioner availability</h2></header>
    ${staff.error && html`<${Alert}>${sentence(staff.error.message)}<//>`}
    ${staff.data && html`<div class="field"><label for="avail-who">Practitioner</label>
      <select id="avail-who" value=${id} onChange=${(e) => setWho(e.currentTarget.value)}>
        ${staff.data.map((s) => html`<option value=${s.id}>${personName(s)}</option>`)}</select></div>`}
    <div class="panel-head"><h3 class="sub-h">Each week</h3>
      ${canWrite && id && !av.loading && html`<button type="button" class="btn btn-small" onClick=${() => setEditing('weekly')}>Edit weekly hours</button>`}</div>
    ${av.error && html`<${Alert}>${sentence(av.error.message)}<//>`}
    ${!av.loading && !a && !av.error && html`<p class="empty">Not recorded yet: bookings are not limited to this practitioner's hours.</p>`}
    ${a && html`<${WeekList} weekly=${a.weekly} empty="Not available" attr="data-availability" />`}
    <div class="panel-head"><h3 class="sub-h">Exceptions</h3>
      ${canWrite && id && !av.loading && html`<button type="button" class="btn btn-small" onClick=${() => setEditing('exception')}>+ Absence</button>`}</div>
    ${a && exceptions.length === 0 && html`<p class="empty">No absences or extra hours.</p>`}
    <ul class="plain setup-list">${exceptions.map((x, i) => html`<li key=${i} class="setup-row" data-exception=${x.kind}>
      <span><span class=${`badge ${x.kind === 'absent' ? 'badge-warn' : 'badge-info'}`}>${x.kind === 'absent' ? 'Absent' : 'Extra hours'}</span>
        ${' '}${calendarDate(exDay(x.from))}${exDay(x.to, true) !== exDay(x.from) ? ` – ${calendarDate(exDay(x.to, true))}` : ''}</span>
      <span class="muted small wrap-any">${x.reason || ''}</span></li>`)}</ul>
    ${editing === 'weekly' && html`<${WeekDialog} title="Weekly hours" weekly=${a && a.weekly} onClose=${() => setEditing(null)}
      save=${(weekly, reason) => save({ weekly }, reason)} onSaved=${() => { setEditing(null); av.reload(); }} />`}
    ${editing === 'exception' && html`<${AbsenceDialog} onClose=${() => setEditing(null)}
      save=${(x) => save({ exceptions: [...exceptions, x] }, x.reason)} onSaved=${() => { setEditing(null); av.reload(); }} />`}
  </section>`;
}

/** An absence of whole days, first to last (local midnight to the midnight after the last). */
function AbsenceDialog({ save, onClose, onSaved }) {
  const today = todayInClinic();
  const form = useForm({ first: today, last: today, reason: '' }, ['first', 'last', 'reason', 'exceptions']);
  const onSubmit = form.submit(async (v) => {
    try {
      await save({ kind: 'absent', from: `${v.first}T00:00`, to: `${addDaysIso(v.last, 1)}T00:00`, reason: v.reason.trim() });
    } catch (e) {
      // The server names the list ("exceptions[2].to"); the dialog shows one absence.
      const f = (x) => (/\.from$/.test(x || '') ? 'first' : /\.to$/.test(x || '') ? 'last' : /\.reason$/.test(x || '') ? 'reason' : x);
      throw Object.assign(e, { field: f(e.field), errors: (e.errors || []).map((x) => ({ ...x, field: f(x.field) })) });
    }
    onSaved();
  });
  return html`<${Dialog} title="An absence" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="An absence">
      <${FormError} form=${form} />
      <div class="grid-2"><${Field} form=${form} name="first" label="First day absent" type="date" />
        <${Field} form=${form} name="last" label="Last day absent" type="date" /></div>
      <${Field} form=${form} name="reason" label="Reason" required />
      <div class="actions"><button type="submit" class="btn btn-primary" disabled=${form.busy}>Save</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button></div>
    </form>
  <//>`;
}

export function ClinicSetupScreen() {
  const session = useSession();
  const canWrite = session.can('schedule_write') && session.can('staff_write');
  return html`<section class="page setup-page">
    <${PageTitle} title="Hours and rooms">Hours and rooms<//>
    <${ScheduleNav} current="setup" admin=${session.can('staff_write')} />
    <div class="setup-grid">
      <${HoursPanel} canWrite=${canWrite} />
      <${RoomsPanel} canWrite=${canWrite} />
      <${AvailabilityPanel} canWrite=${canWrite} />
    </div>
  </section>`;
}

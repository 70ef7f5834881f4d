// What booking needs set up (admin; schedule_write): the clinic's opening hours per weekday
// (clinic time, the zone named), its rooms, and each practitioner's weekly availability
// with exceptions (absences). Every change is a new version on the server, with who and
// when; nothing is deleted (a room is retired, an availability or exception ended).
import { useState } from 'preact/hooks';
import { get, post, put, qs } from '../api.js';
import { calendarDate, sentence, todayInClinic } from '../format.js';
import { html, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { loadPractitioners, personName, ScheduleNav, ZoneLabel } from '../schedule.js';
import './admin.css';
import './stock.css';
import './schedule.css';

const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);
// ISO weekdays: 1 Monday .. 7 Sunday.
export const WEEKDAYS = [
  [1, 'Monday'],
  [2, 'Tuesday'],
  [3, 'Wednesday'],
  [4, 'Thursday'],
  [5, 'Friday'],
  [6, 'Saturday'],
  [7, 'Sunday'],
];
const dayName = (n) => (WEEKDAYS.find(([d]) => d === Number(n)) || [0, n])[1];

function HoursPanel({ canWrite }) {
  const hours = useLoad(() => get('/clinic/hours'), []);
  const [editing, setEditing] = useState(false);
  const rows = items(hours.data);
  return html`<section class="card panel" aria-labelledby="hours-h" data-panel="hours">
    <header class="panel-head"><h2 id="hours-h">Opening hours</h2>
      ${canWrite && hours.data && html`<button type="button" class="btn btn-small" onClick=${() => setEditing(true)}>Edit hours</button>`}</header>
    <${ZoneLabel} />
    ${hours.error && html`<${Alert}>${sentence(hours.error.message)}<//>`}
    ${!hours.data && !hours.error && html`<${Spinner} />`}
    ${hours.data && html`<dl class="details hours-list">${WEEKDAYS.map(([d, name]) => {
      const r = rows.filter((x) => Number(x.weekday) === d);
      return html`<dt>${name}</dt><dd data-weekday=${d}>${r.length ? r.map((x) => `${x.opens}–${x.closes}`).join(', ') : html`<span class="muted">Closed</span>`}</dd>`;
    })}</dl>`}
    ${editing && html`<${HoursDialog} rows=${rows} onClose=${() => setEditing(false)} onSaved=${() => { setEditing(false); hours.reload(); }} />`}
  </section>`;
}

function HoursDialog({ rows, onClose, onSaved }) {
  const init = {};
  for (const [d] of WEEKDAYS) {
    const r = rows.find((x) => Number(x.weekday) === d);
    init[`open_${d}`] = !!r;
    init[`opens_${d}`] = r ? r.opens : '09:00';
    init[`closes_${d}`] = r ? r.closes : '18:00';
  }
  init.reason = '';
  const names = WEEKDAYS.flatMap(([d], i) => [`items[${i}].opens`, `items[${i}].closes`, `items[${i}].weekday`]);
  const form = useForm(init, [...Object.keys(init), ...names]);
  const onSubmit = form.submit(async (v) => {
    const list = WEEKDAYS.filter(([d]) => v[`open_${d}`]).map(([d]) => ({ weekday: d, opens: v[`opens_${d}`], closes: v[`closes_${d}`] }));
    await put('/clinic/hours', { items: list, reason: v.reason.trim() || undefined });
    onSaved();
  });
  return html`<${Dialog} title="Opening hours" onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Opening hours">
      <${FormError} form=${form} />
      <${ZoneLabel} />
      ${WEEKDAYS.map(([d, name]) => html`<div class="hours-row" key=${d} data-weekday=${d}>
        <${Field} form=${form} name=${`open_${d}`} label=${`Open on ${name}`} type="checkbox" />
        ${form.values[`open_${d}`] && html`<${Field} form=${form} name=${`opens_${d}`} label=${`${name} opens`} type="time" step="300" />
          <${Field} form=${form} name=${`closes_${d}`} label=${`${name} closes`} type="time" step="300" />`}
      </div>`)}
      <${Field} form=${form} name="reason" label="Reason (optional)" />
      <div class="actions"><button type="submit" class="btn btn-primary" disabled=${form.busy}>Save hours</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button></div>
    </form>
  <//>`;
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
    await put(`/rooms/${r.id}`, { ...r, status: 'retired', reason: 'room retired' }).catch((e) => setNotice(sentence(e.message)));
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

const AV_FIELDS = ['weekday', 'start', 'end', 'from', 'to', 'reason', 'practitioner_id'];

function AvailabilityPanel({ canWrite }) {
  const staff = useLoad(loadPractitioners, []);
  const [who, setWho] = useState('');
  const id = who || (staff.data && staff.data[0] && staff.data[0].id) || '';
  const av = useLoad(() => (id ? get(`/availability${qs({ practitioner_id: id })}`) : Promise.resolve(null)), [id]);
  const ex = useLoad(() => (id ? get(`/availability/exceptions${qs({ practitioner_id: id })}`) : Promise.resolve(null)), [id]);
  const [adding, setAdding] = useState(null);
  const weekly = items(av.data).filter((x) => (x.status || 'active') === 'active');
  const absences = items(ex.data).filter((x) => (x.status || 'active') === 'active');
  return html`<section class="card panel" aria-labelledby="avail-h" data-panel="availability">
    <header class="panel-head"><h2 id="avail-h">Practitioner availability</h2></header>
    ${staff.error && html`<${Alert}>${sentence(staff.error.message)}<//>`}
    ${staff.data && html`<div class="field"><label for="avail-who">Practitioner</label>
      <select id="avail-who" value=${id} onChange=${(e) => setWho(e.currentTarget.value)}>
        ${staff.data.map((s) => html`<option value=${s.id}>${personName(s)}</option>`)}</select></div>`}
    <h3 class="sub-h">Each week</h3>
    ${av.error && html`<${Alert}>${sentence(av.error.message)}<//>`}
    ${av.data && weekly.length === 0 && html`<p class="empty">No weekly hours: this practitioner cannot be booked yet.</p>`}
    <ul class="plain setup-list">${weekly.map((x) => html`<li key=${x.id} class="setup-row" data-availability=${x.weekday}>
      <span>${dayName(x.weekday)} ${x.start}–${x.end}</span>${x.room_name ? html`<span class="muted small">${x.room_name}</span>` : ''}</li>`)}</ul>
    ${canWrite && id && html`<button type="button" class="btn btn-small" onClick=${() => setAdding('weekly')}>+ Weekly hours</button>`}
    <h3 class="sub-h">Exceptions (absent)</h3>
    ${ex.error && html`<${Alert}>${sentence(ex.error.message)}<//>`}
    ${ex.data && absences.length === 0 && html`<p class="empty">No absences.</p>`}
    <ul class="plain setup-list">${absences.map((x) => html`<li key=${x.id} class="setup-row" data-exception=${x.id}>
      <span>${calendarDate(x.from || x.start_date)}${(x.to || x.end_date) && (x.to || x.end_date) !== (x.from || x.start_date) ? ` – ${calendarDate(x.to || x.end_date)}` : ''}</span>
      <span class="muted small wrap-any">${x.reason || ''}</span></li>`)}</ul>
    ${canWrite && id && html`<button type="button" class="btn btn-small" onClick=${() => setAdding('exception')}>+ Absence</button>`}
    ${adding && html`<${AvailabilityDialog} kind=${adding} practitionerId=${id} onClose=${() => setAdding(null)}
      onSaved=${() => { setAdding(null); av.reload(); ex.reload(); }} />`}
  </section>`;
}

function AvailabilityDialog({ kind, practitionerId, onClose, onSaved }) {
  const weekly = kind === 'weekly';
  const today = todayInClinic();
  const form = useForm({ weekday: '1', start: '09:00', end: '17:00', from: today, to: today, reason: '' }, AV_FIELDS);
  const onSubmit = form.submit(async (v) => {
    if (weekly) await post('/availability', { practitioner_id: practitionerId, weekday: Number(v.weekday), start: v.start, end: v.end });
    else await post('/availability/exceptions', { practitioner_id: practitionerId, from: v.from, to: v.to, reason: v.reason.trim() });
    onSaved();
  });
  return html`<${Dialog} title=${weekly ? 'Weekly hours' : 'An absence'} onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label=${weekly ? 'Weekly hours' : 'An absence'}>
      <${FormError} form=${form} />
      ${weekly
        ? html`<${Field} form=${form} name="weekday" label="Day" type="select" options=${WEEKDAYS.map(([d, n]) => [String(d), n])} />
          <div class="grid-2"><${Field} form=${form} name="start" label="From (clinic time)" type="time" step="300" />
          <${Field} form=${form} name="end" label="To (clinic time)" type="time" step="300" /></div>`
        : html`<div class="grid-2"><${Field} form=${form} name="from" label="First day absent" type="date" />
          <${Field} form=${form} name="to" label="Last day absent" type="date" /></div>
          <${Field} form=${form} name="reason" label="Reason" required />`}
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

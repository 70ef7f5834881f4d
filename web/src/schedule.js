// How the schedule reads (issue 9): clinic-zone times of appointments (the server's
// `start_local` with its offset, labelled with the zone), civil days and weeks in the
// clinic's zone, appointment statuses, course states, the missing-before-treatment codes
// with where each is fixed, the staff and rooms of the clinic, and the sub-navigation of
// the schedule screens. Codes the server sends that are not listed read as themselves.
import { get } from './api.js';
import { html, Link } from './ui.js';
import { calendarDate, timeZone, todayInClinic } from './format.js';

const pad = (n) => String(n).padStart(2, '0');
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "YYYY-MM-DD" plus n days. */
export function addDays(day, n) {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Whole days from a to b (civil days). */
export const daysBetween = (a, b) => Math.round((Date.parse(`${b}T12:00:00Z`) - Date.parse(`${a}T12:00:00Z`)) / 86400000);

/** The Monday of the week of day. */
export function weekStart(day) {
  const wd = new Date(`${day}T12:00:00Z`).getUTCDay();
  return addDays(day, -((wd + 6) % 7));
}

/** "Mon 7 Dec 2026" (the clinic's date format after the weekday). */
export const dayLabel = (day) => `${WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()]} ${calendarDate(day)}`;
export const weekdayOf = (day) => WEEKDAYS[new Date(`${day}T12:00:00Z`).getUTCDay()];

const partsFmt = new Map();
/** An instant in the clinic's zone: {day, time "HH:MM", minutes, offset "+01:00", abbr}. */
export function clinicParts(utc) {
  const zone = timeZone();
  if (!partsFmt.has(zone))
    partsFmt.set(
      zone,
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' }),
    );
  const d = new Date(utc);
  if (Number.isNaN(d.getTime())) return null;
  const p = Object.fromEntries(partsFmt.get(zone).formatToParts(d).map((x) => [x.type, x.value]));
  return { day: `${p.year}-${p.month}-${p.day}`, time: `${p.hour}:${p.minute}`, minutes: +p.hour * 60 + +p.minute, abbr: p.timeZoneName };
}

/**
 * Where an appointment's start or end falls in the clinic: the server's local time
 * ("2026-12-01T10:00:00+00:00") when it sent one, else the UTC instant turned into the
 * clinic's zone. {day, time, minutes, offset ("UTC+01:00"), abbr}.
 */
export function apptTime(a, which = 'start') {
  const local = a && a[`${which}_local`];
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2})?([+-]\d{2}:\d{2}|Z)?$/.exec(local || '');
  const fromUtc = a && a[which] ? clinicParts(a[which]) : null;
  if (m) {
    const off = !m[4] || m[4] === 'Z' || m[4] === '+00:00' ? 'UTC+00:00' : `UTC${m[4]}`;
    return { day: m[1], time: `${m[2]}:${m[3]}`, minutes: +m[2] * 60 + +m[3], offset: off, abbr: fromUtc ? fromUtc.abbr : off };
  }
  return fromUtc ? { ...fromUtc, offset: fromUtc.abbr } : null;
}

/** "10:00–10:45" in the clinic's zone. */
export function apptRange(a) {
  const s = apptTime(a, 'start');
  const e = apptTime(a, 'end');
  return s ? `${s.time}${e ? `–${e.time}` : ''}` : '';
}

/** The zone said beside times: "Times in clinic time: Europe/London (GMT, UTC+00:00)". */
export function ZoneLabel({ sample }) {
  const t = sample ? apptTime(sample) : clinicParts(new Date().toISOString());
  const zone = (sample && sample.time_zone) || timeZone();
  return html`<p class="muted small zone-label" data-zone=${zone}>Times in clinic time: <strong>${zone}</strong>${t ? ` (${t.abbr}${t.offset && t.offset !== t.abbr ? `, ${t.offset}` : ''})` : ''}</p>`;
}

export { todayInClinic, pad };

export const APPT_STATUS = {
  booked: ['Booked', 'badge-info'],
  arrived: ['Arrived', 'badge-ok'],
  completed: ['Done', 'badge-ok'],
  cancelled: ['Cancelled', 'badge-muted'],
  no_show: ['No-show', 'badge-danger'],
};
export const apptStatus = (s) => APPT_STATUS[s] || [s || '', 'badge-muted'];

export const COURSE_STATE = {
  planned: ['Planned', 'badge-info'],
  active: ['Active', 'badge-ok'],
  completed: ['Completed', 'badge-muted'],
  abandoned: ['Abandoned', 'badge-danger'],
};
export const courseState = (s) => COURSE_STATE[s] || [s || '', 'badge-muted'];

export const KIND_LABEL = { treatment: 'Treatment', consultation: 'Consultation', review: 'Review', maintenance: 'Maintenance', patch_test: 'Patch test' };
export const kindLabel = (k) => KIND_LABEL[k] || (k ? k.replace(/_/g, ' ') : '');

/**
 * Where what is missing before a treatment is put right, from its code's family: consent
 * on the patient page's consents, patch tests on their page, screening and clearances on
 * the patient page, a practitioner's licence on the credentials screen. The message is the
 * server's.
 */
export function fixLink(item, appt) {
  const code = String(item.code || '');
  const pid = item.patient_id || (appt && appt.patient_id);
  if (item.href && item.href.startsWith('/')) return [item.href, 'Fix'];
  if (/licen|credential|scope/.test(code)) return ['/credentials', 'Credentials'];
  if (!pid) return null;
  if (/consent/.test(code)) return [`/patients/${pid}#consents-h`, 'Consents'];
  if (/patch/.test(code)) return [`/patients/${pid}/patch-tests`, 'Patch tests'];
  if (/clearance/.test(code)) return [`/patients/${pid}#clearances-h`, 'Clearances'];
  if (/screening/.test(code)) return [`/patients/${pid}#screening-h`, 'Screening'];
  if (/course/.test(code) && appt && appt.course_id) return [`/courses/${appt.course_id}`, 'Course'];
  return [`/patients/${pid}`, 'Patient'];
}

/** The clinic's staff who can be booked (practitioners and admins who treat), active first. */
export async function loadPractitioners() {
  const r = await get('/staff');
  return (r.items || []).filter((s) => s.active !== false && (s.role === 'practitioner' || s.role === 'admin'));
}

/** The clinic's rooms (active ones; every one with all). */
export async function loadRooms(all) {
  const r = await get(all ? '/rooms?include=all' : '/rooms');
  return (r.items || []).filter((x) => all || (x.status || 'active') === 'active');
}

/** A person's name from a staff record or a patient summary. */
export const personName = (p) => (p ? p.display_name || [p.given_name, p.family_name].filter(Boolean).join(' ') || p.name || p.email || '' : '');

/** The sub-navigation of the schedule screens. */
export function ScheduleNav({ current, admin }) {
  const items = [
    ['day', '/', 'Today'],
    ['calendar', '/calendar', 'Calendar'],
    ...(admin
      ? [
          ['setup', '/schedule/setup', 'Hours and rooms'],
          ['credentials', '/credentials', 'Credentials'],
        ]
      : []),
  ];
  return html`<nav class="subnav" aria-label="Schedule">
    ${items.map(([k, href, text]) => html`<${Link} key=${k} href=${href} aria-current=${current === k ? 'page' : undefined}>${text}<//>`)}
  </nav>`;
}

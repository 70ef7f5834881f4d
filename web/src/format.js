// Display formatting. Instants are shown in the clinic's time zone; calendar dates
// (birth dates, doses) are dates, not instants, and are never shifted.

let tz = 'UTC';
let instantFmt = null;
const LOCALE = 'en-GB';

export function setTimeZone(zone) {
  try {
    instantFmt = new Intl.DateTimeFormat(LOCALE, {
      timeZone: zone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      timeZoneName: 'short',
    });
    tz = zone;
  } catch {
    tz = 'UTC';
    instantFmt = null;
  }
}
export const timeZone = () => tz;

/** "2026-11-21T09:38:30Z" -> "21 Nov 2026, 09:38 GMT" in the clinic zone. */
export function instant(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  if (!instantFmt) setTimeZone(tz);
  return instantFmt.format(d);
}

const dateFmt = new Intl.DateTimeFormat(LOCALE, { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });

/** "1979-11-02" -> "2 Nov 1979". */
export function calendarDate(s) {
  if (!s) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return s;
  return dateFmt.format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
}

/** Today's date (YYYY-MM-DD) in the clinic's time zone. */
export function todayInClinic() {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  const get = (t) => parts.find((p) => p.type === t).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Age in whole years on the clinic's today. */
export function age(birth) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birth || '');
  if (!m) return null;
  const [ty, tm, td] = todayInClinic().split('-').map(Number);
  let a = ty - +m[1];
  if (tm < +m[2] || (tm === +m[2] && td < +m[3])) a--;
  return a;
}

export const SEX_LABELS = { female: 'Female', male: 'Male', other: 'Other', unknown: 'Not known' };
export const FITZPATRICK = ['I', 'II', 'III', 'IV', 'V', 'VI'];

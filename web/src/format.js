// Display formatting. Instants are shown in the clinic's time zone; calendar dates
// (birth dates, doses) are dates, not instants, and are never shifted. Both follow the
// clinic's date format (setDateFormat, from GET /me at sign-in).

let tz = 'UTC';
let instantFmt = null;
const LOCALE = 'en-GB';
// Month abbreviations are ours, not the browser's: ICU writes "Sept" in some versions.
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n) => String(n).padStart(2, '0');

/** The clinic date formats (the codes of the clinic's `date_format`), with an example each. */
const FORMATS = {
  d_mon_yyyy: (y, m, d) => `${d} ${MONTHS[m - 1]} ${y}`,
  'dd/mm/yyyy': (y, m, d) => `${pad(d)}/${pad(m)}/${y}`,
  'mm/dd/yyyy': (y, m, d) => `${pad(m)}/${pad(d)}/${y}`,
  'yyyy-mm-dd': (y, m, d) => `${y}-${pad(m)}-${pad(d)}`,
};
export const DEFAULT_DATE_FORMAT = 'd_mon_yyyy';
export const DATE_FORMATS = Object.keys(FORMATS).map((code) => [code, FORMATS[code](1979, 11, 2)]);
let dateFormat = DEFAULT_DATE_FORMAT;

/** Use the clinic's date format; an unknown or absent code means the default ("2 Nov 1979"). */
export function setDateFormat(code) {
  dateFormat = Object.prototype.hasOwnProperty.call(FORMATS, code || '') ? code : DEFAULT_DATE_FORMAT;
}
export const currentDateFormat = () => dateFormat;
const ymd = (y, m, d) => FORMATS[dateFormat](y, m, d);

export function setTimeZone(zone) {
  try {
    instantFmt = new Intl.DateTimeFormat(LOCALE, {
      timeZone: zone,
      day: 'numeric',
      month: 'numeric',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    tz = zone;
  } catch {
    tz = 'UTC';
    instantFmt = null;
  }
}
export const timeZone = () => tz;

/** "2026-11-21T09:38:30Z" -> "21 Nov 2026, 09:38 GMT" in the clinic zone and date format. */
export function instant(s) {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return s;
  if (!instantFmt) setTimeZone(tz);
  const p = {};
  for (const part of instantFmt.formatToParts(d)) p[part.type] = part.value;
  return `${ymd(+p.year, +p.month, +p.day)}${dateFormat === 'yyyy-mm-dd' ? '' : ','} ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** A real calendar date "YYYY-MM-DD" as [y, m, d], or null (2026-02-30 is not one). */
function parseDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return null;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d ? [y, mo, d] : null;
}

/** "1979-11-02" -> "2 Nov 1979" (or the clinic's format); anything else as it is. */
export function calendarDate(s) {
  if (!s) return '';
  const p = parseDate(s);
  return p ? ymd(...p) : s;
}

/** Every real date "YYYY-MM-DD" in a text (a server message) in the clinic's format. */
export const datesInText = (text) => String(text).replace(/\b\d{4}-\d{2}-\d{2}\b/g, (d) => calendarDate(d));

/** A server message as a sentence for people: capital first letter, dates in the clinic's format. */
export function sentence(text) {
  const s = datesInText(text || '');
  return s.charAt(0).toUpperCase() + s.slice(1);
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

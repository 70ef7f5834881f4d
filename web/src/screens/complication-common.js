// How complications, follow-ups and escalations read (issue 11 items 2 and 4), and the
// routes the screens use: the catalogue (GET /kb/complications: codes, red flags, the CTCAE
// v5 grade wording) loaded once per page load, outcome and seriousness wording, the
// escalation reasons and actions. Codes the server sends that are not listed read as
// themselves in words; the server is the judge of every code, grade and date.
import { get } from '../api.js';

export const items = (x) => (Array.isArray(x) ? x : (x && (x.items || x.versions)) || []);
export const words = (c) => String(c || '').replace(/_/g, ' ');
export const upper = (s) => String(s || '').replace(/^./, (c) => c.toUpperCase());

let kbOnce = null;
/** The catalogue and the grade wording, once per page load: {complications, grades, byCode}. */
export function loadCatalogue() {
  if (!kbOnce)
    kbOnce = get('/kb/complications').then(
      (r) => {
        const complications = items(r && r.complications);
        const byCode = new Map(complications.map((c) => [c.code, c]));
        return { version: r && r.version, complications, grades: items(r && r.grades), byCode };
      },
      (e) => {
        kbOnce = null;
        throw e;
      },
    );
  return kbOnce;
}

/** A code's name from the catalogue, or the code in words. */
export const codeName = (cat, code) => (cat && cat.byCode.get(code) ? cat.byCode.get(code).name : upper(words(code)));

/** A red flag's staff label: from the entry of code when given, else any entry naming it. */
export function flagLabel(cat, flag, code) {
  if (!cat) return upper(words(flag));
  const own = code && cat.byCode.get(code);
  const f = own && items(own.red_flags).find((x) => x.code === flag);
  if (f) return f.label;
  for (const c of cat.complications) {
    const g = items(c.red_flags).find((x) => x.code === flag);
    if (g) return g.label;
  }
  return upper(words(flag));
}

export const CATEGORY = {
  local_reaction: 'Local reactions',
  allergic: 'Allergic',
  infection: 'Infections',
  nodule: 'Nodules and granulomas',
  vascular: 'Vascular',
  pigmentation: 'Pigmentation',
  scarring: 'Scarring',
  ulceration: 'Ulceration',
};
export const FREQUENCY = { common: 'Common', uncommon: 'Uncommon', rare: 'Rare', very_rare: 'Very rare' };

/** The outcome (complication.h); "" is "not yet assessed" (null to the API). */
export const OUTCOMES = [
  ['', 'Not yet assessed'],
  ['recovering', 'Recovering'],
  ['resolved', 'Resolved'],
  ['resolved_with_sequelae', 'Resolved with sequelae'],
  ['not_resolved', 'Not resolved'],
  ['fatal', 'Fatal'],
];
export const outcomeLabel = (o) => (OUTCOMES.find((x) => x[0] === (o || '')) || [o, upper(words(o))])[1];

/** The seriousness criteria as MedWatch 3500 and the Yellow Card ask for them. */
export const SERIOUSNESS = [
  ['death', 'Death'],
  ['life_threatening', 'Life-threatening'],
  ['hospitalisation', 'Hospitalisation (initial or prolonged)'],
  ['disability', 'Disability or permanent damage'],
  ['congenital_anomaly', 'Congenital anomaly or birth defect'],
  ['required_intervention', 'Required intervention to prevent permanent damage'],
  ['other_serious', 'Other serious or important medical event'],
];
/** One criterion's answer: true, false or null (not assessed: never read as no). */
export const TRI = [
  [true, 'Yes'],
  [false, 'No'],
  [null, 'Not assessed'],
];
export const triLabel = (v) => (v === true ? 'Yes' : v === false ? 'No' : 'Not assessed');

/** The seriousness in one line: the criteria met, else what is still not assessed. */
export function seriousnessLine(s) {
  const o = s || {};
  const yes = SERIOUSNESS.filter(([k]) => o[k] === true).map((x) => x[1]);
  const open = SERIOUSNESS.filter(([k]) => o[k] !== true && o[k] !== false);
  if (yes.length) return `Serious: ${yes.join(', ')}`;
  if (open.length === SERIOUSNESS.length) return 'Seriousness not assessed';
  if (open.length) return `Not serious on ${SERIOUSNESS.length - open.length} criteria; ${open.length} not assessed`;
  return 'Not serious';
}

export const STATUS = { open: ['Open', 'badge-warn'], closed: ['Closed', 'badge-ok'], entered_in_error: ['Entered in error', 'badge-eie'] };
export const statusBadge = (s) => STATUS[s] || [upper(words(s)), 'badge-muted'];
export const gradeBadge = (g) => (g >= 4 ? 'badge-danger' : g >= 3 ? 'badge-danger' : g === 2 ? 'badge-warn' : 'badge-info');

/** The CTCAE v5 wording of grade g from the catalogue ("" when it is not there). */
export const gradeText = (cat, g) => {
  const e = cat && cat.grades.find((x) => Number(x.grade) === Number(g));
  return e ? e.label : '';
};

/** Why an entry is on the worklist (complication.h reasons). */
export const REASONS = {
  grade_3_plus: 'Grade 3 or more',
  red_flag: 'Red flag',
  unresolved_past_window: 'Not resolved past its expected window',
  followup_overdue: 'Follow-up overdue',
  checkin_red_flag: 'Check-in answer with a red flag',
};
export const reasonLabel = (r) => REASONS[r] || upper(words(r));
/** What a practitioner did about an entry. */
export const ACTS = [
  ['called_patient', 'Called the patient'],
  ['saw_patient', 'Saw the patient'],
  ['referred', 'Referred'],
  ['emergency_referral', 'Emergency referral'],
  ['no_action_needed', 'No action needed'],
  ['other', 'Other'],
];
export const actLabel = (a) => (ACTS.find((x) => x[0] === a) || [a, upper(words(a))])[1];

export const FOLLOWUP = { open: ['Due', 'badge-warn'], pending: ['Due', 'badge-warn'], done: ['Done', 'badge-ok'], cancelled: ['Cancelled', 'badge-muted'], overdue: ['Overdue', 'badge-danger'] };
export const followupBadge = (s) => FOLLOWUP[s] || [upper(words(s)), 'badge-muted'];

export const personName = (p) => (p && (p.family_name || p.given_name) ? `${p.family_name || ''}, ${p.given_name || ''}` : 'Patient');

/* --- routes (COMPLICATIONS.md, CHECKINS.md) --- */
export const COMPLICATIONS = '/complications';
export const complicationPath = (id, rest = '') => `/complications/${encodeURIComponent(id)}${rest}`;
export const patientComplications = (pid) => `/patients/${encodeURIComponent(pid)}/complications`;
export const sessionComplications = (sid) => `/sessions/${encodeURIComponent(sid)}/complications`;
export const followupPath = (id) => `/followups/${encodeURIComponent(id)}`;
/** What could have caused it: the sessions in the code's onset window before onset_on. */
export const proposalPath = (pid, code, onsetOn) => `/patients/${encodeURIComponent(pid)}/complications/proposal?code=${encodeURIComponent(code)}&onset_on=${encodeURIComponent(onsetOn)}`;

/** The worklist changed (an entry raised or acted on): the top bar's count reloads. */
export const ESCALATIONS_CHANGED = 'mesodesk:escalations';
export const escalationsChanged = () => dispatchEvent(new Event(ESCALATIONS_CHANGED));

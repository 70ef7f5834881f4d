// How a treatment session reads (issue 10): its states in order, the gates and completion
// items with where each is put right, the techniques, the kb body maps (GET
// /charting/maps) normalised for the map component, points inside zones, and the session
// routes. Codes the server sends that are not listed read as themselves; the server is the
// judge of every gate, zone and limit (nothing here decides what may be charted).
import { get, post, upload } from './api.js';
import { instant } from './format.js';

export const items = (x) => (Array.isArray(x) ? x : (x && x.items) || []);

/** The session's states in the order of its state machine (chart.h). */
export const STATES = [
  ['checked_in', 'Checked in'],
  ['prechecked', 'Prechecked'],
  ['in_progress', 'In progress'],
  ['completed', 'Completed'],
  ['signed_off', 'Signed off'],
];
const STATE_BADGE = { checked_in: 'badge-info', prechecked: 'badge-info', in_progress: 'badge-warn', completed: 'badge-ok', signed_off: 'badge-ok', cancelled: 'badge-muted' };
export const stateLabel = (s) => (STATES.find((x) => x[0] === s) || [s, s === 'cancelled' ? 'Cancelled' : String(s || '').replace(/_/g, ' ')])[1];
export const stateBadge = (s) => STATE_BADGE[s] || 'badge-muted';
/** Open: not completed, signed off or cancelled (one open session per course session). */
export const isOpen = (s) => s && !['completed', 'signed_off', 'cancelled'].includes(s.state);

/**
 * What each gate or completion item is about, as the checklist titles it: the check's own
 * title, the kb's (GET /charting/prechecks, setGateTitles), or the code in words.
 */
const gateTitles = new Map();
export const setGateTitles = (list) => items(list).forEach((g) => g && g.gate && g.title && gateTitles.set(g.gate, g.title));
// The completion items that are not gates (completion.h) and a fallback before the kb loads.
const ITEM_TITLE = { traceability: 'Traceability: lot and vial of every dose, the needle lot', notes: 'Notes', photos_after: 'After photos', photos_before: 'Before photos', screening: 'Screening', consent: 'Treatment consent' };
export const gateTitle = (g, check) =>
  String((check && check.title) || gateTitles.get(g) || ITEM_TITLE[g] || String(g || '').replace(/_/g, ' ')).replace(/^./, (c) => c.toUpperCase());
export const CHECK_STATUS = {
  pass: ['Pass', 'badge-ok', '✓'],
  fail: ['Fail', 'badge-danger', '✗'],
  unknown: ['Not recorded', 'badge-warn', '?'],
};
export const checkStatus = (s) => CHECK_STATUS[s] || [s || '', 'badge-muted', '•'];

/**
 * Where a failing gate is put right: [href, link text] (the patient page's panels, patch
 * tests, credentials, stock, or this session's photos / materials), from the gate's code.
 * A check may name its own place (`href`).
 */
export function gateFix(check, session) {
  const g = String(check.gate || check.code || '');
  const pid = session && session.patient_id;
  if (check.href && String(check.href).startsWith('/')) return [check.href, 'Fix'];
  if (/screening|questionnaire|clearance/.test(g)) return pid && [`/patients/${pid}#screening-h`, 'Screening'];
  if (/consent/.test(g)) return pid && [`/patients/${pid}#consents-h`, 'Consents'];
  if (/patch/.test(g)) return pid && [`/patients/${pid}/patch-tests`, 'Patch tests'];
  if (/practitioner|licen|credential|scope/.test(g)) return ['/credentials', 'Credentials'];
  if (/photo/.test(g)) return ['#photos-h', 'Photos'];
  if (/material|lot|vial|needle|traceab/.test(g)) return ['#materials-h', 'Materials'];
  if (/note|chart/.test(g)) return ['#chart-h', 'Chart'];
  return null;
}

/** The techniques as the kb has them (GET /charting/techniques); a code not listed reads as itself. */
let techniques = [];
export const setTechniques = (list) => (techniques = items(list).map((t) => [t.code, t.label || t.code]));
export const techniqueList = () => techniques;
export const techniqueLabel = (t) => (techniques.find((x) => x[0] === t) || [t, String(t || '').replace(/_/g, ' ')])[1];

let chartKbOnce = null;
/** What charting reads of the kb, once per page load: the techniques and the gates' titles. */
export function loadChartKb() {
  if (!chartKbOnce)
    chartKbOnce = Promise.all([get('/charting/techniques').catch(() => null), get('/charting/prechecks').catch(() => null)]).then(([t, g]) => {
      if (t) setTechniques(t);
      if (g) setGateTitles(g.gates);
      if (!t) chartKbOnce = null;
      return { techniques: techniqueList(), gates: items(g && g.gates), needle_kinds: g ? items(g.needle_kinds) : null };
    });
  return chartKbOnce;
}

export const VIEWS = [
  ['front', 'Front'],
  ['left', 'Left'],
  ['right', 'Right'],
];
export const viewLabel = (v) => (VIEWS.find((x) => x[0] === v) || [v, String(v || '').replace(/_/g, ' ')])[1];

/** A warning's or check's sources as one line of keys ("S0, S3"). */
export const sourceKeys = (x) => items(x && x.sources).map((s) => (typeof s === 'string' ? s : s.key || s.id || s.title)).filter(Boolean);

/* --- the body maps --- */

const num = (v) => (typeof v === 'number' ? v : Number(v));
/** A polygon as [[x, y], ...] from [[x,y]...], [{x,y}...] or an SVG points string. */
function polygonOf(p) {
  if (typeof p === 'string')
    return p
      .trim()
      .split(/\s+/)
      .map((pair) => pair.split(',').map(num))
      .filter((xy) => xy.length === 2 && xy.every(Number.isFinite));
  return items(p)
    .map((pt) => (Array.isArray(pt) ? [num(pt[0]), num(pt[1])] : [num(pt.x), num(pt.y)]))
    .filter((xy) => xy.every(Number.isFinite));
}

/** One map as the component draws it: {id, label, width, height, outline, zones:[{code, label, area, polygon}]}. */
export function normaliseMap(m, id) {
  const zones = items(m.zones || m.regions).map((z) => ({ ...z, code: z.code || z.id, label: z.label || z.name || z.code || z.id, polygon: polygonOf(z.polygon || z.points || z.shape) }));
  return {
    ...m,
    id: m.id || m.code || id,
    label: m.label || m.name || String(m.id || id).replace(/_/g, ' '),
    width: num(m.width) || 100,
    height: num(m.height) || 100,
    outline: m.outline ? (typeof m.outline === 'string' && /[a-z]/i.test(m.outline) ? { path: m.outline } : { polygon: polygonOf(m.outline) }) : null,
    zones,
  };
}

/** GET /charting/maps as {maps:[...], depth_limit}: maps in the kb's order (object or list). */
export function normaliseMaps(raw) {
  const src = raw && (raw.maps || raw.items || raw);
  const list = Array.isArray(src) ? src.map((m) => normaliseMap(m)) : Object.entries(src || {}).filter(([, m]) => m && typeof m === 'object' && (m.zones || m.width)).map(([k, m]) => normaliseMap(m, k));
  return { maps: list, depth_limit: raw && (raw.facial_depth_max_mm || raw.depth_limit || raw.facial_depth_limit) };
}

let mapsOnce = null;
/** The kb maps, loaded once per page load. */
export function loadMaps() {
  if (!mapsOnce) mapsOnce = get('/charting/maps').then(normaliseMaps, (e) => ((mapsOnce = null), Promise.reject(e)));
  return mapsOnce;
}

/** Is (x, y) inside the polygon (even-odd rule)? */
export function inside(poly, x, y) {
  let r = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) r = !r;
  }
  return r;
}

/** The zone of map m a point falls in (the last drawn, i.e. the topmost, first), or null. */
export function zoneAt(m, x, y) {
  for (let i = m.zones.length - 1; i >= 0; i--) if (m.zones[i].polygon.length > 2 && inside(m.zones[i].polygon, x, y)) return m.zones[i];
  return null;
}

/** The middle of a polygon's bounding box, where its label goes. */
export function centreOf(poly) {
  const xs = poly.map((p) => p[0]);
  const ys = poly.map((p) => p[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

/* --- the session routes (chart.h; CHARTING.md) --- */

export const sessionPath = (id, rest = '') => `/sessions/${encodeURIComponent(id)}${rest}`;

/** A session with its patient (GET /sessions/{id}, GET /patients/{id}). */
export async function loadSession(id) {
  const s = await get(sessionPath(id));
  const p = await get(`/patients/${s.patient_id}`).catch(() => null);
  return { ...s, patient: p };
}

/** The session's events as "Checked in 09:02 · who". */
export const eventLine = (ev, staffName) => `${stateLabel(ev.state)} ${instant(ev.at)}${ev.by ? ` · ${staffName(ev.by)}` : ''}`;

/** The checks of an error answer (409 naming prechecks / completion: err_detail "checks"). */
export const checksOf = (e) => items((e && (e.checks || (e.detail && e.detail.checks) || (e.report && e.report.checks))) || null);

/** A photo's image or thumbnail (photo.h; PHOTOS.md). */
export const photoPath = (id, which) => `/photos/${encodeURIComponent(id)}/${which === 'thumb' ? 'thumbnail' : 'image'}`;

/** Upload a photo of a session: the file's bytes as they are, phase and view in the query. */
export const uploadPhoto = (sessionId, { phase, view }, file) =>
  upload(`${sessionPath(sessionId, '/photos')}?phase=${encodeURIComponent(phase)}&view=${encodeURIComponent(view)}`, file, file.type);

/** Check in: {appointment_id} or {patient_id, course_id, course_session} -> the session. */
export const checkIn = (body) => post('/sessions', body);

/** The open session of a course session, if any (after a 409 on check-in). */
export async function openSessionOf(patientId, courseId, seq) {
  const r = await get(`/patients/${encodeURIComponent(patientId)}/sessions`);
  return items(r).find((s) => isOpen(s) && s.course_id === courseId && String(s.course_session) === String(seq)) || null;
}

let policyOnce = null;
/** The clinic's chart policy (before and after views, hours, review share); the defaults when it cannot be read. */
export function loadPolicy() {
  const dflt = { before_views: ['front', 'left', 'right'], after_views: [], completion_hours: 72, review_share_percent: 10 };
  if (!policyOnce) policyOnce = get('/clinic/chart-policy').then((p) => ({ ...dflt, ...p }), () => ((policyOnce = null), dflt));
  return policyOnce;
}

/** The session's gates evaluated now without writing (GET /sessions/{id}/prechecks): {ok, checks}. */
export const previewGates = (id) => get(sessionPath(id, '/prechecks'));

/** A review reason ({code, message} or a code) in words. */
export const reviewReason = (r) => {
  const code = typeof r === 'string' ? r : r && r.code;
  if (r && r.message) return r.message;
  return code === 'sample' ? 'the practitioner’s review sample' : code === 'warning_acknowledged' ? 'a warning was acknowledged' : String(code || '').replace(/_/g, ' ');
};

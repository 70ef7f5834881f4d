// The audit trail (auditor, admin): entries newest first with filters (patient, staff
// member, action, object type, date range in the clinic's time zone) and paging, and the
// result of verifying the chain (GET /audit/verify) with whatever fields it reports.
// The filters live in the URL, so a filtered view can be reloaded and shared.
import { useEffect, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { instant, calendarDate, timeZone } from '../format.js';
import { html, Link, navigate, useLoad, useId, PageTitle, Spinner, Alert, DateInput } from '../ui.js';
import { useSession } from '../session.js';
import './admin.css';

const PAGE = 50;
const ACTIONS = ['read', 'read_history', 'create', 'update', 'confirm', 'open', 'submit', 'login', 'login_failed', 'logout'];
const OBJECT_TYPES = ['patient', 'allergy', 'condition', 'medication', 'pregnancy_status', 'clearance', 'screening', 'questionnaire', 'clinic_rule', 'staff', 'clinic', 'session'];
const ACTION_LABELS = { read: 'Read', read_history: 'Read history', create: 'Created', update: 'Changed', confirm: 'Confirmed', open: 'Opened', submit: 'Submitted', login: 'Signed in', login_failed: 'Sign-in failed', logout: 'Signed out' };
const FILTERS = ['patient_id', 'actor_id', 'action', 'object_type', 'from', 'to'];
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

const humanise = (k) => k.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
const short = (id) => (id && id.length > 12 ? `${id.slice(0, 8)}…` : id || '');

/** Milliseconds that zone tz is ahead of UTC at instant t. */
function zoneOffset(tz, t) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(t));
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second) - t;
}

/** The UTC instant at which day `date` (YYYY-MM-DD, plus `addDays`) starts in zone tz. */
export function dayStartUtc(date, tz, addDays = 0) {
  const [y, m, d] = date.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d + addDays);
  let t = wall - zoneOffset(tz, wall);
  t = wall - zoneOffset(tz, t); // once more, for a day on which the offset changes
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function readParams(search) {
  const p = new URLSearchParams(search);
  const out = { page: Math.max(1, parseInt(p.get('page') || '1', 10) || 1) };
  for (const k of FILTERS) out[k] = p.get(k) || '';
  return out;
}

/** The verification: its ok/problem message, then every other field it carries. */
function Verification() {
  const v = useLoad(() => get('/audit/verify'), []);
  const [shown, setShown] = useState(false);
  let ok = null;
  let message = '';
  let fields = {};
  let problems = [];
  if (v.data) {
    const d = v.data;
    ok = d.intact !== false && d.ok !== false;
    message = d.message || (ok ? `The audit trail is intact${typeof d.entries === 'number' ? `: ${d.entries} entries checked` : ''}.` : 'The audit trail did not verify.');
    const said = ['intact', 'ok', 'message', 'problems', ...(d.message ? [] : ['entries'])];
    problems = Array.isArray(d.problems) ? d.problems : [];
    fields = Object.fromEntries(Object.entries(d).filter(([k]) => !said.includes(k)));
  } else if (v.error) {
    ok = false;
    message = v.error.status === 409 ? `Problem found: ${v.error.message}` : `Verification could not run: ${v.error.message}`;
    if (v.error.field) fields = { field: v.error.field };
  }
  const show = (x) => (x === null || x === undefined ? '—' : typeof x === 'object' ? JSON.stringify(x) : String(x));
  return html`<section class=${`card panel verify ${ok === null ? '' : ok ? 'verify-ok' : 'verify-bad'}`} aria-labelledby="verify-h" data-verify=${ok === null ? 'loading' : ok ? 'ok' : 'problem'}>
    <header class="panel-head">
      <h2 id="verify-h">Verification</h2>
      <button type="button" class="btn btn-small" disabled=${v.loading} onClick=${() => v.reload()}>Verify again</button>
    </header>
    ${ok === null ? html`<${Spinner} label="Verifying the chain…" />` : html`<p class="verify-msg" role=${ok ? 'status' : 'alert'}><span aria-hidden="true">${ok ? '✓ ' : '⚠ '}</span>${message}</p>`}
    ${problems.length > 0 &&
    html`<ul class="verify-problems">${problems.map((p) => html`<li>${p.message || JSON.stringify(p)}${p.source ? html` <span class="muted">(${p.source})</span>` : ''}</li>`)}</ul>`}
    ${Object.keys(fields).length > 0 &&
    html`<button type="button" class="btn-link" aria-expanded=${shown ? 'true' : 'false'} onClick=${() => setShown(!shown)}>${shown ? 'Hide details' : 'Show details'}</button>
      ${shown && html`<dl class="details verify-fields">${Object.entries(fields).map(([k, x]) => html`<dt>${humanise(k)}</dt><dd class="wrap-any">${show(x)}</dd>`)}</dl>`}`}
  </section>`;
}

/** Choose a patient by name; the chosen one is shown by name with a way to clear it. */
function PatientPicker({ value, onChange }) {
  const id = useId('aud-patient');
  const [q, setQ] = useState('');
  const [hits, setHits] = useState(null);
  const chosen = useLoad(() => (value ? get(`/patients/${value}`) : Promise.resolve(null)), [value]);
  useEffect(() => {
    if (q.trim().length < 2) {
      setHits(null);
      return undefined;
    }
    let live = true;
    const t = setTimeout(() => {
      get('/patients' + qs({ name: q.trim(), limit: 8 })).then((r) => live && setHits(r.items), () => live && setHits([]));
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [q]);
  if (value)
    return html`<div class="field"><span class="label-like">Patient</span>
      <div class="chosen"><span>${chosen.data ? `${chosen.data.family_name}, ${chosen.data.given_name}` : short(value)}</span>
        <button type="button" class="btn btn-small btn-ghost" aria-label="Any patient" onClick=${() => onChange('')}>× Any patient</button></div></div>`;
  return html`<div class="field picker">
    <label for=${id}>Patient</label>
    <input id=${id} type="search" placeholder="Any patient; type a name" autocomplete="off" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} />
    ${hits && html`<ul class="picker-hits" aria-label="Matching patients">
      ${hits.length === 0 && html`<li class="muted">No patient matches.</li>`}
      ${hits.map((p) => html`<li><button type="button" class="btn-link" onClick=${() => { setQ(''); onChange(p.id); }}>${p.family_name}, ${p.given_name} <span class="muted">${calendarDate(p.birth_date)}</span></button></li>`)}
    </ul>`}
  </div>`;
}

function Filters({ params, staff }) {
  const [f, setF] = useState(params);
  useEffect(() => setF(params), [JSON.stringify(params)]);
  const [error, setError] = useState(null);
  const ids = { actor: useId('aud-actor'), action: useId('aud-action'), type: useId('aud-type'), from: useId('aud-from'), to: useId('aud-to') };
  const set = (k) => (e) => setF((s) => ({ ...s, [k]: e.currentTarget.value }));
  const apply = (next) => {
    for (const k of ['from', 'to'])
      if (next[k] && !DATE_RE.test(next[k])) {
        setError(`${k === 'from' ? 'From' : 'To'}: write the date as YYYY-MM-DD.`);
        return;
      }
    if (next.from && next.to && next.from > next.to) {
      setError('The range ends before it starts.');
      return;
    }
    setError(null);
    const out = {};
    for (const k of FILTERS) out[k] = (next[k] || '').trim();
    navigate('/audit' + qs(out));
  };
  const staffOptions = [['', 'Anyone'], ...staff.map((s) => [s.id, `${s.display_name}${s.active ? '' : ' (deactivated)'}`]), ['system', 'System (command line)'], ['patient', 'Patient (questionnaire link)']];
  return html`<form class="card form audit-filters" role="search" aria-label="Filter the audit trail" onSubmit=${(e) => { e.preventDefault(); apply(f); }}>
    ${error && html`<div class="form-error" role="alert">${error}</div>`}
    <div class="filter-grid">
      <${PatientPicker} value=${f.patient_id} onChange=${(v) => apply({ ...f, patient_id: v })} />
      <div class="field"><label for=${ids.actor}>Staff member</label>
        <select id=${ids.actor} value=${f.actor_id} onChange=${set('actor_id')}>${staffOptions.map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></div>
      <div class="field"><label for=${ids.action}>Action</label>
        <input id=${ids.action} list="aud-actions" placeholder="Any action" autocomplete="off" value=${f.action} onInput=${set('action')} />
        <datalist id="aud-actions">${ACTIONS.map((a) => html`<option value=${a}>${ACTION_LABELS[a] || a}</option>`)}</datalist></div>
      <div class="field"><label for=${ids.type}>Object type</label>
        <input id=${ids.type} list="aud-types" placeholder="Any type" autocomplete="off" value=${f.object_type} onInput=${set('object_type')} />
        <datalist id="aud-types">${OBJECT_TYPES.map((t) => html`<option value=${t}>${humanise(t)}</option>`)}</datalist></div>
      <div class="field"><label for=${ids.from}>From</label>
        <${DateInput} id=${ids.from} autocomplete="off" value=${f.from} onInput=${set('from')} /></div>
      <div class="field"><label for=${ids.to}>To</label>
        <${DateInput} id=${ids.to} autocomplete="off" value=${f.to} onInput=${set('to')} /></div>
    </div>
    <p class="hint">Dates are whole days in the clinic's time zone (${timeZone()}), both included.</p>
    <div class="actions">
      <button type="submit" class="btn btn-primary">Show entries</button>
      <button type="button" class="btn btn-ghost" onClick=${() => navigate('/audit')}>Clear filters</button>
    </div>
  </form>`;
}

function EntryRow({ e, session }) {
  // Each cell holds one element, so below 760 px it lays out as "label | value".
  return html`<tr data-seq=${e.seq}>
    <td data-label="When"><span>${instant(e.at)}</span></td>
    <td data-label="Who"><span>${e.actor_id === 'patient' ? 'Patient (link)' : session.staffName(e.actor_id)} <span class="muted">${e.actor_role && e.actor_role !== 'none' ? e.actor_role : ''}</span></span></td>
    <td data-label="Action"><span>${ACTION_LABELS[e.action] || e.action}</span></td>
    <td data-label="Object"><span>${humanise(e.object_type)} <span class="muted mono" title=${e.object_id}>${e.object_id === '*' ? '(list)' : short(e.object_id)}</span></span></td>
    <td data-label="Patient"><span>${e.patient_id ? html`<${Link} href=${`/patients/${e.patient_id}`} class="mono" title=${e.patient_id}>${short(e.patient_id)}<//>` : html`<span class="muted">—</span>`}</span></td>
    <td data-label="Detail" class="wrap-any"><span>${e.detail || html`<span class="muted">—</span>`}</span></td>
    <td data-label="Entry" class="muted" title=${`request ${e.request_id}`}><span class="mono">#${e.seq}</span></td>
  </tr>`;
}

export function AuditScreen({ search }) {
  const session = useSession();
  const params = readParams(search);
  const staff = useLoad(() => get('/staff').catch(() => ({ items: [] })), []);
  const offset = (params.page - 1) * PAGE;
  const key = JSON.stringify(params);
  const list = useLoad(() => {
    const tz = timeZone();
    const q = { limit: PAGE, offset };
    for (const k of ['patient_id', 'actor_id', 'action', 'object_type']) q[k] = params[k];
    if (DATE_RE.test(params.from)) q.from = dayStartUtc(params.from, tz);
    if (DATE_RE.test(params.to)) q.to = dayStartUtc(params.to, tz, 1);
    return get('/audit' + qs(q));
  }, [key]);
  if (!session.can('audit_read'))
    return html`<section class="page"><${PageTitle}>Audit trail<//><p>The audit trail is for auditors and the clinic's admin.</p></section>`;
  const goPage = (n) => {
    const out = {};
    for (const k of FILTERS) out[k] = params[k];
    navigate('/audit' + qs({ ...out, page: n > 1 ? n : '' }));
  };
  const items = list.data ? list.data.items : [];
  const filtered = FILTERS.some((k) => params[k]);
  return html`<section class="page admin-page">
    <${PageTitle} title="Audit trail">Audit trail<//>
    <${Verification} />
    <${Filters} params=${params} staff=${staff.data ? staff.data.items : []} />
    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!list.data && list.loading && html`<${Spinner} label="Loading entries…" />`}
    ${list.data &&
    html`<div class="card card-flush">
        <table class="table audit-table" aria-busy=${list.loading ? 'true' : 'false'}>
          <caption class="sr-only">Audit entries, newest first</caption>
          <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Object</th><th scope="col">Patient</th><th scope="col">Detail</th><th scope="col">Entry</th></tr></thead>
          <tbody>${items.map((e) => html`<${EntryRow} key=${e.seq} e=${e} session=${session} />`)}</tbody>
        </table>
        ${items.length === 0 && html`<p class="empty">${filtered ? 'No entry matches these filters.' : 'No entries yet.'}</p>`}
      </div>
      <nav class="pager" aria-label="Pages">
        <span class="muted" role="status">${items.length ? `Entries ${offset + 1}–${offset + items.length}` : 'No entries'}</span>
        <button type="button" class="btn btn-ghost" disabled=${params.page <= 1} onClick=${() => goPage(params.page - 1)}>‹ Newer</button>
        <span>Page ${params.page}</span>
        <button type="button" class="btn btn-ghost" disabled=${!list.data.has_more} onClick=${() => goPage(params.page + 1)}>Older ›</button>
      </nav>`}
  </section>`;
}

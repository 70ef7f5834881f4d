// Complications (issue 11 items 2 and 8):
//   ComplicationsPanel: a patient's complications on the patient page, or a session's on
//     the session page, with "+ Record a complication" (clinical_write) opening the form
//     (complication-form.js); after recording, what the server raised is said (the
//     follow-up tasks, an escalation to the worklist);
//   ComplicationScreen (/complications/{id}): the current version (code, grade with its
//     CTCAE wording, onset, seriousness, red flags, the suspects with links, actions,
//     outcome, the derived resolution and follow-up dates), the follow-up tasks with Done
//     and Cancel (a reason), the escalations raised, the versions (history, newest first,
//     with what changed, who, when and why), and Amend (the form, a reason required).
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, instant, sentence } from '../format.js';
import { html, Link, useLoad, useId, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { ComplicationForm } from './complication-form.js';
import {
  SERIOUSNESS, actLabel, codeName, complicationPath, flagLabel, followupBadge, followupPath, gradeBadge, gradeText, items, loadCatalogue, outcomeLabel, patientComplications,
  personName, reasonLabel, seriousnessLine, statusBadge, triLabel, words, escalationsChanged,
} from './complication-common.js';
import './complication.css';

/** One line of a complication in a list: name, grade, onset, outcome, status. */
function Row({ c, cat }) {
  const [st, stCls] = statusBadge(c.status);
  return html`<li class="fact cx-row" data-complication=${c.id} data-code=${c.code}>
    <div class="fact-line">
      <div class="fact-main">
        <${Link} href=${`/complications/${c.id}`} class="fact-name">${codeName(cat, c.code)}<//>
        ${c.grade && html`<span class=${`badge ${gradeBadge(c.grade)}`} data-grade=${c.grade}>Grade ${c.grade}</span>`}
        ${c.status && c.status !== 'open' && html`<span class=${`badge ${stCls}`}>${st}</span>`}
        <div class="fact-sub small">Onset ${calendarDate(c.onset_on)} · ${outcomeLabel(c.outcome)}${items(c.red_flags).length ? html` · <span class="text-danger">${items(c.red_flags).length} red flag${items(c.red_flags).length > 1 ? 's' : ''}</span>` : ''}</div>
      </div>
    </div>
  </li>`;
}

/** What the server did with a new complication, in words: follow-ups, the worklist. */
function RecordedNote({ out, cat }) {
  const esc = items(out && out.escalations);
  const fu = items(out && out.followups);
  return html`<div class="notice-ok cx-recorded" role="status" data-recorded=${out.id}>
    Recorded: <${Link} href=${`/complications/${out.id}`}>${codeName(cat, out.code)}${out.grade ? `, grade ${out.grade}` : ''}<//>.
    ${fu.length > 0 && ` ${fu.length} follow-up task${fu.length > 1 ? 's' : ''} scheduled.`}
    ${esc.length > 0 && html` <strong data-escalated>On the escalation worklist: ${esc.map((e) => reasonLabel(e.reason).toLowerCase()).join(', ')}.</strong> <${Link} href="/escalations">Worklist ›<//>`}
  </div>`;
}

/** A patient's (or, with sessionId, a session's) complications, with the recording form. */
export function ComplicationsPanel({ patientId, sessionId }) {
  const session = useSession();
  const cat = useLoad(() => loadCatalogue().catch(() => null), []);
  const list = useLoad(() => get(patientComplications(patientId)), [patientId]);
  const [open, setOpen] = useState(false);
  const [done, setDone] = useState(null);
  const canWrite = session.can('clinical_write');
  // A session's: those that name it as a suspect.
  const rows = items(list.data)
    .filter((c) => c.status !== 'entered_in_error' && (!sessionId || items(c.suspects && c.suspects.sessions).includes(sessionId)))
    .sort((a, b) => String(b.onset_on || '').localeCompare(String(a.onset_on || '')));
  const hid = useId('cx-h');
  // A server without the complication routes: the panel is not shown.
  if (list.error && list.error.status === 404 && /no such endpoint/.test(list.error.message || '')) return null;
  return html`<section class="card panel" aria-labelledby=${hid} data-kind="complications" id="complications">
    <header class="panel-head"><h2 id=${hid}>Complications${rows.length > 0 && html` <span class="count">${rows.length}</span>`}</h2>
      ${canWrite && html`<button type="button" class="btn btn-small" onClick=${() => { setDone(null); setOpen(true); }}>+ Record a complication</button>`}</header>
    ${done && html`<${RecordedNote} out=${done} cat=${cat.data} />`}
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${list.loading && !list.data && html`<${Spinner} />`}
    ${list.data && rows.length === 0 && html`<p class="empty">No complication recorded${sessionId ? ' for this session' : ''}.</p>`}
    ${rows.length > 0 && html`<ul class="facts">${rows.map((c) => html`<${Row} key=${c.id} c=${c} cat=${cat.data} />`)}</ul>`}
    ${open && html`<${Dialog} title=${sessionId ? 'Record a complication of this session' : 'Record a complication'} wide onClose=${() => setOpen(false)}>
      <${ComplicationForm} patientId=${patientId} sessionId=${sessionId} onCancel=${() => setOpen(false)} onSaved=${(out) => { setOpen(false); setDone(out); list.reload(); if (items(out && out.escalations).length) escalationsChanged(); }} />
    <//>`}
  </section>`;
}

/** Follow-up tasks: due day, what, status; Done or Cancel (with a reason). */
function Followups({ list, canWrite, onChanged }) {
  const session = useSession();
  const [cancelling, setCancelling] = useState(null);
  const [note, setNote] = useState('');
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState('');
  const act = async (f, status, text) => {
    setBusy(f.id + status);
    setErr(null);
    try {
      await post(followupPath(f.id), { status, note: text || undefined, version: f.version });
      setCancelling(null);
      setNote('');
      onChanged();
    } catch (e) {
      setErr({ id: f.id, e });
    } finally {
      setBusy('');
    }
  };
  if (!list.length) return html`<p class="empty">No follow-up task.</p>`;
  return html`<ol class="plain cx-followups">
    ${list.map((f) => {
      const [w, cls] = followupBadge(f.overdue && (f.status === 'open' || f.status === 'pending') ? 'overdue' : f.status);
      const open = f.status === 'open' || f.status === 'pending' || !f.status;
      return html`<li key=${f.id} class="cx-followup" data-followup=${f.id} data-status=${f.status}>
        <div class="cx-followup-top"><span class="fact-name">${f.day != null ? `Review on day ${f.day}` : 'Review'}</span><span class=${`badge ${cls}`}>${w}</span></div>
        <p class="small">Due ${calendarDate(f.due_on)}${f.done_at ? ` · ${f.status === 'done' ? 'done' : 'cancelled'} ${instant(f.done_at)} by ${session.staffName(f.done_by)}` : ''}${f.note ? ` · ${f.note}` : ''}</p>
        ${open && canWrite && html`<div class="fact-actions">
          <button type="button" class="btn btn-small" disabled=${!!busy} onClick=${() => act(f, 'done')}>Done</button>
          <button type="button" class="btn btn-small btn-ghost-danger" disabled=${!!busy} onClick=${() => { setCancelling(f); setNote(''); }}>Cancel…</button>
        </div>`}
        ${err && err.id === f.id && html`<p class="field-error" role="alert">${sentence(err.e.message)}</p>`}
        ${cancelling && cancelling.id === f.id && html`<form class="cx-cancel" onSubmit=${(e) => { e.preventDefault(); act(f, 'cancelled', note.trim()); }}>
          <div class="field"><label for=${`fu-cancel-${f.id}`}>Why is it cancelled?</label><input id=${`fu-cancel-${f.id}`} name="note" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} /></div>
          <div class="actions"><button type="submit" class="btn btn-small btn-danger" disabled=${!!busy}>Cancel the task</button><button type="button" class="btn btn-small btn-ghost" onClick=${() => setCancelling(null)}>Back</button></div>
        </form>`}
      </li>`;
    })}
  </ol>`;
}

/** The fields a version changed, as the form names them. */
const FIELD_LABELS = { code: 'Complication', onset_on: 'Onset', description: 'Description', grade: 'Grade', seriousness: 'Seriousness', suspects: 'Suspects', actions: 'Actions', outcome: 'Outcome', outcome_on: 'Outcome date', red_flags: 'Red flags', status: 'Status', details: 'Details' };
function showField(k, x, cat, code) {
  if (k === 'outcome' && !x) return outcomeLabel(x);
  if (k === 'grade' && !x) return 'Not graded';
  if (x === null || x === undefined || x === '') return '—';
  if (k === 'code') return codeName(cat, x);
  if (k === 'outcome') return outcomeLabel(x);
  if (k === 'onset_on' || k === 'outcome_on') return calendarDate(x);
  if (k === 'seriousness') return seriousnessLine(x);
  if (k === 'red_flags') return items(x).map((f) => flagLabel(cat, f, code)).join(', ') || 'none';
  if (k === 'actions') return `${items(x).length} action${items(x).length === 1 ? '' : 's'}`;
  if (k === 'suspects') return ['sessions', 'lots', 'vials'].map((s) => `${items(x[s]).length} ${s}`).join(', ');
  if (typeof x === 'object') return JSON.stringify(x);
  return String(x);
}

function Versions({ id, version, cat }) {
  const session = useSession();
  const h = useLoad(() => get(complicationPath(id, '/history')), [id, version]);
  if (h.error) return html`<p class="small muted">${sentence(h.error.message)}</p>`;
  if (!h.data) return html`<${Spinner} label="Loading the versions…" />`;
  const vs = items(h.data).slice().sort((a, b) => (a.version || 0) - (b.version || 0));
  const rows = vs.map((v, i) => ({ v, prev: vs[i - 1] })).reverse();
  return html`<ol class="history" aria-label="Versions" data-versions=${vs.length}>
    ${rows.map(({ v, prev }) => {
      const diff = prev ? Object.keys(FIELD_LABELS).filter((k) => JSON.stringify(prev[k] ?? null) !== JSON.stringify(v[k] ?? null)) : [];
      return html`<li class="history-item" key=${v.version} data-version=${v.version}>
        <div class="history-meta"><span class="version">v${v.version}</span><time datetime=${v.recorded_at}>${instant(v.recorded_at)}</time><span class="who">${session.staffName(v.recorded_by)}</span></div>
        ${v.reason && v.reason !== 'recorded' && html`<div class="history-why"><span class="muted">${v.version === 1 ? 'Note:' : 'Reason:'}</span> ${v.reason}</div>`}
        ${diff.length > 0 && html`<ul class="history-diff">${diff.map((k) => html`<li key=${k}><span class="diff-field">${FIELD_LABELS[k]}</span><del>${showField(k, prev[k], cat, prev.code)}</del> → <ins>${showField(k, v[k], cat, v.code)}</ins></li>`)}</ul>`}
      </li>`;
    })}
  </ol>`;
}

/** Names for the suspects' ids: each lot's number, vial's lot, product's name, session's day (one read each). */
async function suspectNames(x) {
  const one = (path, f) => get(path).then(f, () => null);
  const jobs = [
    ...items(x.lots).map((id) => one(`/lots/${id}`, (l) => [id, `Lot ${l.lot_number}`])),
    ...items(x.vials).map((id) => one(`/vials/${id}`, (v) => [id, `Vial ${String(v.id).slice(0, 8)}${v.lot_number ? ` (lot ${v.lot_number})` : ''}`])),
    ...items(x.products).map((id) => one(`/products/${id}`, (p) => [id, p.name])),
    ...items(x.sessions).map((id) => one(`/sessions/${id}`, (s) => [id, `Session of ${calendarDate(s.day)}`])),
  ];
  return new Map((await Promise.all(jobs)).filter(Boolean));
}

/** The suspects: sessions, lots, vials and products as links by name, ingredients in words, the doses counted. */
function SuspectList({ s }) {
  const x = s || {};
  const names = useLoad(() => suspectNames(x), [JSON.stringify(x)]);
  const name = (id, fallback) => (names.data && names.data.get(id)) || `${fallback} ${String(id).slice(0, 8)}`;
  const kinds = [
    ['sessions', 'Sessions', (id) => html`<${Link} href=${`/sessions/${id}`}>${name(id, 'Session')}<//>`],
    ['lots', 'Lots', (id) => html`<${Link} href=${`/stock/lots/${id}`}>${name(id, 'Lot')}<//>`],
    ['vials', 'Vials', (id) => html`<${Link} href=${`/stock/vials/${id}`}>${name(id, 'Vial')}<//>`],
    ['products', 'Products', (id) => html`<${Link} href=${`/stock/products/${id}`}>${name(id, 'Product')}<//>`],
    ['ingredients', 'Ingredients', (id) => words(id)],
  ];
  const doses = items(x.administrations).length;
  if (!kinds.some(([k]) => items(x[k]).length) && !doses) return html`<p class="small muted" data-suspects="none">No suspect named.</p>`;
  return html`<dl class="details cx-suspect-list" data-suspects>
    ${kinds.filter(([k]) => items(x[k]).length).map(([k, l, show]) => html`<dt>${l}</dt><dd data-suspect-kind=${k}>${items(x[k]).map((id, i) => html`${i ? ', ' : ''}<span data-ref=${id}>${show(id)}</span>`)}</dd>`)}
    ${doses > 0 && html`<dt>Doses</dt><dd data-suspect-kind="administrations">${doses} administration${doses === 1 ? '' : 's'} from these</dd>`}
  </dl>`;
}

export function ComplicationScreen({ id }) {
  const session = useSession();
  const cat = useLoad(() => loadCatalogue().catch(() => null), []);
  const data = useLoad(() => get(complicationPath(id)), [id]);
  const c0 = data.data;
  const patient = useLoad(() => (c0 ? get(`/patients/${c0.patient_id}`).catch(() => null) : Promise.resolve(null)), [c0 && c0.patient_id]);
  const [amending, setAmending] = useState(false);
  const [saved, setSaved] = useState(false);
  if (data.error) return html`<section class="page"><${PageTitle}>Complication<//><${Alert}>${sentence(data.error.message)}<//></section>`;
  if (!c0 || cat.loading) return html`<section class="page"><${Spinner} /></section>`;
  const c = c0;
  const C = cat.data;
  const p = patient.data;
  const title = `${codeName(C, c.code)}${c.grade ? `, grade ${c.grade}` : ''}`;
  const [st, stCls] = statusBadge(c.status);
  const followups = items(c.followups);
  const escalations = items(c.escalations);
  const canWrite = session.can('clinical_write');
  const serious = c.seriousness || {};
  return html`<section class="page cx-page" data-complication=${c.id} data-version=${c.version}>
    <p class="crumbs"><${Link} href=${`/patients/${c.patient_id}`}>${p ? personName(p) : 'Patient'}<//> › Complication</p>
    <div class="page-head">
      <${PageTitle} title=${title}>${codeName(C, c.code)} ${c.grade && html`<span class=${`badge badge-lg ${gradeBadge(c.grade)}`} data-grade=${c.grade}>Grade ${c.grade}</span>`} <span class=${`badge badge-lg ${stCls}`}>${st}</span><//>
      ${canWrite && c.status !== 'entered_in_error' && html`<button type="button" class="btn" aria-expanded=${amending} onClick=${() => { setSaved(false); setAmending(!amending); }}>${amending ? 'Stop amending' : 'Amend…'}</button>`}
    </div>
    <p class="record-meta">v${c.version} · ${session.staffName(c.recorded_by)} · ${instant(c.recorded_at)}${c.source === 'checkin' ? ' · from a patient check-in' : ''}</p>
    ${saved && html`<div class="notice-ok" role="status" data-amended>Amended: version ${c.version} is the current one; the earlier ones are kept below.</div>`}
    ${amending && html`<section class="card panel" data-kind="complication-amend" aria-label="Amend the complication">
      <header class="panel-head"><h2>Amend</h2></header>
      <p class="hint">An amendment is a new version: nothing is overwritten, and the reason is kept with it.</p>
      <${ComplicationForm} key=${c.version} patientId=${c.patient_id} current=${c} onCancel=${() => setAmending(false)} onSaved=${(out) => { setAmending(false); setSaved(true); data.reload(); if (items(out && out.escalations).length) escalationsChanged(); }} />
    </section>`}
    <div class="cx-grid">
      <div class="cx-main">
        <section class="card panel" data-kind="complication" aria-labelledby="cx-event-h">
          <header class="panel-head"><h2 id="cx-event-h">The event</h2></header>
          <dl class="details cx-details">
            <dt>Onset</dt><dd data-onset>${calendarDate(c.onset_on)}</dd>
            <dt>Grade</dt><dd data-grade-text>${c.grade ? html`<strong>Grade ${c.grade}</strong>${gradeText(C, c.grade) ? `: ${gradeText(C, c.grade)}` : ''}` : 'Not graded'}</dd>
            <dt>Red flags</dt><dd data-red-flags>${items(c.red_flags).length ? html`<span class="text-danger">${items(c.red_flags).map((f) => flagLabel(C, f, c.code)).join(', ')}</span>` : 'None recorded'}</dd>
            <dt>Outcome</dt><dd data-outcome>${outcomeLabel(c.outcome)}${c.outcome_on ? `, ${calendarDate(c.outcome_on)}` : ''}</dd>
            ${c.resolution_due && html`<dt>Expected resolution</dt><dd>by ${calendarDate(c.resolution_due)}</dd>`}
            ${c.followup_until && html`<dt>Follow-up until</dt><dd>${calendarDate(c.followup_until)}</dd>`}
            ${c.description && html`<dt>Description</dt><dd class="prewrap">${c.description}</dd>`}
          </dl>
          <h3 class="sub-h">Seriousness</h3>
          <p class="small" data-seriousness-line>${seriousnessLine(serious)}</p>
          <ul class="plain cx-serious-list">${SERIOUSNESS.map(([k, l]) => html`<li key=${k} class="small" data-criterion=${k}><span class="muted">${l}:</span> <span class=${serious[k] === true ? 'text-danger' : serious[k] == null ? 'cx-na' : ''}>${triLabel(serious[k])}</span></li>`)}</ul>
          <h3 class="sub-h">Actions taken</h3>
          ${items(c.actions).length ? html`<ul class="plain">${items(c.actions).map((a, i) => html`<li key=${i} class="small">${a.action}${a.note ? ` (${a.note})` : ''}${a.at ? html` <span class="muted">· ${session.staffName(a.by)} · ${instant(a.at)}</span>` : ''}</li>`)}</ul>` : html`<p class="small muted">None recorded.</p>`}
          <h3 class="sub-h">Suspects</h3>
          <${SuspectList} s=${c.suspects} />
        </section>
      </div>
      <div class="cx-side">
        <section class="card panel" data-kind="followups" aria-labelledby="cx-fu-h">
          <header class="panel-head"><h2 id="cx-fu-h">Follow-up${followups.length > 0 && html` <span class="count">${followups.length}</span>`}</h2></header>
          <${Followups} list=${followups} canWrite=${session.can('chart_write') || canWrite} onChanged=${() => data.reload()} />
        </section>
        ${escalations.length > 0 && html`<section class="card panel" data-kind="complication-escalations" aria-labelledby="cx-esc-h">
          <header class="panel-head"><h2 id="cx-esc-h">Escalations</h2></header>
          <ul class="plain">${escalations.map((e, i) => html`<li key=${e.id || i} class="small">${reasonLabel(e.reason)} · ${instant(e.raised_at)}${e.status === 'acted' && e.action ? ` · ${actLabel(e.action.what)} by ${session.staffName(e.action.by)}` : e.status === 'open' || !e.status ? ' · open' : ''}</li>`)}</ul>
          <p class="small"><${Link} href="/escalations">The worklist ›<//></p>
        </section>`}
        <section class="card panel" data-kind="complication-versions" aria-labelledby="cx-v-h">
          <header class="panel-head"><h2 id="cx-v-h">Versions</h2></header>
          <${Versions} id=${c.id} version=${c.version} cat=${C} />
        </section>
      </div>
    </div>
  </section>`;
}

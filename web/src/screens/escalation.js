// The escalation worklist (/escalations; issue 11 items 3, 4 and 8): every entry that
// needs a practitioner (grade 3 or more, a red flag, a complication not resolved past its
// expected window, an overdue follow-up, a red-flag check-in), most urgent first as the
// server orders them: the patient (a link, the phone as a tel: link), why, the grade, the
// red flags, since when; "Act…" asks what was done (called, saw, referred, emergency
// referral, no action needed, other) and a note, and the entry leaves the list. Beside it,
// the overdue check-ins (no answer by their due day), each with its session and, for
// chart_write, a new link to send. EscalationNavLink: the top bar's link with the count.
import { useEffect, useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, instant, sentence } from '../format.js';
import { html, Link, useLoad, useId, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { ACTS, ESCALATIONS_CHANGED as CHANGED, escalationsChanged, actLabel, codeName, flagLabel, gradeBadge, items, loadCatalogue, personName, reasonLabel, upper, words } from './complication-common.js';
import { CHECKIN_ROUTES, dayLabel, linkUrl } from './checkin-common.js';
import './complication.css';

export const ESCALATIONS = '/escalations';
// By id once it is a record, else by its key ("<source>:<source_id>:<reason>", the colons kept).
export const escalationActPath = (e) => `/escalations/${encodeURIComponent(e.id || e.key).replace(/%3A/gi, ':')}/act`;

/** How long ago, in days or hours: "since 3 days", "since 5 hours". */
function since(at) {
  const t = new Date(at).getTime();
  if (!at || Number.isNaN(t)) return '';
  const h = Math.max(0, Math.floor((Date.now() - t) / 3600000));
  if (h < 1) return 'less than an hour';
  if (h < 48) return `${h} hour${h === 1 ? '' : 's'}`;
  return `${Math.floor(h / 24)} days`;
}

/** Where the entry comes from, as a link: the complication, the check-in's patient, the follow-up's complication. */
function sourceLink(e) {
  const d = e.detail || {};
  if (e.source === 'complication') return [`/complications/${e.source_id}`, 'The complication'];
  if (e.source === 'followup' && d.complication_id) return [`/complications/${d.complication_id}`, 'The complication'];
  if (e.source === 'checkin' && d.session_id) return [`/sessions/${d.session_id}`, 'The session'];
  return e.patient && e.patient.id ? [`/patients/${e.patient.id}`, 'The patient'] : null;
}

function ActForm({ e, onDone, onCancel }) {
  const uid = useId('act');
  const [what, setWhat] = useState('');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const submit = async (ev) => {
    ev.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const out = await post(escalationActPath(e), { what: what || null, note: note.trim() });
      onDone(out, what);
    } catch (err) {
      const next = {};
      for (const fe of err.errors || []) if (fe.field === 'what' || fe.field === 'note') next[fe.field] = next[fe.field] || fe.message;
      if (!Object.keys(next).length) next._form = sentence(err.message);
      setErrors(next);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="esc-act" onSubmit=${submit} novalidate aria-label="Act on the entry">
    ${errors._form && html`<div class="form-error" role="alert">${errors._form}</div>`}
    <fieldset class=${'cx-group' + (errors.what ? ' has-error' : '')} data-group="what">
      <legend>What was done<span class="req" aria-hidden="true"> *</span></legend>
      <div class="esc-whats">${ACTS.map(([c, l]) => html`<label class=${'esc-what' + (what === c ? ' on' : '')} key=${c}><input type="radio" name=${`${uid}-what`} value=${c} checked=${what === c} onChange=${() => { setWhat(c); setErrors({}); }} /> ${l}</label>`)}</div>
      ${errors.what && html`<p class="field-error" role="alert">${sentence(errors.what)}</p>`}
    </fieldset>
    <div class=${'field' + (errors.note ? ' has-error' : '')}>
      <label for=${`${uid}-note`}>Note</label>
      <textarea id=${`${uid}-note`} name="note" rows="2" maxlength="2000" value=${note} onInput=${(x) => setNote(x.currentTarget.value)}></textarea>
      ${errors.note && html`<p class="field-error" role="alert">${sentence(errors.note)}</p>`}
    </div>
    <div class="actions">
      <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Saving…' : 'Record the action'}</button>
      <button type="button" class="btn btn-ghost" onClick=${onCancel}>Back</button>
    </div>
  </form>`;
}

function Entry({ e, cat, canAct, acting, setActing, onActed }) {
  const d = e.detail || {};
  const flags = items(d.red_flags || e.red_flags);
  const grade = e.grade ?? d.grade;
  const code = e.code || d.code;
  const src = sourceLink(e);
  const p = e.patient || {};
  return html`<li class=${`esc-entry esc-${e.reason}`} data-key=${e.key} data-reason=${e.reason} data-source=${e.source_id}>
    <div class="esc-top">
      ${p.id ? html`<${Link} href=${`/patients/${p.id}`} class="fact-name">${personName(p)}<//>` : html`<span class="fact-name">${personName(p)}</span>`}
      <span class="badge badge-danger esc-reason">${reasonLabel(e.reason)}</span>
      ${grade && html`<span class=${`badge ${gradeBadge(grade)}`} data-grade=${grade}>Grade ${grade}</span>`}
    </div>
    <p class="esc-what-line">${code ? codeName(cat, code) : e.source === 'checkin' ? (d.day_offset != null ? `${dayLabel(d.day_offset)} check-in` : 'Check-in') : upper(words(e.source))}${d.message ? ` · ${sentence(d.message)}` : ''}</p>
    ${flags.length > 0 && html`<p class="esc-flags" data-flags>Red flags: <span class="text-danger">${flags.map((f) => flagLabel(cat, typeof f === 'string' ? f : f.code, code)).join(', ')}</span></p>`}
    <p class="small muted esc-since">Since ${instant(e.raised_at)} (${since(e.raised_at)})${d.due_on ? ` · due ${calendarDate(d.due_on)}` : ''}${p.phone ? html` · <a href=${`tel:${p.phone.replace(/[^\d+]/g, '')}`}>${p.phone}</a>` : ' · no phone on file'}</p>
    <div class="fact-actions esc-buttons">
      ${src && html`<${Link} href=${src[0]} class="btn btn-small">${src[1]} ›<//>`}
      ${canAct && acting !== e.key && html`<button type="button" class="btn btn-small btn-primary" onClick=${() => setActing(e.key)}>Act…</button>`}
    </div>
    ${acting === e.key && html`<${ActForm} e=${e} onCancel=${() => setActing(null)} onDone=${(out, what) => onActed(e, out, what)} />`}
  </li>`;
}

/** The overdue check-ins: patient, session, due day; a new link for chart_write. */
function OverdueCheckins() {
  const session = useSession();
  const list = useLoad(() => get(CHECKIN_ROUTES.overdue), []);
  const [links, setLinks] = useState({});
  const [err, setErr] = useState({});
  const reissue = async (c) => {
    setErr((x) => ({ ...x, [c.id]: null }));
    try {
      const out = await post(CHECKIN_ROUTES.reissue(c.id), {});
      setLinks((x) => ({ ...x, [c.id]: out }));
    } catch (e) {
      setErr((x) => ({ ...x, [c.id]: e }));
    }
  };
  const rows = items(list.data);
  return html`<section class="card panel" data-kind="overdue-checkins" aria-labelledby="oc-h">
    <header class="panel-head"><h2 id="oc-h">Overdue check-ins${rows.length > 0 && html` <span class="count">${rows.length}</span>`}</h2></header>
    <p class="hint">Patients who have not answered their check-in by its due day.</p>
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${list.loading && !list.data && html`<${Spinner} />`}
    ${list.data && !rows.length && html`<p class="empty">No check-in is overdue.</p>`}
    <ul class="plain oc-list">
      ${rows.map((r) => {
        const c = r.checkin || r;
        const p = r.patient || {};
        const l = links[c.id];
        return html`<li key=${c.id} class="oc-row" data-checkin=${c.id}>
          <div class="esc-top">${p.id ? html`<${Link} href=${`/patients/${p.id}`} class="fact-name">${personName(p)}<//>` : html`<span class="fact-name">Patient</span>`}<span class="badge badge-warn">${dayLabel(c.day_offset)}</span></div>
          <p class="small">Due ${calendarDate(c.due_on)}${c.session_id ? html` · <${Link} href=${`/sessions/${c.session_id}`}>the session<//>` : ''}${p.phone ? html` · <a href=${`tel:${p.phone.replace(/[^\d+]/g, '')}`}>${p.phone}</a>` : ''}</p>
          ${session.can('chart_write') && !l && html`<button type="button" class="btn btn-small" onClick=${() => reissue(c)}>New link…</button>`}
          ${l && html`<div class="oc-link"><p class="small">A new link (the old one no longer works), valid until ${instant(l.expires_at)}. It is shown only now:</p><textarea class="link-box" readonly rows="2" aria-label="Check-in link">${linkUrl(l)}</textarea></div>`}
          ${err[c.id] && html`<p class="field-error" role="alert">${sentence(err[c.id].message)}</p>`}
        </li>`;
      })}
    </ul>
  </section>`;
}

export function EscalationsScreen() {
  const session = useSession();
  const cat = useLoad(() => loadCatalogue().catch(() => null), []);
  const list = useLoad(() => get(ESCALATIONS), []);
  const [acting, setActing] = useState(null);
  const [done, setDone] = useState(null);
  const rows = items(list.data);
  const onActed = (e, out, what) => {
    setActing(null);
    setDone({ name: personName(e.patient), what: actLabel(what), reason: reasonLabel(e.reason) });
    list.reload();
    escalationsChanged();
  };
  return html`<section class="page esc-page">
    <div class="page-head"><${PageTitle} title="Escalations">Escalations${list.data && html` <span class="count" data-count>${list.data.count ?? rows.length}</span>`}<//></div>
    <p class="hint">Each entry stays here until a practitioner acts on it. Times in clinic time.</p>
    ${done && html`<div class="notice-ok" role="status" data-acted>${done.what}: ${done.name} (${done.reason.toLowerCase()}) has left the worklist.</div>`}
    <div class="esc-grid">
      <section class="card panel" data-kind="escalations" aria-labelledby="esc-h">
        <header class="panel-head"><h2 id="esc-h">Worklist</h2></header>
        ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
        ${list.loading && !list.data && html`<${Spinner} />`}
        ${list.data && !rows.length && html`<p class="empty" data-empty>Nothing to act on.</p>`}
        <ol class="plain esc-list">${rows.map((e) => html`<${Entry} key=${e.key} e=${e} cat=${cat.data} canAct=${session.can('chart_write')} acting=${acting} setActing=${setActing} onActed=${onActed} />`)}</ol>
      </section>
      <${OverdueCheckins} />
    </div>
  </section>`;
}

/** The top bar's link to the worklist with its count, refreshed when the list changes and every two minutes. */
export function EscalationNavLink({ current }) {
  const [n, setN] = useState(null);
  useEffect(() => {
    let live = true;
    const load = () => get(ESCALATIONS).then((r) => live && setN(r.count ?? items(r).length), () => {});
    load();
    addEventListener(CHANGED, load);
    const t = setInterval(load, 120000);
    return () => {
      live = false;
      removeEventListener(CHANGED, load);
      clearInterval(t);
    };
  }, []);
  return html`<${Link} href="/escalations" aria-current=${current ? 'page' : undefined} class="esc-nav">Escalations${n > 0 && html` <span class="nav-badge" data-escalation-count=${n} aria-label=${`${n} to act on`}>${n}</span>`}<//>`;
}

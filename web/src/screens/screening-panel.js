// The screening panel: plan (date, areas, ingredients) -> decision with its findings,
// sources and triggering facts; clearances for clearance_required findings; and the
// patient's previous screenings.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, post, fieldMessage } from '../api.js';
import { calendarDate, instant, todayInClinic } from '../format.js';
import { html, useForm, useLoad, Field, FormError, Dialog, Spinner, Alert, useId } from '../ui.js';
import { useSession } from '../session.js';
import { DECISIONS, CLASSES, MISSING_WHERE, decisionHead, factText, ruleName, sourceInfo, withDates } from '../screening.js';
import { useKb } from '../vocab.js';

/** The rule behind a finding and its sources (titles, links): details for who wants them. */
export function RuleDetails({ rule, sources, kb }) {
  const list = (sources || []).map((k) => sourceInfo(k, kb));
  return html`<details class="rule-details">
    <summary>Sources${list.length ? ` (${list.length})` : ''} and rule</summary>
    ${list.length > 0 &&
    html`<ul class="sources" aria-label="Sources">
      ${list.map(
        (x) => html`<li class="src" title=${x.key}>${x.url ? html`<a href=${x.url} target="_blank" rel="noopener noreferrer">${x.title}</a>` : x.title}${x.ref && !x.url ? html` <span class="muted small">(${x.ref})</span>` : ''}</li>`,
      )}
    </ul>`}
    <p class="muted small">Rule <code class="rule-id">${rule}</code></p>
  </details>`;
}

function Finding({ f, V, kb, clearances, onClear }) {
  const session = useSession();
  const c = CLASSES[f.class] || { label: f.class, tone: 'muted' };
  const cleared = f.cleared;
  const cl = cleared && clearances && clearances.find((x) => x.id === cleared.id);
  const fact = factText(f.fact, V);
  return html`<li class=${`finding tone-${cleared ? 'cleared' : c.tone}`} data-rule=${f.rule}>
    <div class="finding-top">
      <span class=${`badge badge-${c.tone}`}>${c.label}</span>
      ${cleared && html`<span class="badge badge-ok">✓ Cleared</span>`}
      ${f.origin === 'clinic' && html`<span class="badge">Clinic rule</span>`}
      <strong class="finding-title">${ruleName(f.rule, kb)}</strong>
      ${f.earliest_date && html`<span class="finding-date">Earliest <strong>${calendarDate(f.earliest_date)}</strong></span>`}
    </div>
    <p class="finding-msg">${withDates(f.message)}</p>
    ${fact && html`<p class="finding-fact"><span class="muted">Based on:</span> ${fact}</p>`}
    ${f.raised_by && html`<p class="muted small">Made stricter by the clinic’s rule ${ruleName(f.raised_by, kb)}</p>`}
    <${RuleDetails} rule=${f.rule} sources=${f.sources} kb=${kb} />
    ${cleared &&
    html`<p class="cleared-note">
      Cleared${cl ? html` by <strong>${cl.physician}</strong>` : ''}, valid until <strong>${calendarDate(cleared.valid_until)}</strong>
      ${cleared.reason && html`<span class="muted"> · ${cleared.reason}</span>`}
    </p>`}
    ${!cleared && f.class === 'clearance_required' && onClear &&
    html`<div class="finding-action"><button type="button" class="btn btn-small btn-clear" onClick=${() => onClear(f)}>Record clearance…</button></div>`}
  </li>`;
}

/** Facts screening needs that nobody recorded: the questions to ask before treating. */
function Missing({ missing, kb }) {
  if (!missing || !missing.length) return null;
  return html`<h3 class="sub-h">To ask before treating <span class="count">${missing.length}</span></h3>
    <ul class="findings missing" aria-label="Missing answers">
      ${missing.map(
        (m, i) => html`<li key=${m.rule + i} class="finding tone-danger" data-fact=${m.fact}>
          <div class="finding-top">
            <span class="badge badge-danger">${m.answer === 'not_sure' ? 'Answered “not sure”' : 'Not recorded'}</span>
            <strong class="finding-title">${ruleName(m.rule, kb)}</strong>
          </div>
          <p class="finding-msg">${m.question}</p>
          ${MISSING_WHERE[m.fact] && html`<p class="finding-fact muted">${MISSING_WHERE[m.fact]}</p>`}
          <${RuleDetails} rule=${m.rule} sources=${m.sources} kb=${kb} />
        </li>`,
      )}
    </ul>`;
}

/** A plan's areas and ingredients by name. */
const planNames = (plan, V) => ({
  areas: (plan.areas || []).map((c) => V.label('area', c)),
  ingredients: (plan.ingredients || []).map((c) => V.label('ingredient', c)),
});

/** One screening's result: the decision first, then findings, then cautions. */
export function ScreeningResult({ s, V, kb, clearances, onClear, compact }) {
  const session = useSession();
  const r = s.result || {};
  const d = decisionHead(r.decision || s.decision, r);
  const findings = r.findings || [];
  const cautions = r.cautions || [];
  const used = r.kb || s.kb || {};
  const plan = s.plan || {};
  const named = planNames(plan, V);
  const planText = [named.areas.join(', '), named.ingredients.join(', ')].filter(Boolean).join(' · ');
  return html`<div class="screening-result" data-decision=${r.decision || s.decision}>
    <div class=${`decision tone-${d.tone}`} role="status">
      <div class="decision-main">
        <span class="decision-label">${d.label}</span>
        ${r.earliest_date && (r.decision || s.decision) === 'deferred' && html`<span class="decision-date">Earliest date <strong>${calendarDate(r.earliest_date)}</strong></span>`}
      </div>
      <p class="decision-note">${(r.decision || s.decision) === 'eligible' && findings.some((f) => f.cleared)
        ? 'Eligible on the strength of the clearance below; check it is still valid on the day.'
        : d.note}</p>
      <p class="decision-meta">
        Planned for ${calendarDate(r.date || s.date)}${planText ? ` · ${planText}` : ''}
        ${!compact && html`<br />Screened by ${session.staffName(s.screened_by)} · ${instant(s.screened_at)}`}
        <br /><span title=${used.hash}>Knowledge base ${used.version} · ${String(used.hash || '').slice(0, 8)}</span>
      </p>
    </div>
    <${Missing} missing=${r.missing} kb=${kb} />
    ${findings.length > 0
      ? html`<h3 class="sub-h">Findings <span class="count">${findings.length}</span></h3>
          <ul class="findings">${findings.map((f, i) => html`<${Finding} key=${f.rule + i} f=${f} V=${V} kb=${kb} clearances=${clearances} onClear=${onClear} />`)}</ul>`
      : html`<p class="empty">No blocking findings.</p>`}
    ${cautions.length > 0 &&
    html`<h3 class="sub-h">Cautions <span class="count">${cautions.length}</span> <span class="muted small">— do not block treatment; act on them</span></h3>
      <ul class="findings cautions">${cautions.map((f, i) => html`<${Finding} key=${f.rule + i} f=${f} V=${V} kb=${kb} clearances=${clearances} />`)}</ul>`}
  </div>`;
}

function ClearanceDialog({ patientId, finding, V, kb, onClose, onSaved }) {
  const form = useForm({ clearance_reason: '', physician: '', valid_until: '' }, ['clearance_reason', 'physician', 'valid_until', 'rule']);
  const onSubmit = form.submit(async (v) => {
    const body = { rule: finding.rule, clearance_reason: v.clearance_reason.trim(), physician: v.physician.trim(), valid_until: v.valid_until.trim() };
    for (const [k, msg] of [['clearance_reason', 'Say what the clearance is, e.g. the prescriber’s letter.'], ['physician', 'Name the clearing physician.'], ['valid_until', 'Give the date the clearance is valid until.']])
      if (!body[k]) throw Object.assign(new Error(msg), { field: k });
    const c = await post(`/patients/${patientId}/clearances`, body);
    onSaved(c);
  });
  return html`<${Dialog} title="Record clearance" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
      <div class="clear-context">
        <p><strong>${ruleName(finding.rule, kb)}</strong></p>
        <p>${withDates(finding.message)}</p>
        ${finding.fact && html`<p class="muted small">Based on: ${factText(finding.fact, V)}</p>`}
      </div>
      <${FormError} form=${form} />
      <${Field} form=${form} name="clearance_reason" label="Clearance" required placeholder="e.g. letter from the prescribing GP, 12 Nov" />
      <${Field} form=${form} name="physician" label="Clearing physician" required placeholder="e.g. Dr Jane Doe, GP" />
      <${Field} form=${form} name="valid_until" type="date" label="Valid until" required />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : 'Record clearance'}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

export function ChipGroup({ legend, name, options, selected, onToggle, error }) {
  const id = useId(`chips-${name}`);
  return html`<fieldset class=${'chip-group' + (error ? ' has-error' : '')} aria-describedby=${error ? `${id}-err` : undefined} data-group=${name}>
    <legend>${legend}</legend>
    <div class="chip-options">
      ${options.map(
        (o) => html`<button type="button" class="chip-toggle" aria-pressed=${selected.includes(o.code) ? 'true' : 'false'} data-code=${o.code} onClick=${() => onToggle(o.code)}>${selected.includes(o.code) && html`<span aria-hidden="true">✓ </span>`}${o.label}</button>`,
      )}
    </div>
    ${error && html`<p class="field-error" id=${`${id}-err`} role="alert"><span aria-hidden="true">⚠ </span>${error}</p>`}
  </fieldset>`;
}

/**
 * A plan list kept compact: one line saying what is chosen; the choices open on demand
 * (and when the server refuses the list), so the plan does not push the facts down.
 */
function PlanPicker({ legend, name, options, selected, onToggle, error }) {
  const [open, setOpen] = useState(false);
  const chosen = options.filter((o) => selected.includes(o.code)).map((o) => o.label);
  const isOpen = open || !!error;
  return html`<details class=${'plan-pick' + (error ? ' has-error' : '')} data-pick=${name} open=${isOpen}
      onToggle=${(e) => setOpen(e.currentTarget.open)}>
    <summary>
      <span class="plan-pick-legend">${legend}:</span>
      <span class="plan-pick-chosen">${chosen.length ? chosen.join(', ') : html`<span class="muted">none chosen</span>`}</span>
      <span class="btn-link plan-pick-toggle">${isOpen ? 'Done' : chosen.length ? 'Change…' : 'Choose…'}</span>
    </summary>
    <${ChipGroup} legend=${legend} name=${name} options=${options} selected=${selected} onToggle=${onToggle} error=${error} />
  </details>`;
}

/**
 * Newest first. screened_at has one-second resolution and the server breaks ties by id,
 * so screenings run from this page within the same second are ordered by when they ran.
 */
function newestFirst(items, ranOrder) {
  const rank = (s) => ranOrder.indexOf(s.id);
  return [...items].sort((a, b) => (a.screened_at < b.screened_at ? 1 : a.screened_at > b.screened_at ? -1 : rank(b) - rank(a)));
}

function PreviousScreenings({ list, V, kb, clearances, ranOrder }) {
  const session = useSession();
  const [open, setOpen] = useState(null);
  const [all, setAll] = useState(false);
  if (list.error) return html`<${Alert}>${list.error.message}<//>`;
  if (!list.data) return html`<${Spinner} label="Loading screenings…" />`;
  const items = newestFirst(list.data.items || [], ranOrder);
  if (!items.length) return html`<p class="empty">No screenings yet.</p>`;
  const shown = all ? items : items.slice(0, 5);
  return html`<ul class="prev-screenings" aria-label="Previous screenings">
      ${shown.map((s) => {
        const d = DECISIONS[s.decision] || { tone: 'muted' };
        const isOpen = open === s.id;
        return html`<li key=${s.id} class="prev-screening">
          <button type="button" class="prev-line" aria-expanded=${isOpen ? 'true' : 'false'} onClick=${() => setOpen(isOpen ? null : s.id)}>
            <span class="caret" aria-hidden="true">${isOpen ? '▾' : '▸'}</span>
            <span class="prev-date">${calendarDate(s.date)}</span>
            <span class=${`badge badge-${d.tone}`}>${decisionHead(s.decision, s.result).label}</span>
            <span class="prev-plan">${Object.values(planNames(s.plan, V)).flat().join(', ')}</span>
            <span class="prev-who">${session.staffName(s.screened_by)} · ${instant(s.screened_at)}</span>
          </button>
          ${isOpen && html`<div class="prev-body"><${ScreeningResult} s=${s} V=${V} kb=${kb} clearances=${clearances} compact /></div>`}
        </li>`;
      })}
    </ul>
    ${items.length > 5 && html`<button type="button" class="btn-link" onClick=${() => setAll(!all)}>${all ? 'Show fewer' : `Show all ${items.length}`}</button>`}`;
}

export function ScreeningPanel({ patientId, factsTick, clearances, onClearancesChanged }) {
  const session = useSession();
  const canRun = session.can('clinical_write');
  const canClear = session.can('clearance_write');
  const kb = useKb();
  const history = useLoad(() => get(`/patients/${patientId}/screenings`), [patientId]);
  const [plan, setPlan] = useState({ date: todayInClinic(), areas: [], ingredients: [] });
  const [touched, setTouched] = useState(false);
  const [current, setCurrent] = useState(null); // {s, tick}
  const [err, setErr] = useState({});
  const [busy, setBusy] = useState(false);
  const [clearing, setClearing] = useState(null);
  const [notice, setNotice] = useState(null);
  const V = kb.vocab;
  // The latest change counter, read when a screening returns (facts may change meanwhile).
  const ranOrder = useRef([]);
  const tickRef = useRef(factsTick);
  tickRef.current = factsTick;

  // Start from the plan of the latest screening, so a re-check is one click.
  useEffect(() => {
    if (touched || !history.data || !history.data.items.length) return;
    const last = newestFirst(history.data.items, ranOrder.current)[0];
    setPlan((p) => ({ ...p, areas: last.plan.areas || [], ingredients: last.plan.ingredients || [] }));
  }, [history.data]);

  const toggle = (key) => (code) => {
    setTouched(true);
    setErr((e) => ({ ...e, [key]: undefined }));
    setPlan((p) => ({ ...p, [key]: p[key].includes(code) ? p[key].filter((c) => c !== code) : [...p[key], code] }));
  };

  const run = async (usePlan, note) => {
    const p = usePlan || plan;
    if (busy) return;
    setBusy(true);
    setErr({});
    setNotice(null);
    try {
      const s = await post('/screenings', { patient_id: patientId, date: p.date.trim(), plan: { areas: p.areas, ingredients: p.ingredients } });
      ranOrder.current.push(s.id);
      setCurrent({ s, tick: tickRef.current });
      setNotice(note || null);
      history.reload();
    } catch (e) {
      const f = e.field || '';
      if (f.startsWith('plan.areas')) setErr({ areas: fieldMessage(e) });
      else if (f.startsWith('plan.ingredients')) setErr({ ingredients: fieldMessage(e) });
      else if (f === 'date') setErr({ date: fieldMessage(e) });
      else setErr({ _form: e.message });
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (e) => {
    e.preventDefault();
    run();
  };
  const stale = current && current.tick !== factsTick;
  const dateId = useId('scr-date');

  return html`<section class="card panel screening-panel" aria-labelledby="screening-h" data-kind="screening">
    <header class="panel-head">
      <h2 id="screening-h">Screening</h2>
      ${kb.data && html`<span class="muted small" title=${kb.data.hash}>Knowledge base ${kb.data.version} · ${kb.data.hash.slice(0, 8)}</span>`}
    </header>
    ${kb.error && html`<${Alert}>${kb.error.message}<//>`}
    ${kb.data && kb.data.clinic_rules && kb.data.clinic_rules.status === 'broken' &&
    html`<${Alert}>The clinic’s own screening rules could not be applied (${kb.data.clinic_rules.message}). Screenings use the shipped rules only and are marked incomplete until an admin corrects or retires the clinic rule.<//>`}
    ${canRun && kb.data &&
    html`<form class="plan-form" onSubmit=${onSubmit} novalidate>
      ${err._form && html`<div class="form-error" role="alert">${err._form}</div>`}
      <div class=${'field plan-date' + (err.date ? ' has-error' : '')}>
        <label for=${dateId}>Planned date</label>
        <input type="date" id=${dateId} name="date" value=${plan.date} aria-invalid=${err.date ? 'true' : undefined}
          onInput=${(e) => { setTouched(true); setPlan({ ...plan, date: e.currentTarget.value }); }} />
        ${err.date && html`<p class="field-error" role="alert">${err.date}</p>`}
      </div>
      <${PlanPicker} legend="Areas" name="areas" options=${V.list('area')} selected=${plan.areas} onToggle=${toggle('areas')} error=${err.areas} />
      <${PlanPicker} legend="Ingredients" name="ingredients" options=${V.list('ingredient')} selected=${plan.ingredients} onToggle=${toggle('ingredients')} error=${err.ingredients} />
      <div class="actions plan-actions">
        <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Screening…' : current ? 'Run screening again' : 'Run screening'}</button>
        <span class="muted small">Uses the clinical facts on record on this page.</span>
      </div>
    </form>`}
    ${!canRun && html`<p class="muted small">Screenings are run by practitioners; previous results are listed below.</p>`}
    ${stale &&
    html`<div class="stale" role="status">
      <span>Clinical facts or clearances changed after this screening.</span>
      <button type="button" class="btn btn-small btn-primary" disabled=${busy} onClick=${() => run(current.s.plan && { date: current.s.date, ...current.s.plan })}>Re-run screening</button>
    </div>`}
    ${notice && html`<p class="notice-ok" role="status">${notice}</p>`}
    ${current && kb.data && html`<${ScreeningResult} s=${current.s} V=${V} kb=${kb.data} clearances=${clearances.data && clearances.data.items}
      onClear=${canClear && !stale ? (f) => setClearing(f) : null} />`}
    <h3 class="sub-h prev-h">Previous screenings</h3>
    ${kb.data && html`<${PreviousScreenings} list=${history} V=${V} kb=${kb.data} ranOrder=${ranOrder.current} clearances=${clearances.data && clearances.data.items} />`}
    ${clearing &&
    html`<${ClearanceDialog} patientId=${patientId} finding=${clearing} V=${V} kb=${kb.data} onClose=${() => setClearing(null)}
      onSaved=${() => {
        setClearing(null);
        onClearancesChanged();
        const s = current.s;
        run({ date: s.date, areas: s.plan.areas || [], ingredients: s.plan.ingredients || [] }, 'Clearance recorded; the screening was run again.');
      }} />`}
  </section>`;
}

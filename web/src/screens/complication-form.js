// Recording a complication (issue 11 item 2), from the patient's page or from a session,
// and amending one (the same form, filled from the current version, with a reason):
//   the catalogue's codes (GET /kb/complications) with the chosen code's red flags as
//   checkboxes; onset (a civil day, not in the future); a description; the CTCAE v5 grade
//   1-5 with the "injection site reaction" wording shown for each grade; seriousness,
//   each criterion yes / no / not assessed (never defaulting to no: null is sent);
//   actions taken; the outcome (+ its date); and the suspects the server proposes for the
//   code and onset (the patient's sessions in the code's onset window, each with its
//   administrations, lots and vials), ticked by the practitioner. From a session that
//   session is ticked to begin with.
// The server is the judge: every field error it names is shown beside that field (a grade
// of 6 under Grade, an onset before the session under Onset, fatal without a date under
// the outcome's date, an unknown code under Complication), all at once, focus on the first.
import { useRef, useState } from 'preact/hooks';
import { get, post, put, fieldMessage } from '../api.js';
import { calendarDate, instant, sentence, todayInClinic } from '../format.js';
import { html, useId, useLoad, DateInput, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { CATEGORY, COMPLICATIONS, OUTCOMES, SERIOUSNESS, TRI, complicationPath, gradeText, items, loadCatalogue, proposalPath, sessionComplications, upper, words } from './complication-common.js';
import './complication.css';

/** The group of the form a server field belongs to ("suspects.lots[0]" -> "suspects"). */
function groupOf(field) {
  const f = String(field || '');
  if (/^seriousness\.\w+/.test(f)) return f.replace(/^(seriousness\.\w+).*$/, '$1');
  if (/^actions\[\d+\]/.test(f)) return f.replace(/^(actions\[\d+\]).*$/, '$1');
  const top = f.replace(/[.[].*$/, '');
  return ['code', 'onset_on', 'description', 'grade', 'red_flags', 'seriousness', 'actions', 'outcome', 'outcome_on', 'suspects', 'reason', 'session_id', 'details'].includes(top) ? top : null;
}

const blankSeriousness = () => Object.fromEntries(SERIOUSNESS.map(([k]) => [k, null]));
const asSet = (x) => new Set(items(x));

/** The form's state from a stored version (amend) or blank (record). */
function initial(c, sessionId) {
  if (!c)
    return {
      code: '',
      onset_on: todayInClinic(),
      description: '',
      grade: '',
      red_flags: new Set(),
      seriousness: blankSeriousness(),
      actions: [],
      outcome: '',
      outcome_on: '',
      sessions: new Set(sessionId ? [sessionId] : []),
      lots: new Set(),
      vials: new Set(),
      reason: '',
    };
  const s = c.suspects || {};
  return {
    code: c.code || '',
    onset_on: c.onset_on || '',
    description: c.description || '',
    grade: c.grade ? String(c.grade) : '',
    red_flags: asSet(c.red_flags),
    seriousness: { ...blankSeriousness(), ...(c.seriousness || {}) },
    actions: [],
    outcome: c.outcome || '',
    outcome_on: c.outcome_on || '',
    sessions: asSet(s.sessions),
    lots: asSet(s.lots),
    vials: asSet(s.vials),
    reason: '',
  };
}

/** The suspects from what is ticked: the sessions, lots and vials, and what follows from them. */
function suspectsOf(v, proposal, previous) {
  const sessions = [...v.sessions];
  const lots = [...v.lots];
  const vials = [...v.vials];
  const administrations = new Set();
  const products = new Set();
  const ingredients = new Set();
  for (const s of items(proposal && proposal.sessions)) {
    if (!v.sessions.has(s.id)) continue;
    for (const a of items(s.administrations)) {
      if (!(a.lot_id && v.lots.has(a.lot_id)) && !(a.vial_id && v.vials.has(a.vial_id))) continue;
      administrations.add(a.id);
      if (a.product_id) products.add(a.product_id);
      for (const i of items(a.ingredients)) ingredients.add(typeof i === 'string' ? i : i.ingredient || i.code);
    }
  }
  // An amendment keeps what the earlier version named outside today's proposal.
  const p = (previous && previous.suspects) || {};
  const keep = (k, set) => items(p[k]).forEach((x) => set.add(x));
  if (previous) {
    keep('administrations', administrations);
    keep('products', products);
    keep('ingredients', ingredients);
  }
  return { sessions, administrations: [...administrations], lots, vials, products: [...products], ingredients: [...ingredients].filter(Boolean) };
}

function Err({ errors, name, label }) {
  const m = errors[name];
  return m ? html`<p class="field-error" role="alert" id=${`cx-err-${name.replace(/\W/g, '-')}`}><span aria-hidden="true">⚠ </span>${fieldMessage({ field: name, message: m }, label)}</p>` : null;
}

/** The suspects proposed for the code and onset: each session with its lots and vials to tick. */
function Suspects({ proposal, v, toggle, errors, loading, failed }) {
  const list = items(proposal && proposal.sessions);
  const w = proposal && proposal.window;
  return html`<fieldset class=${'cx-group cx-suspects' + (errors.suspects ? ' has-error' : '')} data-group="suspects" name="suspects">
    <legend>Suspected sessions, lots and vials</legend>
    ${failed && html`<p class="field-error" role="alert">The proposal could not be loaded: ${sentence(failed.message)}</p>`}
    ${!v.code && html`<p class="hint">Choose the complication and its onset: the sessions in its onset window are proposed here.</p>`}
    ${v.code && loading && html`<${Spinner} label="Finding the sessions in the onset window…" />`}
    ${v.code && w && html`<p class="hint" data-window>Sessions from ${calendarDate(w.from)} to ${calendarDate(w.to)} (the onset window of this complication). Tick what you suspect.</p>`}
    ${v.code && proposal && !list.length && html`<p class="empty" data-proposal-empty>No session of this patient falls in the onset window.</p>`}
    <ul class="plain cx-proposal">
      ${list.map(
        (s) => html`<li key=${s.id} class="cx-session" data-session=${s.id}>
          <label class="cx-tick cx-tick-session"><input type="checkbox" name="suspects.sessions" value=${s.id} checked=${v.sessions.has(s.id)} onChange=${() => toggle('sessions', s.id)} />
            <span>Session of ${calendarDate(s.day)}${s.practitioner_name ? ` · ${s.practitioner_name}` : ''}</span></label>
          <ul class="plain cx-admins">
            ${items(s.administrations).map(
              (a) => html`<li key=${a.id} class="cx-admin" data-administration=${a.id}>
                <span class="cx-admin-what">${a.product_name || 'Product'}${a.volume_ml != null ? ` · ${a.volume_ml} ml` : ''}${a.given_at ? html` <span class="muted small">${instant(a.given_at)}</span>` : ''}</span>
                <span class="cx-admin-ticks">
                  ${a.lot_id && html`<label class="cx-tick" data-lot=${a.lot_id}><input type="checkbox" name="suspects.lots" value=${a.lot_id} checked=${v.lots.has(a.lot_id)} onChange=${() => toggle('lots', a.lot_id, s.id)} /> Lot <span class="mono">${a.lot_number || a.lot_id.slice(0, 8)}</span></label>`}
                  ${a.vial_id && html`<label class="cx-tick" data-vial=${a.vial_id}><input type="checkbox" name="suspects.vials" value=${a.vial_id} checked=${v.vials.has(a.vial_id)} onChange=${() => toggle('vials', a.vial_id, s.id)} /> Vial <span class="mono">${a.vial_id.slice(0, 8)}</span></label>`}
                </span>
                ${items(a.ingredients).length > 0 && html`<span class="small muted cx-admin-ingr">${items(a.ingredients).map((i) => words(typeof i === 'string' ? i : i.label || i.ingredient || i.code)).join(', ')}</span>`}
              </li>`,
            )}
          </ul>
        </li>`,
      )}
    </ul>
    <${Err} errors=${errors} name="suspects" />
  </fieldset>`;
}

/**
 * The form. patientId; sessionId (recording from a session); current (amending: the
 * complication's current version); onSaved(out) with the server's answer; onCancel.
 */
export function ComplicationForm({ patientId, sessionId, current, onSaved, onCancel }) {
  const session = useSession();
  const cat = useLoad(() => loadCatalogue(), []);
  const [v, setV] = useState(() => initial(current, sessionId));
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef(null);
  const amend = !!current;
  const uid = useId('cx');

  // The proposal follows the code and the onset (nothing is written by asking).
  const proposal = useLoad(
    () => (v.code && /^\d{4}-\d{2}-\d{2}$/.test(v.onset_on) ? get(proposalPath(patientId, v.code, v.onset_on)) : Promise.resolve(null)),
    [patientId, v.code, v.onset_on],
  );

  const clear = (...names) =>
    setErrors((e) => {
      if (!names.some((n) => e[n]) && !e._form) return e;
      const next = { ...e, _form: undefined };
      for (const n of names) next[n] = undefined;
      return next;
    });
  const setField = (name, value) => {
    setV((s) => ({ ...s, [name]: value }));
    clear(name);
  };
  const toggle = (kind, id, sid) => {
    setV((s) => {
      const set = new Set(s[kind]);
      if (set.has(id)) set.delete(id);
      else set.add(id);
      // A suspected lot or vial makes its session a suspect too.
      const sessions = new Set(s.sessions);
      if (sid && set.has(id)) sessions.add(sid);
      return { ...s, [kind]: set, sessions };
    });
    clear('suspects');
  };

  if (cat.error) return html`<${Alert}>The complication catalogue could not be loaded: ${sentence(cat.error.message)}<//>`;
  if (!cat.data) return html`<${Spinner} label="Loading the catalogue…" />`;
  const C = cat.data;
  const entry = C.byCode.get(v.code);
  const flags = entry ? items(entry.red_flags) : [];
  const groups = [];
  for (const c of C.complications) {
    const g = c.category || 'other';
    let grp = groups.find((x) => x[0] === g);
    if (!grp) groups.push((grp = [g, []]));
    grp[1].push(c);
  }

  const onSubmit = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    const body = {
      code: v.code || null,
      onset_on: v.onset_on || null,
      description: v.description.trim(),
      grade: v.grade === '' ? null : Number(v.grade),
      red_flags: [...v.red_flags].filter((f) => flags.some((x) => x.code === f) || !entry),
      seriousness: v.seriousness,
      suspects: suspectsOf(v, proposal.data, current),
      outcome: v.outcome || null,
      outcome_on: v.outcome_on || null,
    };
    const acts = v.actions.filter((a) => a.action.trim() || a.note.trim()).map((a) => ({ action: a.action.trim(), note: a.note.trim() || undefined }));
    if (amend) {
      body.actions = [...items(current.actions), ...acts];
      body.version = current.version;
      body.reason = v.reason.trim();
    } else {
      body.actions = acts;
      body.patient_id = patientId;
      if (sessionId) body.session_id = sessionId;
    }
    try {
      const out = amend ? await put(complicationPath(current.id), body) : await post(sessionId ? sessionComplications(sessionId) : COMPLICATIONS, body);
      onSaved(out);
    } catch (err) {
      const list = (err && err.errors) || [];
      const next = {};
      const rest = [];
      for (const fe of list) {
        const g = groupOf(fe.field);
        if (g && formRef.current && formRef.current.querySelector(`[name="${g}"], [data-group="${g}"]`)) next[g] = next[g] || fe.message;
        else rest.push(fieldMessage(fe));
      }
      if (!Object.keys(next).length) next._form = sentence((err && err.message) || String(err));
      else if (rest.length) next._form = rest.join(' ');
      next._status = err && err.status;
      setErrors(next);
      requestAnimationFrame(() => {
        const root = formRef.current;
        const first = root && root.querySelector('.has-error input, .has-error select, .has-error textarea, .form-error');
        if (first) first.focus();
      });
    } finally {
      setBusy(false);
    }
  };

  const has = (n) => (errors[n] ? ' has-error' : '');
  const aria = (n) => (errors[n] ? { 'aria-invalid': 'true', 'aria-describedby': `cx-err-${n.replace(/\W/g, '-')}` } : {});
  return html`<form ref=${formRef} class="cx-form" onSubmit=${onSubmit} novalidate aria-label=${amend ? 'Amend the complication' : 'Record a complication'}>
    ${errors._form && html`<div class="form-error" role="alert" tabindex="-1">${errors._form}</div>`}
    <div class="cx-cols">
      <div class="cx-col">
        <div class=${'field' + has('code')}>
          <label for=${`${uid}-code`}>Complication<span class="req" aria-hidden="true"> *</span></label>
          <select id=${`${uid}-code`} name="code" value=${v.code} ...${aria('code')} onChange=${(e) => { setField('code', e.currentTarget.value); setV((s) => ({ ...s, red_flags: new Set() })); }}>
            <option value="">Choose…</option>
            ${groups.map(([g, list]) => html`<optgroup label=${CATEGORY[g] || upper(words(g))}>${list.map((c) => html`<option value=${c.code}>${c.name}</option>`)}</optgroup>`)}
            ${v.code && !entry && html`<option value=${v.code}>${v.code}</option>`}
          </select>
          ${entry && html`<p class="hint" data-code-hint>Onset usually ${entry.onset ? `${entry.onset.min_days} to ${entry.onset.max_days} days` : '?'} after the session; expected to resolve within ${entry.resolution_max_days} days; followed up for ${entry.followup_days} days.${entry.snomed ? ` SNOMED CT ${entry.snomed}.` : ''}</p>`}
          <${Err} errors=${errors} name="code" label="Complication" />
        </div>
        ${entry && items(entry.management).length > 0 && html`<details class="cx-management"><summary>First management</summary><ol>${items(entry.management).map((m) => html`<li>${m}</li>`)}</ol>
          ${items(entry.sources).length > 0 && html`<p class="small muted">Sources: ${items(entry.sources).join(', ')}</p>`}</details>`}
        <fieldset class=${'cx-group' + has('red_flags')} data-group="red_flags">
          <legend>Red flags seen</legend>
          ${!entry && html`<p class="hint">Choose the complication to see its red flags.</p>`}
          ${entry && !flags.length && html`<p class="hint">This complication has no red flags in the catalogue.</p>`}
          <div class="cx-checks">
            ${flags.map((f) => html`<label class="cx-tick cx-flag" key=${f.code} data-flag=${f.code}><input type="checkbox" name=${`red_flags.${f.code}`} checked=${v.red_flags.has(f.code)}
              onChange=${() => { const s = new Set(v.red_flags); if (s.has(f.code)) s.delete(f.code); else s.add(f.code); setField('red_flags', s); }} /> ${f.label}</label>`)}
          </div>
          <${Err} errors=${errors} name="red_flags" label="Red flags" />
        </fieldset>
        <div class=${'field' + has('onset_on')}>
          <label for=${`${uid}-onset`}>Onset<span class="req" aria-hidden="true"> *</span></label>
          <${DateInput} id=${`${uid}-onset`} name="onset_on" past value=${v.onset_on} ...${aria('onset_on')} onInput=${(e) => setField('onset_on', e.currentTarget.value)} />
          <p class="hint">The day it started, in the clinic's calendar.</p>
          <${Err} errors=${errors} name="onset_on" label="Onset" />
        </div>
        <div class=${'field' + has('description')}>
          <label for=${`${uid}-desc`}>Description</label>
          <textarea id=${`${uid}-desc`} name="description" rows="3" maxlength="4000" value=${v.description} ...${aria('description')} onInput=${(e) => setField('description', e.currentTarget.value)}></textarea>
          <${Err} errors=${errors} name="description" label="Description" />
        </div>
        <fieldset class=${'cx-group cx-grades' + has('grade')} data-group="grade">
          <legend>Grade (CTCAE v5, injection site reaction)<span class="req" aria-hidden="true"> *</span></legend>
          ${[1, 2, 3, 4, 5].map((g) => html`<label class=${'cx-grade' + (String(g) === v.grade ? ' on' : '')} key=${g} data-grade=${g}>
            <input type="radio" name="grade" value=${g} checked=${String(g) === v.grade} onChange=${() => setField('grade', String(g))} />
            <span class="cx-grade-n">Grade ${g}</span><span class="cx-grade-text">${gradeText(C, g) || '(wording not in the catalogue)'}</span></label>`)}
          ${v.grade && !['1', '2', '3', '4', '5'].includes(v.grade) && html`<p class="small">Stored grade: ${v.grade}</p>`}
          <${Err} errors=${errors} name="grade" label="Grade" />
        </fieldset>
      </div>
      <div class="cx-col">
        <fieldset class=${'cx-group' + has('seriousness')} data-group="seriousness">
          <legend>Seriousness</legend>
          <p class="hint">Each criterion as MedWatch and the Yellow Card ask it. Not assessed is kept as not assessed, never as no.</p>
          <div class="cx-serious">
            ${SERIOUSNESS.map(([k, label]) => html`<div class=${'cx-tri' + has(`seriousness.${k}`)} role="radiogroup" aria-label=${label} data-criterion=${k} key=${k}>
              <span class="cx-tri-label">${label}</span>
              <span class="cx-tri-opts">${TRI.map(([val, l]) => html`<label class=${v.seriousness[k] === val ? 'on' : ''}><input type="radio" name=${`seriousness.${k}`} checked=${v.seriousness[k] === val}
                onChange=${() => { setV((s) => ({ ...s, seriousness: { ...s.seriousness, [k]: val } })); clear(`seriousness.${k}`, 'seriousness'); }} /> ${l}</label>`)}</span>
              <${Err} errors=${errors} name=${`seriousness.${k}`} label=${label} />
            </div>`)}
          </div>
          <${Err} errors=${errors} name="seriousness" label="Seriousness" />
        </fieldset>
        <fieldset class=${'cx-group' + has('actions')} data-group="actions">
          <legend>Actions taken</legend>
          ${amend && items(current.actions).length > 0 && html`<ul class="plain cx-actions-done">${items(current.actions).map((a, i) => html`<li key=${i} class="small">${a.action}${a.note ? ` (${a.note})` : ''}${a.at ? html` <span class="muted">· ${session.staffName(a.by)} · ${instant(a.at)}</span>` : ''}</li>`)}</ul>`}
          <datalist id=${`${uid}-acts`}>${items(entry && entry.management).map((a) => html`<option value=${a} />`)}</datalist>
          ${v.actions.map((a, i) => html`<div class=${'cx-action' + has(`actions[${i}]`)} key=${a.key} data-action=${i}>
            <div class="field"><label for=${`${uid}-act-${i}`}>Action ${i + 1}</label>
              <input id=${`${uid}-act-${i}`} name=${`actions[${i}]`} list=${`${uid}-acts`} value=${a.action} onInput=${(e) => { const list = v.actions.slice(); list[i] = { ...a, action: e.currentTarget.value }; setField('actions', list); clear(`actions[${i}]`); }} /></div>
            <div class="field"><label for=${`${uid}-actn-${i}`}>Note</label>
              <input id=${`${uid}-actn-${i}`} value=${a.note} onInput=${(e) => { const list = v.actions.slice(); list[i] = { ...a, note: e.currentTarget.value }; setField('actions', list); }} /></div>
            <button type="button" class="btn btn-small btn-ghost-danger" onClick=${() => setField('actions', v.actions.filter((_, j) => j !== i))}>Remove<span class="sr-only"> action ${i + 1}</span></button>
            <${Err} errors=${errors} name=${`actions[${i}]`} label=${`Action ${i + 1}`} />
          </div>`)}
          <button type="button" class="btn btn-small" onClick=${() => setField('actions', [...v.actions, { action: '', note: '', key: Math.random().toString(36).slice(2) }])}>+ Add an action</button>
          <${Err} errors=${errors} name="actions" label="Actions" />
        </fieldset>
        <div class="cx-outcome">
          <div class=${'field' + has('outcome')}>
            <label for=${`${uid}-out`}>Outcome</label>
            <select id=${`${uid}-out`} name="outcome" value=${v.outcome} ...${aria('outcome')} onChange=${(e) => { setField('outcome', e.currentTarget.value); clear('outcome_on'); }}>
              ${OUTCOMES.map(([c, l]) => html`<option value=${c}>${l}</option>`)}
            </select>
            <${Err} errors=${errors} name="outcome" label="Outcome" />
          </div>
          <div class=${'field' + has('outcome_on')}>
            <label for=${`${uid}-outon`}>Outcome date${['resolved', 'resolved_with_sequelae', 'fatal'].includes(v.outcome) && html`<span class="req" aria-hidden="true"> *</span>`}</label>
            <${DateInput} id=${`${uid}-outon`} name="outcome_on" past value=${v.outcome_on} ...${aria('outcome_on')} onInput=${(e) => setField('outcome_on', e.currentTarget.value)} />
            <${Err} errors=${errors} name="outcome_on" label="Outcome date" />
          </div>
        </div>
      </div>
    </div>
    <${Suspects} proposal=${proposal.data} v=${v} toggle=${toggle} errors=${errors} loading=${proposal.loading} failed=${proposal.error} />
    ${amend && html`<div class=${'field' + has('reason')}>
      <label for=${`${uid}-reason`}>Reason for the amendment<span class="req" aria-hidden="true"> *</span></label>
      <textarea id=${`${uid}-reason`} name="reason" rows="2" value=${v.reason} ...${aria('reason')} onInput=${(e) => setField('reason', e.currentTarget.value)}></textarea>
      <${Err} errors=${errors} name="reason" label="Reason" />
    </div>`}
    <div class="actions">
      <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Saving…' : amend ? 'Save the amendment' : 'Record the complication'}</button>
      ${onCancel && html`<button type="button" class="btn btn-ghost" onClick=${onCancel}>Cancel</button>`}
    </div>
  </form>`;
}

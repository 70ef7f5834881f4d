// One panel of clinical facts (allergies, conditions, medications): list, add, edit,
// mark entered in error, and each record's history.
import { useState } from 'preact/hooks';
import { get, post, put } from '../api.js';
import { calendarDate, instant, todayInClinic } from '../format.js';
import { html, useForm, useId, useLoad, Field, FormError, Dialog, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { History } from '../history.js';
import { KIND_TEXT, areaOptions, factName, fieldLabel, kindSpec, showValue } from '../facts.js';
import { useVocab } from '../vocab.js';

function cleanBody(k, v, fact) {
  const body = {};
  for (const f of k.fields) {
    let x = v[f];
    if (typeof x === 'string') x = x.trim();
    if (x === '' || x === undefined) x = null;
    if (fact) {
      // PUT merges: send only what changed.
      if (JSON.stringify(x) !== JSON.stringify(fact[f] ?? null)) body[f] = x;
    } else if (x !== null) body[f] = x;
  }
  if (!fact && body.status === k.blank.status) delete body.status;
  return body;
}

/** The control of one declared field (GET /kb "kinds"): its type, limits and vocabulary. */
function DeclaredField({ kind, k, f, form, listId, V }) {
  const t = k.text;
  const label = (t.labels && t.labels[f.name]) || fieldLabel(kind, f.name);
  const extra = { placeholder: t.placeholders && t.placeholders[f.name], hint: t.hints && t.hints[f.name] };
  if (f.name === k.codeField)
    return html`<${Field} form=${form} name=${f.name} label=${label} required list=${listId} autocomplete="off"
      hint="Start typing; choose a suggestion or type a common name." />
      <datalist id=${listId}>${V.suggestions(k.vocab).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</datalist>`;
  if (f.type === 'code')
    return html`<${Field} form=${form} name=${f.name} type="select" label=${label}
      options=${f.vocabulary === 'area' ? areaOptions(V) : [['', '—'], ...V.list(f.vocabulary).map((a) => [a.code, a.label])]} />`;
  if (f.type === 'boolean') return html`<${Field} form=${form} name=${f.name} type="checkbox" label=${label} />`;
  if (f.type === 'enum')
    return html`<${Field} form=${form} name=${f.name} type="select" label=${label} options=${f.enum.map((v) => [v, showValue(kind, f.name, v, V)])} />`;
  if (f.type === 'text' && f.max_length >= 1000) return html`<${Field} form=${form} name=${f.name} type="textarea" label=${label} maxlength=${f.max_length} ...${extra} />`;
  if (f.type === 'date') return html`<${Field} form=${form} name=${f.name} label=${label} placeholder="YYYY-MM-DD" inputmode="numeric" maxlength="10" hint=${extra.hint} />`;
  if (f.type === 'integer') return html`<${Field} form=${form} name=${f.name} label=${label} inputmode="numeric" hint=${extra.hint} />`;
  return html`<${Field} form=${form} name=${f.name} label=${label} maxlength=${f.max_length} ...${extra} />`;
}

function FactFields({ kind, k, form, editing }) {
  const V = useVocab();
  const listId = useId(`dl-${kind}`);
  // The status is chosen on edit (when the kind has more than one besides entered in error).
  const shown = k.decl.fields.filter((f) => f.name !== k.decl.status_field);
  return html`<${FormError} form=${form} />
    ${shown.map((f) => html`<${DeclaredField} key=${f.name} kind=${kind} k=${k} f=${f} form=${form} listId=${listId} V=${V} />`)}
    ${editing && k.statusOptions && html`<${Field} form=${form} name="status" type="select" label="Status" options=${k.statusOptions} />`}
    ${editing
      ? html`<${Field} form=${form} name="reason" label="Reason for the change" required />`
      : !k.fields.includes('note') && html`<${Field} form=${form} name="reason" label="Note (optional)" />`}`;
}

/** After a 409 (someone changed the record meanwhile), offer to close and reload the list. */
function ReloadOffer({ form, onReload }) {
  if (form.errors._status !== 409) return null;
  return html`<p><button type="button" class="btn" onClick=${onReload}>Close and reload the latest version</button></p>`;
}

function FactDialog({ kind, patientId, fact, onClose, onSaved }) {
  const V = useVocab();
  const k = kindSpec(kind, V);
  const editing = !!fact;
  const init = { ...k.blank, reason: '' };
  if (fact) for (const f of k.fields) init[f] = fact[f] ?? k.blank[f];
  const form = useForm(init, [...k.fields, 'reason']);
  const onSubmit = form.submit(async (v) => {
    const body = cleanBody(k, v, fact);
    if (editing) {
      if (!v.reason.trim()) throw Object.assign(new Error('Give a reason for the change.'), { field: 'reason' });
      body.reason = v.reason.trim();
      body.version = fact.version;
      await put(`/patients/${patientId}/${kind}/${fact.id}`, body);
    } else {
      if (v.reason.trim()) body.reason = v.reason.trim();
      await post(`/patients/${patientId}/${kind}`, body);
    }
    onSaved();
  });
  return html`<${Dialog} title=${`${editing ? 'Edit' : 'Add'} ${k.noun}`} onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
      <${FactFields} kind=${kind} k=${k} form=${form} editing=${editing} />
      <${ReloadOffer} form=${form} onReload=${onSaved} />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : editing ? 'Save changes' : `Add ${k.noun}`}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

function ErrorDialog({ kind, patientId, fact, onClose, onSaved, name, listName }) {
  const V = useVocab();
  const k = kindSpec(kind, V);
  const form = useForm({ reason: '' }, ['reason', 'status']);
  const onSubmit = form.submit(async (v) => {
    if (!v.reason.trim()) throw Object.assign(new Error('Say why this record is wrong.'), { field: 'reason' });
    await post(`/patients/${patientId}/${kind}/${fact.id}/entered-in-error`, { reason: v.reason.trim(), version: fact.version });
    onSaved();
  });
  return html`<${Dialog} title="Mark as entered in error" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
      <p>
        <strong>${name || factName(kind, fact, V)}</strong> will leave the ${listName || (k ? k.title.toLowerCase() : kind)} list.
        It stays in the record's history.
      </p>
      <${FormError} form=${form} />
      <${Field} form=${form} name="reason" label="Why is it wrong?" required placeholder="e.g. recorded on the wrong patient" />
      <${ReloadOffer} form=${form} onReload=${onSaved} />
      <div class="actions">
        <button type="submit" class="btn btn-danger" disabled=${form.busy}>Mark entered in error</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

function summary(kind, f, V) {
  const parts = [];
  if (kind === 'allergies') {
    if (f.reaction) parts.push(f.reaction);
  } else if (kind === 'conditions') {
    if (f.site) parts.push(showValue(kind, 'site', f.site, V));
    if (f.note) parts.push(f.note);
  } else if (kind === 'medications') {
    if (f.last_dose) parts.push(`last dose ${showValue(kind, 'last_dose', f.last_dose, V)}`);
    if (f.note) parts.push(f.note);
  }
  return parts.join(' · ');
}

function badge(kind, f) {
  if (f.status === 'entered_in_error') return html`<span class="badge badge-eie">Entered in error</span>`;
  if (kind === 'conditions') return f.active ? html`<span class="badge badge-warn">Active</span>` : html`<span class="badge">Inactive</span>`;
  if (kind === 'allergies') return f.status === 'active' ? html`<span class="badge badge-danger">Active</span>` : html`<span class="badge">Inactive</span>`;
  if (kind === 'medications') return f.status === 'active' ? html`<span class="badge badge-info">Taking</span>` : html`<span class="badge">Stopped</span>`;
  return null;
}

function FactRow({ kind, fact, canWrite, onEdit, onError }) {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const V = useVocab();
  const eie = fact.status === 'entered_in_error';
  // A medication reads as recorded ("ibuprofen"), its class beside it.
  const name = kind === 'medications' && fact.name ? `${fact.name} (${factName(kind, fact, V)})` : factName(kind, fact, V);
  const sub = summary(kind, fact, V);
  const histId = useId('hist');
  return html`<li class=${'fact' + (eie ? ' is-eie' : '')} data-fact-id=${fact.id}>
    <div class="fact-line">
      <div class="fact-main">
        <span class="fact-name">${name}</span> ${badge(kind, fact)}
        ${sub && html`<div class="fact-sub">${sub}</div>`}
        <div class="fact-meta">v${fact.version} · ${session.staffName(fact.recorded_by)} · ${instant(fact.recorded_at)}</div>
      </div>
      <div class="fact-actions">
        <button type="button" class="btn btn-small btn-ghost" aria-expanded=${open} aria-controls=${histId} onClick=${() => setOpen(!open)}>
          History<span class="sr-only"> of ${name}</span>
        </button>
        ${canWrite && !eie &&
        html`<button type="button" class="btn btn-small" onClick=${() => onEdit(fact)}>Edit<span class="sr-only"> ${name}</span></button>
          <button type="button" class="btn btn-small btn-ghost-danger" onClick=${() => onError(fact)}>Entered in error…<span class="sr-only"> (${name})</span></button>`}
      </div>
    </div>
    <div id=${histId}>${open && html`<${History} path=${`/patients/${fact.patient_id}/${kind}/${fact.id}/history`} kind=${kind} label=${`History of ${name}`} />`}</div>
  </li>`;
}

/**
 * "No known allergies" is a statement of its own (who recorded it, when it was asked); an
 * allergy list that was never asked is not empty. Shown under the allergies.
 */
function NoKnownAllergies({ patientId, active, canWrite, onChanged }) {
  const session = useSession();
  const statements = useLoad(() => get(`/patients/${patientId}/allergy_statements`), [patientId]);
  const [dialog, setDialog] = useState(null);
  const cur = statements.data && statements.data.items.find((x) => x.status !== 'entered_in_error');
  const done = () => {
    setDialog(null);
    statements.reload();
    onChanged();
  };
  if (statements.error) return html`<${Alert}>${statements.error.message}<//>`;
  if (!statements.data) return null;
  return html`<div class="nka" data-nka=${cur ? 'recorded' : 'none'}>
    ${cur && active === 0 &&
    html`<p class="nka-line"><span class="badge badge-ok">No known allergies</span>
        asked ${calendarDate(cur.asked_on)} · ${session.staffName(cur.recorded_by)}${cur.note ? ` · ${cur.note}` : ''}
        ${canWrite && html` <button type="button" class="btn btn-small btn-ghost-danger" onClick=${() => setDialog({ type: 'withdraw' })}>Withdraw…</button>`}</p>`}
    ${cur && active > 0 && html`<p class="muted small">An earlier “no known allergies” (${calendarDate(cur.asked_on)}) is outweighed by the allergies above.</p>`}
    ${!cur && active === 0 &&
    html`<p class="empty">Allergies not asked yet: screening cannot call the patient eligible until each allergy, or “no known allergies”, is recorded.</p>
      ${canWrite && html`<button type="button" class="btn btn-small" onClick=${() => setDialog({ type: 'nka' })}>No known allergies…</button>`}`}
    ${dialog && dialog.type === 'nka' && html`<${NkaDialog} patientId=${patientId} onClose=${() => setDialog(null)} onSaved=${done} />`}
    ${dialog && dialog.type === 'withdraw' && html`<${ErrorDialog} kind="allergy_statements" name="No known allergies" listName="allergies" patientId=${patientId} fact=${cur} onClose=${() => setDialog(null)} onSaved=${done} />`}
  </div>`;
}

function NkaDialog({ patientId, onClose, onSaved }) {
  const form = useForm({ asked_on: todayInClinic(), note: '' }, ['asked_on', 'note']);
  const onSubmit = form.submit(async (v) => {
    const body = { asked_on: v.asked_on.trim() };
    if (v.note.trim()) body.note = v.note.trim();
    await post(`/patients/${patientId}/allergy_statements`, body);
    onSaved();
  });
  return html`<${Dialog} title="No known allergies" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
      <p>The patient was asked about allergies (medicines, anaesthetics, latex, cosmetics) and knows of none.</p>
      <${FormError} form=${form} />
      <${Field} form=${form} name="asked_on" label="Asked on" placeholder="YYYY-MM-DD" inputmode="numeric" maxlength="10" required />
      <${Field} form=${form} name="note" label="Note (optional)" placeholder="e.g. asked at the consultation" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>Record no known allergies</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

export function FactPanel({ kind, patientId, list, canWrite, showAll, onShowAll, onChanged }) {
  const V = useVocab();
  const k = kindSpec(kind, V) || { title: KIND_TEXT[kind].title, noun: KIND_TEXT[kind].noun, empty: KIND_TEXT[kind].empty };
  const [dialog, setDialog] = useState(null);
  const headId = `${kind}-h`;
  // Rows wait for the vocabulary too, so names do not flash up as codes first.
  const ready = list.data && !V.loading;
  const toggleId = useId(`all-${kind}`);
  const items = list.data ? list.data.items : [];
  const close = () => setDialog(null);
  const saved = () => {
    setDialog(null);
    onChanged();
  };
  return html`<section class="card panel fact-panel" aria-labelledby=${headId} data-kind=${kind}>
    <header class="panel-head">
      <h2 id=${headId}>${k.title}${list.data && html` <span class="count">${items.filter((f) => f.status !== 'entered_in_error').length}</span>`}</h2>
      <div class="panel-tools">
        <span class="toggle">
          <input type="checkbox" id=${toggleId} checked=${showAll} onChange=${(e) => onShowAll(e.currentTarget.checked)} />
          <label for=${toggleId}>Show entered in error</label>
        </span>
        ${canWrite && html`<button type="button" class="btn btn-small btn-primary" onClick=${() => setDialog({ type: 'add' })}>+ Add ${k.noun}</button>`}
      </div>
    </header>
    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!ready && !list.error && html`<${Spinner} />`}
    ${ready && items.length === 0 && kind !== 'allergies' && html`<p class="empty">${k.empty}</p>`}
    ${ready && items.length > 0 &&
    html`<ul class="facts">
      ${items.map((f) => html`<${FactRow} key=${f.id + ':' + f.version} kind=${kind} fact=${f} canWrite=${canWrite}
        onEdit=${(x) => setDialog({ type: 'edit', fact: x })} onError=${(x) => setDialog({ type: 'eie', fact: x })} />`)}
    </ul>`}
    ${ready && kind === 'allergies' &&
    html`<${NoKnownAllergies} patientId=${patientId} canWrite=${canWrite} onChanged=${onChanged}
      active=${items.filter((f) => f.status === 'active').length} />`}
    ${dialog && dialog.type !== 'eie' && html`<${FactDialog} kind=${kind} patientId=${patientId} fact=${dialog.fact} onClose=${close} onSaved=${saved} />`}
    ${dialog && dialog.type === 'eie' && html`<${ErrorDialog} kind=${kind} patientId=${patientId} fact=${dialog.fact} onClose=${close} onSaved=${saved} />`}
  </section>`;
}

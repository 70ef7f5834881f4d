// Pregnancy and breastfeeding: one record per patient; each update is a new version.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { instant, calendarDate, todayInClinic, age, SEX_LABELS } from '../format.js';
import { html, useForm, Field, FormError, Dialog, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { History } from '../history.js';
import { ANSWERS, answerText } from '../facts.js';
import { useKb } from '../vocab.js';

/** One question, three answers: yes, no, not sure ("not sure" is never read as "no"). */
function Answer({ form, name, legend }) {
  const err = form.errors[name];
  const v = form.values[name];
  return html`<fieldset class=${'answer' + (err ? ' has-error' : '')} data-name=${name}>
    <legend>${legend}</legend>
    <div class="answer-opts">
      ${ANSWERS.map(
        ([value, label]) => html`<label class=${v === value ? 'on' : ''}>
          <input type="radio" name=${name} value=${value} checked=${v === value} onChange=${form.set(name)} /> ${label}
        </label>`,
      )}
    </div>
    ${err && html`<p class="field-error" role="alert">${err}</p>`}
  </fieldset>`;
}

function StatusDialog({ patientId, current, onClose, onSaved }) {
  const form = useForm(
    { pregnant: current ? current.pregnant : '', breastfeeding: current ? current.breastfeeding : '', recorded_on: todayInClinic(), reason: '' },
    ['pregnant', 'breastfeeding', 'recorded_on', 'reason'],
  );
  const onSubmit = form.submit(async (v) => {
    for (const k of ['pregnant', 'breastfeeding'])
      if (!v[k]) throw Object.assign(new Error('Choose yes, no or not sure.'), { field: k });
    const body = { pregnant: v.pregnant, breastfeeding: v.breastfeeding, recorded_on: v.recorded_on.trim() };
    if (v.reason.trim()) body.reason = v.reason.trim();
    await post(`/patients/${patientId}/status`, body);
    onSaved();
  });
  return html`<${Dialog} title="Pregnancy and breastfeeding" onClose=${onClose}>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
      <${FormError} form=${form} />
      <p class="muted small">As the patient answers today. “Not sure” is recorded as such; screening treats it as unknown.</p>
      <${Answer} form=${form} name="pregnant" legend="Pregnant, or could be?" />
      <${Answer} form=${form} name="breastfeeding" legend="Breastfeeding?" />
      <${Field} form=${form} name="recorded_on" label="Asked on" placeholder="YYYY-MM-DD" inputmode="numeric" maxlength="10" required />
      <${Field} form=${form} name="reason" label="Note (optional)" />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>Record</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/**
 * Whether the knowledge base asks the pregnancy and breastfeeding questions of this
 * patient (GET /kb "facts": sex and age range, with sources).  null while the kb is not
 * known: then nothing is claimed either way.
 */
function asked(kb, patient) {
  const facts = kb && kb.facts;
  if (!facts || !patient) return null;
  const years = age(patient.birth_date);
  const sex = patient.sex || 'unknown';
  return facts
    .filter((f) => f.fact === 'pregnant' || f.fact === 'breastfeeding')
    .some((f) => f.applies_to.sex.includes(sex) && years !== null && years >= f.applies_to.min_age && years <= f.applies_to.max_age);
}

/** "female, other or not known sex, aged 10 to 55": whom the kb asks (its pregnancy fact). */
function whomAsked(kb) {
  const f = kb && kb.facts && kb.facts.find((x) => x.fact === 'pregnant');
  if (!f) return '';
  const sexes = f.applies_to.sex.map((x) => (SEX_LABELS[x] || x).toLowerCase());
  const list = sexes.length > 1 ? `${sexes.slice(0, -1).join(', ')} or ${sexes[sexes.length - 1]}` : sexes[0];
  return `patients of ${list} sex aged ${f.applies_to.min_age} to ${f.applies_to.max_age}`;
}

export function StatusPanel({ patientId, patient, list, canWrite, onChanged }) {
  const session = useSession();
  const kb = useKb();
  const applies = asked(kb.data, patient);
  const [editing, setEditing] = useState(false);
  const [showHistory, setShowHistory] = useState(false);
  const cur = list.data && list.data.items.find((s) => s.status !== 'entered_in_error');
  const shown = (a) => (a === 'no' ? answerText(a) : html`<strong class="text-danger">${answerText(a)}</strong>`);
  return html`<section class="card panel" aria-labelledby="status-h" data-kind="status">
    <header class="panel-head">
      <h2 id="status-h">Pregnancy and breastfeeding</h2>
      ${canWrite && html`<button type="button" class="btn btn-small" onClick=${() => setEditing(true)}>${cur ? 'Update' : 'Record'}</button>`}
    </header>
    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && !cur && applies !== false && html`<p class="empty">Not recorded yet: screening cannot call this patient eligible until it is asked.</p>`}
    ${list.data && !cur && applies === false && html`<p class="empty" data-applies="no">Not asked of this patient: the knowledge base asks it of ${whomAsked(kb.data)}.</p>`}
    ${cur &&
    html`<dl class="details">
        <dt>Pregnant</dt><dd>${shown(cur.pregnant)}</dd>
        <dt>Breastfeeding</dt><dd>${shown(cur.breastfeeding)}</dd>
        <dt>Asked on</dt><dd>${calendarDate(cur.recorded_on)}</dd>
      </dl>
      <p class="record-meta">v${cur.version} · ${session.staffName(cur.recorded_by)} · ${instant(cur.recorded_at)}</p>
      <button type="button" class="btn-link" aria-expanded=${showHistory} onClick=${() => setShowHistory(!showHistory)}>${showHistory ? 'Hide history' : 'Show history'}</button>
      ${showHistory && html`<${History} key=${cur.version} path=${`/patients/${patientId}/status/${cur.id}/history`} kind="status" label="Pregnancy and breastfeeding history" />`}`}
    ${editing && html`<${StatusDialog} patientId=${patientId} current=${cur} onClose=${() => setEditing(false)} onSaved=${() => { setEditing(false); onChanged(); }} />`}
  </section>`;
}

// The patient page: demographics, clinical alerts and facts, each with its history.
// Layout: a side column (details, pregnancy status, clearances, questionnaires) and a main
// column: the screening panel first, then the facts it reads. In one column (900 px and
// narrower) styles.css dissolves the two columns and orders the panels by their data-kind:
// details, allergies, medications, pregnancy, conditions, screening, clearances,
// questionnaires. A new panel needs a data-kind (and an order there, or it comes last).
import { useEffect, useState } from 'preact/hooks';
import { get, post, qs } from '../api.js';
import { calendarDate, age, instant, sentence, SEX_LABELS, FITZPATRICK } from '../format.js';
import { html, Link, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { History } from '../history.js';
import { factName } from '../facts.js';
import { useVocab } from '../vocab.js';
import { FactPanel } from './fact-panel.js';
import { StatusPanel } from './status-panel.js';
import { ScreeningPanel } from './screening-panel.js';
import { ClearancesPanel } from './clearances-panel.js';
import { QuestionnairePanel } from './questionnaire-panel.js';
import { CoursesPanel } from './course.js';
import { PatientSessionsPanel } from './charting.js';
import { ConsentPanel } from './consent-panel.js';
import { ComplicationsPanel } from './complication.js';

function Details({ patient, canWrite }) {
  const session = useSession();
  const [showHistory, setShowHistory] = useState(false);
  const p = patient;
  return html`<section class="card panel" aria-labelledby="details-h" data-kind="details">
    <header class="panel-head">
      <h2 id="details-h">Details</h2>
      ${canWrite && html`<${Link} href=${`/patients/${p.id}/edit`} class="btn btn-small">Edit<//>`}
    </header>
    <dl class="details">
      <dt>Birth date</dt><dd>${calendarDate(p.birth_date)} <span class="muted">(age ${age(p.birth_date)})</span></dd>
      <dt>Sex</dt><dd>${SEX_LABELS[p.sex] || p.sex}</dd>
      <dt>Fitzpatrick type</dt><dd>${p.fitzpatrick ? FITZPATRICK[p.fitzpatrick - 1] : html`<span class="muted">Not assessed</span>`}</dd>
      <dt>Phone</dt><dd>${p.phone ? html`<a href=${`tel:${p.phone.replace(/\s+/g, '')}`}>${p.phone}</a>` : html`<span class="muted">—</span>`}</dd>
      <dt>Email</dt><dd class="truncate" title=${p.email || undefined}>${p.email ? html`<a href=${`mailto:${p.email}`}>${p.email}</a>` : html`<span class="muted">—</span>`}</dd>
    </dl>
    <p class="record-meta">v${p.version} · ${session.staffName(p.recorded_by)} · ${instant(p.recorded_at)}</p>
    <button type="button" class="btn-link" aria-expanded=${showHistory} onClick=${() => setShowHistory(!showHistory)}>
      ${showHistory ? 'Hide history' : 'Show history'}
    </button>
    ${showHistory && html`<${History} path=${`/patients/${p.id}/history`} kind="patient" label="Patient details history" />`}
  </section>`;
}

/** Admins: merge another record of the same person into this one (POST /patients/{id}/merge). */
function MergeDuplicate({ patient, onClose }) {
  const [q, setQ] = useState(patient.family_name);
  const form = useForm({ duplicate_id: '', reason: '' }, ['duplicate_id', 'reason']);
  const found = useLoad(() => (q.trim() ? get('/patients' + qs({ q: q.trim(), limit: 20 })) : Promise.resolve(null)), [q]);
  const others = found.data ? found.data.items.filter((c) => c.id !== patient.id) : [];
  const onSubmit = form.submit(async (v) => {
    const merged = await post(`/patients/${patient.id}/merge`, { duplicate_id: v.duplicate_id, reason: v.reason.trim() });
    onClose(merged);
  });
  return html`<${Dialog} title="Merge a duplicate" onClose=${() => onClose(null)} wide>
    <p>The record chosen below is merged into <strong>${patient.given_name} ${patient.family_name}</strong>: its allergies, conditions,
      medications, statuses, clearances and screenings are kept and shown here, and it leaves the patient list. Nothing is deleted.</p>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Merge a duplicate">
      <${FormError} form=${form} />
      <div class="field">
        <label for="merge-q">Find the duplicate</label>
        <input id="merge-q" type="search" value=${q} autocomplete="off" onInput=${(e) => setQ(e.currentTarget.value)} />
      </div>
      <fieldset class="checks">
        <legend>Duplicate record</legend>
        ${found.error && html`<p class="field-error">${found.error.message}</p>`}
        ${found.data && others.length === 0 && html`<p class="muted">No other record matches.</p>`}
        ${others.map((c) => html`<label key=${c.id} class="field field-check" style="overflow-wrap: anywhere">
          <input type="radio" name="duplicate_id" value=${c.id} checked=${form.values.duplicate_id === c.id} onChange=${form.set('duplicate_id')} />
          <span><strong>${c.family_name}</strong>, ${c.given_name} <span class="muted">· born ${calendarDate(c.birth_date)}${c.phone ? ` · ${c.phone}` : ''}${c.email ? ` · ${c.email}` : ''}</span></span>
        </label>`)}
        ${form.errors.duplicate_id && html`<p class="field-error" role="alert">${form.errors.duplicate_id}</p>`}
      </fieldset>
      <${Field} form=${form} name="reason" label="Why these are the same person" required hint="Kept in both records’ history." />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy || !form.values.duplicate_id}>${form.busy ? 'Merging…' : 'Merge into this record'}</button>
        <button type="button" class="btn btn-ghost" onClick=${() => onClose(null)}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/**
 * The strip a practitioner must not miss: allergies and pregnancy/breastfeeding.  It says
 * only what was recorded: an allergy list nobody asked about is "not asked", never "none".
 */
function Alerts({ facts }) {
  const V = useVocab();
  const allergies = facts.allergies.data ? facts.allergies.data.items.filter((a) => a.status === 'active') : null;
  const status = facts.status.data && facts.status.data.items[0];
  const statements = facts.allergy_statements.data;
  if (!allergies || !statements || V.loading) return null;
  const nka = statements.items.find((x) => x.status !== 'entered_in_error');
  // Without the vocabulary the record is still right, but names show as stored codes: say so.
  const vocabNote = V.error && html`<p class="alert alert-info" role="status">
    Names for coded entries could not be loaded (${V.error.message}); codes are shown as stored.</p>`;
  const chips = [];
  for (const a of allergies)
    chips.push(html`<li class="chip chip-danger">Allergy: ${factName('allergies', a, V)}${a.reaction ? ` (${a.reaction})` : ''}</li>`);
  if (allergies.length === 0 && !nka) chips.push(html`<li class="chip chip-warn">Allergies not asked yet</li>`);
  // Answers are "yes", "no" or "not_sure" (not sure is not no).
  for (const [k, yes, unsure] of [['pregnant', 'Pregnant', 'Pregnancy: not sure'], ['breastfeeding', 'Breastfeeding', 'Breastfeeding: not sure']])
    if (status && (status[k] === 'yes' || status[k] === 'not_sure')) chips.push(html`<li class="chip chip-danger">${status[k] === 'yes' ? yes : unsure}</li>`);
  const known = [];
  if (allergies.length === 0 && nka) known.push('No known allergies');
  if (status && status.pregnant === 'no' && status.breastfeeding === 'no') known.push(known.length ? 'not pregnant or breastfeeding' : 'Not pregnant or breastfeeding');
  return html`<div class="alerts" role="region" aria-label="Clinical alerts">
    ${vocabNote}
    ${chips.length > 0 && html`<ul class="chips">${chips}</ul>`}
    ${known.length > 0 && html`<p class="chip chip-ok">${known.join(', ')}</p>`}
  </div>`;
}

function useFact(id, kind, enabled, includeAll) {
  return useLoad(() => (enabled ? get(`/patients/${id}/${kind}${includeAll ? '?include=all' : ''}`) : Promise.resolve(null)), [id, kind, enabled, includeAll]);
}

export function PatientScreen({ id }) {
  const session = useSession();
  const clinical = session.can('clinical_read');
  const canWriteClinical = session.can('clinical_write');
  const patient = useLoad(() => get(`/patients/${id}`), [id]);
  const [showAll, setShowAll] = useState({ allergies: false, conditions: false, medications: false });
  const facts = {
    allergies: useFact(id, 'allergies', clinical, false),
    conditions: useFact(id, 'conditions', clinical, showAll.conditions),
    medications: useFact(id, 'medications', clinical, showAll.medications),
    status: useFact(id, 'status', clinical, false),
    allergy_statements: useFact(id, 'allergy_statements', clinical, false),
  };
  // Entered-in-error allergies are listed separately so the alert strip uses the live list.
  const allergiesAll = useFact(id, 'allergies', clinical && showAll.allergies, true);
  const clearances = useFact(id, 'clearances', clinical, false);
  const questionnaires = useFact(id, 'questionnaires', clinical, false);
  const toReview = questionnaires.data ? questionnaires.data.items.filter((q) => q.status === 'submitted').length : 0;
  // Counts changes to facts and clearances, so a screening shown earlier is marked out of date.
  const [tick, setTick] = useState(0);
  const bump = () => setTick((t) => t + 1);
  const [merging, setMerging] = useState(false);
  const isAdmin = !!(session.me && session.me.staff && session.me.staff.role === 'admin');

  // A link to a panel (the day's "what is missing": #consents-h, #screening-h, #clearances-h)
  // scrolls to it once the page is there.
  useEffect(() => {
    const el = patient.data && location.hash && document.getElementById(location.hash.slice(1));
    if (el) requestAnimationFrame(() => el.scrollIntoView({ block: 'start' }));
  }, [patient.data]);

  if (patient.error) return html`<section class="page"><${PageTitle}>Patient<//><${Alert}>${sentence(patient.error.message)}<//></section>`;
  if (!patient.data) return html`<section class="page"><${Spinner} /></section>`;
  const p = patient.data;
  const name = `${p.given_name} ${p.family_name}`;
  // A merged record: where it went, and its own details and history; its facts are there.
  if (p.merged_into)
    return html`<section class="page patient-page">
      <p class="crumbs"><${Link} href="/patients">Patients<//> ›</p>
      <${PageTitle} title=${name}>${p.family_name}, ${p.given_name}<//>
      <div class="alert alert-info" role="status">This record was merged into another record of the same person; its facts and screenings are kept there.
        ${' '}<${Link} href=${`/patients/${p.merged_into}`}>Open the surviving record<//></div>
      <${Details} patient=${p} canWrite=${false} />
    </section>`;

  const panel = (kind, list) => html`<${FactPanel}
    key=${kind}
    kind=${kind}
    patientId=${id}
    list=${list}
    canWrite=${canWriteClinical}
    showAll=${showAll[kind]}
    onShowAll=${(v) => setShowAll((s) => ({ ...s, [kind]: v }))}
    onChanged=${() => { facts[kind].reload(); if (kind === 'allergies') { allergiesAll.reload(); facts.allergy_statements.reload(); } bump(); }}
  />`;

  return html`<section class="page patient-page">
    <p class="crumbs"><${Link} href="/patients">Patients<//> ›</p>
    <div class="patient-head">
      <div>
        <${PageTitle} title=${name}>${p.family_name}, ${p.given_name}<//>
        <p class="patient-sub">${calendarDate(p.birth_date)} · ${age(p.birth_date)} years · ${SEX_LABELS[p.sex] || p.sex}${p.fitzpatrick ? ` · Fitzpatrick type ${FITZPATRICK[p.fitzpatrick - 1]}` : ''}</p>
      </div>
      ${clinical && html`<nav class="patient-links" aria-label="Patient tools">
        <${Link} href=${`/patients/${id}/patch-tests`} class="btn btn-small">Patch tests<//>
        <${Link} href=${`/patients/${id}/formulation`} class="btn btn-small">Formulation builder<//>
      </nav>`}
    </div>
    ${merging && html`<${MergeDuplicate} patient=${p} onClose=${(merged) => {
      setMerging(false);
      if (merged) { patient.reload(); for (const f of Object.values(facts)) f.reload(); allergiesAll.reload(); clearances.reload(); bump(); }
    }} />`}
    ${p.merged_from && p.merged_from.length > 0 && html`<p class="muted merged-note">Merged from ${p.merged_from.length === 1 ? 'another record' : `${p.merged_from.length} other records`}:
      ${p.merged_from.map((m, i) => html`${i ? ', ' : ' '}<${Link} href=${`/patients/${m}`}>${m.slice(0, 8)}<//>`)}</p>`}
    ${clinical && html`<${Alerts} facts=${facts} />`}
    ${toReview > 0 &&
    html`<div class="alert alert-info review-note" role="status">
      The patient has answered a pre-consultation questionnaire: review and confirm the answers before screening.
      <a href="#q-h" onClick=${(e) => { e.preventDefault(); const el = document.getElementById('q-h'); el.scrollIntoView({ block: 'start' }); }}>Go to the answers</a>
    </div>`}
    <div class="patient-grid">
      <div class="patient-side">
        <${Details} patient=${p} canWrite=${session.can('demographics_write')} />
        ${clinical && html`<${CoursesPanel} patientId=${id} canPlan=${canWriteClinical} />`}
        ${clinical && html`<${PatientSessionsPanel} patientId=${id} />`}
        ${isAdmin && html`<p class="merge-action"><button type="button" class="btn btn-small" onClick=${() => setMerging(true)}>Merge a duplicate</button></p>`}
        ${clinical && html`<${StatusPanel} patientId=${id} patient=${p} list=${facts.status} canWrite=${canWriteClinical} onChanged=${() => { facts.status.reload(); bump(); }} />`}
        ${clinical && html`<${ClearancesPanel} patientId=${id} list=${clearances} canWrite=${session.can('clearance_write')} onChanged=${() => { clearances.reload(); bump(); }} />`}
        ${(clinical || session.can('demographics_write')) && html`<${QuestionnairePanel} patientId=${id} list=${questionnaires} canWrite=${canWriteClinical} canRead=${clinical}
          onConfirmed=${() => { for (const f of Object.values(facts)) f.reload(); allergiesAll.reload(); bump(); }} />`}
        <${ConsentPanel} patientId=${id} />
      </div>
      <div class="patient-main">
        ${clinical
          ? [
              html`<${ScreeningPanel} key="screening" patientId=${id} factsTick=${tick} clearances=${clearances}
                onClearancesChanged=${() => { clearances.reload(); bump(); }} />`,
              panel('allergies', showAll.allergies ? allergiesAll : facts.allergies),
              panel('conditions', facts.conditions),
              panel('medications', facts.medications),
              html`<${ComplicationsPanel} key="complications" patientId=${id} />`,
            ]
          : html`<section class="card panel notice-panel"><p>Clinical records are visible to clinical staff only.</p></section>`}
      </div>
    </div>
  </section>`;
}

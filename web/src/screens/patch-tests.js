// Patch tests of a patient: apply one (named ingredients, or a lot from stock whose dose is
// recorded with it), read it on the ICDRG scale inside its reading windows, see its outcome.
// The scale and the windows are the server's (GET /patch-tests/kb); every time is shown in
// the clinic's zone, labelled. A reading outside every window is refused by the server
// (422 on read_at): the refusal is shown with the windows it names, in clinic time.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, instant, sentence, todayInClinic } from '../format.js';
import { html, Link, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { useKb, useVocab } from '../vocab.js';
import { sourceInfo } from '../screening.js';
import { ChipGroup } from './screening-panel.js';
import { ZoneNote, clinicToUtc, ml, FormActions } from '../stock-common.js';
import './stock.css';

const OUTCOMES = {
  positive: ['Positive: allergy', 'badge-danger'],
  negative: ['Negative', 'badge-ok'],
  doubtful: ['Doubtful: not negative', 'badge-warn'],
  irritant: ['Irritant: not negative', 'badge-warn'],
  pending: ['Waiting for readings', 'badge-info'],
  not_read: ['Not read in time', 'badge-muted'],
};

/** UTC instants inside a server message, in clinic time ("3 Dec 2026, 11:51 GMT"). */
const instantsInText = (text) => sentence(String(text || '').replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\b/g, (t) => instant(t)));

function ApplyDialog({ patientId, onClose, onSaved }) {
  const V = useVocab();
  const session = useSession();
  const available = useLoad(() => get('/stock/available'), []);
  const [mode, setMode] = useState('ingredients');
  const [ingredients, setIngredients] = useState([]);
  const form = useForm({ lot_id: '', volume_ml: '', site: '', note: '' }, ['lot_id', 'volume_ml', 'vial_id', 'site', 'note', 'applied_at']);
  const [ingError, setIngError] = useState(null);
  const lots = [];
  for (const it of (available.data && available.data.items) || [])
    for (const l of it.lots || []) lots.push({ ...l, product: it.product });
  const chosen = lots.find((l) => l.id === form.values.lot_id);
  const onSubmit = form.submit(async (v) => {
    setIngError(null);
    const body = { site: v.site };
    if (v.note.trim()) body.note = v.note.trim();
    if (mode === 'ingredients') body.ingredients = ingredients;
    else {
      body.lot_id = v.lot_id;
      body.volume_ml = v.volume_ml.trim();
      const vial = chosen && chosen.open_vials && chosen.open_vials[0];
      if (chosen && chosen.product.presentation === 'multi_dose' && vial) body.vial_id = vial.id;
    }
    try {
      onSaved(await post(`/patients/${patientId}/patch-tests`, body));
    } catch (e) {
      const list = e.errors && e.errors.length ? e.errors : [{ field: e.field, message: e.message }];
      const ing = list.find((x) => x.field && x.field.startsWith('ingredients'));
      if (ing && mode === 'ingredients') {
        setIngError(sentence(ing.message));
        if (list.length === 1) return;
      }
      throw e;
    }
  });
  const areas = [['', 'Choose the site…'], ...V.list('area').map((a) => [a.code, a.label])];
  return html`<${Dialog} title="Apply a patch test" onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Apply a patch test">
      <${FormError} form=${form} />
      <fieldset class="checks">
        <legend>What is tested</legend>
        <label class="radio-line"><input type="radio" name="pt-mode" checked=${mode === 'ingredients'} onChange=${() => setMode('ingredients')} /> Named ingredients</label>
        <label class="radio-line"><input type="radio" name="pt-mode" checked=${mode === 'lot'} onChange=${() => setMode('lot')} /> A product lot from stock (the dose is recorded and taken from stock)</label>
      </fieldset>
      ${mode === 'ingredients'
        ? html`<${ChipGroup} legend="Ingredients" name="ingredients" options=${V.list('ingredient').map((i) => ({ code: i.code, label: i.label }))}
            selected=${ingredients} onToggle=${(c) => { setIngError(null); setIngredients((s) => (s.includes(c) ? s.filter((x) => x !== c) : [...s, c])); }} error=${ingError} />`
        : html`<div class="grid-2">
            <${Field} form=${form} name="lot_id" label="Lot" type="select" required
              options=${[['', available.loading ? 'Loading stock…' : 'Choose a lot…'], ...lots.map((l) => [l.id, `${l.product.name} · lot ${l.lot_number}`])]} />
            <${Field} form=${form} name="volume_ml" label="Volume (ml)" inputmode="decimal" required autocomplete="off" hint="e.g. 0.05" />
          </div>
          ${chosen && chosen.product.presentation === 'multi_dose' && html`<p class="hint">${chosen.open_vials && chosen.open_vials.length ? `Drawn from the open vial (${ml(chosen.open_vials[0].remaining_ml)} left).` : 'No open vial of this lot: open one from the lot’s page first.'}</p>`}`}
      <${Field} form=${form} name="site" label="Site" type="select" options=${areas} required />
      <${Field} form=${form} name="note" label="Note" type="textarea" />
      <p class="hint">Applied now, by ${session.me.staff.display_name}.</p>
      <${FormActions} busy=${form.busy} label="Apply the patch test" busyLabel="Applying…" onClose=${onClose} />
    </form>
  <//>`;
}

function ReadingDialog({ patientId, test, scale, kb, onClose, onSaved }) {
  const form = useForm({ grade: '', read_date: '', read_time: '', note: '' }, ['grade', 'read_at', 'read_date', 'note']);
  const [refusal, setRefusal] = useState(null);
  const onSubmit = form.submit(async (v) => {
    setRefusal(null);
    if (!v.grade) throw Object.assign(new Error('Choose the grade you read.'), { field: 'grade' });
    const body = { grade: v.grade };
    if (v.read_date || v.read_time) {
      const at = clinicToUtc(v.read_date, v.read_time);
      if (!at) throw Object.assign(new Error('Give both the date and the time of the reading, or neither (now).'), { field: 'read_date' });
      body.read_at = at;
    }
    if (v.note.trim()) body.note = v.note.trim();
    try {
      onSaved(await post(`/patients/${patientId}/patch-tests/${test.id}/readings`, body));
    } catch (e) {
      if (e.field === 'read_at') {
        setRefusal(instantsInText(String(e.message).replace(/^read_at /, 'the reading time ')));
        return;
      }
      throw e;
    }
  });
  const sources = (g) => (g.sources || []).map((k) => sourceInfo(k, kb).title).join('; ');
  return html`<${Dialog} title="Record a reading" onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Record a reading">
      <${FormError} form=${form} />
      ${refusal && html`<div class="form-error reading-refused" role="alert" tabindex="-1"><strong>The reading was refused:</strong> ${refusal}</div>`}
      <fieldset class=${'checks' + (form.errors.grade ? ' has-error' : '')}>
        <legend>Grade (ICDRG)</legend>
        <div class="grade-list">
          ${scale.map((g) => html`<label class="grade-opt" key=${g.code}>
            <input type="radio" name="grade" value=${g.code} checked=${form.values.grade === g.code} onChange=${form.set('grade')} />
            <strong>${g.label}</strong>
            <span class="muted">${g.meaning}${g.counts_as !== 'negative' && g.counts_as !== 'positive' ? ' Not negative: the caution stays.' : ''}</span>
          </label>`)}
        </div>
        ${form.errors.grade && html`<p class="field-error" role="alert">${sentence(form.errors.grade)}</p>`}
        <p class="hint">Scale: ${scale.length ? sources(scale[0]) : ''}</p>
      </fieldset>
      <div class="time-pair">
        <${Field} form=${form} name="read_date" label="Read on (optional)" type="date" max=${todayInClinic()} />
        <${Field} form=${form} name="read_time" label="At (optional)" type="time" />
      </div>
      <p class="hint">Clinic time. Leave both empty for now.</p>
      <${Field} form=${form} name="note" label="Note" type="textarea" />
      <${FormActions} busy=${form.busy} label="Record reading" busyLabel="Saving…" onClose=${onClose} />
    </form>
  <//>`;
}

function TestCard({ t, scale, canWrite, onRead }) {
  const session = useSession();
  const V = useVocab();
  const o = t.outcome || {};
  const [label, cls] = OUTCOMES[o.result] || [o.result, 'badge-muted'];
  const grade = (code) => (scale.find((g) => g.code === code) || { label: code }).label;
  const now = Date.now();
  return html`<li class="card pt-card" data-test=${t.id} data-outcome=${o.result}>
    <div class="pt-top">
      <strong>${(t.ingredients || []).map((c) => V.label('ingredient', c)).join(', ')}</strong>
      <span class=${`badge badge-lg ${cls}`}>${label}</span>
    </div>
    <p class="small">At ${V.label('area', t.site)} · applied ${instant(t.applied_at)} by ${session.staffName(t.applied_by)}${t.lot_id ? ' · from a stock lot (dose recorded)' : ''}</p>
    ${o.result === 'negative' && o.valid_until && html`<p class="small">Counts for screening until <strong>${calendarDate(o.valid_until)}</strong>${o.validity_months ? ` (${o.validity_months} months)` : ''}.</p>`}
    ${o.result === 'positive' && html`<p class="small text-danger">Recorded as an allergy to ${(t.ingredients || []).map((c) => V.label('ingredient', c)).join(', ')}.</p>`}
    <ul class="windows" aria-label="Reading windows">
      ${(o.windows || []).map((w) => {
        const open = Date.parse(w.opens_at) <= now && now <= Date.parse(w.closes_at);
        const state = w.reading ? 'read' : open ? 'open' : Date.parse(w.closes_at) < now ? 'closed' : 'later';
        return html`<li key=${w.code} class="window" data-window=${w.code} data-state=${state}>
          <div class="window-h">${w.label.charAt(0).toUpperCase() + w.label.slice(1)}${w.final ? ' (final)' : ''}
            ${state === 'open' && html` <span class="badge badge-ok">Open now</span>`}</div>
          <div class="small">${instant(w.opens_at)} to ${instant(w.closes_at)}</div>
          <div class="small">${w.reading ? html`Read: <strong>${grade(w.reading)}</strong>` : state === 'closed' ? html`<span class="muted">Not read</span>` : html`<span class="muted">Not read yet</span>`}</div>
        </li>`;
      })}
    </ul>
    ${(t.readings || []).length > 0 &&
    html`<ul class="plain small pt-readings">${t.readings.map((r) => html`<li key=${r.id}>${grade(r.grade)} · ${instant(r.read_at)} (${r.hours_after} h after) · ${session.staffName(r.read_by)}${r.note ? ` · ${r.note}` : ''}</li>`)}</ul>`}
    ${canWrite && html`<div class="actions"><button type="button" class="btn btn-small btn-primary" onClick=${() => onRead(t)}>Record a reading…</button></div>`}
  </li>`;
}

export function PatchTestsScreen({ id }) {
  const session = useSession();
  const { data: kb } = useKb();
  const patient = useLoad(() => get(`/patients/${id}`), [id]);
  const ptkb = useLoad(() => get('/patch-tests/kb'), []);
  const tests = useLoad(() => get(`/patients/${id}/patch-tests`), [id]);
  const [dialog, setDialog] = useState(null);
  const [notice, setNotice] = useState(null);
  if (!session.can('clinical_read')) return html`<section class="page"><${PageTitle}>Patch tests<//><p>Patch tests are for clinical staff.</p></section>`;
  if (patient.error) return html`<section class="page"><${PageTitle}>Patch tests<//><${Alert}>${patient.error.message}<//></section>`;
  if (!patient.data) return html`<section class="page"><${Spinner} /></section>`;
  const p = patient.data;
  const scale = (ptkb.data && ptkb.data.scale) || [];
  const windows = (ptkb.data && ptkb.data.windows) || [];
  const canWrite = session.can('clinical_write');
  return html`<section class="page stock-page">
    <p class="crumbs"><${Link} href="/patients">Patients<//> › <${Link} href=${`/patients/${id}`}>${p.family_name}, ${p.given_name}<//> ›</p>
    <div class="page-head">
      <${PageTitle} title=${`Patch tests: ${p.given_name} ${p.family_name}`}>Patch tests<//>
      ${canWrite && html`<button type="button" class="btn btn-primary" onClick=${() => { setNotice(null); setDialog({ a: 'apply' }); }}>+ Apply a patch test</button>`}
    </div>
    <p class="muted">For <strong>${p.given_name} ${p.family_name}</strong>. Read ${windows.map((w) => `${w.label} (${w.from_hours}–${w.to_hours} h after application${w.final ? ', final' : ''})`).join(' and ')}.
      A positive reading records the tested ingredients as allergies; only a negative final reading counts as a negative test. <${ZoneNote} /></p>
    ${ptkb.error && html`<${Alert}>${ptkb.error.message}<//>`}
    ${notice && html`<p class="notice-ok stock-notice" role="status">${notice}</p>`}
    ${tests.error && html`<${Alert}>${tests.error.message}<//>`}
    ${!tests.data && !tests.error && html`<${Spinner} />`}
    ${tests.data && tests.data.items.length === 0 && html`<p class="empty">No patch test yet.</p>`}
    ${tests.data && html`<ul class="pt-list" aria-label="Patch tests">${tests.data.items.map((t) => html`<${TestCard} key=${t.id} t=${t} scale=${scale} canWrite=${canWrite} onRead=${(x) => { setNotice(null); setDialog({ a: 'read', t: x }); }} />`)}</ul>`}
    ${dialog && dialog.a === 'apply' && html`<${ApplyDialog} patientId=${id} onClose=${() => setDialog(null)} onSaved=${() => { setDialog(null); setNotice('Patch test applied.'); tests.reload(); }} />`}
    ${dialog && dialog.a === 'read' && html`<${ReadingDialog} patientId=${id} test=${dialog.t} scale=${scale} kb=${kb} onClose=${() => setDialog(null)}
      onSaved=${(t) => { setDialog(null); setNotice(t.outcome && t.outcome.result === 'positive' ? 'Reading recorded: positive. The tested ingredients are now on the allergy list.' : 'Reading recorded.'); tests.reload(); }} />`}
  </section>`;
}

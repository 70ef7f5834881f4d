// The formulation builder for a patient: concerns and areas in (POST
// /patients/{id}/formulations/build), ranked candidates out, each with its rationale
// (concern -> ingredient -> source) and cautions, and every candidate left out with each
// reason, its rule and sources. A custom mixture (products and volumes) is composed from a
// candidate or from scratch and saved (POST /patients/{id}/formulations); a mixture the
// checks block is refused (409) with every reason shown, and nothing is stored.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, instant, todayInClinic } from '../format.js';
import { html, Link, useLoad, DateInput, PageTitle, Spinner, Alert } from '../ui.js';
import { fieldMessage } from '../api.js';
import { useSession } from '../session.js';
import { useKb, useVocab } from '../vocab.js';
import { ruleName, sourceInfo, withDates } from '../screening.js';
import { ChipGroup } from './screening-panel.js';
import { expiryText } from '../stock-common.js';
import './stock.css';

const REASONS = {
  allergy: 'Allergy',
  screening: 'Screening',
  incompatibility: 'Incompatible in one syringe',
  never_inject: 'Never to be injected',
  unmixed_only: 'Only unmixed',
  regulatory: 'Regulatory status',
  unknown_ingredient: 'Unknown ingredient',
  not_in_stock: 'Not in stock',
};
const reasonLabel = (r) => REASONS[r] || String(r || '').replace(/_/g, ' ');

function Sources({ keys, kb, lead = ' · ' }) {
  const list = (keys || []).map((k) => sourceInfo(k, kb));
  if (!list.length) return null;
  return html`<span class="muted small">${lead}${list.map((x, i) => html`${i ? '; ' : ''}${x.url ? html`<a href=${x.url} target="_blank" rel="noopener noreferrer" title=${x.key}>${x.title}</a>` : html`<span title=${x.key}>${x.title}</span>`}`)}</span>`;
}

/** One reason (or caution): what, the message, the rule by name, the sources; a missing fact. */
function Reason({ r, kb, names }) {
  return html`<li data-reason=${r.reason} data-rule=${r.rule}>
    <span class=${`badge ${r.class === 'caution' || r.reason === 'not_in_stock' ? 'badge-warn' : 'badge-danger'}`}>${reasonLabel(r.reason)}</span>
    ${r.missing && html`<span class="badge badge-warn">Not recorded</span>`}
    ${' '}${withDates(r.message)}
    ${r.product && names && names.get(r.product) && html` <span class="muted small">(${names.get(r.product)})</span>`}
    <div class="muted small">Rule: ${ruleName(r.rule, kb)}<${Sources} keys=${r.sources} kb=${kb} /></div>
  </li>`;
}

function Candidate({ c, kb, V, names, onCompose }) {
  return html`<li class="card candidate" data-rank=${c.rank} data-type=${c.type}>
    <div class="candidate-top">
      <span class="rank" aria-label=${`Rank ${c.rank}`}>${c.rank}</span>
      <span class="candidate-name">${c.products.map((p) => p.name).join(' + ')}</span>
      ${c.type === 'mixture' && html`<span class="badge badge-info">Mixture</span>`}
      <span class="muted small">covers ${c.covers.map((k) => V.concern(k)).join(', ')}</span>
    </div>
    <ul class="rationale" aria-label="Rationale">
      ${c.rationale.map((x, i) => html`<li key=${i}><strong>${V.concern(x.concern)}</strong><span class="arrow" aria-label="addressed by">→</span>${V.label('ingredient', x.ingredient)}
        ${names.get(x.product) && html`<span class="muted small"> in ${names.get(x.product)}</span>`}<span class="arrow" aria-hidden="true">→</span><${Sources} keys=${x.sources} kb=${kb} lead="" />
        ${x.note && html`<div class="muted small">${x.note}</div>`}</li>`)}
    </ul>
    <p class="small">${c.products.map((p) => html`<span>${p.name}: ${(p.lots || []).map((l) => `lot ${l.lot_number}, expiry ${expiryText(l.expiry)}, ${l.remaining} left`).join('; ') || 'no lot'}. </span>`)}</p>
    ${c.cautions.length > 0 && html`<p class="sub-h small">Cautions</p><ul class="reasons">${c.cautions.map((r, i) => html`<${Reason} key=${i} r=${r} kb=${kb} names=${names} />`)}</ul>`}
    ${onCompose && html`<div class="actions"><button type="button" class="btn btn-small" onClick=${() => onCompose(c)}>Compose a mixture from this</button></div>`}
  </li>`;
}

function Excluded({ x, kb, V, names }) {
  return html`<li class="card exclusion" data-type=${x.type} data-products=${x.products.map((p) => p.name).join(' + ')}>
    <div class="candidate-top">
      <span class="candidate-name">${x.products.map((p) => p.name).join(' + ')}</span>
      ${x.type === 'mixture' && html`<span class="badge badge-info">Mixture</span>`}
      ${x.covers && x.covers.length > 0 && html`<span class="muted small">would cover ${x.covers.map((k) => V.concern(k)).join(', ')}</span>`}
    </div>
    <ul class="reasons" aria-label="Reasons">${x.reasons.map((r, i) => html`<${Reason} key=${i} r=${r} kb=${kb} names=${names} />`)}</ul>
  </li>`;
}

/** Errors of a request by group: concerns[1] -> concerns, areas[0] -> areas, else _form. */
function groupErrors(err, groups) {
  const out = {};
  const list = err.errors && err.errors.length ? err.errors : [{ field: err.field, message: err.message }];
  for (const e of list) {
    const g = groups.find((k) => e.field && (e.field === k || e.field.startsWith(`${k}[`) || e.field.startsWith(`${k}.`)));
    const msg = fieldMessage(e);
    out[g || '_form'] = out[g || '_form'] ? `${out[g || '_form']} ${msg}` : msg;
  }
  return out;
}

function MixtureComposer({ patientId, plan, preset, products, kb, V, onSaved }) {
  const active = products.filter((p) => p.status === 'active');
  const [name, setName] = useState(preset ? preset.products.map((p) => p.name).join(' + ') : '');
  const [rows, setRows] = useState(preset ? preset.products.map((p) => ({ product_id: p.id, volume_ml: '' })) : [{ product_id: '', volume_ml: '' }]);
  const [notes, setNotes] = useState('');
  const [errors, setErrors] = useState({});
  const [refused, setRefused] = useState(null);
  const [busy, setBusy] = useState(false);
  const setRow = (i, k) => (e) => {
    const v = e.currentTarget.value;
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
    setErrors((s) => ({ ...s, [`mixture.components[${i}].${k}`]: undefined, _form: undefined }));
    setRefused(null);
  };
  const save = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setRefused(null);
    try {
      const body = {
        name: name.trim(),
        mixture: { components: rows.map((r) => ({ product_id: r.product_id, volume_ml: r.volume_ml.trim() })), areas: plan.areas },
        planned_date: plan.date,
      };
      if (plan.concerns.length) body.mixture.concerns = plan.concerns;
      if (notes.trim()) body.notes = notes.trim();
      const m = await post(`/patients/${patientId}/formulations`, body);
      onSaved(m);
    } catch (err) {
      if (err.status === 409 && err.reasons) setRefused({ message: err.message, reasons: err.reasons, cautions: err.cautions || [] });
      else {
        const out = {};
        for (const fe of err.errors && err.errors.length ? err.errors : [{ field: err.field, message: err.message }]) {
          const known = fe.field && (/^mixture\.components\[\d+\]\.(product_id|volume_ml)$/.test(fe.field) || fe.field === 'name' || fe.field === 'notes');
          out[known ? fe.field : '_form'] = fieldMessage(fe);
        }
        setErrors(out);
      }
    } finally {
      setBusy(false);
    }
  };
  const names = new Map(products.map((p) => [p.id, p.name]));
  const err = (f) => errors[f] && html`<p class="field-error" role="alert"><span aria-hidden="true">⚠ </span>${errors[f]}</p>`;
  return html`<form class="card fm-form" onSubmit=${save} novalidate aria-label="Compose a mixture" data-form="mixture">
    <h2 class="fm-section-h">Compose a mixture</h2>
    <p class="small muted">Checked for this patient on ${calendarDate(plan.date)} at ${plan.areas.map((a) => V.label('area', a)).join(', ') || 'no area yet'}, as the builder checks a candidate.</p>
    ${errors._form && html`<div class="form-error" role="alert">${errors._form}</div>`}
    ${refused &&
    html`<div class="mixture-refused" role="alert">
      <strong>The mixture is refused: nothing was saved.</strong>
      <ul class="reasons">${refused.reasons.map((r, i) => html`<${Reason} key=${i} r=${r} kb=${kb} names=${names} />`)}</ul>
    </div>`}
    <div class=${'field' + (errors.name ? ' has-error' : '')}>
      <label for="mx-name">Name</label>
      <input id="mx-name" name="name" value=${name} onInput=${(e) => setName(e.currentTarget.value)} autocomplete="off" />
      ${err('name')}
    </div>
    ${rows.map((r, i) => html`<div key=${i} class="comp-line" data-component=${i}>
      <div class=${'field' + (errors[`mixture.components[${i}].product_id`] ? ' has-error' : '')}>
        <label for=${`mx-p${i}`}>Product ${i + 1}</label>
        <select id=${`mx-p${i}`} name=${`mixture.components[${i}].product_id`} value=${r.product_id} onChange=${setRow(i, 'product_id')}>
          <option value="">Choose…</option>
          ${active.map((p) => html`<option value=${p.id}>${p.name}</option>`)}
        </select>
        ${err(`mixture.components[${i}].product_id`)}
      </div>
      <div class=${'field' + (errors[`mixture.components[${i}].volume_ml`] ? ' has-error' : '')}>
        <label for=${`mx-v${i}`}>Volume (ml)</label>
        <input id=${`mx-v${i}`} name=${`mixture.components[${i}].volume_ml`} inputmode="decimal" value=${r.volume_ml} onInput=${setRow(i, 'volume_ml')} autocomplete="off" />
        ${err(`mixture.components[${i}].volume_ml`)}
      </div>
      ${rows.length > 1 && html`<button type="button" class="btn btn-small btn-ghost-danger row-remove" onClick=${() => setRows((rs) => rs.filter((_, j) => j !== i))}>Remove</button>`}
    </div>`)}
    <button type="button" class="btn btn-small" onClick=${() => setRows((rs) => [...rs, { product_id: '', volume_ml: '' }])}>+ Another product</button>
    <div class="field" style="margin-top: 12px">
      <label for="mx-notes">Notes</label>
      <textarea id="mx-notes" name="notes" rows="2" value=${notes} onInput=${(e) => setNotes(e.currentTarget.value)}></textarea>
    </div>
    <div class="actions"><button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Checking…' : 'Check and save the mixture'}</button></div>
  </form>`;
}

function SavedMixtures({ list, names, V }) {
  const session = useSession();
  if (list.error) return html`<${Alert}>${list.error.message}<//>`;
  if (!list.data) return html`<${Spinner} />`;
  const items = list.data.items || [];
  if (!items.length) return html`<p class="empty">No mixture saved yet.</p>`;
  return html`<ul class="mixtures" aria-label="Saved mixtures">
    ${items.map((m) => {
      const comps = (m.mixture && m.mixture.components) || [];
      const cautions = (m.checks && m.checks.cautions) || [];
      return html`<li key=${m.id} class="card mixture" data-name=${m.name}>
        <div class="candidate-top"><strong>${m.name || 'Mixture'}</strong> <span class="badge">${m.status}</span>
          ${cautions.length > 0 && html`<span class="badge badge-warn">${cautions.length} caution${cautions.length === 1 ? '' : 's'}</span>`}</div>
        <p class="small">${comps.map((c) => `${names.get(c.product_id) || c.product_id} ${c.volume_ml} ml`).join(' + ')} · ${((m.mixture && m.mixture.areas) || []).map((a) => V.label('area', a)).join(', ')}</p>
        <p class="record-meta">For ${calendarDate(m.planned_date)} · v${m.version} · ${session.staffName(m.recorded_by)} · ${instant(m.recorded_at)}</p>
      </li>`;
    })}
  </ul>`;
}

export function FormulationScreen({ id }) {
  const session = useSession();
  const { data: kb } = useKb();
  const V0 = useVocab();
  const patient = useLoad(() => get(`/patients/${id}`), [id]);
  const concerns = useLoad(() => get('/kb/concerns'), []);
  const products = useLoad(() => get('/products'), []);
  const saved = useLoad(() => get(`/patients/${id}/formulations`), [id]);
  const [plan, setPlan] = useState({ concerns: [], areas: [], date: todayInClinic() });
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const [compose, setCompose] = useState(null); // {preset, key}
  const [notice, setNotice] = useState(null);
  const concernList = (concerns.data && concerns.data.concerns) || [];
  const concernLabel = new Map(concernList.map((c) => [c.code, c.label]));
  const V = { ...V0, concern: (c) => concernLabel.get(c) || c };
  const names = new Map(((products.data && products.data.items) || []).map((p) => [p.id, p.name]));
  const toggle = (k) => (code) => {
    setPlan((p) => ({ ...p, [k]: p[k].includes(code) ? p[k].filter((x) => x !== code) : [...p[k], code] }));
    setErrors((s) => ({ ...s, [k]: undefined, _form: undefined }));
  };
  const build = async (e) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      setResult(await post(`/patients/${id}/formulations/build`, plan));
    } catch (err) {
      setResult(null);
      setErrors(groupErrors(err, ['concerns', 'areas', 'date']));
    } finally {
      setBusy(false);
    }
  };
  if (!session.can('clinical_read')) return html`<section class="page"><${PageTitle}>Formulation builder<//><p>The formulation builder is for clinical staff.</p></section>`;
  if (patient.error) return html`<section class="page"><${PageTitle}>Formulation builder<//><${Alert}>${patient.error.message}<//></section>`;
  if (!patient.data) return html`<section class="page"><${Spinner} /></section>`;
  const p = patient.data;
  const ran = result && result.concerns;
  return html`<section class="page stock-page">
    <p class="crumbs"><${Link} href="/patients">Patients<//> › <${Link} href=${`/patients/${id}`}>${p.family_name}, ${p.given_name}<//> ›</p>
    <${PageTitle} title=${`Formulation builder: ${p.given_name} ${p.family_name}`}>Formulation builder<//>
    <p class="muted">For <strong>${p.given_name} ${p.family_name}</strong>: the products in stock (and pairs of them) that address the concerns, checked against this patient's record.</p>
    <form class="card fm-form" onSubmit=${build} novalidate aria-label="Build formulations">
      ${errors._form && html`<div class="form-error" role="alert">${errors._form}</div>`}
      ${concerns.error && html`<${Alert}>${concerns.error.message}<//>`}
      <${ChipGroup} legend="Concerns" name="concerns" options=${concernList.map((c) => ({ code: c.code, label: c.label }))} selected=${plan.concerns} onToggle=${toggle('concerns')} error=${errors.concerns} />
      <${ChipGroup} legend="Areas" name="areas" options=${V0.list('area').map((a) => ({ code: a.code, label: a.label }))} selected=${plan.areas} onToggle=${toggle('areas')} error=${errors.areas} />
      <div class=${'field fm-date' + (errors.date ? ' has-error' : '')}>
        <label for="fm-date">Planned date</label>
        <${DateInput} id="fm-date" name="date" value=${plan.date} onInput=${(e) => setPlan({ ...plan, date: e.currentTarget.value })} />
        ${errors.date && html`<p class="field-error" role="alert">${errors.date}</p>`}
      </div>
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${busy}>${busy ? 'Building…' : 'Build'}</button>
        ${session.can('clinical_write') && html`<button type="button" class="btn" onClick=${() => setCompose({ preset: null, key: Date.now() })}>Compose a mixture</button>`}
      </div>
    </form>
    ${notice && html`<p class="notice-ok stock-notice" role="status">${notice}</p>`}
    ${compose && session.can('clinical_write') &&
    html`<${MixtureComposer} key=${compose.key} patientId=${id} plan=${plan} preset=${compose.preset} products=${(products.data && products.data.items) || []} kb=${kb} V=${V}
      onSaved=${(m) => { setCompose(null); setNotice(`Mixture “${m.name}” saved.`); saved.reload(); }} />`}
    ${ran &&
    html`<div class="fm-result" data-built=${result.concerns.join(',')}>
      <p class="small muted">Built for ${calendarDate(result.date)} · ${result.jurisdiction} · knowledge base ${result.kb && result.kb.version}</p>
      ${result.not_addressed && result.not_addressed.length > 0 && html`<p class="alert alert-info" role="status">No candidate in stock addresses: ${result.not_addressed.map((k) => V.concern(k)).join(', ')}.</p>`}
      <h2 class="fm-section-h">Candidates <span class="count">${result.candidates.length}</span></h2>
      ${result.candidates.length === 0 ? html`<p class="empty">No product in stock passes the checks for these concerns.</p>`
        : html`<ol class="candidates" aria-label="Candidates">${result.candidates.map((c) => html`<${Candidate} key=${c.rank} c=${c} kb=${kb} V=${V} names=${names}
            onCompose=${session.can('clinical_write') ? (x) => { setCompose({ preset: x, key: Date.now() }); requestAnimationFrame(() => { const f = document.querySelector('[data-form="mixture"]'); if (f) f.scrollIntoView({ block: 'start' }); }); } : null} />`)}</ol>`}
      ${result.truncated && html`<p class="muted small">More candidates passed; the best 50 are shown.</p>`}
      <h2 class="fm-section-h">Left out <span class="count">${result.excluded.length}</span></h2>
      ${result.excluded.length === 0 ? html`<p class="empty">Nothing was left out.</p>`
        : html`<ul class="exclusions" aria-label="Left out">${result.excluded.map((x, i) => html`<${Excluded} key=${i} x=${x} kb=${kb} V=${V} names=${names} />`)}</ul>`}
      ${result.not_relevant > 0 && html`<p class="muted small">${result.not_relevant} other product${result.not_relevant === 1 ? '' : 's'} in stock address none of these concerns.</p>`}
    </div>`}
    <h2 class="fm-section-h">Saved mixtures</h2>
    <${SavedMixtures} list=${saved} names=${names} V=${V} />
  </section>`;
}

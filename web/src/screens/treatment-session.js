// A treatment session (/sessions/{id}; issue 10 item 7): the charted visit through its
// states (checked_in -> prechecked -> in_progress -> completed -> signed_off, chart.h).
//   checked in / prechecked: the materials (lots and vials, the needle lot) and the
//     precheck panel: every gate with pass, fail or not recorded, what would satisfy it and
//     a link to where it is put right; run again after fixing; then Start the treatment;
//   in progress: the injection record on the kb's body maps (chart-editor.js) and the
//     completion checklist with Complete the session;
//   completed / signed off: the chart read-only, the completion checks, the aftercare
//     preview (print, PDF), the medical director's sign-off, addenda.
// The photos (before and after, by view) are beside it throughout. The server is the
// judge of every gate and check: a refusal is shown as it comes (409 with every check).
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, getBlob, post } from '../api.js';
import { calendarDate, instant, sentence } from '../format.js';
import { html, Link, useLoad, useForm, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { reviewReason, checksOf, checkStatus, eventLine, gateFix, gateTitle, items, loadChartKb, loadMaps, loadPolicy, loadSession, previewGates, sessionPath, sourceKeys, STATES, stateBadge, stateLabel } from '../chart.js';
import { ChartEditor, ChartView } from './chart-editor.js';
import { LotInput, loadChartStock } from './lot-input.js';
import { PhotosPanel } from './photos.js';
import { loadCourse, loadProtocols } from './course.js';
import { ComplicationsPanel } from './complication.js';
import { SessionCheckinsPanel } from './checkin-panel.js';
import './admin.css';
import './stock.css';
import './schedule.css';
import './chart.css';

const personName = (p) => (p ? `${p.family_name}, ${p.given_name}` : 'Patient');

function Steps({ state }) {
  const at = STATES.findIndex((x) => x[0] === state);
  return html`<ol class="steps" aria-label="Where the session is">
    ${STATES.map(([code, label], i) => html`<li key=${code} class=${`step${i < at ? ' is-done' : ''}${i === at ? ' is-current' : ''}`} aria-current=${i === at ? 'step' : undefined}>
      <span class="step-dot" aria-hidden="true">${i < at ? '✓' : i + 1}</span><span class="step-label">${label}</span></li>`)}
  </ol>`;
}

/** Every check of a gate or completion item, failing ones first, each with how to satisfy it. */
export function Checklist({ checks, s, label }) {
  const order = { fail: 0, unknown: 1, pass: 2 };
  const list = [...checks].sort((a, b) => (order[a.status] ?? 1) - (order[b.status] ?? 1));
  return html`<ul class="checklist plain" aria-label=${label}>
    ${list.map((c, i) => {
      const [word, cls, icon] = checkStatus(c.status);
      const fix = c.status !== 'pass' && gateFix(c, s);
      return html`<li key=${(c.gate || c.code || '') + i} class=${`check check-${c.status}`} data-gate=${c.gate || c.code} data-status=${c.status}>
        <div class="check-top"><span class="check-icon" aria-hidden="true">${icon}</span><span class="check-title">${gateTitle(c.gate || c.code, c)}</span><span class=${`badge ${cls}`}>${word}</span></div>
        ${c.message && html`<p class="check-msg">${sentence(c.message)}</p>`}
        ${c.status !== 'pass' && c.satisfy && html`<p class="check-satisfy"><strong>To satisfy:</strong> ${sentence(c.satisfy)}</p>`}
        ${(fix || c.rule || sourceKeys(c).length > 0) && html`<p class="check-foot small">
          ${fix && (fix[0].startsWith('#') ? html`<a class="check-fix" href=${fix[0]}>${fix[1]} ›</a>` : html`<${Link} class="check-fix" href=${fix[0]}>${fix[1]} ›<//>`)}
          ${c.rule && html`<span class="muted"> Rule <span class="mono">${c.rule}</span></span>`}${sourceKeys(c).length > 0 && html`<span class="muted"> · sources ${sourceKeys(c).join(', ')}</span>`}</p>`}
      </li>`;
    })}
  </ul>`;
}

/** The materials and the gates: run the prechecks (again), then start the treatment. */
function PrecheckPanel({ s, stock, onChanged }) {
  const session = useSession();
  const m = s.materials || {};
  const [lots, setLots] = useState(() => (items(m.lots).length ? items(m.lots).map((l) => ({ lot_id: l.lot_id, vial_id: l.vial_id || '' })) : [{ lot_id: '' }]));
  const [needle, setNeedle] = useState({ lot_id: m.needle_lot_id || '' });
  const [checks, setChecks] = useState(() => items(s.prechecks && s.prechecks.checks));
  const [ran, setRan] = useState(!!(s.prechecks && s.prechecks.passed_at));
  const ranRef = useRef(false);
  // Where the gates stand now, before anything is sent (a read: nothing is written).
  useEffect(() => {
    if (checks.length) return;
    let live = true;
    previewGates(s.id).then((r) => live && !ranRef.current && setChecks(items(r && r.checks)), () => {});
    return () => {
      live = false;
    };
  }, [s.id]);
  const [errors, setErrors] = useState({});
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState('');
  const canWrite = session.can('chart_write');
  const ok = checks.length > 0 && checks.every((c) => c.status === 'pass');
  const run = async (what) => {
    ranRef.current = true;
    setBusy(what);
    setErr(null);
    setErrors({});
    try {
      const body = what === 'start' ? { version: s.version } : { materials: { lots: lots.filter((l) => l.lot_id).map((l) => (l.vial_id ? { lot_id: l.lot_id, vial_id: l.vial_id } : { lot_id: l.lot_id })), needle_lot_id: needle.lot_id || undefined }, version: s.version };
      const out = await post(sessionPath(s.id, what === 'start' ? '/start' : '/precheck'), body);
      if (out && out.prechecks) setChecks(items(out.prechecks.checks));
      setRan(true);
      onChanged(out);
    } catch (e) {
      const cs = checksOf(e);
      setRan(true);
      if (cs.length) {
        setChecks(cs);
      } else if (e.field && /^materials/.test(e.field)) {
        setErrors({ [e.field]: sentence(e.message) });
      } else setErr(e);
    } finally {
      setBusy('');
    }
  };
  const failing = checks.filter((c) => c.status !== 'pass').length;
  return html`<section class="card panel" aria-labelledby="prechecks-h" data-kind="prechecks" id="prechecks">
    <header class="panel-head"><h2 id="prechecks-h">Prechecks</h2>
      ${ran && checks.length > 0 && html`<span class=${`badge ${ok ? 'badge-ok' : 'badge-danger'}`} data-prechecks=${ok ? 'pass' : 'fail'}>${ok ? 'Every gate passes' : `${failing} gate${failing === 1 ? '' : 's'} not passed`}</span>`}</header>
    <p class="hint">Every gate must pass before the treatment starts; none can be skipped. Fix what fails where it is linked, then run the prechecks again.</p>
    <h3 class="sub-h" id="materials-h">Materials</h3>
    <div class="materials">
      ${lots.map((l, i) => html`<div key=${i} class="material-row">
        <${LotInput} label=${`Product lot ${i + 1}`} name=${`materials.lots[${i}].lot_id`} vialName=${`materials.lots[${i}].vial_id`} lots=${stock.drug} value=${l}
          onChange=${(v) => { setLots((ls) => ls.map((x, j) => (j === i ? v : x))); setErrors({}); }} error=${errors[`materials.lots[${i}].lot_id`] || errors[`materials.lots[${i}]`]} vialError=${errors[`materials.lots[${i}].vial_id`]} />
        ${lots.length > 1 && html`<button type="button" class="btn btn-small btn-ghost" onClick=${() => setLots((ls) => ls.filter((_, j) => j !== i))}>Remove lot ${i + 1}</button>`}
      </div>`)}
      <button type="button" class="btn btn-small" onClick=${() => setLots((ls) => [...ls, { lot_id: '' }])}>+ Another lot</button>
      <${LotInput} label="Needle lot" name="materials.needle_lot_id" lots=${stock.needle} value=${needle} onChange=${(v) => { setNeedle(v); setErrors({}); }} error=${errors['materials.needle_lot_id']} hint="The needles’ lot: type or scan it (Enter)." />
    </div>
    ${err && html`<${Alert}>${sentence(err.message)}<//>`}
    ${checks.length > 0 && html`<h3 class="sub-h">The gates</h3><${Checklist} checks=${checks} s=${s} label="Prechecks" />`}
    ${canWrite && html`<div class="actions">
      <button type="button" class="btn btn-primary" disabled=${!!busy} onClick=${() => run('precheck')}>${busy === 'precheck' ? 'Checking…' : ran ? 'Run the prechecks again' : 'Run the prechecks'}</button>
      ${s.state === 'prechecked' && html`<button type="button" class="btn btn-primary" disabled=${!!busy} onClick=${() => run('start')}>${busy === 'start' ? 'Starting…' : 'Start the treatment'}</button>`}
    </div>`}
  </section>`;
}

/** The completion checklist: the stored one, or the last refusal's; Complete the session. */
function CompletionPanel({ s, onChanged }) {
  const session = useSession();
  const [checks, setChecks] = useState(() => items(s.completion && s.completion.checks));
  const [err, setErr] = useState(null);
  const [busy, setBusy] = useState(false);
  const tried = useRef(false);
  // While in progress, the checklist as it stands now (GET .../completion: nothing written).
  useEffect(() => {
    if (s.state !== 'in_progress') return;
    let live = true;
    get(sessionPath(s.id, '/completion')).then((r) => live && !tried.current && setChecks(items(r && r.checks)), () => {});
    return () => {
      live = false;
    };
  }, [s.id, s.version]);
  const complete = async () => {
    tried.current = true;
    setBusy(true);
    setErr(null);
    try {
      const out = await post(sessionPath(s.id, '/complete'), { version: s.version });
      setChecks(items(out.completion && out.completion.checks));
      onChanged(out);
    } catch (e) {
      const cs = checksOf(e);
      if (cs.length) setChecks(cs);
      else setErr(e);
    } finally {
      setBusy(false);
    }
  };
  const done = s.state === 'completed' || s.state === 'signed_off';
  const failing = checks.filter((c) => c.status !== 'pass').length;
  return html`<section class="card panel" aria-labelledby="completion-h" data-kind="completion" id="completion">
    <header class="panel-head"><h2 id="completion-h">Completion checklist</h2>
      ${checks.length > 0 && html`<span class=${`badge ${failing ? 'badge-danger' : 'badge-ok'}`} data-completion=${failing ? 'fail' : 'pass'}>${failing ? `${failing} item${failing === 1 ? '' : 's'} missing` : 'Complete'}</span>`}</header>
    ${done && s.completion && s.completion.completed_at && html`<p class="small">Completed ${instant(s.completion.completed_at)}</p>`}
    ${!done && !checks.length && html`<p class="hint">The chart is complete with the before photos, a lot and vial for every dose and the needle lot, notes, consent and screening, and the after photos the clinic asks for. Completing the session generates the aftercare and marks the course session done.</p>`}
    ${checks.length > 0 && html`<${Checklist} checks=${checks} s=${s} label="Completion checklist" />`}
    ${err && html`<${Alert}>${sentence(err.message)}<//>`}
    ${!done && session.can('chart_write') && html`<div class="actions"><button type="button" class="btn btn-primary" disabled=${busy} onClick=${complete}>${busy ? 'Checking…' : 'Complete the session'}</button></div>`}
  </section>`;
}

/** Download the session's aftercare PDF (fetched with the token). */
async function downloadPdf(id) {
  const blob = await getBlob(sessionPath(id, '/aftercare.pdf'));
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = `aftercare-${id}.pdf`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Print only the aftercare (the print stylesheet hides the rest while this class is set). */
function printAftercare() {
  const root = document.documentElement;
  root.classList.add('print-aftercare');
  const done = () => {
    root.classList.remove('print-aftercare');
    removeEventListener('afterprint', done);
  };
  addEventListener('afterprint', done);
  window.print();
  setTimeout(done, 1000);
}

/**
 * The aftercare as given: the stored exact text (blocks separated by a blank line, each
 * block's first line its heading, the first block the title), or before completion the
 * preview's sections; the red flags' block stands out, phone numbers are links.
 */
export function AftercareDoc({ a }) {
  const rf = a.red_flags && !Array.isArray(a.red_flags) ? a.red_flags : { items: items(a.red_flags) };
  const src = (x) => (sourceKeys(x).length ? html` <span class="src small">(${sourceKeys(x).join(', ')})</span>` : '');
  if (a.text && (a.stored || !items(a.sections).length)) {
    const blocks = String(a.text).split(/\n\s*\n/).map((b) => b.split('\n').filter((l) => l.trim()));
    const [title, ...rest] = blocks;
    return html`<article class="aftercare-doc" lang=${a.language || 'en'} data-aftercare data-stored=${a.stored ? 'true' : 'false'}>
      <h3 class="aftercare-title">${(title || [])[0] || 'Aftercare'}</h3>
      ${(title || []).slice(1).map((l) => html`<p>${l}</p>`)}
      ${rest.map((b, i) => {
        const red = rf.heading && b[0] === rf.heading;
        return html`<section key=${i} class=${red ? 'red-flags' : 'aftercare-section'} data-red-flags=${red ? '' : undefined}>
          <h4>${b[0]}</h4>
          ${b.length > 2 || /^[-•*] /.test(b[1] || '') ? html`<ul>${b.slice(1).map((l) => html`<li>${l.replace(/^[-•*]\s+/, '')}</li>`)}</ul>` : b.slice(1).map((l) => html`<p>${l}</p>`)}
        </section>`;
      })}
    </article>`;
  }
  const clinic = a.clinic || {};
  const next = a.next_appointment;
  return html`<article class="aftercare-doc" lang=${a.language || 'en'} data-aftercare data-stored="false">
    <h3 class="aftercare-title">${a.title || 'Aftercare'}</h3>
    ${items(rf.items).length > 0 && html`<section class="red-flags" data-red-flags>
      <h4>${rf.heading || 'Call the clinic at once if you notice'}</h4>
      <ul>${items(rf.items).map((f, i) => html`<li key=${i}>${typeof f === 'string' ? f : f.text}${src(f)}</li>`)}</ul>
    </section>`}
    ${items(a.sections).map((sec, i) => html`<section key=${i} class="aftercare-section">
      <h4>${sec.heading || sec.title}</h4>
      <ul>${items(sec.items).map((it, j) => html`<li key=${j}>${typeof it === 'string' ? it : it.text}${src(it)}${it.note ? html` <em class="small">${it.note}</em>` : ''}</li>`)}</ul>
    </section>`)}
    ${next && html`<section class="aftercare-section"><h4>${next.heading || 'Your next appointment'}</h4><p>${typeof next === 'string' ? next : next.text}</p></section>`}
    ${(clinic.name || clinic.phone) && html`<section class="aftercare-section"><h4>${clinic.heading || 'The clinic'}</h4>
      <p>${clinic.name}${clinic.phone ? html` · <a href=${`tel:${String(clinic.phone).replace(/\s+/g, '')}`}>${clinic.phone}</a>` : ''}</p></section>`}
    ${items(a.unknown).length > 0 && html`<p class="hint">${items(a.unknown).map((u) => u.message).join(' ')}</p>`}
  </article>`;
}

function AftercarePanel({ s }) {
  const ac = useLoad(() => get(sessionPath(s.id, '/aftercare')), [s.id, s.version]);
  const [pdfErr, setPdfErr] = useState(null);
  const a = ac.data;
  const onPdf = async () => {
    setPdfErr(null);
    try {
      await downloadPdf(s.id);
    } catch (e) {
      setPdfErr(e);
    }
  };
  return html`<section class="card panel" aria-labelledby="aftercare-h" data-kind="aftercare" id="aftercare">
    <header class="panel-head"><h2 id="aftercare-h">Aftercare</h2>
      <div class="panel-tools">
        <button type="button" class="btn btn-small" onClick=${printAftercare} disabled=${!a}>Print</button>
        <button type="button" class="btn btn-small" onClick=${onPdf}>${s.aftercare && s.aftercare.sha256 ? 'Download PDF' : 'Download PDF (preview)'}</button>
      </div></header>
    ${s.aftercare && s.aftercare.generated_at && html`<p class="small muted">Given ${instant(s.aftercare.generated_at)}${s.aftercare.kb_version ? ` · kb ${s.aftercare.kb_version}` : ''}${s.aftercare.sha256 ? html` · <span class="mono">${String(s.aftercare.sha256).slice(0, 12)}</span>` : ''}</p>`}
    ${!(s.aftercare && s.aftercare.sha256) && html`<p class="hint" data-aftercare-preview>A preview: the aftercare is given, and stored with the session exactly as given, when the session is completed.</p>`}
    ${pdfErr && html`<${Alert}>${sentence(pdfErr.message)}<//>`}
    ${ac.error && html`<${Alert}>${sentence(ac.error.message)}<//>`}
    ${!a && !ac.error && html`<${Spinner} />`}
    ${a && html`<${AftercareDoc} a=${a} />`}
  </section>`;
}

function SignoffPanel({ s, onChanged }) {
  const session = useSession();
  const form = useForm({ note: '' }, ['note']);
  const review = s.review || {};
  const reasons = items(review.reasons);
  const own = s.practitioner_id === session.me.staff.id;
  const onSubmit = form.submit(async (v) => onChanged(await post(sessionPath(s.id, '/signoff'), { note: v.note.trim() || undefined, version: s.version })));
  return html`<section class="card panel" aria-labelledby="signoff-h" data-kind="signoff" id="signoff">
    <header class="panel-head"><h2 id="signoff-h">Sign-off</h2>
      ${s.state === 'signed_off' ? html`<span class="badge badge-ok">Signed off</span>` : review.selected ? html`<span class="badge badge-warn">Set for review</span>` : html`<span class="badge badge-muted">Awaiting sign-off</span>`}</header>
    ${reasons.length > 0 && html`<p class="small" data-review>Set for review: ${reasons.map(reviewReason).join('; ')}.</p>`}
    ${s.state === 'signed_off' && html`<p data-signed-off>Signed off by <strong>${session.staffName(s.signed_off_by)}</strong>, ${instant(s.signed_off_at)}.</p>`}
    ${s.state === 'completed' && !session.can('chart_signoff') && html`<p class="hint">A medical director signs off completed charts.</p>`}
    ${s.state === 'completed' && session.can('chart_signoff') && (own
      ? html`<p class="hint">You charted this session: another medical director signs it off.</p>`
      : html`<form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Sign off the chart">
        <${FormError} form=${form} />
        <${Field} form=${form} name="note" label="Note (optional)" type="textarea" />
        <div class="actions"><button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Signing…' : 'Sign off the chart'}</button></div>
      </form>`)}
  </section>`;
}

function AddendaPanel({ s, onChanged }) {
  const session = useSession();
  const form = useForm({ text: '' }, ['text']);
  const list = items(s.addenda);
  const onSubmit = form.submit(async (v) => {
    const out = await post(sessionPath(s.id, '/addenda'), { text: v.text.trim(), version: s.version });
    form.setValues({ text: '' });
    onChanged(out);
  });
  return html`<section class="card panel" aria-labelledby="addenda-h" data-kind="addenda" id="addenda">
    <header class="panel-head"><h2 id="addenda-h">Addenda${list.length > 0 && html` <span class="count">${list.length}</span>`}</h2></header>
    ${s.state === 'signed_off' && html`<p class="hint">The chart is signed off: it is corrected only by an addendum, which adds to it and changes nothing else.</p>`}
    ${list.length === 0 && html`<p class="empty">No addendum.</p>`}
    ${list.length > 0 && html`<ol class="plain addenda">${list.map((a, i) => html`<li key=${i} class="addendum" data-addendum=${i}><p class="prewrap">${a.text}</p><p class="record-meta">${session.staffName(a.by)} · ${instant(a.at)}</p></li>`)}</ol>`}
    ${session.can('chart_write') || session.can('chart_signoff')
      ? html`<form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Add an addendum">
        <${FormError} form=${form} />
        <${Field} form=${form} name="text" label="Addendum" type="textarea" required maxlength="4000" />
        <div class="actions"><button type="submit" class="btn" disabled=${form.busy}>${form.busy ? 'Adding…' : 'Add the addendum'}</button></div>
      </form>`
      : null}
  </section>`;
}

function CancelDialog({ s, onClose, onDone }) {
  const form = useForm({ reason: '' }, ['reason']);
  const onSubmit = form.submit(async (v) => onDone(await post(sessionPath(s.id, '/cancel'), { reason: v.reason.trim(), version: s.version })));
  return html`<${Dialog} title="Cancel the session" onClose=${onClose}>
    <p>Nothing has been injected: the session is cancelled with your reason and kept in the record.</p>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Cancel the session">
      <${FormError} form=${form} />
      <${Field} form=${form} name="reason" label="Reason" type="textarea" required />
      <div class="actions">
        <button type="submit" class="btn btn-danger" disabled=${form.busy}>Cancel the session</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Back</button>
      </div>
    </form>
  <//>`;
}

function Versions({ s }) {
  const session = useSession();
  const h = useLoad(() => get(sessionPath(s.id, '/history')), [s.id, s.version]);
  const list = items(h.data).slice().sort((a, b) => (b.version || 0) - (a.version || 0));
  if (h.error) return html`<p class="small muted">${sentence(h.error.message)}</p>`;
  return html`<ol class="plain versions">${list.map((v) => html`<li key=${v.version} class="version-row"><span class="version">v${v.version}</span> ${stateLabel(v.state)} · ${session.staffName(v.recorded_by)} · ${instant(v.recorded_at)}${v.reason && v.reason !== 'recorded' ? html`<div class="small">Reason: ${v.reason}</div>` : ''}</li>`)}</ol>`;
}

export function SessionScreen({ id }) {
  const session = useSession();
  const data = useLoad(() => loadSession(id), [id]);
  const maps = useLoad(() => loadMaps(), []);
  const stock = useLoad(() => loadChartStock().catch(() => ({ drug: [], needle: [] })), [id]);
  const policy = useLoad(() => loadPolicy(), []);
  const chartKb = useLoad(() => loadChartKb(), []);
  // The course's protocol: its techniques and each area's depth, angle and needles (hints).
  const sid = data.data && data.data.course_id;
  const protocol = useLoad(async () => {
    if (!sid) return null;
    const c = await loadCourse(sid).catch(() => null);
    const ps = c && (await loadProtocols().catch(() => null));
    return (ps && items(ps).find((p) => p.code === c.protocol)) || null;
  }, [sid]);
  const [cur, setCur] = useState(null);
  const [cancelling, setCancelling] = useState(false);
  const [showVersions, setShowVersions] = useState(false);
  const [amending, setAmending] = useState(false);
  if (data.error) return html`<section class="page"><${PageTitle}>Session<//><${Alert}>${sentence(data.error.message)}<//></section>`;
  if (!data.data || !stock.data || chartKb.loading) return html`<section class="page"><${Spinner} /></section>`;
  const s = cur && cur.id === data.data.id && cur.version >= data.data.version ? { ...cur, patient: data.data.patient } : data.data;
  const onChanged = (out) => (out && out.id ? setCur(out) : data.reload());
  const p = s.patient;
  const mapList = (maps.data && maps.data.maps) || [];
  const title = `Session${s.course_session ? ` ${s.course_session}` : ''}: ${personName(p)}`;
  const canWrite = session.can('chart_write');
  const before = s.state === 'checked_in' || s.state === 'prechecked';
  const after = s.state === 'completed' || s.state === 'signed_off';
  return html`<section class="page session-page" data-session=${s.id} data-state=${s.state}>
    <p class="crumbs"><${Link} href=${`/patients/${s.patient_id}`}>${personName(p)}<//>${s.course_id && html` › <${Link} href=${`/courses/${s.course_id}`}>Course<//>`} › Session</p>
    <div class="page-head">
      <${PageTitle} title=${title}>${title} <span class=${`badge badge-lg ${stateBadge(s.state)}`} data-state-badge>${stateLabel(s.state)}</span><//>
      ${before && canWrite && html`<button type="button" class="btn btn-ghost-danger" onClick=${() => setCancelling(true)}>Cancel session…</button>`}
    </div>
    <p class="session-meta small">${s.day ? calendarDate(s.day) : ''} · ${session.staffName(s.practitioner_id)}${items(s.events)[0] ? ` · checked in ${instant(items(s.events)[0].at)}` : ''}</p>
    ${s.state === 'cancelled' ? html`<div class="alert alert-error" role="status">Cancelled: ${s.reason || ''}</div>` : html`<${Steps} state=${s.state} />`}
    ${maps.error && html`<${Alert}>The body maps could not be loaded: ${sentence(maps.error.message)}<//>`}
    <div class="session-grid">
      <div class="session-main">
        ${before && html`<${PrecheckPanel} key=${s.state} s=${s} stock=${stock.data} onChanged=${onChanged} />`}
        ${s.state === 'in_progress' && html`<section class="card panel" aria-labelledby="chart-h" data-kind="chart" id="chart">
          <header class="panel-head"><h2 id="chart-h">Injection record</h2></header>
          ${!maps.data && !maps.error && html`<${Spinner} label="Loading the maps…" />`}
          ${maps.data && (canWrite ? html`<${ChartEditor} key=${s.id} s=${s} maps=${mapList} stock=${stock.data} protocol=${protocol.data} onSaved=${onChanged} />` : html`<${ChartView} s=${s} maps=${mapList} stock=${stock.data} />`)}
        </section>`}
        ${s.state === 'in_progress' && html`<${CompletionPanel} key=${'c' + s.version} s=${s} onChanged=${onChanged} />`}
        ${s.state === 'in_progress' && html`<${AftercarePanel} s=${s} />`}
        ${after && html`<section class="card panel" aria-labelledby="chart-h" data-kind="chart" id="chart">
          <header class="panel-head"><h2 id="chart-h">Injection record</h2>
            ${s.state === 'completed' && canWrite && html`<button type="button" class="btn btn-small" aria-expanded=${amending} onClick=${() => setAmending(!amending)}>${amending ? 'Stop amending' : 'Amend the chart…'}</button>`}</header>
          ${s.state === 'signed_off' && html`<p class="hint">Signed off: the chart is kept as it is; add an addendum to correct or add to it.</p>`}
          ${maps.data && (amending && s.state === 'completed'
            ? html`<${ChartEditor} key=${'amend' + s.id} s=${s} maps=${mapList} stock=${stock.data} protocol=${protocol.data} onSaved=${(out) => { setAmending(false); onChanged(out); }} />`
            : html`<${ChartView} s=${s} maps=${mapList} stock=${stock.data} />`)}
        </section>`}
        ${after && html`<${SignoffPanel} key=${'s' + s.version} s=${s} onChanged=${onChanged} />`}
        ${after && html`<${AftercarePanel} s=${s} />`}
      </div>
      <div class="session-side">
        <${PhotosPanel} s=${s} policy=${policy.data} canWrite=${canWrite} />
        ${after && html`<${CompletionPanel} key=${'c' + s.version} s=${s} onChanged=${onChanged} />`}
        ${after && html`<${AddendaPanel} key=${'a' + s.version} s=${s} onChanged=${onChanged} />`}
        ${(after || s.state === 'in_progress') && html`<${ComplicationsPanel} patientId=${s.patient_id} sessionId=${s.id} />`}
        ${after && html`<${SessionCheckinsPanel} sessionId=${s.id} />`}
        <section class="card panel" aria-labelledby="events-h" data-kind="events">
          <header class="panel-head"><h2 id="events-h">Record</h2></header>
          <ul class="plain events">${items(s.events).map((ev, i) => html`<li key=${i} class="small">${eventLine(ev, session.staffName)}</li>`)}</ul>
          <p class="record-meta">v${s.version} · ${session.staffName(s.recorded_by)} · ${instant(s.recorded_at)}</p>
          <button type="button" class="btn-link" aria-expanded=${showVersions} onClick=${() => setShowVersions(!showVersions)}>${showVersions ? 'Hide versions' : 'Show versions'}</button>
          ${showVersions && html`<${Versions} s=${s} />`}
        </section>
      </div>
    </div>
    ${cancelling && html`<${CancelDialog} s=${s} onClose=${() => setCancelling(false)} onDone=${(out) => { setCancelling(false); onChanged(out); }} />`}
  </section>`;
}

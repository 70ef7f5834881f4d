// The injection record of a session in progress (issue 10 items 3 and 7): the technique,
// numbing, start and end (clinic time on the session's day), the needle lot, and one entry
// per point or zone placed on the kb's SVG maps (points, volume, depth, angle, needle gauge
// and length, lot and vial). POST /sessions/{id}/chart; a refusal is shown beside the field
// it names (entries[2].depth_mm under entry 3's depth); warnings (a depth or angle outside
// the protocol's range) are listed with an acknowledge box each and the chart is sent again
// with the codes acknowledged. A chart already recorded is corrected as an amendment, with
// a reason. ChartView shows a recorded chart read-only.
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { instant, sentence } from '../format.js';
import { html, useId, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { clinicParts } from '../schedule.js';
import { clinicToUtc, ml } from '../stock-common.js';
import { items, sessionPath, sourceKeys, techniqueLabel, techniqueList } from '../chart.js';
import { BodyMap } from './body-map.js';
import { LotInput, lotLabel } from './lot-input.js';

const ENTRY_FIELDS = [
  ['points', 'Points', 'numeric', '1'],
  ['volume_ml', 'Volume (ml)', 'decimal', '0.1'],
  ['depth_mm', 'Depth (mm)', 'decimal', '2'],
  ['angle_deg', 'Angle (°)', 'numeric', '45'],
  ['needle_gauge', 'Needle gauge (G)', 'numeric', '30'],
  ['needle_length_mm', 'Needle length (mm)', 'decimal', '4'],
];
const NUM = (v) => (v === '' || v === undefined || v === null ? undefined : Number(String(v).replace(',', '.')));
const timeOf = (utc) => (utc ? (clinicParts(utc) || {}).time || '' : '');

/** The protocol's ranges for a zone's area ({area, depth_mm, angle_deg, needles}), or null. */
export function protocolArea(protocol, area) {
  return (protocol && area && items(protocol.areas).find((a) => a.area === area)) || null;
}
const range = (r, unit) => (r && r.min !== undefined ? `${r.min}–${r.max}${unit}${sourceKeys(r).length ? ` (${sourceKeys(r).join(', ')})` : ''}` : '');
/** "Protocol for Cheeks: depth 1–2 mm (S1, S3) · angle 30–45° (S3) · needles 30G 13 mm, 27G 4 mm". */
function ProtocolHint({ pa, label }) {
  if (!pa) return null;
  const needles = items(pa.needles).map((n) => `${n.gauge}G ${n.length_mm} mm`).join(', ');
  const parts = [pa.depth_mm && `depth ${range(pa.depth_mm, ' mm')}`, pa.angle_deg && `angle ${range(pa.angle_deg, '°')}`, needles && `needles ${needles}`].filter(Boolean);
  return html`<p class="hint entry-protocol">Protocol for ${label}: ${parts.join(' · ')}</p>`;
}

/** A small labelled number box of an entry, its server error under it. */
function EntryInput({ i, f, label, mode, placeholder, value, onInput, error }) {
  const id = useId(`e${i}-${f}`);
  return html`<div class=${`field field-compact${error ? ' has-error' : ''}`}>
    <label for=${id}>${label}</label>
    <input id=${id} name=${`entries[${i}].${f}`} inputmode=${mode} autocomplete="off" placeholder=${placeholder} value=${value ?? ''} onInput=${(e) => onInput(e.currentTarget.value)}
      aria-invalid=${error ? 'true' : undefined} aria-describedby=${error ? `${id}-err` : undefined} />
    ${error && html`<p class="field-error" id=${`${id}-err`} role="alert"><span aria-hidden="true">⚠ </span>${error}</p>`}
  </div>`;
}

/** A top-level control of the chart with its server error. */
function ChartField({ name, label, errors, children, hint }) {
  const e = errors[name];
  return html`<div class=${`field${e ? ' has-error' : ''}`} data-field=${name}>
    <label>${label}${children}</label>
    ${hint && html`<p class="hint">${hint}</p>`}
    ${e && html`<p class="field-error" role="alert"><span aria-hidden="true">⚠ </span>${e}</p>`}
  </div>`;
}

/** What one chart entry is, from the stored record into the editor's rows. */
function rowOf(e, stock) {
  const lot = stock.drug.find((l) => l.id === e.lot_id);
  return {
    map: e.map, x: e.x, y: e.y, zone: e.zone, zone_label: e.zone_label,
    points: e.points ?? '', volume_ml: e.volume_ml ?? '', depth_mm: e.depth_mm ?? '', angle_deg: e.angle_deg ?? '',
    needle_gauge: e.needle_gauge ?? '', needle_length_mm: e.needle_length_mm ?? '',
    lot: { lot_id: e.lot_id || '', vial_id: e.vial_id || '', text: lot ? lot.lot_number : e.lot_number || '' },
  };
}

const FIELD_WORDS = { depth_mm: 'Depth', angle_deg: 'Angle', needle_gauge: 'Needle gauge', needle_length_mm: 'Needle length', volume_ml: 'Volume' };
/** A warning's message with its leading member name in words ("angle_deg 60 degrees…" -> "Angle 60 degrees…"). */
const warningText = (w) => {
  const m = String(w.message || w.code || '');
  const f = /^([a-z_]+)\b/.exec(m);
  return sentence(f && FIELD_WORDS[f[1]] ? FIELD_WORDS[f[1]] + m.slice(f[1].length) : m);
};

/**
 * A warning of the chart: message, rule and sources; a pending one (onToggle: the 409 that
 * asks for it) with its acknowledge box, a stored one with who acknowledged it and when.
 */
export function WarningItem({ w, checked, onToggle, staffName }) {
  const id = useId('ack');
  return html`<li class="chart-warning" data-warning=${w.code}>
    <p class="chart-warning-msg"><span class="badge badge-warn">Warning</span> ${warningText(w)}</p>
    <p class="small muted">${w.field ? html`At <span class="mono">${w.field}</span>. ` : ''}${w.rule ? html`Rule <span class="mono">${w.rule}</span>` : ''}${sourceKeys(w).length ? ` · sources ${sourceKeys(w).join(', ')}` : ''}</p>
    ${!onToggle
      ? w.acknowledged_by && html`<p class="small">Acknowledged by ${staffName(w.acknowledged_by)}${w.acknowledged_at ? `, ${instant(w.acknowledged_at)}` : ''}</p>`
      : html`<div class="field field-check"><input type="checkbox" id=${id} name=${`acknowledge.${w.code}`} checked=${checked} onChange=${onToggle} /><label for=${id}>I have checked this and acknowledge it</label></div>`}
  </li>`;
}

export function ChartEditor({ s, maps, stock, protocol, onSaved }) {
  const session = useSession();
  const chart = s.chart || {};
  const materials = s.materials || {};
  const firstLot = items(materials.lots)[0];
  const amend = items(chart.entries).length > 0;
  const [v, setV] = useState(() => ({
    technique: chart.technique || '',
    numbing_agent: (chart.numbing && chart.numbing.agent) || '',
    numbing_minutes: (chart.numbing && chart.numbing.minutes) ?? '',
    start: timeOf(chart.started_at) || timeOf(new Date().toISOString()),
    end: timeOf(chart.ended_at),
    needle: { lot_id: chart.needle_lot_id || materials.needle_lot_id || '' },
    notes: chart.notes || '',
    reason: '',
  }));
  const [rows, setRows] = useState(() => items(chart.entries).map((e) => rowOf(e, stock)));
  const [sel, setSel] = useState(rows.length ? rows.length - 1 : -1);
  const [mapId, setMapId] = useState(() => (rows[0] && rows[0].map) || (maps[0] && maps[0].id));
  const [errors, setErrors] = useState({});
  const [formErr, setFormErr] = useState(null);
  const [warnings, setWarnings] = useState([]);
  const [acks, setAcks] = useState(() => new Set());
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const map = maps.find((m) => m.id === mapId) || maps[0];
  const set = (k) => (e) => {
    const val = e && e.currentTarget ? e.currentTarget.value : e;
    setV((x) => ({ ...x, [k]: val }));
    setErrors((x) => ({ ...x, [k === 'needle' ? 'needle_lot_id' : k]: undefined }));
    setSaved(false);
    changed();
  };
  // The warnings were about the values sent: a change sends the chart anew, to be checked again.
  const changed = () => {
    setWarnings([]);
    setAcks(new Set());
  };
  const setRow = (i, k, val) => {
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [k]: val } : r)));
    setErrors((x) => ({ ...x, [`entries[${i}].${k === 'lot' ? 'lot_id' : k}`]: undefined, [`entries[${i}]`]: undefined }));
    setSaved(false);
    changed();
  };
  // A new point takes the doses of the one before it (charting a face is many alike points),
  // or the first lot of the session's materials.
  const onPlace = (x, y, zone) => {
    setRows((rs) => {
      const prev = rs[rs.length - 1];
      const base = prev
        ? { points: prev.points, volume_ml: prev.volume_ml, depth_mm: prev.depth_mm, angle_deg: prev.angle_deg, needle_gauge: prev.needle_gauge, needle_length_mm: prev.needle_length_mm, lot: { ...prev.lot } }
        : { points: '1', volume_ml: '', depth_mm: '', angle_deg: '', needle_gauge: '', needle_length_mm: '', lot: firstLot ? { lot_id: firstLot.lot_id, vial_id: firstLot.vial_id || '' } : { lot_id: '' } };
      setSel(rs.length);
      return [...rs, { ...base, map: map.id, x, y, zone: zone.code, zone_label: zone.label }];
    });
    setSaved(false);
    changed();
  };
  const remove = (i) => {
    setRows((rs) => rs.filter((_, j) => j !== i));
    setErrors({});
    setSel(-1);
    changed();
  };
  const body = () => {
    const b = {
      technique: v.technique || undefined,
      started_at: clinicToUtc(s.day, v.start) || undefined,
      ended_at: clinicToUtc(s.day, v.end) || undefined,
      needle_lot_id: v.needle.lot_id || undefined,
      notes: v.notes.trim() || undefined,
      entries: rows.map((r) => {
        const e = { map: r.map, x: r.x, y: r.y, zone: r.zone };
        for (const [f] of ENTRY_FIELDS) if (NUM(r[f]) !== undefined) e[f] = NUM(r[f]);
        if (r.lot.lot_id) e.lot_id = r.lot.lot_id;
        if (r.lot.vial_id) e.vial_id = r.lot.vial_id;
        return e;
      }),
      version: s.version,
    };
    if (v.numbing_agent.trim()) b.numbing = { agent: v.numbing_agent.trim(), minutes: NUM(v.numbing_minutes) };
    if (amend) b.reason = v.reason.trim() || undefined;
    if (acks.size) b.acknowledge = [...acks];
    return b;
  };
  const save = async (e) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setErrors({});
    setFormErr(null);
    try {
      const out = await post(sessionPath(s.id, '/chart'), body());
      setWarnings([]);
      setAcks(new Set());
      setSaved(true);
      onSaved(out);
    } catch (err) {
      const ws = items(err.warnings || (err.detail && err.detail.warnings));
      if (err.status === 409 && (err.field === 'acknowledge' || ws.length)) {
        setWarnings(ws.length ? ws : [{ code: err.code, message: err.message, field: err.field }]);
        setFormErr(null);
      } else {
        const next = {};
        const other = [];
        const list = err.errors && err.errors.length ? err.errors : [{ field: err.field, message: err.message }];
        for (const fe of list) {
          const f = fe.field || '';
          const m = sentence(String(fe.message || '').replace(new RegExp(`^${f.replace(/[.[\]]/g, '\\$&')}:? `), ''));
          if (f && document.querySelector(`.chart-editor [name="${f}"], .chart-editor [data-field="${f}"]`)) next[f] = next[f] || m;
          else if (/^entries\[\d+\]$/.test(f) || /^entries\[\d+\]\.(x|y|zone|map)$/.test(f)) next[f.replace(/\.(x|y|zone|map)$/, '')] = m;
          else other.push(m);
        }
        setErrors(next);
        if (other.length || !Object.keys(next).length) setFormErr(other.join(' ') || sentence(err.message));
        const first = Object.keys(next)[0];
        const m = first && /^entries\[(\d+)\]/.exec(first);
        if (m) {
          setSel(Number(m[1]));
          if (rows[Number(m[1])]) setMapId(rows[Number(m[1])].map);
        }
        requestAnimationFrame(() => {
          const el = first && (document.querySelector(`.chart-editor [name="${first}"]`) || document.querySelector(`.chart-editor [data-entry-error="${first}"]`));
          if (el && el.focus) el.focus();
        });
      }
    } finally {
      setBusy(false);
    }
  };
  const onMap = rows.map((r, i) => ({ ...r, n: i + 1, i })).filter((r) => r.map === (map && map.id));
  // The course protocol's techniques (the server refuses any other).
  const allowed = protocol && protocol.techniques ? items(protocol.techniques.codes || protocol.techniques) : null;
  const zoneOf = (r) => {
    const m = maps.find((x) => x.id === r.map);
    return m && m.zones.find((z) => z.code === r.zone);
  };
  const techId = useId('technique');
  return html`<form class="chart-editor" onSubmit=${save} novalidate aria-label="Injection record">
    ${formErr && html`<div class="form-error" role="alert" tabindex="-1">${formErr}</div>`}
    <div class="chart-top">
      <div class=${`field${errors.technique ? ' has-error' : ''}`} data-field="technique">
        <label for=${techId}>Technique<span class="req" aria-hidden="true"> *</span></label>
        <select id=${techId} name="technique" value=${v.technique} onChange=${set('technique')} aria-invalid=${errors.technique ? 'true' : undefined}>
          <option value="">Choose…</option>
          ${(techniqueList().length ? techniqueList() : (allowed || []).map((c) => [c, techniqueLabel(c)]))
            .filter(([c]) => !allowed || allowed.includes(c) || c === v.technique)
            .map(([c, l]) => html`<option value=${c}>${l}</option>`)}
        </select>
        ${errors.technique && html`<p class="field-error" role="alert"><span aria-hidden="true">⚠ </span>${errors.technique}</p>`}
      </div>
      <${ChartField} name="numbing.agent" label="Numbing agent (optional)" errors=${errors}>
        <input name="numbing.agent" value=${v.numbing_agent} onInput=${set('numbing_agent')} autocomplete="off" placeholder="e.g. lidocaine 5% cream" />
      <//>
      <${ChartField} name="numbing.minutes" label="Numbing minutes" errors=${errors}>
        <input name="numbing.minutes" inputmode="numeric" value=${v.numbing_minutes} onInput=${set('numbing_minutes')} autocomplete="off" />
      <//>
      <${ChartField} name="started_at" label="Start (clinic time)" errors=${errors}>
        <input type="time" name="started_at" value=${v.start} onInput=${set('start')} />
      <//>
      <${ChartField} name="ended_at" label="End (clinic time)" errors=${errors}>
        <input type="time" name="ended_at" value=${v.end} onInput=${set('end')} />
      <//>
    </div>
    <${LotInput} label="Needle lot" name="needle_lot_id" lots=${stock.needle} value=${v.needle} onChange=${set('needle')} error=${errors.needle_lot_id} hint="The needles’ lot: type or scan it (Enter)." required />
    <div class="chart-work">
      <div class="chart-maps">
        <div class="seg map-tabs" role="tablist" aria-label="Maps">
          ${maps.map((m) => {
            const n = rows.filter((r) => r.map === m.id).length;
            return html`<button type="button" role="tab" class="seg-btn" aria-selected=${m.id === (map && map.id)} data-map-tab=${m.id} onClick=${() => setMapId(m.id)}>${m.label}${n ? html` <span class="count">${n}</span>` : ''}</button>`;
          })}
        </div>
        ${map && html`<${BodyMap} key=${map.id} map=${map} points=${onMap.map((r) => ({ x: r.x, y: r.y, n: r.n, selected: r.i === sel, error: Object.keys(errors).some((k) => k.startsWith(`entries[${r.i}]`)) }))}
          onPlace=${onPlace} onSelect=${(n) => setSel(n - 1)} />`}
      </div>
      <div class="chart-entries">
        <h3 class="sub-h">Points and zones <span class="count">${rows.length}</span></h3>
        ${rows.length === 0 && html`<p class="empty">Click or tap the map to place the first point.</p>`}
        <ol class="entries plain">
          ${rows.map((r, i) => {
            const m = maps.find((x) => x.id === r.map);
            const rowErr = errors[`entries[${i}]`];
            return html`<li key=${i} class=${`entry card-flush${i === sel ? ' is-selected' : ''}`} data-entry=${i} data-zone=${r.zone} onFocusIn=${() => setSel(i)}>
              <div class="entry-head">
                <button type="button" class="btn-link entry-title" onClick=${() => { setSel(i); setMapId(r.map); }}>${i + 1} · ${r.zone_label || r.zone}</button>
                <span class="small muted">${m ? m.label : r.map} (${r.x}, ${r.y})</span>
                <button type="button" class="btn btn-small btn-ghost" aria-label=${`Remove point ${i + 1}`} onClick=${() => remove(i)}>Remove</button>
              </div>
              ${rowErr && html`<p class="field-error" role="alert" tabindex="-1" data-entry-error=${`entries[${i}]`}><span aria-hidden="true">⚠ </span>${rowErr}</p>`}
              <${ProtocolHint} pa=${protocolArea(protocol, (zoneOf(r) || {}).area)} label=${r.zone_label || r.zone} />
              <div class="entry-grid">
                ${ENTRY_FIELDS.map(([f, label, mode, ph]) => html`<${EntryInput} key=${f} i=${i} f=${f} label=${label} mode=${mode} placeholder=${ph} value=${r[f]} onInput=${(val) => setRow(i, f, val)} error=${errors[`entries[${i}].${f}`]} />`)}
              </div>
              <${LotInput} label="Lot" name=${`entries[${i}].lot_id`} vialName=${`entries[${i}].vial_id`} lots=${stock.drug} value=${r.lot} onChange=${(val) => setRow(i, 'lot', val)}
                error=${errors[`entries[${i}].lot_id`]} vialError=${errors[`entries[${i}].vial_id`]} />
            </li>`;
          })}
        </ol>
      </div>
    </div>
    <${ChartField} name="notes" label="Notes" errors=${errors}>
      <textarea name="notes" rows="3" value=${v.notes} onInput=${set('notes')}></textarea>
    <//>
    ${amend && html`<${ChartField} name="reason" label="Reason for the amendment" errors=${errors} hint="The chart was recorded before: this is a new version with your reason; the earlier doses are marked entered in error.">
      <textarea name="reason" rows="2" value=${v.reason} onInput=${set('reason')}></textarea>
    <//>`}
    ${warnings.length > 0 && html`<div class="chart-warnings" role="alert" data-warnings>
      <p><strong>Check before saving:</strong> nothing was stored. Acknowledge each warning to record the chart as it is, or change it.</p>
      <ul class="plain">${warnings.map((w, i) => html`<${WarningItem} key=${i} w=${w} checked=${acks.has(w.code)} staffName=${session.staffName}
        onToggle=${() => setAcks((a) => { const n = new Set(a); n.has(w.code) ? n.delete(w.code) : n.add(w.code); return n; })} />`)}</ul>
    </div>`}
    <div class="actions">
      <button type="submit" class="btn btn-primary" disabled=${busy || (warnings.length > 0 && warnings.some((w) => !acks.has(w.code)))}>${busy ? 'Saving…' : warnings.length ? 'Save with the warnings acknowledged' : amend ? 'Save the amendment' : 'Save the chart'}</button>
      ${saved && html`<span class="notice-ok" role="status">Chart saved (v${s.version}).</span>`}
    </div>
  </form>`;
}

/** A recorded chart, read-only: technique, numbing, times, needle lot, each entry on its map. */
export function ChartView({ s, maps, stock }) {
  const session = useSession();
  const c = s.chart;
  const [mapId, setMapId] = useState(null);
  if (!c) return html`<p class="empty">No injection record.</p>`;
  const entries = items(c.entries);
  const used = maps.filter((m) => entries.some((e) => e.map === m.id));
  const map = used.find((m) => m.id === mapId) || used[0];
  const lotName = (id) => lotLabel([...stock.drug, ...stock.needle].find((l) => l.id === id)) || (id ? `Lot ${String(id).slice(0, 8)}` : '—');
  return html`<div class="chart-view">
    <dl class="details">
      <dt>Technique</dt><dd>${techniqueLabel(c.technique)}</dd>
      <dt>Numbing</dt><dd>${c.numbing ? `${c.numbing.agent}${c.numbing.minutes ? `, ${c.numbing.minutes} min` : ''}` : 'None'}</dd>
      <dt>Start</dt><dd>${c.started_at ? instant(c.started_at) : '—'}</dd>
      <dt>End</dt><dd>${c.ended_at ? instant(c.ended_at) : '—'}</dd>
      <dt>Needle lot</dt><dd>${lotName(c.needle_lot_id)}</dd>
    </dl>
    ${used.length > 1 && html`<div class="seg map-tabs" role="tablist" aria-label="Maps">${used.map((m) => html`<button type="button" role="tab" class="seg-btn" aria-selected=${m === map} onClick=${() => setMapId(m.id)}>${m.label}</button>`)}</div>`}
    <div class="chart-work">
      ${map && html`<div class="chart-maps"><${BodyMap} map=${map} readOnly points=${entries.map((e, i) => ({ ...e, n: i + 1 })).filter((e) => e.map === map.id)} /></div>`}
      <div class="chart-entries">
        <table class="table entry-table">
          <thead><tr><th>#</th><th>Zone</th><th>Points</th><th>Volume</th><th>Depth</th><th>Angle</th><th>Needle</th><th>Lot</th></tr></thead>
          <tbody>${entries.map((e, i) => html`<tr key=${i} data-entry=${i}>
            <td data-label="#">${i + 1}</td><td data-label="Zone">${e.zone_label || e.zone}</td><td data-label="Points">${e.points}</td><td data-label="Volume">${ml(e.volume_ml)}</td>
            <td data-label="Depth">${e.depth_mm !== undefined ? `${e.depth_mm} mm` : ''}</td><td data-label="Angle">${e.angle_deg !== undefined ? `${e.angle_deg}°` : ''}</td>
            <td data-label="Needle">${e.needle_gauge ? `${e.needle_gauge}G` : ''}${e.needle_length_mm ? ` ${e.needle_length_mm} mm` : ''}</td><td data-label="Lot">${lotName(e.lot_id)}${e.vial_id ? ' (vial)' : ''}</td>
          </tr>`)}</tbody>
        </table>
      </div>
    </div>
    ${c.notes && html`<p class="prewrap"><strong>Notes:</strong> ${c.notes}</p>`}
    ${items(s.warnings).length > 0 && html`<ul class="plain chart-warnings-stored">${items(s.warnings).map((w, i) => html`<${WarningItem} key=${i} w=${w} staffName=${session.staffName} />`)}</ul>`}
  </div>`;
}

export const chartAlert = (e) => e && html`<${Alert}>${sentence(e.message)}<//>`;

// Version history of a record: who changed what, when (clinic time) and why.
import { get } from './api.js';
import { instant, sentence } from './format.js';
import { html, useLoad, Spinner, Alert } from './ui.js';
import { useSession } from './session.js';
import { META, fieldLabel, kindSpec, showValue } from './facts.js';
import { useVocab } from './vocab.js';

// What the server writes as the reason when a write came without one: not worth a line.
const STOCK_REASONS = new Set(['recorded', 'status updated']);

function changes(kind, prev, cur, V) {
  const keys = new Set([...Object.keys(prev || {}), ...Object.keys(cur)]);
  const spec = kindSpec(kind, V);
  const blankStatus = spec && spec.blank.status;
  const out = [];
  for (const k of keys) {
    if (META.has(k)) continue;
    const a = prev ? prev[k] : undefined;
    const b = cur[k];
    if (prev && JSON.stringify(a ?? null) === JSON.stringify(b ?? null)) continue;
    if (!prev && (b === null || b === undefined || b === '')) continue;
    // The first version's status is the kind's default unless it says otherwise.
    if (!prev && k === 'status' && (b === blankStatus || b === 'confirmed')) continue;
    out.push({ k, a, b });
  }
  return out;
}

/** The why of a version: the note given when it was first recorded, or the reason for a change. */
function Why({ v }) {
  if (!v.reason || STOCK_REASONS.has(v.reason)) return null;
  return html`<div class="history-why"><span class="muted">${v.version === 1 ? 'Note:' : 'Reason:'}</span> ${v.reason}</div>`;
}

export function History({ path, kind, label }) {
  const session = useSession();
  const V = useVocab();
  const h = useLoad(() => get(path), [path]);
  if (h.error) return html`<${Alert}>${sentence(h.error.message)}<//>`;
  if (!h.data || V.loading) return html`<${Spinner} label="Loading history…" />`;
  const versions = h.data.versions || [];
  const rows = versions.map((v, i) => ({ v, diff: changes(kind, i ? versions[i - 1] : null, v, V) })).reverse();
  return html`<ol class="history" aria-label=${label || 'Version history'}>
    ${rows.map(
      ({ v, diff }) => html`<li class=${'history-item' + (v.status === 'entered_in_error' ? ' is-eie' : '')} key=${v.version}>
        <div class="history-meta">
          <span class="version">v${v.version}</span>
          <time datetime=${v.recorded_at}>${instant(v.recorded_at)}</time>
          <span class="who">${session.staffName(v.recorded_by)}</span>
        </div>
        <${Why} v=${v} />
        ${diff.length > 0 &&
        html`<ul class="history-diff">
          ${diff.map(
            (d) => html`<li>
              <span class="diff-field">${fieldLabel(kind, d.k)}</span>
              ${v.version > 1 && html`<del>${showValue(kind, d.k, d.a, V)}</del> → `}<ins>${showValue(kind, d.k, d.b, V)}</ins>
            </li>`,
          )}
        </ul>`}
      </li>`,
    )}
  </ol>`;
}

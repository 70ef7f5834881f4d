// How a screening result reads: decisions, finding classes, sources and the fact behind
// a finding. Labels come from the knowledge base (GET /kb), loaded once per page.
import { calendarDate } from './format.js';

export const DECISIONS = {
  contraindicated: { label: 'Contraindicated', tone: 'danger', note: 'Do not treat with this plan.' },
  deferred: { label: 'Deferred', tone: 'warn', note: 'Not yet: treat no sooner than the earliest date.' },
  clearance_required: { label: 'Clearance required', tone: 'clear', note: 'Treat only with a written clearance from the prescriber or physician.' },
  eligible: { label: 'Eligible', tone: 'ok', note: 'No blocking findings for this plan.' },
};

export const CLASSES = {
  contraindicated: { label: 'Contraindicated', tone: 'danger' },
  deferred: { label: 'Deferred', tone: 'warn' },
  clearance_required: { label: 'Clearance required', tone: 'clear' },
  caution: { label: 'Caution', tone: 'caution' },
};

export const decisionLabel = (d) => (DECISIONS[d] ? DECISIONS[d].label : d);

/** "S1" -> "Source S1" (the five source articles); literature keys stay as they are. */
export function sourceLabel(s) {
  return /^S\d+$/.test(s) ? `Source ${s}` : s;
}

/** "anticoagulant_clearance" -> "Anticoagulant clearance". */
export function ruleName(id) {
  const s = String(id || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Label lookups from the knowledge base vocabulary. */
export function kbLabels(kb) {
  const maps = {};
  const voc = (kb && kb.vocabulary) || {};
  for (const [k, list] of Object.entries(voc)) maps[k] = new Map((list || []).map((e) => [e.code, e.label]));
  const label = (kind, code) => (code && maps[kind] && maps[kind].get(code)) || code;
  return {
    area: (c) => label('area', c),
    ingredient: (c) => label('ingredient', c),
    condition: (c) => label('condition', c),
    medication: (c) => label('medication', c),
    substance: (c) => label('substance', c) || label('ingredient', c),
  };
}

const FACT_KIND = { medication: 'Medication', allergy: 'Allergy', condition: 'Condition', status: 'Pregnancy status', patient: 'Patient', age: 'Age' };

/** The fact that triggered a finding, as one readable line. */
export function factText(fact, L) {
  if (!fact || typeof fact !== 'object') return '';
  const parts = [];
  const kind = fact.kind;
  let name = fact.code;
  if (kind === 'medication') name = L.medication(fact.code);
  else if (kind === 'allergy') name = L.substance(fact.code);
  else if (kind === 'condition') name = L.condition(fact.code);
  const head = [FACT_KIND[kind] || (kind ? ruleName(kind) : ''), name].filter(Boolean).join(': ');
  if (head) parts.push(head);
  if (fact.input && fact.input !== fact.code) parts.push(`recorded as “${fact.input}”`);
  for (const [k, v] of Object.entries(fact)) {
    if (['kind', 'code', 'input', 'id'].includes(k) || v === null || v === undefined || v === '') continue;
    if (k === 'last_dose') parts.push(`last dose ${calendarDate(v)}`);
    else if (k === 'site' || k === 'area') parts.push(`${k === 'site' ? 'site' : 'planned area'} ${L.area(v)}`);
    else if (k === 'ingredient') parts.push(`planned ingredient ${L.ingredient(v)}`);
    else if (k === 'active') parts.push(v ? 'active' : 'not active');
    else if (typeof v === 'boolean') parts.push(`${k.replace(/_/g, ' ')}: ${v ? 'yes' : 'no'}`);
    else if (/^\d{4}-\d{2}-\d{2}$/.test(String(v))) parts.push(`${k.replace(/_/g, ' ')} ${calendarDate(v)}`);
    else if (typeof v !== 'object') parts.push(`${k.replace(/_/g, ' ')} ${v}`);
  }
  return parts.join(' · ');
}

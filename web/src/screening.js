// How a screening result reads: decisions, finding classes, sources and the fact behind
// a finding. Labels come from the server's vocabulary (vocab.js), passed in as `V`.
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

const FACT_KIND = { medication: 'Medication', allergy: 'Allergy', condition: 'Condition', status: 'Pregnancy status', patient: 'Patient', age: 'Age' };

/** The fact that triggered a finding, as one readable line. */
export function factText(fact, V) {
  if (!fact || typeof fact !== 'object') return '';
  const parts = [];
  const kind = fact.kind;
  const vocabKind = { medication: 'medication', allergy: 'substance', condition: 'condition' }[kind];
  const name = vocabKind ? V.label(vocabKind, fact.code) : fact.code;
  const head = [FACT_KIND[kind] || (kind ? ruleName(kind) : ''), name].filter(Boolean).join(': ');
  if (head) parts.push(head);
  if (fact.input && fact.input !== fact.code) parts.push(`recorded as “${fact.input}”`);
  for (const [k, v] of Object.entries(fact)) {
    if (['kind', 'code', 'input', 'id'].includes(k) || v === null || v === undefined || v === '') continue;
    if (k === 'last_dose') parts.push(`last dose ${calendarDate(v)}`);
    else if (k === 'site' || k === 'area') parts.push(`${k === 'site' ? 'site' : 'planned area'} ${V.label('area', v)}`);
    else if (k === 'ingredient') parts.push(`planned ingredient ${V.label('ingredient', v)}`);
    else if (k === 'active') parts.push(v ? 'active' : 'not active');
    else if (typeof v === 'boolean') parts.push(`${k.replace(/_/g, ' ')}: ${v ? 'yes' : 'no'}`);
    else if (/^\d{4}-\d{2}-\d{2}$/.test(String(v))) parts.push(`${k.replace(/_/g, ' ')} ${calendarDate(v)}`);
    else if (typeof v !== 'object') parts.push(`${k.replace(/_/g, ' ')} ${v}`);
  }
  return parts.join(' · ');
}

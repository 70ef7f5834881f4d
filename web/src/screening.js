// How a screening result reads: decisions, finding classes, sources and the fact behind
// a finding. Labels come from the server's vocabulary (vocab.js), passed in as `V`; rule
// titles and source titles and links from GET /kb (`kb`, may be null).
import { calendarDate, FITZPATRICK } from './format.js';

export const DECISIONS = {
  contraindicated: { label: 'Contraindicated', tone: 'danger', note: 'Do not treat with this plan.' },
  incomplete: {
    label: 'Incomplete',
    tone: 'danger',
    note: 'Not eligible yet: screening needs answers that were never recorded (or were “not sure”). Ask, record them, then run the screening again.',
  },
  deferred: { label: 'Deferred', tone: 'warn', note: 'Not yet: treat no sooner than the earliest date.' },
  clearance_required: { label: 'Clearance required', tone: 'clear', note: 'Treat only with a written clearance from the prescriber or physician.' },
  eligible: { label: 'Eligible', tone: 'ok', note: 'No blocking findings for this plan.' },
};

/** The decision's heading: a deferral with no date is "until healed", and says so. */
export function decisionHead(decision, result) {
  const d = DECISIONS[decision] || { label: decision, tone: 'muted', note: '' };
  if (decision === 'deferred' && !(result && result.earliest_date))
    return { ...d, label: 'Deferred until healed', note: 'Not yet: treat once the condition below has healed. No date can be given; check the skin on the day.' };
  return d;
}

export const CLASSES = {
  contraindicated: { label: 'Contraindicated', tone: 'danger' },
  incomplete: { label: 'Incomplete', tone: 'danger' },
  deferred: { label: 'Deferred', tone: 'warn' },
  clearance_required: { label: 'Clearance required', tone: 'clear' },
  caution: { label: 'Caution', tone: 'caution' },
};

export const decisionLabel = (d) => (DECISIONS[d] ? DECISIONS[d].label : d);

/** A source key as people read it, with its title and link when the kb has them. */
export function sourceInfo(key, kb) {
  const s = String(key || '');
  if (s.startsWith('clinic:')) return { key: s, title: `Clinic document ${s.slice(7)}`, url: null };
  const found = kb && kb.sources && kb.sources.find((x) => x.key === s);
  const title = found ? found.title : /^S\d+$/.test(s) ? `Source ${s}` : s;
  const url = found && (found.url || (found.doi ? `https://doi.org/${found.doi}` : null));
  return { key: s, title, url: url || null, ref: found ? found.ref || found.doi || null : null };
}

/** "anticoagulant_clearance" -> its kb title ("Blood thinner: prescriber's clearance"). */
export function ruleName(id, kb) {
  const r = kb && kb.rules && kb.rules.find((x) => x.id === id);
  if (r && r.title && r.title !== r.id) return r.title;
  if (id === 'clinic_rules') return 'Clinic rules not applied';
  const s = String(id || '').replace(/^clinic\./, '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** ISO dates inside a server message, in the app's date format ("25 Nov 2026"). */
export const withDates = (msg) => String(msg || '').replace(/\b(\d{4}-\d{2}-\d{2})\b/g, (m) => calendarDate(m));

const FLAGS = { pregnant: ['Pregnant', 'Not pregnant'], breastfeeding: ['Breastfeeding', 'Not breastfeeding'], weight_stable: ['Weight stable', 'Weight not stable'] };

/** The fact that triggered a finding, as one readable line ("" when there is none). */
export function factText(fact, V) {
  if (!fact || typeof fact !== 'object') return '';
  switch (fact.kind) {
    case 'status': {
      const f = FLAGS[fact.flag];
      return f ? `${fact.value ? f[0] : f[1]} (as recorded)` : `${fact.flag}: ${fact.value ? 'yes' : 'no'}`;
    }
    case 'age':
      return `Aged ${fact.age} on the planned date (born ${calendarDate(fact.birth_date)})`;
    case 'fitzpatrick':
      return `Fitzpatrick skin type ${FITZPATRICK[fact.value - 1] || fact.value}`;
    case 'clinic_rules':
      return fact.error ? `Clinic rules: ${fact.error}` : '';
    default:
      break;
  }
  const vocabKind = { medication: 'medication', allergy: 'substance', condition: 'condition' }[fact.kind];
  const label = vocabKind ? V.label(vocabKind, fact.code) : fact.code;
  const typed = fact.name || (fact.input && fact.input !== fact.code ? fact.input : '');
  const noun = { medication: 'Takes', allergy: 'Allergy to', condition: '' }[fact.kind] || '';
  const parts = [[noun, typed ? `${typed} (${label})` : label].filter(Boolean).join(' ')];
  if (fact.kind === 'condition') parts.push(fact.active === false ? 'not active' : fact.active ? 'active' : 'activity not recorded');
  if (fact.site) parts.push(`at ${V.label('area', fact.site)}`);
  if (fact.ingredient) parts.push(`planned ingredient ${V.label('ingredient', fact.ingredient)}`);
  if (fact.kind === 'medication') parts.push(fact.last_dose ? `last dose ${calendarDate(fact.last_dose)}` : 'taking it now');
  return parts.join(' · ');
}

/** Where in the record a missing fact is answered. */
export const MISSING_WHERE = {
  pregnant: 'Record it under “Pregnancy and breastfeeding”.',
  breastfeeding: 'Record it under “Pregnancy and breastfeeding”.',
  allergies: 'Record each allergy, or “No known allergies”, under “Allergies”.',
  weight_stable: '',
};

// What each kind of clinical fact looks like: its fields, labels and how values read.
// Coded values are named from the server's vocabulary (see vocab.js), passed in as `V`.
import { calendarDate, FITZPATRICK, SEX_LABELS } from './format.js';

/** Site choices for a condition, from the vocabulary's areas. */
export const areaOptions = (V) => [['', 'Not site-specific'], ...V.list('area').map((a) => [a.code, a.label])];

export const STATUS_LABELS = {
  active: 'Active',
  inactive: 'Inactive',
  stopped: 'Stopped',
  confirmed: 'Confirmed',
  revoked: 'Revoked',
  entered_in_error: 'Entered in error',
};

/** The answers to the pregnancy and breastfeeding questions. */
export const ANSWERS = [
  ['yes', 'Yes'],
  ['no', 'No'],
  ['not_sure', 'Not sure'],
];
/** An answer as people read it; booleans (older records) as yes / no. */
export const answerText = (a) => (a === true ? 'Yes' : a === false ? 'No' : (ANSWERS.find(([v]) => v === a) || [a, a || '—'])[1]);

/**
 * How each fact panel speaks (titles, nouns, status wording, hints). What a kind holds — its
 * fields, types, limits, defaults, vocabularies and statuses — is the server's declaration
 * (GET /kb "kinds"), read through kindSpec(); nothing of it is copied here.
 */
export const KIND_TEXT = {
  allergies: {
    title: 'Allergies',
    noun: 'allergy',
    empty: 'No allergies recorded.',
    statusText: { active: 'Active', inactive: 'Inactive (resolved)' },
    placeholders: { reaction: 'e.g. hives, swelling' },
  },
  conditions: {
    title: 'Conditions',
    noun: 'condition',
    empty: 'No conditions recorded.',
  },
  medications: {
    title: 'Medications and supplements',
    noun: 'medication',
    empty: 'No medications recorded.',
    statusText: { active: 'Taking', stopped: 'Stopped' },
    labels: { name: 'Name as recorded (optional)' },
    placeholders: { name: 'e.g. Nurofen 200 mg' },
    hints: {
      name: 'The product or drug the patient named; kept beside the class above.',
      last_dose: 'Needed to time deferrals (e.g. aspirin 7 days).',
    },
  },
};

/**
 * A fact kind for its panel and forms, from the server's declaration (V.kind) and the
 * wording above: {title, noun, empty, fields: [declared fields], codeField, vocab, blank,
 * statusOptions, text}; null until the declaration has loaded.
 */
export function kindSpec(kind, V) {
  const decl = V && V.kind && V.kind(kind);
  if (!decl) return null;
  const text = KIND_TEXT[kind] || {};
  const code = decl.fields.find((f) => f.type === 'code' && f.required);
  const blank = {};
  for (const f of decl.fields) blank[f.name] = f.default !== undefined ? f.default : f.type === 'boolean' ? false : '';
  const status = decl.fields.find((f) => f.name === decl.status_field);
  const choices = status ? status.enum.filter((v) => v !== 'entered_in_error') : [];
  return {
    title: text.title || decl.title,
    noun: text.noun || decl.name,
    empty: text.empty || `No ${decl.title} recorded.`,
    decl,
    fields: decl.fields.map((f) => f.name),
    codeField: code ? code.name : null,
    vocab: code ? code.vocabulary : null,
    blank,
    statusOptions: choices.length > 1 ? choices.map((v) => [v, (text.statusText && text.statusText[v]) || STATUS_LABELS[v] || v]) : null,
    text,
  };
}

export const FIELD_LABELS = {
  given_name: 'Given name',
  family_name: 'Family name',
  birth_date: 'Birth date',
  sex: 'Sex',
  fitzpatrick: 'Fitzpatrick type',
  email: 'Email',
  phone: 'Phone',
  substance: 'Substance',
  reaction: 'Reaction',
  status: 'Status',
  code: 'Code',
  active: 'Active',
  site: 'Site',
  note: 'Note',
  last_dose: 'Last dose',
  name: 'Name as recorded',
  statement: 'Statement',
  asked_on: 'Asked on',
  pregnant: 'Pregnant',
  breastfeeding: 'Breastfeeding',
  recorded_on: 'Recorded on',
  rule: 'Rule',
  clearance_reason: 'Clearance',
  physician: 'Clearing physician',
  valid_until: 'Valid until',
};

/** The name of a fact's code (substance, condition or medication) in vocabulary V. */
export function factName(kind, fact, V) {
  const k = kindSpec(kind, V);
  if (!k || !k.codeField) return fact.substance || fact.code || '';
  return V.label(k.vocab, fact[k.codeField]);
}

/** A field value as people read it; V is the vocabulary (vocab.js) for coded fields. */
export function showValue(kind, field, v, V) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  switch (field) {
    case 'pregnant':
    case 'breastfeeding':
      return answerText(v);
    case 'statement':
      return v === 'no_known_allergies' ? 'No known allergies' : v;
    case 'substance':
      return V.label('substance', v);
    case 'code': {
      const k = kindSpec(kind, V);
      return k && k.vocab ? V.label(k.vocab, v) : String(v);
    }
    case 'site':
      return V.label('area', v);
    case 'status':
      return statusLabel(kind, v);
    case 'sex':
      return SEX_LABELS[v] || v;
    case 'fitzpatrick':
      return FITZPATRICK[v - 1] || String(v); // read under the label "Fitzpatrick type"
    case 'birth_date':
    case 'last_dose':
    case 'recorded_on':
    case 'valid_until':
    case 'asked_on':
      return calendarDate(v);
    default:
      return String(v);
  }
}

/** Fields that are metadata rather than content (not diffed in history). */
export const META = new Set(['id', 'version', 'patient_id', 'recorded_by', 'recorded_at', 'reason']);

/** A status as this kind's badge and form say it (a medication 'active' is "Taking"). */
export function statusLabel(kind, v) {
  const own = KIND_TEXT[kind] && KIND_TEXT[kind].statusText && KIND_TEXT[kind].statusText[v];
  return own ? own.replace(/ \(.*\)$/, '') : STATUS_LABELS[v] || v;
}

/** Field names as this kind's form labels them (a condition's `code` is "Condition"). */
const KIND_FIELD_LABELS = {
  allergies: { substance: 'Substance' },
  conditions: { code: 'Condition', active: 'Currently active' },
  medications: { code: 'Medication' },
  status: { recorded_on: 'Asked on' },
};
export const fieldLabel = (kind, field) => (KIND_FIELD_LABELS[kind] && KIND_FIELD_LABELS[kind][field]) || FIELD_LABELS[field] || field;

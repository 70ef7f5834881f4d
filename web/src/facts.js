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

export const KINDS = {
  allergies: {
    title: 'Allergies',
    noun: 'allergy',
    empty: 'No allergies recorded.',
    codeField: 'substance',
    vocab: 'substance',
    fields: ['substance', 'reaction', 'status'],
    statusOptions: [['active', 'Active'], ['inactive', 'Inactive (resolved)']],
    blank: { substance: '', reaction: '', status: 'active' },
  },
  conditions: {
    title: 'Conditions',
    noun: 'condition',
    empty: 'No conditions recorded.',
    codeField: 'code',
    vocab: 'condition',
    fields: ['code', 'active', 'site', 'note'],
    blank: { code: '', active: true, site: '', note: '' },
  },
  medications: {
    title: 'Medications and supplements',
    noun: 'medication',
    empty: 'No medications recorded.',
    codeField: 'code',
    vocab: 'medication',
    fields: ['code', 'name', 'last_dose', 'note', 'status'],
    statusOptions: [['active', 'Taking'], ['stopped', 'Stopped']],
    blank: { code: '', name: '', last_dose: '', note: '', status: 'active' },
  },
};

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
export const factName = (kind, fact, V) => V.label(KINDS[kind].vocab, fact[KINDS[kind].codeField]);

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
    case 'code':
      return KINDS[kind] ? V.label(KINDS[kind].vocab, v) : String(v);
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
  const own = KINDS[kind] && KINDS[kind].statusOptions && KINDS[kind].statusOptions.find(([code]) => code === v);
  return own ? own[1].replace(/ \(.*\)$/, '') : STATUS_LABELS[v] || v;
}

/** Field names as this kind's form labels them (a condition's `code` is "Condition"). */
const KIND_FIELD_LABELS = {
  allergies: { substance: 'Substance' },
  conditions: { code: 'Condition', active: 'Currently active' },
  medications: { code: 'Medication' },
  status: { recorded_on: 'Asked on' },
};
export const fieldLabel = (kind, field) => (KIND_FIELD_LABELS[kind] && KIND_FIELD_LABELS[kind][field]) || FIELD_LABELS[field] || field;

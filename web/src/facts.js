// What each kind of clinical fact looks like: its fields, labels and how values read.
import vocab from 'virtual:vocab';
import { calendarDate, FITZPATRICK, SEX_LABELS } from './format.js';

const labelMap = (list) => new Map(list.map((e) => [e.code, e.label]));
const SUBSTANCES = labelMap(vocab.substances);
const CONDITIONS = labelMap(vocab.conditions);
const MEDICATIONS = labelMap(vocab.medications);
const AREAS = labelMap(vocab.areas);

export const codeLabel = (map, code) => (code ? map.get(code) || code : '');

/** Datalist options: codes with labels, then synonyms (accepted by the server). */
export function suggestions(list) {
  const out = [];
  for (const e of list) out.push([e.code, e.label]);
  for (const e of list) for (const s of e.synonyms) out.push([s, e.label]);
  return out;
}

export const AREA_OPTIONS = [['', 'Not site-specific'], ...vocab.areas.map((a) => [a.code, a.label])];

export const STATUS_LABELS = {
  active: 'Active',
  inactive: 'Inactive',
  stopped: 'Stopped',
  confirmed: 'Confirmed',
  revoked: 'Revoked',
  entered_in_error: 'Entered in error',
};

export const KINDS = {
  allergies: {
    title: 'Allergies',
    noun: 'allergy',
    empty: 'No allergies recorded.',
    codeField: 'substance',
    codeLabel: (c) => codeLabel(SUBSTANCES, c),
    suggestions: suggestions(vocab.substances),
    fields: ['substance', 'reaction', 'status'],
    statusOptions: [['active', 'Active'], ['inactive', 'Inactive (resolved)']],
    blank: { substance: '', reaction: '', status: 'active' },
  },
  conditions: {
    title: 'Conditions',
    noun: 'condition',
    empty: 'No conditions recorded.',
    codeField: 'code',
    codeLabel: (c) => codeLabel(CONDITIONS, c),
    suggestions: suggestions(vocab.conditions),
    fields: ['code', 'active', 'site', 'note'],
    blank: { code: '', active: true, site: '', note: '' },
  },
  medications: {
    title: 'Medications and supplements',
    noun: 'medication',
    empty: 'No medications recorded.',
    codeField: 'code',
    codeLabel: (c) => codeLabel(MEDICATIONS, c),
    suggestions: suggestions(vocab.medications),
    fields: ['code', 'last_dose', 'note', 'status'],
    statusOptions: [['active', 'Taking'], ['stopped', 'Stopped']],
    blank: { code: '', last_dose: '', note: '', status: 'active' },
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
  pregnant: 'Pregnant',
  breastfeeding: 'Breastfeeding',
  recorded_on: 'Recorded on',
  rule: 'Rule',
  clearance_reason: 'Clearance',
  physician: 'Clearing physician',
  valid_until: 'Valid until',
};

/** A field value as people read it. */
export function showValue(kind, field, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'Yes' : 'No';
  switch (field) {
    case 'substance':
      return codeLabel(SUBSTANCES, v);
    case 'code':
      return kind === 'conditions' ? codeLabel(CONDITIONS, v) : kind === 'medications' ? codeLabel(MEDICATIONS, v) : v;
    case 'site':
      return codeLabel(AREAS, v);
    case 'status':
      return STATUS_LABELS[v] || v;
    case 'sex':
      return SEX_LABELS[v] || v;
    case 'fitzpatrick':
      return `Type ${FITZPATRICK[v - 1] || v}`;
    case 'birth_date':
    case 'last_dose':
    case 'recorded_on':
    case 'valid_until':
      return calendarDate(v);
    default:
      return String(v);
  }
}

/** Fields that are metadata rather than content (not diffed in history). */
export const META = new Set(['id', 'version', 'patient_id', 'recorded_by', 'recorded_at', 'reason']);

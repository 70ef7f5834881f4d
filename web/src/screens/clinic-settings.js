// Clinic settings (admin): name, time zone (IANA, checked by the server), jurisdiction (the
// server's kb jurisdictions) and how dates are shown (date_format). PATCH /clinic with the
// members that changed; the change is audited with its reason. The clinic's phone (the number
// the aftercare gives patients to call) is shown when the server keeps one (`phone` in GET
// /clinic); empty clears it.
import { api, get } from '../api.js';
import * as format from '../format.js';
import { html, useForm, useLoad, Field, FormError, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { useState } from 'preact/hooks';
import './admin.css';

const FIELDS = ['name', 'time_zone', 'jurisdiction', 'date_format', 'phone', 'reason'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The date formats the server knows, each with 2 November 1979 written in it. */
export const DATE_FORMATS = [
  ['d_mon_yyyy', `2 ${MONTHS[10]} 1979`],
  ['dd/mm/yyyy', '02/11/1979'],
  ['mm/dd/yyyy', '11/02/1979'],
  ['yyyy-mm-dd', '1979-11-02'],
];

function zones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return [];
  }
}

/** Make the running app follow saved settings at once (the header, times, dates).
 * setDateFormat(code) is format.js's, which follows the clinic's date_format at session
 * load; until it is there, the bundler warns that it is undefined and dates keep theirs. */
function applyToSession(session, clinic) {
  Object.assign(session.me.clinic, clinic);
  format.setTimeZone(clinic.time_zone);
  if (typeof format.setDateFormat === 'function') format.setDateFormat(clinic.date_format);
}

function SettingsForm({ clinic, jurisdictions, onSaved }) {
  const form = useForm(
    { name: clinic.name, time_zone: clinic.time_zone, jurisdiction: clinic.jurisdiction, date_format: clinic.date_format || 'd_mon_yyyy', phone: clinic.phone || '', reason: '' },
    FIELDS,
  );
  const onSubmit = form.submit(async (v) => {
    const body = {};
    for (const k of ['name', 'time_zone', 'jurisdiction', 'date_format']) if (v[k].trim() !== clinic[k]) body[k] = v[k].trim();
    if (hasPhone && v.phone.trim() !== (clinic.phone || '')) body.phone = v.phone.trim();
    if (!Object.keys(body).length) {
      onSaved(clinic, 'Nothing to save: the settings are unchanged.');
      return;
    }
    if (v.reason.trim()) body.reason = v.reason.trim();
    const saved = await api('PATCH', '/clinic', body);
    onSaved(saved, 'Clinic settings saved.');
  });
  // The kb's "default" is what screening falls back to without one, not a place to choose.
  const jurOptions = jurisdictions.filter((j) => j.code !== 'default').map((j) => [j.code, j.label && j.label !== j.code ? `${j.label} (${j.code})` : j.code]);
  if (!jurOptions.some(([c]) => c === clinic.jurisdiction)) jurOptions.unshift([clinic.jurisdiction, clinic.jurisdiction]);
  const tzList = zones();
  const hasPhone = 'phone' in clinic;
  return html`<form class="card form" ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Clinic settings">
    <${FormError} form=${form} />
    <${Field} form=${form} name="name" label="Clinic name" required autocomplete="off" />
    <${Field} form=${form} name="time_zone" label="Time zone" required list="tz-list" autocomplete="off"
      hint="An IANA name such as Europe/London or America/New_York. Times are stored in UTC and shown in this zone." />
    <datalist id="tz-list">${tzList.map((z) => html`<option value=${z} />`)}</datalist>
    <${Field} form=${form} name="jurisdiction" label="Jurisdiction" type="select" options=${jurOptions}
      hint="Sets defaults of the knowledge base, such as the age of majority." />
    <fieldset class="checks date-formats">
      <legend>Date format</legend>
      ${DATE_FORMATS.map(
        ([code, example]) => html`<label class="radio-line">
          <input type="radio" name="date_format" value=${code} checked=${form.values.date_format === code}
            onChange=${() => form.setValues((s) => ({ ...s, date_format: code }))} />
          <span>${example}</span>
        </label>`,
      )}
      ${form.errors.date_format && html`<p class="field-error" role="alert">${form.errors.date_format}</p>`}
    </fieldset>
    ${hasPhone && html`<${Field} form=${form} name="phone" label="Clinic phone (optional)" type="tel" autocomplete="off"
      hint="The number patients are given to call, in their aftercare (red flags). Empty: not recorded." />`}
    <${Field} form=${form} name="reason" label="Why (optional)" hint="Kept in the audit trail with the change." />
    <div class="actions">
      <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : 'Save settings'}</button>
    </div>
  </form>`;
}

export function ClinicSettingsScreen() {
  const session = useSession();
  const clinic = useLoad(() => get('/clinic'), []);
  // The jurisdictions are the server's knowledge base's (the admin has clinical_read).
  const kb = useLoad(() => get('/kb').catch(() => null), []);
  const [notice, setNotice] = useState(null);
  if (!session.can('staff_write'))
    return html`<section class="page"><${PageTitle}>Clinic settings<//><p>Clinic settings are for the clinic's admin.</p></section>`;
  const jurisdictions = (kb.data && kb.data.vocabulary && kb.data.vocabulary.jurisdiction) || [];
  return html`<section class="page page-narrow admin-page">
    <${PageTitle} title="Clinic settings">Clinic settings<//>
    ${notice && html`<p class="notice-ok admin-notice" role="status">${notice}</p>`}
    ${clinic.error && html`<${Alert}>${clinic.error.message}<//>`}
    ${(!clinic.data || kb.loading) && !clinic.error && html`<${Spinner} />`}
    ${clinic.data && !kb.loading &&
    html`<${SettingsForm} key=${JSON.stringify(clinic.data)} clinic=${clinic.data} jurisdictions=${jurisdictions}
      onSaved=${(saved, msg) => { applyToSession(session, saved); setNotice(msg); clinic.reload(); }} />`}
  </section>`;
}

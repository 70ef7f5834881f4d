// Consents on the patient page: start one (treatment for a course, photo, marketing), have the
// patient sign on this tablet (a full-screen view) or send a one-time link (shown once),
// withdraw a signed one with its reason, cancel an unsigned one, download the PDF.
// Reception uses it too: consents hold no clinical facts.
import { useState } from 'preact/hooks';
import { get, post, token } from '../api.js';
import { instant } from '../format.js';
import { html, useLoad, Dialog, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { ConsentText, SignForm } from './consent-sign.js';

const STATE = {
  sent: ['Waiting for signature', 'badge-info'],
  opened: ['Opened, not signed', 'badge-info'],
  signed: ['Signed', 'badge-ok'],
  withdrawn: ['Withdrawn', 'badge-danger'],
  expired: ['Link expired', 'badge-muted'],
  cancelled: ['Cancelled', 'badge-muted'],
  missing: ['None', 'badge-muted'],
};
const PURPOSE = { treatment: 'Treatment', photo: 'Clinical photographs', marketing: 'Marketing' };
const LANGUAGES = [['en', 'English'], ['es', 'Español']];

function Badge({ state }) {
  const [label, cls] = STATE[state] || [state, ''];
  return html`<span class=${`badge ${cls}`} data-state=${state}>${label}</span>`;
}

/** The PDF through the staff token, saved by the browser. */
async function downloadPdf(id) {
  const res = await fetch(`/api/v1/consents/${id}/pdf`, { headers: { Authorization: `Bearer ${token.get()}` } });
  if (!res.ok) {
    let msg = 'The PDF could not be made.';
    try {
      msg = (await res.json()).error.message || msg;
    } catch {
      /* not JSON */
    }
    throw new Error(msg);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `consent-${id}.pdf`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

function LinkDialog({ link, onClose }) {
  const url = link.url || location.origin + link.path;
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      document.getElementById('c-link').select();
    }
  };
  return html`<${Dialog} title="Consent link" onClose=${onClose} wide>
    <p>Send this link to the patient. It signs <strong>once</strong> and expires ${instant(link.expires_at)}.</p>
    <div class="field">
      <label for="c-link">Link for the patient</label>
      <div class="copy-row">
        <textarea id="c-link" class="link-box" rows="2" readonly value=${url} onFocus=${(e) => e.currentTarget.select()}></textarea>
        <button type="button" class="btn btn-primary" onClick=${copy}>${copied ? 'Copied' : 'Copy link'}</button>
      </div>
      <p class="hint" role="status">${copied ? 'Copied to the clipboard.' : 'Shown only now: Mesodesk cannot show this link again.'}</p>
    </div>
    <div class="actions"><button type="button" class="btn" onClick=${onClose}>Done</button></div>
  <//>`;
}

/** Withdraw (signed) or cancel (unsigned), with the reason. */
function EndDialog({ consent, action, onClose, onDone }) {
  const [reason, setReason] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(await post(`/consents/${consent.id}/${action}`, { reason }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const title = action === 'withdraw' ? 'Withdraw consent' : 'Cancel consent';
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <form onSubmit=${submit} noValidate>
      <p>${action === 'withdraw' ? 'From now on this consent no longer allows what it covered. The signed record is kept.' : 'The patient will no longer be able to sign it.'}</p>
      <div class="field">
        <label for="c-reason">Reason</label>
        <textarea id="c-reason" name="reason" rows="3" maxlength="500" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
        ${error && error.field === 'reason' && html`<p class="field-error" role="alert">${error.message}</p>`}
      </div>
      ${error && error.field !== 'reason' && html`<${Alert}>${error.message}<//>`}
      <div class="actions">
        <button type="submit" class="btn btn-danger" disabled=${busy}>${busy ? 'Saving…' : title}</button>
        <button type="button" class="btn" onClick=${onClose}>Back</button>
      </div>
    </form>
  <//>`;
}

/** The full-screen view handed to the patient on the clinic's tablet. */
function TabletSigning({ consent, onClose }) {
  const view = useLoad(() => post(`/consents/${consent.id}/open`), [consent.id]);
  const [done, setDone] = useState(false);
  const sign = async (body) => {
    await post(`/consents/${consent.id}/sign`, body);
    setDone(true);
  };
  const es = view.data && view.data.text && view.data.text.language === 'es';
  return html`<div class="tablet-sign" role="dialog" aria-modal="true" aria-label="Consent signing">
    <div class="tablet-inner">
      ${view.error && html`<${Alert}>${view.error.message}<//>`}
      ${!view.data && !view.error && html`<${Spinner} />`}
      ${view.data && !done && html`<p class="consent-hello">${es ? `Hola ${view.data.given_name}:` : `Hello ${view.data.given_name},`}</p>
        <${ConsentText} text=${view.data.text} />
        <${SignForm} text=${view.data.text} onSign=${sign} />`}
      ${done && html`<div class="consent-card" role="status" data-state="signed"><h2>${es ? 'Gracias' : 'Thank you'}</h2><p>${es ? 'Devuelva la tableta a la clínica, por favor.' : 'Please hand the tablet back to the clinic.'}</p></div>`}
      <div class="actions"><button type="button" class="btn" onClick=${onClose}>${done ? 'Done' : 'Back to the clinic'}</button></div>
    </div>
  </div>`;
}

function StartForm({ patientId, courses, onStarted, onClose }) {
  const canTreat = courses && courses.length > 0;
  const [purpose, setPurpose] = useState(canTreat ? 'treatment' : 'photo');
  const [course, setCourse] = useState(canTreat ? courses[0].id : '');
  const [language, setLanguage] = useState('en');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const start = async (channel) => {
    setBusy(true);
    setError(null);
    try {
      const body = { purpose, channel, language };
      if (purpose === 'treatment') body.course_id = course;
      onStarted(await post(`/patients/${patientId}/consents`, body), channel);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title="New consent" onClose=${onClose}>
    <div class="field">
      <label for="c-purpose">Consent to</label>
      <select id="c-purpose" name="purpose" value=${purpose} onChange=${(e) => setPurpose(e.currentTarget.value)}>
        ${canTreat && html`<option value="treatment">Treatment (one course)</option>`}
        <option value="photo">Clinical photographs</option>
        <option value="marketing">Marketing</option>
      </select>
    </div>
    ${purpose === 'treatment' && html`<div class="field">
      <label for="c-course">Course</label>
      <select id="c-course" name="course_id" value=${course} onChange=${(e) => setCourse(e.currentTarget.value)}>
        ${courses.map((c) => html`<option value=${c.id}>${(c.protocol || 'course').replace(/_/g, ' ')} from ${c.start || ''}</option>`)}
      </select>
    </div>`}
    <div class="field">
      <label for="c-lang">The patient's language</label>
      <select id="c-lang" name="language" value=${language} onChange=${(e) => setLanguage(e.currentTarget.value)}>
        ${LANGUAGES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
      </select>
      <p class="hint">The text is shown in this language where it exists, else in English.</p>
    </div>
    ${error && html`<${Alert}>${error.message}<//>`}
    <div class="actions">
      <button type="button" class="btn btn-primary" disabled=${busy} onClick=${() => start('tablet')}>Sign on this tablet</button>
      <button type="button" class="btn" disabled=${busy} onClick=${() => start('link')}>Send a link</button>
    </div>
  <//>`;
}

function ConsentRow({ c, canWrite, onTablet, onEnd }) {
  const [error, setError] = useState(null);
  const ev = c.events || {};
  const pending = c.state === 'sent' || c.state === 'opened';
  const pdf = async () => {
    setError(null);
    try {
      await downloadPdf(c.id);
    } catch (e) {
      setError(e.message);
    }
  };
  return html`<li class="fact consent-row" data-consent-id=${c.id} data-purpose=${c.purpose} data-state=${c.state}>
    <div class="fact-main">
      <strong>${PURPOSE[c.purpose] || c.purpose}</strong> <${Badge} state=${c.state} />
      <div class="fact-meta">
        ${c.channel === 'link' ? 'Link' : 'Tablet'} · text version ${c.text_version} (${c.language})
        ${ev.sent && html`<br />Sent ${instant(ev.sent.at)}`}
        ${ev.signed && html`<br />Signed ${instant(ev.signed.at)} by ${c.typed_name}`}
        ${ev.withdrawn && html`<br />Withdrawn ${instant(ev.withdrawn.at)}: ${ev.withdrawn.reason}`}
        ${ev.cancelled && html`<br />Cancelled ${instant(ev.cancelled.at)}: ${ev.cancelled.reason}`}
        ${c.channel === 'link' && pending && html`<br />Link expires ${instant(c.expires_at)}`}
      </div>
    </div>
    ${error && html`<${Alert}>${error}<//>`}
    <div class="actions">
      ${canWrite && pending && c.channel === 'tablet' && html`<button type="button" class="btn btn-small btn-primary" onClick=${() => onTablet(c)}>Hand to the patient</button>`}
      ${canWrite && c.state === 'signed' && html`<button type="button" class="btn btn-small" onClick=${() => onEnd(c, 'withdraw')}>Withdraw</button>`}
      ${canWrite && pending && html`<button type="button" class="btn btn-small" onClick=${() => onEnd(c, 'cancel')}>Cancel</button>`}
      <button type="button" class="btn btn-small" onClick=${pdf}>Download PDF</button>
    </div>
  </li>`;
}

export function ConsentPanel({ patientId }) {
  const session = useSession();
  const canWrite = session.can('consent_write');
  const list = useLoad(() => get(`/patients/${patientId}/consents`), [patientId]);
  const courses = useLoad(() => (session.can('clinical_read') ? get(`/patients/${patientId}/courses`).catch(() => ({ items: [] })) : Promise.resolve({ items: [] })), [patientId]);
  const [starting, setStarting] = useState(false);
  const [link, setLink] = useState(null);
  const [tablet, setTablet] = useState(null);
  const [ending, setEnding] = useState(null);
  const started = (c, channel) => {
    setStarting(false);
    list.reload();
    if (channel === 'link') setLink(c);
    else setTablet(c);
  };
  const items = (list.data && list.data.items) || [];
  return html`<section class="card panel consent-panel" aria-labelledby="consents-h" data-kind="consents">
    <header class="panel-head">
      <h2 id="consents-h">Consents</h2>
      ${canWrite && html`<button type="button" class="btn btn-small" onClick=${() => setStarting(true)}>New consent</button>`}
    </header>
    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data && !items.length && html`<p class="muted">No consent yet.</p>`}
    <ul class="plain facts">${items.map((c) => html`<${ConsentRow} key=${c.id} c=${c} canWrite=${canWrite} onTablet=${setTablet} onEnd=${(x, a) => setEnding([x, a])} />`)}</ul>
    ${starting && html`<${StartForm} patientId=${patientId} courses=${(courses.data && courses.data.items) || []} onStarted=${started} onClose=${() => setStarting(false)} />`}
    ${link && html`<${LinkDialog} link=${link} onClose=${() => setLink(null)} />`}
    ${tablet && html`<${TabletSigning} consent=${tablet} onClose=${() => { setTablet(null); list.reload(); }} />`}
    ${ending && html`<${EndDialog} consent=${ending[0]} action=${ending[1]} onClose=${() => setEnding(null)} onDone=${() => { setEnding(null); list.reload(); }} />`}
  </section>`;
}

// Staff (admin): the clinic's accounts; add one (a generated password shown once, or one
// set), change role, name, licence and qualifications, deactivate or reactivate (the
// account's sessions end at once), reset a password.
import { useState } from 'preact/hooks';
import { api, get, post } from '../api.js';
import { calendarDate, todayInClinic } from '../format.js';
import { html, useForm, useLoad, Field, FormError, Dialog, PageTitle, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import './admin.css';

export const ROLE_OPTIONS = [
  ['reception', 'Reception'],
  ['practitioner', 'Practitioner'],
  ['medical_director', 'Medical director'],
  ['auditor', 'Auditor'],
  ['admin', 'Admin'],
];
const ROLE_LABEL = Object.fromEntries(ROLE_OPTIONS);
const FIELDS = ['email', 'display_name', 'role', 'licence_number', 'licence_expiry', 'qualifications', 'password', 'reason'];
const patch = (path, body) => api('PATCH', path, body);

/** "RN\nAesthetics L7" -> ["RN", "Aesthetics L7"] (one per line or comma). */
const splitList = (s) => s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);

/** The licence as it stands on today's date in the clinic. */
function licenceState(s) {
  if (!s.licence_expiry) return null;
  const today = todayInClinic();
  if (s.licence_expiry < today) return ['Licence expired', 'badge-danger'];
  const soon = new Date(`${today}T00:00:00Z`);
  soon.setUTCDate(soon.getUTCDate() + 60);
  if (s.licence_expiry <= soon.toISOString().slice(0, 10)) return ['Licence expires soon', 'badge-warn'];
  return null;
}

/** A password shown once, with a copy button. */
function OncePassword({ password, email }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(password);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };
  return html`<div class="once-password" role="status">
    <p>Password for <strong>${email}</strong>, shown only now:</p>
    <div class="copy-row">
      <input type="text" readonly class="link-box" aria-label="New password" value=${password} onFocus=${(e) => e.currentTarget.select()} />
      <button type="button" class="btn" onClick=${copy}>${copied ? 'Copied' : 'Copy'}</button>
    </div>
    <p class="hint">Give it to the person in person or by another safe channel; they sign in with it.</p>
  </div>`;
}

function AddStaffDialog({ onClose, onSaved }) {
  const [created, setCreated] = useState(null);
  const form = useForm({ email: '', display_name: '', role: 'reception', licence_number: '', licence_expiry: '', qualifications: '', choose: false, password: '' }, FIELDS);
  const onSubmit = form.submit(async (v) => {
    const body = { email: v.email.trim(), display_name: v.display_name.trim() || v.email.trim(), role: v.role };
    if (v.licence_number.trim()) body.licence_number = v.licence_number.trim();
    if (v.licence_expiry.trim()) body.licence_expiry = v.licence_expiry.trim();
    const q = splitList(v.qualifications);
    if (q.length) body.qualifications = q;
    if (v.choose) body.password = v.password;
    const s = await post('/staff', body);
    onSaved();
    setCreated(s);
  });
  if (created)
    return html`<${Dialog} title="Staff member added" onClose=${onClose}>
      <p><strong>${created.display_name}</strong> (${ROLE_LABEL[created.role] || created.role}) can now sign in as ${created.email}.</p>
      ${created.password ? html`<${OncePassword} password=${created.password} email=${created.email} />` : html`<p>They sign in with the password you set.</p>`}
      <div class="actions"><button type="button" class="btn btn-primary" onClick=${onClose}>Done</button></div>
    <//>`;
  const practitioner = form.values.role === 'practitioner' || form.values.role === 'medical_director';
  return html`<${Dialog} title="Add a staff member" onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Add a staff member">
      <${FormError} form=${form} />
      <div class="grid-2">
        <${Field} form=${form} name="email" label="Email" type="email" required autocomplete="off" />
        <${Field} form=${form} name="display_name" label="Name" hint="As colleagues see it, e.g. Dr Sam Lee." autocomplete="off" />
        <${Field} form=${form} name="role" label="Role" type="select" options=${ROLE_OPTIONS} required />
        <div></div>
        <${Field} form=${form} name="licence_number" label="Licence number" required=${practitioner} hint=${practitioner ? 'Needed for a practitioner.' : 'Optional for this role.'} autocomplete="off" />
        <${Field} form=${form} name="licence_expiry" label="Licence expiry" required=${practitioner} autocomplete="off" />
      </div>
      <${Field} form=${form} name="qualifications" label="Qualifications" type="textarea" hint="One per line." />
      <${Field} form=${form} name="choose" type="checkbox" label="Set the password myself (otherwise Mesodesk generates one and shows it once)" />
      ${form.values.choose && html`<${Field} form=${form} name="password" label="Password" type="password" required hint="At least 10 characters." autocomplete="new-password" />`}
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Adding…' : 'Add staff member'}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

function EditStaffDialog({ staff, self, onClose, onSaved }) {
  const form = useForm(
    {
      display_name: staff.display_name || '',
      role: staff.role,
      licence_number: staff.licence_number || '',
      licence_expiry: staff.licence_expiry || '',
      qualifications: (staff.qualifications || []).join('\n'),
      reason: '',
    },
    FIELDS,
  );
  const onSubmit = form.submit(async (v) => {
    const body = {};
    if (v.display_name.trim() !== staff.display_name) body.display_name = v.display_name.trim();
    if (v.role !== staff.role) body.role = v.role;
    const lic = v.licence_number.trim() || null;
    const exp = v.licence_expiry.trim() || null;
    if (lic !== (staff.licence_number || null)) body.licence_number = lic;
    if (exp !== (staff.licence_expiry || null)) body.licence_expiry = exp;
    const q = splitList(v.qualifications);
    if (JSON.stringify(q) !== JSON.stringify(staff.qualifications || [])) body.qualifications = q;
    if (v.reason.trim()) body.reason = v.reason.trim();
    await patch(`/staff/${staff.id}`, body);
    onSaved(`${v.display_name.trim() || staff.email}: saved.`);
  });
  const practitioner = form.values.role === 'practitioner';
  return html`<${Dialog} title=${`Edit ${staff.display_name}`} onClose=${onClose} wide>
    <form ref=${form.formRef} onSubmit=${onSubmit} novalidate aria-label="Edit staff member">
      <${FormError} form=${form} />
      <p class="muted small">${staff.email}</p>
      <div class="grid-2">
        <${Field} form=${form} name="display_name" label="Name" required autocomplete="off" />
        <${Field} form=${form} name="role" label="Role" type="select" options=${ROLE_OPTIONS} disabled=${self} hint=${self ? 'You cannot change your own role.' : undefined} />
        <${Field} form=${form} name="licence_number" label="Licence number" required=${practitioner} autocomplete="off" />
        <${Field} form=${form} name="licence_expiry" label="Licence expiry" required=${practitioner} autocomplete="off" />
      </div>
      <${Field} form=${form} name="qualifications" label="Qualifications" type="textarea" hint="One per line." />
      <${Field} form=${form} name="reason" label="Why (optional)" hint="Kept in the audit trail with the change." />
      <div class="actions">
        <button type="submit" class="btn btn-primary" disabled=${form.busy}>${form.busy ? 'Saving…' : 'Save'}</button>
        <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
      </div>
    </form>
  <//>`;
}

/** Deactivate or reactivate, or reset the password: a confirmation, then the result. */
function ConfirmDialog({ staff, action, onClose, onSaved }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const [password, setPassword] = useState(null);
  const what = {
    deactivate: {
      title: `Deactivate ${staff.display_name}?`,
      text: 'They are signed out everywhere at once and can no longer sign in. Their records and audit entries stay. You can reactivate the account later.',
      button: 'Deactivate',
      cls: 'btn-danger',
      run: () => patch(`/staff/${staff.id}`, { active: false }),
      done: `${staff.display_name} is deactivated and signed out.`,
    },
    reactivate: {
      title: `Reactivate ${staff.display_name}?`,
      text: 'They can sign in again with their password.',
      button: 'Reactivate',
      cls: 'btn-primary',
      run: () => patch(`/staff/${staff.id}`, { active: true }),
      done: `${staff.display_name} is active again.`,
    },
    password: {
      title: `New password for ${staff.display_name}?`,
      text: 'Mesodesk generates a new password and shows it once. Their current sessions end and the old password stops working.',
      button: 'Generate a new password',
      cls: 'btn-primary',
      run: () => post(`/staff/${staff.id}/password`, {}),
      done: null,
    },
  }[action];
  const go = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await what.run();
      if (action === 'password') {
        setPassword(r.password);
        onSaved(null);
      } else onSaved(what.done);
    } catch (e) {
      setError(e.message);
    } finally {
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${password ? 'New password' : what.title} onClose=${onClose}>
    ${password
      ? html`<${OncePassword} password=${password} email=${staff.email} />
          <div class="actions"><button type="button" class="btn btn-primary" onClick=${onClose}>Done</button></div>`
      : html`<p>${what.text}</p>
          ${error && html`<${Alert}>${error}<//>`}
          <div class="actions">
            <button type="button" class=${`btn ${what.cls}`} disabled=${busy} onClick=${go}>${what.button}</button>
            <button type="button" class="btn btn-ghost" onClick=${onClose}>Cancel</button>
          </div>`}
  <//>`;
}

function StaffCard({ s, self, onAction }) {
  const lic = licenceState(s);
  return html`<li class=${`card staff-card${s.active ? '' : ' is-inactive'}`} data-staff-id=${s.id} data-email=${s.email}>
    <div class="staff-top">
      <div class="staff-name">
        <strong>${s.display_name}</strong>${self && html` <span class="muted">(you)</span>`}
        <div class="muted staff-email">${s.email}</div>
      </div>
      <div class="staff-badges">
        <span class="badge badge-info">${ROLE_LABEL[s.role] || s.role}</span>
        ${!s.active && html`<span class="badge badge-muted">Deactivated</span>`}
        ${lic && html`<span class=${`badge ${lic[1]}`}>${lic[0]}</span>`}
      </div>
    </div>
    <dl class="details staff-details">
      <dt>Licence</dt><dd>${s.licence_number ? html`${s.licence_number}${s.licence_expiry ? html` <span class="muted">· until ${calendarDate(s.licence_expiry)}</span>` : ''}` : html`<span class="muted">—</span>`}</dd>
      <dt>Qualifications</dt><dd>${(s.qualifications || []).length ? s.qualifications.join(', ') : html`<span class="muted">—</span>`}</dd>
    </dl>
    <div class="actions staff-actions">
      <button type="button" class="btn btn-small" onClick=${() => onAction('edit', s)}>Edit</button>
      ${!self && s.active && html`<button type="button" class="btn btn-small" onClick=${() => onAction('password', s)}>Reset password</button>`}
      ${!self && (s.active
        ? html`<button type="button" class="btn btn-small btn-ghost-danger" onClick=${() => onAction('deactivate', s)}>Deactivate</button>`
        : html`<button type="button" class="btn btn-small" onClick=${() => onAction('reactivate', s)}>Reactivate</button>`)}
    </div>
  </li>`;
}

export function StaffScreen() {
  const session = useSession();
  const list = useLoad(() => get('/staff'), []);
  const [dialog, setDialog] = useState(null); // {action, staff}
  const [notice, setNotice] = useState(null);
  const [showInactive, setShowInactive] = useState(true);
  if (!session.can('staff_write'))
    return html`<section class="page"><${PageTitle}>Staff<//><p>Managing staff is for the clinic's admin.</p></section>`;
  const me = session.me.staff.id;
  const items = list.data ? list.data.items.filter((s) => showInactive || s.active) : [];
  const saved = (msg) => {
    list.reload();
    if (msg !== null) {
      setNotice(msg);
      setDialog(null);
    }
  };
  return html`<section class="page admin-page">
    <div class="page-head">
      <${PageTitle} title="Staff">Staff<//>
      <button type="button" class="btn btn-primary" onClick=${() => { setNotice(null); setDialog({ action: 'add' }); }}>+ Add staff member</button>
    </div>
    ${notice && html`<p class="notice-ok admin-notice" role="status">${notice}</p>`}
    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    ${list.data &&
    html`<label class="toggle admin-toggle"><input type="checkbox" checked=${showInactive} onChange=${(e) => setShowInactive(e.currentTarget.checked)} /> Show deactivated accounts</label>
      <ul class="staff-list" aria-label="Staff members">
        ${items.map((s) => html`<${StaffCard} key=${s.id} s=${s} self=${s.id === me} onAction=${(action, staff) => { setNotice(null); setDialog({ action, staff }); }} />`)}
      </ul>`}
    ${dialog && dialog.action === 'add' && html`<${AddStaffDialog} onClose=${() => setDialog(null)} onSaved=${() => list.reload()} />`}
    ${dialog && dialog.action === 'edit' && html`<${EditStaffDialog} staff=${dialog.staff} self=${dialog.staff.id === me} onClose=${() => setDialog(null)} onSaved=${saved} />`}
    ${dialog && ['deactivate', 'reactivate', 'password'].includes(dialog.action) &&
    html`<${ConfirmDialog} staff=${dialog.staff} action=${dialog.action} onClose=${() => setDialog(null)} onSaved=${saved} />`}
  </section>`;
}

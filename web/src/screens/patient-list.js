// Patients: search by family/given name prefix and birth date, with paging.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs } from '../api.js';
import { calendarDate, age, SEX_LABELS } from '../format.js';
import { html, Link, navigate, useLoad, PageTitle, Spinner, Alert, useId } from '../ui.js';
import { useSession } from '../session.js';

const PAGE = 25;

function readParams(search) {
  const p = new URLSearchParams(search);
  return { name: p.get('name') || '', birth_date: p.get('birth_date') || '', page: Math.max(1, parseInt(p.get('page') || '1', 10) || 1) };
}

export function PatientListScreen({ search }) {
  const session = useSession();
  const params = readParams(search);
  const [name, setName] = useState(params.name);
  const [birth, setBirth] = useState(params.birth_date);
  const nameRef = useRef(null);
  const nameId = useId('q-name');
  const birthId = useId('q-birth');

  // Keep the URL as the source of truth (shareable, back button works); debounce typing.
  const sent = useRef({ name: params.name, birth_date: params.birth_date });
  useEffect(() => {
    const t = setTimeout(() => {
      const want = { name: name.trim(), birth_date: /^\d{4}-\d{2}-\d{2}$/.test(birth) ? birth : '' };
      if (want.name !== params.name || want.birth_date !== params.birth_date) {
        sent.current = want;
        navigate('/patients' + qs({ ...want }), { replace: true });
      }
    }, 200);
    return () => clearTimeout(t);
  }, [name, birth]);
  // The URL changed from elsewhere (Back, a link): show its query in the boxes.
  useEffect(() => {
    if (params.name !== sent.current.name || params.birth_date !== sent.current.birth_date) {
      sent.current = { name: params.name, birth_date: params.birth_date };
      setName(params.name);
      setBirth(params.birth_date);
    }
  }, [params.name, params.birth_date]);

  // "/" jumps to the search box from anywhere on the page.
  useEffect(() => {
    const onKey = (e) => {
      if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(document.activeElement.tagName)) {
        e.preventDefault();
        nameRef.current && nameRef.current.focus();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const offset = (params.page - 1) * PAGE;
  const list = useLoad(
    () => get('/patients' + qs({ name: params.name, birth_date: params.birth_date, limit: PAGE, offset })),
    [params.name, params.birth_date, offset],
  );
  const goPage = (n) => navigate('/patients' + qs({ name: params.name, birth_date: params.birth_date, page: n > 1 ? n : '' }));

  const data = list.data;
  const total = data ? data.total : 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const canWrite = session.can('demographics_write');

  const onSubmit = (e) => {
    e.preventDefault();
    // Enter in the search opens the patient when there is exactly one match.
    if (data && data.items.length === 1 && name.trim() === params.name) navigate(`/patients/${data.items[0].id}`);
  };

  return html`<section class="page">
    <div class="page-head">
      <${PageTitle} title="Patients">Patients<//>
      ${canWrite && html`<${Link} href="/patients/new" class="btn btn-primary">+ New patient<//>`}
    </div>
    <form class="search-bar" role="search" aria-label="Find a patient" onSubmit=${onSubmit}>
      <div class="field">
        <label for=${nameId}>Name <span class="kbd-hint">press <kbd>/</kbd></span></label>
        <input id=${nameId} ref=${nameRef} name="name" type="search" placeholder="Family or given name, first letters" autocomplete="off" value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
      </div>
      <div class="field field-date">
        <label for=${birthId}>Birth date</label>
        <input id=${birthId} name="birth_date" type="text" inputmode="numeric" maxlength="10" placeholder="YYYY-MM-DD" autocomplete="off" value=${birth} onInput=${(e) => setBirth(e.currentTarget.value)} />
      </div>
      ${(name || birth) && html`<button type="button" class="btn btn-ghost" onClick=${() => { setName(''); setBirth(''); nameRef.current.focus(); }}>Clear</button>`}
    </form>

    ${list.error && html`<${Alert}>${list.error.message}<//>`}
    ${!data && list.loading && html`<${Spinner} label="Searching…" />`}
    ${data && html`<div class="card card-flush">
      <table class="table patients-table" aria-busy=${list.loading ? 'true' : 'false'}>
        <caption class="sr-only">Patients matching the search</caption>
        <thead><tr><th scope="col">Name</th><th scope="col">Birth date</th><th scope="col">Sex</th><th scope="col">Phone</th><th scope="col">Email</th></tr></thead>
        <tbody>
          ${data.items.map((p) => html`<tr key=${p.id} class="row-link" onClick=${(e) => { if (e.target.tagName !== 'A') navigate(`/patients/${p.id}`); }}>
            <td><${Link} href=${`/patients/${p.id}`} class="patient-link"><strong>${p.family_name}</strong>, ${p.given_name}<//></td>
            <td>${calendarDate(p.birth_date)} <span class="muted">(${age(p.birth_date)})</span></td>
            <td>${SEX_LABELS[p.sex] || p.sex}</td>
            <td>${p.phone || html`<span class="muted">—</span>`}</td>
            <td class="truncate">${p.email || html`<span class="muted">—</span>`}</td>
          </tr>`)}
        </tbody>
      </table>
      ${data.items.length === 0 && html`<p class="empty">No patient matches${params.name ? html` “${params.name}”` : ''}${params.birth_date ? ` born ${calendarDate(params.birth_date)}` : ''}.${canWrite ? html` <${Link} href="/patients/new">Add a new patient<//>.` : ''}</p>`}
    </div>
    <nav class="pager" aria-label="Pages">
      <span class="muted" role="status">${total === 0 ? 'No patients' : `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}`}</span>
      <button type="button" class="btn btn-ghost" disabled=${params.page <= 1} onClick=${() => goPage(params.page - 1)}>‹ Previous</button>
      <span>Page ${params.page} of ${pages}</span>
      <button type="button" class="btn btn-ghost" disabled=${params.page >= pages} onClick=${() => goPage(params.page + 1)}>Next ›</button>
    </nav>`}
  </section>`;
}

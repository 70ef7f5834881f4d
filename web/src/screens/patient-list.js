// Patients: search by name words (any order, accents and punctuation aside), phone or e-mail,
// and birth date, with paging.  Enter opens the patient when exactly one matches.
import { useEffect, useRef, useState } from 'preact/hooks';
import { get, qs, fieldMessage } from '../api.js';
import { calendarDate, age, SEX_LABELS } from '../format.js';
import { html, Link, navigate, useLoad, PageTitle, Spinner, Alert, useId, DateInput } from '../ui.js';
import { useSession } from '../session.js';

const PAGE = 25;

function readParams(search) {
  const p = new URLSearchParams(search);
  // `name` is the older spelling of `q` in saved links.
  return { name: p.get('q') || p.get('name') || '', birth_date: p.get('birth_date') || '', page: Math.max(1, parseInt(p.get('page') || '1', 10) || 1) };
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
      // A birth date is sent as typed: the server says when it cannot be read.
      const want = { name: name.trim(), birth_date: birth.trim() };
      if (want.name !== params.name || want.birth_date !== params.birth_date) {
        sent.current = want;
        navigate('/patients' + qs({ q: want.name, birth_date: want.birth_date }), { replace: true });
      }
    }, birth.trim() !== params.birth_date ? 600 : 200);
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
    () => get('/patients' + qs({ q: params.name, birth_date: params.birth_date, limit: PAGE, offset })),
    [params.name, params.birth_date, offset],
  );
  const goPage = (n) => navigate('/patients' + qs({ q: params.name, birth_date: params.birth_date, page: n > 1 ? n : '' }));

  const data = list.data;
  const total = data ? data.total : 0;
  const pages = Math.max(1, Math.ceil(total / PAGE));
  // The API stops counting 1,000 matches past the page: "of 1000+" then.
  const more = data && data.total_is_lower_bound ? '+' : '';
  const canWrite = session.can('demographics_write');

  // Errors about the query itself go under their box, not above the list.
  const queryError = list.error && (list.error.field === 'birth_date' || list.error.field === 'q') ? list.error : null;
  const birthError = queryError && queryError.field === 'birth_date' ? fieldMessage(queryError) : '';
  const nameError = queryError && queryError.field === 'q' ? fieldMessage(queryError) : '';

  // Enter in the search opens the patient when there is exactly one match.  The typed text
  // may not have been searched yet (the boxes wait for a pause in typing), so ask now.
  const onSubmit = async (e) => {
    e.preventDefault();
    const want = { q: name.trim(), birth_date: birth.trim() };
    if (!want.q && !want.birth_date) return;
    let r;
    try {
      r = await get('/patients' + qs({ ...want, limit: 2 }));
    } catch {
      // The list below shows the error (a date that cannot be read, for instance).
      sent.current = { name: want.q, birth_date: want.birth_date };
      navigate('/patients' + qs(want), { replace: true });
      return;
    }
    if (r.total === 1) navigate(`/patients/${r.items[0].id}`);
    else {
      sent.current = { name: want.q, birth_date: want.birth_date };
      navigate('/patients' + qs(want), { replace: true });
    }
  };

  return html`<section class="page">
    <div class="page-head">
      <${PageTitle} title="Patients">Patients<//>
      ${canWrite && html`<${Link} href="/patients/new" class="btn btn-primary">+ New patient<//>`}
    </div>
    <form class="search-bar" role="search" aria-label="Find a patient" onSubmit=${onSubmit}>
      <div class=${'field' + (nameError ? ' has-error' : '')}>
        <label for=${nameId}>Name, phone or e-mail <span class="kbd-hint">press <kbd>/</kbd></span></label>
        <input id=${nameId} ref=${nameRef} name="q" type="search" placeholder="e.g. hart amelia, 07700 900101" autocomplete="off" value=${name}
          aria-invalid=${nameError ? 'true' : undefined} aria-describedby=${nameError ? `${nameId}-err` : undefined}
          onInput=${(e) => setName(e.currentTarget.value)} />
        ${nameError && html`<p class="field-error" id=${`${nameId}-err`} role="alert">${nameError}</p>`}
      </div>
      <div class=${'field field-date' + (birthError ? ' has-error' : '')}>
        <label for=${birthId}>Birth date</label>
        <${DateInput} id=${birthId} name="birth_date" past autocomplete="off" value=${birth}
          aria-invalid=${birthError ? 'true' : undefined} aria-describedby=${birthError ? `${birthId}-err` : undefined}
          onInput=${(e) => setBirth(e.currentTarget.value)} />
        ${birthError && html`<p class="field-error" id=${`${birthId}-err`} role="alert">${birthError}</p>`}
      </div>
      <button type="submit" class="sr-only">Search</button>
      ${(name || birth) && html`<button type="button" class="btn btn-ghost" onClick=${() => { setName(''); setBirth(''); nameRef.current.focus(); }}>Clear</button>`}
    </form>

    ${list.error && !queryError && html`<${Alert}>${list.error.message}<//>`}
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
      <span class="muted" role="status">${total === 0 ? 'No patients' : `${offset + 1}–${Math.min(offset + PAGE, total)} of ${total}${more}`}</span>
      <button type="button" class="btn btn-ghost" disabled=${params.page <= 1} onClick=${() => goPage(params.page - 1)}>‹ Previous</button>
      <span>Page ${params.page} of ${pages}${more}</span>
      <button type="button" class="btn btn-ghost" disabled=${params.page >= pages} onClick=${() => goPage(params.page + 1)}>Next ›</button>
    </nav>`}
  </section>`;
}

// The patient's consent link at /c/{token}: public, no sign-in, no staff chrome, phone first.
// The link signs once; the server is the judge of validity (expired, used, cancelled).
import { useEffect, useState } from 'preact/hooks';
import { html, Spinner } from '../ui.js';
import { ConsentText, SignForm } from './consent-sign.js';

async function call(method, token, body) {
  let res;
  try {
    res = await fetch(`/api/v1/consent/${encodeURIComponent(token)}`, {
      method,
      headers: body ? { Accept: 'application/json', 'Content-Type': 'application/json' } : { Accept: 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    throw Object.assign(new Error('We could not reach the clinic’s system. Check your connection and try again.'), { status: 0 });
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    throw Object.assign(new Error(e.message || 'Something went wrong.'), { status: res.status, field: e.field || null });
  }
  return data;
}

const DONE = { en: ['Thank you', 'Your consent is signed and recorded. You can close this page.'], es: ['Gracias', 'Su consentimiento está firmado y registrado. Puede cerrar esta página.'] };

export function PublicConsent({ token }) {
  const [info, setInfo] = useState(null);
  const [error, setError] = useState(null);
  const [done, setDone] = useState(false);
  useEffect(() => {
    // The token is in the address: keep it out of the history shown to whoever uses the phone next.
    document.title = 'Consent';
    call('GET', token).then(setInfo, setError);
  }, [token]);
  const lang = (info && info.text && info.text.language) || 'en';
  const shell = (children) => html`<div class="q-wrap consent-public">
    <header class="q-head">
      <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" /><path d="M8 23V9h3.2l4.8 7.4L20.8 9H24v14h-3v-9l-5 7.4-5-7.4v9z" /></svg>
      <span>${(info && info.clinic_name) || 'Your clinic'}</span>
    </header>
    <main class="q-main" id="main">${children}</main>
  </div>`;
  if (error) return shell(html`<div class="card consent-card"><h1>This link cannot be used</h1><div class="alert alert-error" role="alert">${error.message}</div></div>`);
  if (!info) return shell(html`<${Spinner} />`);
  if (done || info.state === 'signed')
    return shell(html`<div class="card consent-card" role="status" data-state="signed"><h1>${(DONE[lang] || DONE.en)[0]}</h1><p>${(DONE[lang] || DONE.en)[1]}</p></div>`);
  const sign = async (body) => {
    await call('POST', token, body);
    setDone(true);
    window.scrollTo(0, 0);
  };
  return shell(html`<div class="card consent-card">
    <p class="consent-hello">${lang === 'es' ? `Hola ${info.given_name}:` : `Hello ${info.given_name},`}</p>
    <${ConsentText} text=${info.text} />
    <${SignForm} text=${info.text} onSign=${sign} />
  </div>`);
}

/** The public page when the address is a consent link, else null (main.js renders the app). */
export function consentPage() {
  const m = /^\/c\/([A-Za-z0-9_-]+)\/?$/.exec(location.pathname);
  return m ? html`<${PublicConsent} token=${m[1]} />` : null;
}

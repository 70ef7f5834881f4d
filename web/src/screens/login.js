// Sign in: email + password -> POST /api/v1/login; the token lives in sessionStorage.
// The notice that brought the user here ("You have signed out.") goes at the next attempt.
import { useState } from 'preact/hooks';
import { html, useForm, Field, FormError, PageTitle, Alert } from '../ui.js';
import { login } from '../session.js';

export function LoginScreen({ onSignedIn, notice }) {
  const form = useForm({ email: '', password: '' }, ['email', 'password']);
  const [noticeShown, setNoticeShown] = useState(true);
  const onSubmit = form.submit(async (v) => {
    setNoticeShown(false);
    await login(v.email.trim(), v.password);
    await onSignedIn();
  });
  return html`<main class="login-wrap" id="main">
    <div class="login-card">
      <div class="login-brand">
        <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="7" /><path d="M8 23V9h3.2l4.8 7.4L20.8 9H24v14h-3v-9l-5 7.4-5-7.4v9z" /></svg>
        <span>Mesodesk</span>
      </div>
      <${PageTitle} title="Sign in">Sign in<//>
      ${notice && noticeShown && html`<${Alert} kind="info">${notice}<//>`}
      <form ref=${form.formRef} onSubmit=${onSubmit} novalidate>
        <${FormError} form=${form} />
        <${Field} form=${form} name="email" label="Email" type="email" autocomplete="username" required autofocus />
        <${Field} form=${form} name="password" label="Password" type="password" autocomplete="current-password" required />
        <button type="submit" class="btn btn-primary btn-block" disabled=${form.busy}>${form.busy ? 'Signing in…' : 'Sign in'}</button>
      </form>
    </div>
  </main>`;
}

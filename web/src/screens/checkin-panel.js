// A session's check-ins on the session page (issue 11 item 3): each one's day, due day,
// status (waiting, answered, overdue, expired, cancelled), the red flags and answers the
// patient gave, the photo's presence; "New link…" (chart_write) makes a new one-time link
// for a waiting or overdue check-in (the old one stops working) and shows it once.
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { calendarDate, instant, sentence } from '../format.js';
import { html, useLoad, useId, Spinner, Alert } from '../ui.js';
import { useSession } from '../session.js';
import { CHECKIN_ROUTES, checkinBadge, dayLabel, linkUrl } from './checkin-common.js';
import { items, upper, words } from './complication-common.js';
import './complication.css';

const answerText = (v) => (v === true ? 'Yes' : v === false ? 'No' : Array.isArray(v) ? v.map((x) => words(x)).join(', ') || '—' : v == null || v === '' ? '—' : words(v));

export function SessionCheckinsPanel({ sessionId }) {
  const session = useSession();
  const list = useLoad(() => get(CHECKIN_ROUTES.session(sessionId)), [sessionId]);
  const [links, setLinks] = useState({});
  const [err, setErr] = useState(null);
  const hid = useId('ci-h');
  const rows = items(list.data);
  // A server without the check-in routes: the panel is not shown.
  if (list.error && list.error.status === 404 && /no such endpoint/.test(list.error.message || '')) return null;
  const reissue = async (c) => {
    setErr(null);
    try {
      const out = await post(CHECKIN_ROUTES.reissue(c.id), {});
      setLinks((x) => ({ ...x, [c.id]: out }));
      list.reload();
    } catch (e) {
      setErr({ id: c.id, e });
    }
  };
  return html`<section class="card panel" aria-labelledby=${hid} data-kind="checkins">
    <header class="panel-head"><h2 id=${hid}>Check-ins${rows.length > 0 && html` <span class="count">${rows.length}</span>`}</h2></header>
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${list.loading && !list.data && html`<${Spinner} />`}
    ${list.data && !rows.length && html`<p class="empty">No check-in: they are scheduled when the session is completed.</p>`}
    <ul class="plain ci-staff-list">
      ${rows.map((c) => {
        const [w, cls] = checkinBadge(c.status);
        const l = links[c.id];
        const answers = Object.entries(c.answers || {});
        return html`<li key=${c.id} class="ci-staff" data-checkin=${c.id} data-status=${c.status}>
          <div class="esc-top"><span class="fact-name">${dayLabel(c.day_offset)}</span><span class=${`badge ${cls}`}>${w}</span>${items(c.red_flags).length > 0 && html`<span class="badge badge-danger">Red flag</span>`}</div>
          <p class="small">Due ${calendarDate(c.due_on)}${c.answered_at ? ` · answered ${instant(c.answered_at)}` : c.expires_at ? ` · link valid until ${instant(c.expires_at)}` : ''}${c.photo ? ' · photo attached' : ''}</p>
          ${answers.length > 0 && html`<dl class="details answers">${answers.map(([k, v]) => html`<dt>${upper(words(k))}</dt><dd>${answerText(v)}</dd>`)}</dl>`}
          ${session.can('chart_write') && (c.status === 'pending' || c.status === 'overdue') && !l && html`<button type="button" class="btn btn-small" onClick=${() => reissue(c)}>New link…</button>`}
          ${l && html`<div class="oc-link"><p class="small">The new link (shown only now; the old one no longer works):</p><textarea class="link-box" readonly rows="2" aria-label="Check-in link">${linkUrl(l)}</textarea></div>`}
          ${err && err.id === c.id && html`<p class="field-error" role="alert">${sentence(err.e.message)}</p>`}
        </li>`;
      })}
    </ul>
  </section>`;
}

// Session photos (issue 10 items 4 and 7): one tile per view the clinic's policy asks for
// before the treatment (default front, left, right) and after it, each a camera button
// (<input type="file" accept="image/*" capture="environment">: a tablet opens its rear
// camera, a laptop a file chooser) that uploads at once and shows the thumbnail; a refused
// photo (not an image, too big, no photo consent on file) is said under its tile. Images
// are fetched with the bearer token and shown as data: URLs (the app's CSP allows data:
// images only). PhotoCompare: one view across a course, before and after per session.
import { useState } from 'preact/hooks';
import { dataUrl, get, getBlob } from '../api.js';
import { calendarDate, instant, sentence } from '../format.js';
import { html, Link, useId, useLoad, Spinner, Alert } from '../ui.js';
import { items, photoPath, uploadPhoto, viewLabel, VIEWS } from '../chart.js';

/** A photo's thumbnail (or the image, with full), loaded with the token. */
export function Thumb({ photo, alt, full }) {
  const img = useLoad(() => (photo ? getBlob(photoPath(photo.id || photo, full ? 'image' : 'thumb')).then(dataUrl) : Promise.resolve(null)), [photo && (photo.id || photo), full]);
  if (!photo) return html`<div class="thumb thumb-empty" aria-hidden="true"></div>`;
  if (img.error) return html`<div class="thumb thumb-empty small">${sentence(img.error.message)}</div>`;
  if (!img.data) return html`<div class="thumb thumb-loading" aria-hidden="true"></div>`;
  return html`<img class="thumb" src=${img.data} alt=${alt} data-photo=${photo.id || photo} />`;
}

function ViewTile({ s, phase, view, photo, canWrite, onUploaded, required }) {
  const id = useId(`cam-${phase}-${view}`);
  const [busy, setBusy] = useState(false);
  const [err, setErr] = useState(null);
  const onFile = async (e) => {
    const f = e.currentTarget.files && e.currentTarget.files[0];
    e.currentTarget.value = '';
    if (!f) return;
    setBusy(true);
    setErr(null);
    try {
      onUploaded(await uploadPhoto(s.id, { phase, view }, f));
    } catch (x) {
      setErr(x);
    } finally {
      setBusy(false);
    }
  };
  const label = `${viewLabel(view)}, ${phase}`;
  return html`<li class=${`photo-tile${photo ? ' has-photo' : ''}${err ? ' has-error' : ''}`} data-phase=${phase} data-view=${view}>
    <div class="photo-tile-head"><span class="photo-view">${viewLabel(view)}</span>
      ${photo ? html`<span class="badge badge-ok">Taken</span>` : required ? html`<span class="badge badge-warn">Required</span>` : html`<span class="badge badge-muted">Optional</span>`}</div>
    <${Thumb} photo=${photo} alt=${`${label} photo`} />
    ${photo && html`<p class="small muted">${instant(photo.taken_at || photo.recorded_at)}</p>`}
    ${canWrite && html`<label class="btn btn-small camera-btn" for=${id}>${busy ? 'Uploading…' : photo ? 'Retake' : 'Take photo'}</label>
      <input id=${id} class="sr-only" type="file" accept="image/*" capture="environment" name=${`photo-${phase}-${view}`} aria-label=${`${label} photo`} disabled=${busy} onChange=${onFile} />`}
    ${err && html`<p class="field-error" role="alert"><span aria-hidden="true">⚠ </span>${sentence(err.message)}${err.field === 'consent' && html` <${Link} href=${`/patients/${s.patient_id}#consents-h`}>Consents ›<//>`}</p>`}
  </li>`;
}

/** The session's photos: before and after, one tile per view. policy: {before_views, after_views}. */
export function PhotosPanel({ s, policy, canWrite, onChange }) {
  const list = useLoad(() => get(`${photoPathSession(s.id)}`), [s.id, s.version]);
  const photos = items(list.data).filter((p) => (p.status || 'active') === 'active');
  const latest = (phase, view) => photos.filter((p) => p.phase === phase && p.view === view).sort((a, b) => String(b.recorded_at || '').localeCompare(String(a.recorded_at || '')))[0];
  const before = items(policy && policy.before_views).length ? items(policy.before_views) : VIEWS.map((x) => x[0]);
  const afterReq = items(policy && policy.after_views);
  const after = afterReq.length ? afterReq : VIEWS.map((x) => x[0]);
  // Before photos until the session is completed, after photos once it has started (PHOTOS.md).
  const writable = (phase) => canWrite && (phase === 'before' ? ['checked_in', 'prechecked', 'in_progress'] : ['in_progress', 'completed']).includes(s.state);
  const uploaded = () => {
    list.reload();
    onChange && onChange();
  };
  const showAfter = ['in_progress', 'completed', 'signed_off'].includes(s.state) || afterReq.length > 0;
  return html`<section class="card panel" aria-labelledby="photos-h" data-kind="photos" id="photos">
    <header class="panel-head"><h2 id="photos-h">Photos</h2>
      ${s.course_id && html`<${Link} class="small" href=${`/courses/${s.course_id}#compare-h`}>Compare across the course ›<//>`}</header>
    ${list.error && html`<${Alert}>${sentence(list.error.message)}<//>`}
    ${!list.data && !list.error && html`<${Spinner} />`}
    <h3 class="sub-h">Before the treatment</h3>
    <ul class="photo-grid plain">${before.map((v) => html`<${ViewTile} key=${'b' + v} s=${s} phase="before" view=${v} photo=${latest('before', v)} canWrite=${writable('before')} required onUploaded=${uploaded} />`)}</ul>
    ${showAfter && html`<h3 class="sub-h">After the treatment</h3>
      <ul class="photo-grid plain">${after.map((v) => html`<${ViewTile} key=${'a' + v} s=${s} phase="after" view=${v} photo=${latest('after', v)} canWrite=${writable('after')} required=${afterReq.includes(v)} onUploaded=${uploaded} />`)}</ul>`}
  </section>`;
}

const photoPathSession = (id) => `/sessions/${encodeURIComponent(id)}/photos`;

/** One view across a course: each session's before and after side by side. */
export function PhotoCompare({ courseId }) {
  const [view, setView] = useState('front');
  const id = useId('cmp-view');
  const cmp = useLoad(() => get(`/courses/${encodeURIComponent(courseId)}/photos/compare?view=${encodeURIComponent(view)}`), [courseId, view]);
  const rows = items(cmp.data);
  return html`<section class="card panel" aria-labelledby="compare-h" data-kind="compare" id="compare">
    <header class="panel-head"><h2 id="compare-h">Photos across the course</h2>
      <div class="panel-tools"><label for=${id} class="small">View</label>
        <select id=${id} value=${view} onChange=${(e) => setView(e.currentTarget.value)}>${VIEWS.map(([c, l]) => html`<option value=${c}>${l}</option>`)}</select></div>
    </header>
    ${cmp.error && html`<p class="empty">${cmp.error.status === 404 ? 'No photos yet.' : sentence(cmp.error.message)}</p>`}
    ${!cmp.data && !cmp.error && html`<${Spinner} />`}
    ${cmp.data && rows.length === 0 && html`<p class="empty">No ${viewLabel(view).toLowerCase()} photos in this course yet.</p>`}
    ${rows.length > 0 && html`<ol class="compare-list plain">${rows.map((r) => html`<li key=${r.session_id} class="compare-row" data-session=${r.session_id}>
      <p class="compare-head"><${Link} href=${`/sessions/${r.session_id}`}>Session ${r.course_session || ''}<//> <span class="small muted">${r.day ? calendarDate(r.day) : ''}</span></p>
      <div class="compare-pair">
        <figure><${Thumb} photo=${r.before} alt=${`${viewLabel(view)}, before, session ${r.course_session || ''}`} /><figcaption class="small">Before</figcaption></figure>
        <figure><${Thumb} photo=${r.after} alt=${`${viewLabel(view)}, after, session ${r.course_session || ''}`} /><figcaption class="small">After</figcaption></figure>
      </div>
    </li>`)}</ol>`}
  </section>`;
}

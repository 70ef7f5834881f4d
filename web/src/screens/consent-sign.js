// Consent signing, shared by the patient's phone (/c/{token}) and the clinic's tablet: the
// exact text, a signature pad (pointer events on a canvas: mouse, pen and touch), the typed
// name and the agreement. The server checks everything again; its errors are shown here.
import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../ui.js';
import './consent.css';

const WORDS = {
  en: { name: 'Your full name', agree: 'I have read this text and I agree to it.', sign: 'Sign', signing: 'Signing…', draw: 'Sign here with your finger, a pen or the mouse', clear: 'Clear', version: 'Version', need_sig: 'Please sign in the box.', need_name: 'Please type your full name.', need_agree: 'Please tick the box to agree.' },
  es: { name: 'Su nombre completo', agree: 'He leído este texto y lo acepto.', sign: 'Firmar', signing: 'Firmando…', draw: 'Firme aquí con el dedo, un lápiz o el ratón', clear: 'Borrar', version: 'Versión', need_sig: 'Firme en el recuadro, por favor.', need_name: 'Escriba su nombre completo, por favor.', need_agree: 'Marque la casilla para aceptar.' },
};
export const words = (lang) => WORDS[lang] || WORDS.en;

/** The text as the patient reads it: title, then each section's heading and text. */
export function ConsentText({ text }) {
  if (!text) return null;
  const w = words(text.language);
  return html`<article class="consent-text" lang=${text.language}>
    <h2>${text.title}</h2>
    ${text.sections.map((s) => html`<section><h3>${s.heading}</h3><p>${s.text}</p></section>`)}
    <p class="consent-version">${w.version} ${text.version} · ${text.id} · SHA-256 ${text.sha256.slice(0, 16)}…</p>
  </article>`;
}

/** A canvas to draw on; onChange(dataUrl | null). */
export function SignaturePad({ lang, onChange, invalid }) {
  const ref = useRef(null);
  const drawn = useRef(false);
  const last = useRef(null);
  const w = words(lang);
  const setup = () => {
    const c = ref.current;
    if (!c) return;
    const ratio = Math.min(window.devicePixelRatio || 1, 2);
    const rect = c.getBoundingClientRect();
    c.width = Math.max(1, Math.round(rect.width * ratio));
    c.height = Math.max(1, Math.round(rect.height * ratio));
    const g = c.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.lineWidth = 2.5;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.strokeStyle = '#13232b';
    drawn.current = false;
    onChange(null);
  };
  useEffect(() => {
    setup();
  }, []);
  const at = (e) => {
    const r = ref.current.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const down = (e) => {
    e.preventDefault();
    ref.current.setPointerCapture(e.pointerId);
    last.current = at(e);
    const g = ref.current.getContext('2d');
    g.beginPath();
    g.arc(last.current[0], last.current[1], 1, 0, 2 * Math.PI);
    g.fill();
  };
  const move = (e) => {
    if (!last.current) return;
    e.preventDefault();
    const p = at(e);
    const g = ref.current.getContext('2d');
    g.beginPath();
    g.moveTo(last.current[0], last.current[1]);
    g.lineTo(p[0], p[1]);
    g.stroke();
    last.current = p;
    drawn.current = true;
  };
  const up = () => {
    if (!last.current) return;
    last.current = null;
    drawn.current = true;
    onChange(ref.current.toDataURL('image/png'));
  };
  return html`<div class=${'sig-pad' + (invalid ? ' has-error' : '')}>
    <canvas ref=${ref} class="sig-canvas" aria-label=${w.draw} role="img" data-testid="signature-pad"
      onPointerDown=${down} onPointerMove=${move} onPointerUp=${up} onPointerCancel=${up}></canvas>
    <div class="sig-foot"><span class="hint">${w.draw}</span><button type="button" class="btn btn-small" onClick=${setup}>${w.clear}</button></div>
  </div>`;
}

/** Name, agreement, pad and the Sign button.  onSign({typed_name, signature, agree}) may
 * throw an error with .field; the message is shown beside that field. */
export function SignForm({ text, onSign }) {
  const lang = (text && text.language) || 'en';
  const w = words(lang);
  const [name, setName] = useState('');
  const [agree, setAgree] = useState(false);
  const [sig, setSig] = useState(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState({});
  const submit = async (e) => {
    e.preventDefault();
    const errs = {};
    if (!name.trim()) errs.typed_name = w.need_name;
    if (!agree) errs.agree = w.need_agree;
    if (!sig) errs.signature = w.need_sig;
    setErrors(errs);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      await onSign({ typed_name: name.trim(), signature: sig, agree: true });
    } catch (err) {
      const f = ['typed_name', 'agree', 'signature'].includes(err.field) ? err.field : 'form';
      setErrors({ [f]: err.message });
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="consent-sign" onSubmit=${submit} noValidate lang=${lang}>
    <div class="field">
      <label for="c-name">${w.name}</label>
      <input id="c-name" name="typed_name" autocomplete="name" maxlength="200" value=${name} onInput=${(e) => setName(e.currentTarget.value)} aria-invalid=${errors.typed_name ? 'true' : undefined} />
      ${errors.typed_name && html`<p class="field-error" role="alert">${errors.typed_name}</p>`}
    </div>
    <div class="field">
      <${SignaturePad} lang=${lang} onChange=${setSig} invalid=${!!errors.signature} />
      ${errors.signature && html`<p class="field-error" role="alert">${errors.signature}</p>`}
    </div>
    <div class="field field-check">
      <label><input type="checkbox" name="agree" checked=${agree} onChange=${(e) => setAgree(e.currentTarget.checked)} /> ${w.agree}</label>
      ${errors.agree && html`<p class="field-error" role="alert">${errors.agree}</p>`}
    </div>
    ${errors.form && html`<div class="alert alert-error" role="alert">${errors.form}</div>`}
    <div class="actions"><button type="submit" class="btn btn-primary btn-large" disabled=${busy}>${busy ? w.signing : w.sign}</button></div>
  </form>`;
}

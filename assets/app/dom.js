// The Messenger's own DOM helpers, built with the shared builder (../shared/dom.js; data is never
// parsed as HTML): turn URLs into links, draw avatars and icons, format times in the agent's locale,
// keep the focus across a re-render.
import { el, svg } from '../shared/dom.js';
import { safeHref } from '../shared/links.js';
import { locale, t } from './i18n.js';

/**
 * Run `rebuild` (which replaces children of `box`) without losing the keyboard focus: the focused
 * element's `data-k` finds its successor, which gets the focus (and a text field its typed value) back.
 */
export function keepFocus(box, rebuild) {
  const a = document.activeElement;
  const k = a && box.contains(a) ? a.dataset?.k : null;
  const text = k && (a.tagName === 'TEXTAREA' || (a.tagName === 'INPUT' && a.type !== 'checkbox')) ? { v: a.value, s: a.selectionStart, e: a.selectionEnd } : null;
  rebuild();
  if (!k) return;
  const n = box.querySelector(`[data-k="${CSS.escape(k)}"]`);
  if (!n) return;
  if (text) { n.value = text.v; try { n.setSelectionRange(text.s, text.e); } catch { /* not a text field */ } }
  n.focus({ preventScroll: true });
}

const URL_RE = /\bhttps?:\/\/[^\s<>"']+|\bwww\.[^\s<>"']+/gi;

/** Text with its URLs as links (built as elements: the text is never parsed as HTML). */
export function linkified(text) {
  const frag = document.createDocumentFragment();
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    // Trailing punctuation is usually the sentence's, not the URL's.
    const trail = /[).,;:!?\]]+$/.exec(url);
    if (trail) url = url.slice(0, -trail[0].length);
    if (m.index > last) frag.append(text.slice(last, m.index));
    frag.append(link(url.startsWith('www.') ? 'https://' + url : url, url));
    last = m.index + url.length;
  }
  if (last < text.length) frag.append(text.slice(last));
  return frag;
}

/**
 * A URL someone else supplied (a customer's page, a message), opened in a new tab without a referrer
 * or a handle on this window; as plain text unless it is http(s).
 */
export function link(url, text = url) {
  const href = safeHref(url);
  return href ? el('a', { href, target: '_blank', rel: 'noopener nofollow noreferrer' }, text) : document.createTextNode(text);
}

/** A search snippet whose matches are marked U+0002 … U+0003, as text with <mark>s. */
export function highlighted(snippet) {
  const frag = document.createDocumentFragment();
  const parts = String(snippet).split('\u0002');
  frag.append(parts[0]);
  for (const p of parts.slice(1)) {
    const [hit, rest = ''] = p.split('\u0003');
    frag.append(el('mark', {}, hit), rest);
  }
  return frag;
}

export function initials(name) {
  const words = String(name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || '?').slice(0, 2);
  return letters.toUpperCase();
}

/** A round avatar with initials, its hue stable per name; `online` (true, false or 'away') adds a presence dot. */
export function avatar(name, { size = 36, online = null, team = false } = {}) {
  let h = 0;
  for (const ch of String(name)) h = (h * 31 + ch.codePointAt(0)) % 360;
  const a = el('span', { class: `avatar s${size}${team ? ' team' : ''}`, 'aria-hidden': 'true', 'data-hue': h }, initials(name));
  a.style.setProperty('--hue', h);
  if (online !== null) a.append(el('span', { class: `dot ${online === 'away' ? 'away' : online ? 'on' : 'off'}` }));
  return a;
}

const sameDay = (a, b) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

/** "14:05" today, "Mon" this week, "12 Mar" otherwise: for list rows. */
export function shortTime(ms) {
  const d = new Date(ms), now = new Date();
  if (sameDay(d, now)) return d.toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
  if (now - d < 6 * 864e5) return d.toLocaleDateString(locale(), { weekday: 'short' });
  return d.toLocaleDateString(locale(), { day: 'numeric', month: 'short' });
}

export function clockTime(ms) {
  return new Date(ms).toLocaleTimeString(locale(), { hour: '2-digit', minute: '2-digit' });
}

/** When something will happen: "17:00" today, "Mon 09:00" within the week, else a date and time. */
export function laterTime(ms) {
  const d = new Date(ms), now = new Date();
  if (sameDay(d, now)) return clockTime(ms);
  const opts = { hour: '2-digit', minute: '2-digit', ...(d - now < 6 * 864e5 ? { weekday: 'short' } : { day: 'numeric', month: 'short' }) };
  return d.toLocaleString(locale(), opts);
}

export function fullTime(ms) {
  return new Date(ms).toLocaleString(locale(), { dateStyle: 'medium', timeStyle: 'short' });
}

/** The day separator: "Today", "Yesterday", or a date. */
export function dayLabel(ms) {
  const d = new Date(ms), now = new Date();
  if (sameDay(d, now)) return t('today');
  if (sameDay(d, new Date(now - 864e5))) return t('yesterday');
  return d.toLocaleDateString(locale(), { weekday: 'long', day: 'numeric', month: 'long', year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric' });
}

export function dayKey(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** An inline SVG icon from a fixed set (paths are constants, never data). */
const ICONS = {
  chart: 'M4 20V10h3v10zm6.5 0V4h3v16zM17 20v-7h3v7z',
  search: 'M11 4a7 7 0 1 0 4.2 12.6l4.1 4.1 1.4-1.4-4.1-4.1A7 7 0 0 0 11 4zm0 2a5 5 0 1 1 0 10 5 5 0 0 1 0-10z',
  plus: 'M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z',
  more: 'M12 7a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zm0 6.5a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3zm0 6.5a1.5 1.5 0 1 1 0-3 1.5 1.5 0 0 1 0 3z',
  close: 'M6.4 5 5 6.4l5.6 5.6L5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z',
  send: 'M3.4 20.4 21 12 3.4 3.6 3.4 10l12.6 2-12.6 2z',
  clip: 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z',
  back: 'M15.4 5.4 14 4l-8 8 8 8 1.4-1.4L8.8 12z',
  check: 'M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z',
  bell: 'M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6V11a6 6 0 0 0-5-5.9V4a1 1 0 1 0-2 0v1.1A6 6 0 0 0 6 11v5l-2 2v1h16v-1z',
  star: 'M12 17.3 18.2 21l-1.6-7L22 9.2l-7.2-.6L12 2 9.2 8.6 2 9.2 7.4 14l-1.6 7z',
  starOutline: 'M22 9.2l-7.2-.6L12 2 9.2 8.6 2 9.2 7.4 14l-1.6 7L12 17.3 18.2 21l-1.6-7zM12 15.4l-3.8 2.3 1-4.3-3.3-2.9 4.4-.4L12 6.1l1.7 4 4.4.4-3.3 2.9 1 4.3z',
  keyboard: 'M20 5H4a2 2 0 0 0-2 2v10a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V7a2 2 0 0 0-2-2zm-9 3h2v2h-2zm0 3h2v2h-2zM8 8h2v2H8zm0 3h2v2H8zm-1 2H5v-2h2zm0-3H5V8h2zm9 7H8v-2h8zm0-4h-2v-2h2zm0-3h-2V8h2zm3 3h-2v-2h2zm0-3h-2V8h2z',
  signout: 'M10 17l1.4 1.4L17.8 12l-6.4-6.4L10 7l4 4H3v2h11zM19 3h-7v2h7v14h-7v2h7a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2z',
  settings: 'M19.4 13a7.7 7.7 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.4 7.4 0 0 0-1.7-1L15 3.3h-4l-.4 2.6a7.4 7.4 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.7 7.7 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.4 7.4 0 0 0 1.7 1l.4 2.6h4l.4-2.6a7.4 7.4 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z',
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-4 0-8 2-8 5v1h16v-1c0-3-4-5-8-5z',
  edit: 'M3 17.2V21h3.8L17.8 10l-3.8-3.8zM20.7 7a1 1 0 0 0 0-1.4l-2.3-2.3a1 1 0 0 0-1.4 0l-1.8 1.8 3.8 3.8z',
  trash: 'M6 19a2 2 0 0 0 2 2h8a2 2 0 0 0 2-2V7H6zM19 4h-3.5l-1-1h-5l-1 1H5v2h14z',
  retry: 'M17.6 6.4A8 8 0 1 0 19.7 14h-2.1a6 6 0 1 1-1.4-6.2L13 11h7V4z',
  ticket: 'M4 5h16a1 1 0 0 1 1 1v3.5a2.5 2.5 0 0 0 0 5V18a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1v-3.5a2.5 2.5 0 0 0 0-5V6a1 1 0 0 1 1-1zm1 2v1.1a4.5 4.5 0 0 1 0 7.8V17h14v-1.1a4.5 4.5 0 0 1 0-7.8V7zm5 2h4v2h-4zm0 4h4v2h-4z',
  task: 'M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zm0 16H5V5h14zm-8.6-3.6L6.8 12.8l1.4-1.4 2.2 2.2 5.4-5.4 1.4 1.4z',
  link: 'M3.9 12a3.1 3.1 0 0 1 3.1-3.1h4V7H7a5 5 0 0 0 0 10h4v-1.9H7A3.1 3.1 0 0 1 3.9 12zM8 13h8v-2H8zm9-6h-4v1.9h4a3.1 3.1 0 0 1 0 6.2h-4V17h4a5 5 0 0 0 0-10z',
  tune: 'M3 17v2h6v-2zM3 5v2h10V5zm10 16v-2h8v-2h-8v-2h-2v6zM7 9v2H3v2h4v2h2V9zm14 4v-2H11v2zm-6-4h2V7h4V5h-4V3h-2z',
  web: 'M20 4H4a2 2 0 0 0-2 2v12a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2V6a2 2 0 0 0-2-2zm0 14H4V8h16z',
  external: 'M19 19H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7h-2zM14 3v2h3.6l-9.8 9.8 1.4 1.4L19 6.4V10h2V3z',
  lock: 'M12 2a5 5 0 0 0-5 5v3H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-8a2 2 0 0 0-2-2h-1V7a5 5 0 0 0-5-5zM9 10V7a3 3 0 1 1 6 0v3z',
  unlink: 'M17 7h-4v1.9h4a3.1 3.1 0 0 1 1.2 6l1.4 1.4A5 5 0 0 0 17 7zm-1 4h-2.2l2 2h.2zM2 4.3l3.1 3.1A5 5 0 0 0 7 17h4v-1.9H7A3.1 3.1 0 0 1 6.7 8.9L8.7 11H8v2h2.7l2.3 2.3V17h1.7l4 4 1.3-1.3L3.3 3z',
};

export function icon(name, size = 18) {
  return svg(ICONS[name] || '', { width: size, height: size, class: 'icon' }, { fill: 'currentColor' });
}

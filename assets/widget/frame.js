// The chat inside the widget's iframe (/widget): header, messages, pre-chat and email cards, composer.
// Everything shown is built with DOM calls and textContent; nothing is parsed as HTML. The connection
// (token, socket, outbox) is chat.js; the host page's loader is reached only by postMessage to the
// exact parent origin, and only its messages are listened to.

import { el, svg } from '../shared/dom.js';
import { attachmentList, trayItems } from '../shared/files.js';
import { mountAttach } from './attach.js';
import { safeHref } from '../shared/links.js';
import { Cards } from './cards.js';
import { Chat, store, tooLong } from './chat.js';
import { fmt, pick, timeLocale, words } from './i18n.js';
import { accentOf, paint } from './look.js';

const chat = new Chat();
const embedded = window.parent !== window;
const parentOrigin = (() => {
  if (!embedded) return null;
  const anc = location.ancestorOrigins;
  if (anc && anc.length) return anc[0];
  try { return new URL(decodeURIComponent(location.hash.slice(1))).origin; } catch { return null; }
})();

let lang = 'en';
let t = words(lang);
let locale = 'en';
let isOpen = !embedded;
let unread = 0;
let announced = false;
let localError = '';
// Per visitor, in the frame's own storage (next to the token): the sound of new replies muted.
const MUTED_KEY = 'frontdesk.muted';
let muted = store.getItem(MUTED_KEY) === '1';

const toParent = (msg) => { if (embedded && parentOrigin && parentOrigin !== 'null') window.parent.postMessage(msg, parentOrigin); };

const icon = (d) => svg(d, {}, { fill: 'currentColor' });
const ICON_DOWN = 'M6.7 9.3a1 1 0 0 1 1.4 0L12 13.2l3.9-3.9a1 1 0 1 1 1.4 1.4l-4.6 4.6a1 1 0 0 1-1.4 0L6.7 10.7a1 1 0 0 1 0-1.4z';
const ICON_SEND = 'M3.4 20.4 21 12 3.4 3.6a.7.7 0 0 0-1 .8L4.6 11l9.4 1-9.4 1-2.2 6.6a.7.7 0 0 0 1 .8z';
const ICON_SOUND = 'M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 7.97v8.05A4.5 4.5 0 0 0 16.5 12zM14 3.23v2.06a7 7 0 0 1 0 13.42v2.06a9 9 0 0 0 0-17.54z';
const ICON_SOUND_OFF = 'M16.5 12A4.5 4.5 0 0 0 14 7.97v2.21l2.45 2.45c.03-.2.05-.41.05-.63zm2.5 0c0 .94-.2 1.82-.54 2.64l1.51 1.51A8.8 8.8 0 0 0 21 12a9 9 0 0 0-7-8.77v2.06A7 7 0 0 1 19 12zM4.27 3 3 4.27 7.73 9H3v6h4l5 5v-6.73l4.25 4.25c-.67.52-1.42.93-2.25 1.18v2.06a9 9 0 0 0 3.69-1.81L19.73 21 21 19.73l-9-9L4.27 3zM12 4 9.91 6.09 12 8.18V4z';
// An offline message longer than this is said in the body under the greeting, not in the header.
const HEAD_MAX = 140;

/** Text with http(s) links made clickable; everything else stays text. */
function linkify(text) {
  const out = [];
  const re = /\b(?:https?:\/\/|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]}]/gi;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const href = safeHref(m[0].startsWith('www.') ? 'https://' + m[0] : m[0]);
    out.push(href ? el('a', { href, target: '_blank', rel: 'noopener nofollow noreferrer', text: m[0] }) : m[0]);
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const initials = (name) => (name || '?').trim().split(/\s+/).slice(0, 2).map((w) => w[0] || '').join('').toUpperCase() || '?';
const hue = (name) => [...(name || '')].reduce((a, c) => (a * 31 + c.charCodeAt(0)) % 360, 7);
const clock = (ms) => new Intl.DateTimeFormat(locale, { hour: 'numeric', minute: '2-digit' }).format(new Date(ms));

function avatar(name, cls) {
  const a = el('span', { class: 'avatar ' + (cls || ''), 'aria-hidden': 'true', text: initials(name) });
  a.style.setProperty('--hue', String(hue(name)));
  return a;
}

// ---- The fixed frame of the widget -------------------------------------------------------------

const app = document.getElementById('app');
const ui = {};
ui.brand = el('span', { class: 'avatar brand', 'aria-hidden': 'true' });
ui.title = el('h1', { class: 'title', id: 'fd-title' });
ui.status = el('p', { class: 'status' });
ui.mute = el('button', { type: 'button', class: 'icon-btn mute', 'aria-pressed': 'false', onclick: toggleMute, hidden: true });
ui.close = el('button', { type: 'button', class: 'icon-btn close', onclick: () => toParent({ fd: 'close' }), hidden: !embedded }, icon(ICON_DOWN));
ui.head = el('header', { class: 'head' }, ui.brand, el('div', { class: 'titles' }, ui.title, ui.status), ui.mute, ui.close);
ui.banner = el('div', { class: 'banner', role: 'status', hidden: true });
ui.older = el('div', { class: 'older', hidden: true });
ui.welcome = el('section', { class: 'welcome' });
ui.list = el('div', { class: 'list' });
ui.cards = el('div', { class: 'cards' });
ui.typing = el('div', { class: 'typing', 'aria-live': 'polite', hidden: true });
ui.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0', 'aria-labelledby': 'fd-title' },
  ui.older, ui.welcome, ui.list, ui.cards, ui.typing);
ui.toast = el('div', { class: 'toast', role: 'alert', hidden: true });
ui.input = el('textarea', { class: 'input', rows: '1', id: 'fd-input', maxlength: '20000', autocomplete: 'off' });
ui.label = el('label', { class: 'sr', for: 'fd-input' });
ui.send = el('button', { type: 'submit', class: 'send', disabled: true }, icon(ICON_SEND));
const attach = mountAttach({ chat, input: ui.input, words: () => t, locale: () => locale, onchange: () => renderStatus() });
ui.composer = el('form', { class: 'composer', onsubmit: submit }, ui.label, attach.button, attach.picker, ui.input, ui.send);
ui.transcript = el('button', { type: 'button', class: 'link transcript-btn', hidden: true, onclick: () => cards.openTranscript() });
ui.powered = el('span');
ui.foot = el('footer', { class: 'foot' }, ui.transcript, ui.powered);
// Landmarks: the header (banner), the conversation and its composer (main), "Powered by" (contentinfo).
app.append(ui.head, el('main', { class: 'main' }, ui.banner, ui.log, ui.toast, attach.tray, ui.composer), ui.foot, attach.drop);

// ---- Rendering ----------------------------------------------------------------------------------

function applyLook() {
  const hd = chat.helpdesk || {};
  lang = pick(hd.language);
  t = words(lang);
  locale = timeLocale(lang);
  document.documentElement.lang = lang;
  const c = accentOf(hd.widget_color);
  paint(document.documentElement.style, c);
  // The loader plays the sound (the frame may not be allowed to): it is told whether to.
  const cfg = { color: c, position: hd.widget_position, launcher_text: hd.launcher_text, sound: !!hd.sound && !muted,
    labels: { open: t.open, close: t.close, unread: t.unread, chat: t.chat } };
  toParent({ fd: announced ? 'config' : 'ready', cfg });
  announced = true;
}

/** The admin's messages in the widget's language (the server fills Portuguese gaps with English). */
function texts() {
  const hd = chat.helpdesk || {};
  return (hd.messages && hd.messages[lang]) || hd;
}

function toggleMute() {
  muted = !muted;
  if (muted) store.setItem(MUTED_KEY, '1');
  else store.removeItem(MUTED_KEY);
  applyLook();
  renderHead();
}

/**
 * The header says who and whether anyone is there (title; "Online · <reply time>" or "Away · <the
 * admin's offline message>"); the body under it greets (greeting; the online message). Each of the
 * admin's texts is said once.
 */
function renderHead() {
  const hd = chat.helpdesk || {};
  const msg = texts();
  const title = msg.widget_title || hd.widget_title || hd.helpdesk_name || 'Chat';
  ui.title.textContent = title;
  ui.brand.textContent = initials(hd.helpdesk_name || title);
  const away = msg.offline_message || '';
  const awayInHead = away.length <= HEAD_MAX;
  // The admin's text in an element of its own, so it reads (and is found) as written.
  const said = hd.online ? msg.reply_time : awayInHead ? away : '';
  ui.status.replaceChildren(el('span', { class: 'dot' + (hd.online ? ' on' : '') }),
    el('span', {}, hd.online ? t.online : t.away, said ? ' · ' : '', said ? el('span', { text: said }) : null));
  ui.close.setAttribute('aria-label', t.minimize);
  ui.close.title = t.minimize;
  ui.mute.hidden = !hd.sound;
  ui.mute.setAttribute('aria-pressed', String(muted));
  ui.mute.setAttribute('aria-label', t.mute);
  ui.mute.title = t.mute;
  if (ui.mute.dataset.muted !== String(muted)) {
    ui.mute.dataset.muted = String(muted);
    ui.mute.replaceChildren(icon(muted ? ICON_SOUND_OFF : ICON_SOUND));
  }
  ui.welcome.replaceChildren(
    el('p', { class: 'greeting', text: msg.greeting || '' }),
    el('p', { class: 'note', text: hd.online ? msg.online_message : awayInHead ? '' : away }));
  ui.welcome.classList.toggle('offline', !hd.online);
  ui.input.placeholder = t.write;
  ui.label.textContent = t.write;
  ui.send.setAttribute('aria-label', t.send);
  ui.send.title = t.send;
  ui.powered.textContent = t.powered;
  ui.transcript.textContent = t.transcript;
  attach.render();
}

/** What the visitor has chosen and written on each unanswered rating question, kept across redraws. */
const csatDrafts = new Map();

/** Stored messages by seq, then the ones still in the outbox. */
function items() {
  const stored = [...chat.messages.values()].sort((a, b) => a.seq - b.seq);
  const pending = chat.outbox.map((p) => ({ pending: p, author: { kind: 'customer' }, body: p.body, created_at: p.created_at, attachments: p.uploads ? [] : p.files }));
  return stored.concat(pending);
}

// Agents are told apart by display name: customers never receive user ids.
function who(m) { return m.author ? m.author.kind + ':' + (m.author.kind === 'customer' ? '' : m.author.name) : '?'; }

function renderList() {
  const all = items();
  const lastMine = all.map((m) => m.author?.kind === 'customer').lastIndexOf(true);
  const want = [];
  all.forEach((m, i) => {
    const prev = all[i - 1], next = all[i + 1];
    const first = !prev || who(prev) !== who(m) || m.created_at - prev.created_at > 300000;
    const last = !next || who(next) !== who(m) || next.created_at - m.created_at > 300000;
    const mine = m.author?.kind === 'customer';
    let status = '';
    if (m.pending) status = m.pending.state === 'failed' ? 'failed' : 'sending';
    else if (mine && i === lastMine) status = m.seq <= chat.seenSeq ? 'seen' : 'sent';
    // A sent message keeps the key it had while pending, so its row is updated, not replaced.
    const key = m.pending ? 'c:' + m.pending.cmid : mine && m.client_msg_id ? 'c:' + m.client_msg_id : 'm:' + m.id;
    const files = (m.attachments || []).map((a) => a.id).concat((m.pending?.uploads || []).map((u) => `${u.uid}:${u.state}:${Math.round(u.progress * 20)}`));
    const draft = m.system?.csat ? csatDrafts.get(m.system.csat.closing) : null;
    const sig = JSON.stringify([m.body, m.deleted_at, m.edited_at, m.author?.name, first, last, status, m.pending?.error, lang, files, m.system?.csat?.score, draft?.score, draft?.error]);
    want.push({ key, sig, build: () => row(m, { first, last, mine, status }) });
  });
  const have = new Map([...ui.list.children].map((node) => [node.dataset.key, node]));
  const keep = new Set();
  want.forEach((w, i) => {
    let node = have.get(w.key);
    if (!node || node.dataset.sig !== w.sig) {
      const fresh = w.build();
      fresh.dataset.key = w.key;
      fresh.dataset.sig = w.sig;
      // Only a message arriving now pops in; a re-drawn one (status change) or history does not.
      if (!node && listed) fresh.classList.add('new');
      if (node) node.replaceWith(fresh);
      node = fresh;
    }
    keep.add(node);
    const at = ui.list.children[i];
    if (at !== node) ui.list.insertBefore(node, at || null);
  });
  for (const node of [...ui.list.children]) if (!keep.has(node)) node.remove();
  listed = true;
}

function row(m, { first, last, mine, status }) {
  // System lines come as a code (closed, reopened) said in the visitor's language.
  if (m.system?.code === 'csat.requested' && m.system.csat) return csatRow(m);
  if (m.author?.kind === 'system') return el('div', { class: 'row system' }, el('p', { class: 'sys', text: t[m.system?.code] || m.body }));
  const files = !m.deleted_at && m.attachments?.length
    ? attachmentList(m.attachments, { src: (id, thumb) => chat.fileUrl(id, thumb), words: t, locale }) : null;
  const uploading = m.pending?.uploads?.length ? el('ul', { class: 'tray in-bubble' }, trayItems(m.pending.uploads, { words: t, locale })) : null;
  const text = m.deleted_at ? t.deleted : m.body ? linkify(m.body) : null;
  const bubble = el('div', { class: 'bubble' + (m.deleted_at ? ' deleted' : '') + (status === 'failed' ? ' failed' : '') + (!text ? ' only-files' : ''), title: m.created_at ? new Date(m.created_at).toLocaleString(locale) : '' },
    text, files, uploading);
  const r = el('div', { class: `row ${mine ? 'mine' : 'theirs'}${first ? ' first' : ''}${last ? ' last' : ''}` });
  if (!mine) {
    r.append(last ? avatar(m.author?.name) : el('span', { class: 'avatar-gap' }));
  }
  const col = el('div', { class: 'col' });
  if (!mine && first) col.append(el('span', { class: 'name', text: m.author?.name || t.someone }));
  col.append(bubble);
  if (status === 'failed') {
    col.append(el('p', { class: 'meta error' }, `${t.failed} ${m.pending.error || ''} `,
      el('button', { type: 'button', class: 'link', onclick: () => chat.retry(m.pending.cmid), text: t.retry })));
  } else if (last || status) {
    const bits = [];
    if (m.created_at && !m.pending) bits.push(clock(m.created_at));
    if (m.edited_at && !m.deleted_at) bits.push(t.edited);
    if (status) bits.push(t[status]);
    col.append(el('p', { class: 'meta' + (status === 'seen' ? ' seen' : ''), text: bits.join(' · ') }));
  }
  r.append(col);
  return r;
}

/**
 * The satisfaction question after a closing (issue 20), in the visitor's language: stars or thumbs,
 * an optional comment once a score is chosen, and the answer once given. It stays in the
 * conversation, so it can be answered later.
 */
function csatRow(m) {
  const q = m.system.csat;
  // A redraw replaces the row: focus goes back to the control that caused it.
  const refocus = (sel) => requestAnimationFrame(() => ui.list.querySelector(`[data-key="m:${m.id}"] ${sel}`)?.focus());
  const qid = 'csat-q-' + q.closing;
  const head = el('p', { class: 'csat-q', id: qid, text: t['csat.requested'] });
  const label = (n) => q.scale === 'thumbs' ? (n ? t.csatUp : t.csatDown) : fmt(t.csatStars, { n });
  const glyph = (n, on) => q.scale === 'thumbs' ? (n ? '👍' : '👎') : on ? '★' : '☆';
  if (q.score !== null && q.score !== undefined) {
    const shown = q.scale === 'thumbs' ? glyph(q.score, true) : [1, 2, 3, 4, 5].map((n) => glyph(n, n <= q.score)).join('');
    return el('div', { class: 'row system' }, el('div', { class: 'csat done', role: 'group', 'aria-labelledby': qid }, head,
      el('p', { class: 'csat-given', 'aria-label': fmt(t.csatYours, { score: label(q.score) }), text: shown }),
      el('p', { class: 'csat-thanks', text: t.csatThanks })));
  }
  const draft = csatDrafts.get(q.closing) || { score: null, comment: '', error: '' };
  csatDrafts.set(q.closing, draft);
  const scores = q.scale === 'thumbs' ? [1, 0] : [1, 2, 3, 4, 5];
  const buttons = scores.map((n) => el('button', { type: 'button', class: 'csat-pick', 'data-score': n, 'aria-label': label(n),
    'aria-pressed': String(draft.score === n), text: glyph(n, q.scale === 'thumbs' || (draft.score !== null && n <= draft.score)),
    onclick: () => { draft.score = n; draft.error = ''; render(); refocus(`[data-score="${n}"]`); } }));
  const card = el('div', { class: 'csat', role: 'group', 'aria-labelledby': qid }, head, el('div', { class: 'csat-scale' }, buttons));
  if (draft.score !== null) {
    const cid = 'csat-c-' + q.closing;
    const box = el('textarea', { id: cid, class: 'csat-comment', rows: 2, maxlength: 1000, placeholder: t.csatComment, 'aria-label': t.csatComment, value: draft.comment,
      oninput: (e) => { draft.comment = e.target.value; } });
    const send = el('button', { type: 'button', class: 'csat-send', text: t.csatSend, onclick: async () => {
      send.disabled = true;
      try {
        await chat.rate(q.closing, draft.score, draft.comment);
        csatDrafts.delete(q.closing);
      } catch (e) {
        draft.error = e.status === 409 ? '' : (e.data?.error || t.error);
        send.disabled = false;
        render();
        refocus('.csat-send');
      }
    } });
    card.append(box, send);
    if (draft.error) card.append(el('p', { class: 'csat-error', role: 'alert', text: draft.error }));
  }
  return el('div', { class: 'row system' }, card);
}

const cards = new Cards(chat, { render: () => render(), focusInput: () => ui.input.focus() });

function renderCards() {
  const list = cards.list(t, texts());
  if (list.length !== ui.cards.children.length || list.some((c, i) => ui.cards.children[i] !== c)) ui.cards.replaceChildren(...list);
}

function renderStatus() {
  const typing = chat.typingWho && chat.typingWho.until > Date.now();
  if (typing) {
    ui.typing.replaceChildren(avatar(chat.typingWho.name, 'small'), el('span', { class: 'dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')),
      el('span', { class: 'sr', text: fmt(t.typing, { name: chat.typingWho.name || t.someone }) }));
  }
  ui.typing.hidden = !typing;
  const disconnected = chat.token && !chat.connected && (chat.outbox.length || chat.failures > 1);
  ui.banner.hidden = !disconnected;
  ui.banner.textContent = t.reconnecting;
  // Email is set up and there is a conversation to send.
  ui.transcript.hidden = !(chat.helpdesk?.email && chat.messages.size) || cards.transcriptOpen;
  const slow = Date.now() < chat.slowUntil;
  const msg = chat.fatal ? t.notAllowed : slow ? t.slowDown : chat.linkError ? t.linkExpired : localError;
  ui.toast.hidden = !msg;
  ui.toast.textContent = msg || '';
  ui.older.hidden = !chat.loadingOlder;
  ui.older.textContent = t.older;
  const blocked = cards.prechatNeeded() && chat.helpdesk?.prechat === 'required';
  ui.input.disabled = blocked;
  ui.send.disabled = blocked || (!ui.input.value.trim() && !attach.count());
  attach.button.disabled = blocked;
}

let pendingScroll = null;
let listed = false;
function render() {
  if (!chat.helpdesk) return;
  const log = ui.log;
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  const fromBottom = log.scrollHeight - log.scrollTop;
  renderHead();
  renderList();
  renderCards();
  renderStatus();
  if (pendingScroll === 'keep') log.scrollTop = log.scrollHeight - fromBottom;
  else if (atBottom || pendingScroll === 'bottom') log.scrollTop = log.scrollHeight;
  pendingScroll = null;
  if (isOpen && !document.hidden) chat.markRead();
}
// Back in view with the chat open: what arrived meanwhile is read now.
document.addEventListener('visibilitychange', () => { if (isOpen && !document.hidden) chat.markRead(); });

// ---- Input --------------------------------------------------------------------------------------

let typingSent = 0;
let typingStop = 0;

function submit(e) {
  e.preventDefault();
  const body = ui.input.value.trim();
  if (!body && !attach.count()) return;
  if (tooLong(body)) { localError = t.tooLong; render(); return; }
  localError = '';
  ui.input.value = '';
  grow();
  clearTimeout(typingStop);
  if (typingSent) { chat.typing(false); typingSent = 0; }
  pendingScroll = 'bottom';
  chat.send(body, attach.take());
}

function grow() {
  ui.input.style.height = 'auto';
  ui.input.style.height = Math.min(ui.input.scrollHeight, 140) + 'px';
}

ui.input.addEventListener('input', () => {
  grow();
  if (localError && !tooLong(ui.input.value)) localError = '';
  renderStatus();
  if (!ui.input.value.trim()) return;
  const now = Date.now();
  if (now - typingSent > 3000) { chat.typing(true); typingSent = now; }
  clearTimeout(typingStop);
  typingStop = setTimeout(() => { chat.typing(false); typingSent = 0; }, 4000);
});

ui.input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); ui.composer.requestSubmit(); }
});

document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && embedded) toParent({ fd: 'close' }); });

ui.log.addEventListener('scroll', async () => {
  if (ui.log.scrollTop < 40 && chat.hasMore && !chat.loadingOlder) {
    const before = ui.log.scrollHeight - ui.log.scrollTop;
    const n = await chat.loadOlder();
    if (n) ui.log.scrollTop = ui.log.scrollHeight - before;
  }
});

// ---- The loader on the host page ----------------------------------------------------------------

window.addEventListener('message', (e) => {
  if (!embedded || e.source !== window.parent || e.origin !== parentOrigin) return;
  const m = e.data;
  if (!m || typeof m !== 'object') return;
  if (m.fd === 'open') {
    isOpen = true;
    unread = 0;
    toParent({ fd: 'unread', n: 0 });
    pendingScroll = 'bottom';
    render();
    setTimeout(() => ui.input.focus({ preventScroll: true }), 50);
    // A visitor who opens the chat gets a token now, so the socket brings live status and typing.
    if (!chat.token) chat.ensureVisitor();
  } else if (m.fd === 'closed') {
    isOpen = false;
  } else if (m.fd === 'identify' && m.user && typeof m.user === 'object') {
    chat.identify(m.user);
  } else if (m.fd === 'page' && typeof m.url === 'string') {
    chat.page = { url: m.url.slice(0, 2000), referrer: String(m.referrer || '').slice(0, 2000) };
    if (chat.token) chat.profile({ page_url: chat.page.url, referrer: chat.page.referrer, timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || '' }).catch(() => {});
  }
});

chat.onchange = render;
chat.onconfig = applyLook;
chat.onmessage = (m, mine) => {
  toParent({ fd: 'message', message: { id: m.id, conversation_id: m.conversation_id, body: m.body, created_at: m.created_at,
    author: { kind: m.author?.kind, name: mine ? undefined : m.author?.name } } });
  if (!mine && m.author?.kind === 'user' && (!isOpen || document.hidden)) {
    unread += isOpen ? 0 : 1;
    toParent({ fd: 'unread', n: unread });
    toParent({ fd: 'notify' });
  }
};

chat.start().then(() => {
  pendingScroll = 'bottom';
  render();
  if (isOpen && !chat.token) chat.ensureVisitor();
});

// The chat inside the widget's iframe (/widget): header, messages, pre-chat and email cards, composer.
// Everything shown is built with DOM calls and textContent; nothing is parsed as HTML. The connection
// (token, socket, outbox) is chat.js; the host page's loader is reached only by postMessage to the
// exact parent origin, and only its messages are listened to.

import { el, svg } from '../shared/dom.js';
import { safeHref } from '../shared/links.js';
import { Chat, tooLong } from './chat.js';
import { fmt, pick, words } from './i18n.js';

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
let isOpen = !embedded;
let unread = 0;
let announced = false;
let localError = '';
const session = { get: (k) => { try { return sessionStorage.getItem(k); } catch { return null; } }, set: (k, v) => { try { sessionStorage.setItem(k, v); } catch { /* memory only */ } } };
let prechatDone = session.get('frontdesk.prechat') === 'done';
let emailDismissed = false;

const toParent = (msg) => { if (embedded && parentOrigin && parentOrigin !== 'null') window.parent.postMessage(msg, parentOrigin); };

const icon = (d) => svg(d, {}, { fill: 'currentColor' });
const ICON_DOWN = 'M6.7 9.3a1 1 0 0 1 1.4 0L12 13.2l3.9-3.9a1 1 0 1 1 1.4 1.4l-4.6 4.6a1 1 0 0 1-1.4 0L6.7 10.7a1 1 0 0 1 0-1.4z';
const ICON_SEND = 'M3.4 20.4 21 12 3.4 3.6a.7.7 0 0 0-1 .8L4.6 11l9.4 1-9.4 1-2.2 6.6a.7.7 0 0 0 1 .8z';

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
const clock = (ms) => new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(new Date(ms));
const validEmail = (e) => /^[^\s@]+@[^\s@]+$/.test(e) && e.length <= 254;

function avatar(name, cls) {
  const a = el('span', { class: 'avatar ' + (cls || ''), 'aria-hidden': 'true', text: initials(name) });
  a.style.background = `hsl(${hue(name)} 55% 46%)`;
  return a;
}

// ---- The fixed frame of the widget -------------------------------------------------------------

const app = document.getElementById('app');
const ui = {};
ui.brand = el('span', { class: 'avatar brand', 'aria-hidden': 'true' });
ui.title = el('h1', { class: 'title', id: 'fd-title' });
ui.status = el('p', { class: 'status' });
ui.close = el('button', { type: 'button', class: 'icon-btn close', onclick: () => toParent({ fd: 'close' }), hidden: !embedded }, icon(ICON_DOWN));
ui.head = el('header', { class: 'head' }, ui.brand, el('div', { class: 'titles' }, ui.title, ui.status), ui.close);
ui.banner = el('div', { class: 'banner', role: 'status', hidden: true });
ui.older = el('div', { class: 'older', hidden: true });
ui.welcome = el('section', { class: 'welcome' });
ui.list = el('div', { class: 'list' });
ui.cards = el('div', { class: 'cards' });
ui.typing = el('div', { class: 'typing', 'aria-live': 'polite', hidden: true });
ui.log = el('main', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', tabindex: '0', 'aria-labelledby': 'fd-title' },
  ui.older, ui.welcome, ui.list, ui.cards, ui.typing);
ui.toast = el('div', { class: 'toast', role: 'alert', hidden: true });
ui.input = el('textarea', { class: 'input', rows: '1', id: 'fd-input', maxlength: '20000', autocomplete: 'off' });
ui.label = el('label', { class: 'sr', for: 'fd-input' });
ui.send = el('button', { type: 'submit', class: 'send', disabled: true }, icon(ICON_SEND));
ui.composer = el('form', { class: 'composer', onsubmit: submit }, ui.label, ui.input, ui.send);
ui.foot = el('div', { class: 'foot' });
app.append(ui.head, ui.banner, ui.log, ui.toast, ui.composer, ui.foot);

// ---- Rendering ----------------------------------------------------------------------------------

function applyLook() {
  const hd = chat.helpdesk || {};
  lang = pick(hd.language);
  t = words(lang);
  document.documentElement.lang = lang;
  const c = /^#[0-9a-fA-F]{6}$/.test(hd.widget_color || '') ? hd.widget_color : '#4f46e5';
  const n = parseInt(c.slice(1), 16);
  const light = (0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) > 170;
  document.documentElement.style.setProperty('--accent', c);
  document.documentElement.style.setProperty('--on-accent', light ? '#111827' : '#ffffff');
  const cfg = { color: c, position: hd.widget_position, launcher_text: hd.launcher_text, sound: !!hd.sound,
    labels: { open: t.open, close: t.close, unread: t.unread } };
  toParent({ fd: announced ? 'config' : 'ready', cfg });
  announced = true;
}

/** The admin's messages in the widget's language (the server fills Portuguese gaps with English). */
function texts() {
  const hd = chat.helpdesk || {};
  return (hd.messages && hd.messages[lang]) || hd;
}

function renderHead() {
  const hd = chat.helpdesk || {};
  const msg = texts();
  ui.title.textContent = hd.widget_title || hd.helpdesk_name || 'Chat';
  ui.brand.textContent = initials(hd.helpdesk_name || hd.widget_title);
  ui.status.replaceChildren(el('span', { class: 'dot' + (hd.online ? ' on' : '') }),
    hd.online ? `${t.online} · ${msg.reply_time || ''}`.replace(/ · $/, '') : `${t.away} · ${t.awayLine}`);
  ui.close.setAttribute('aria-label', t.minimize);
  ui.close.title = t.minimize;
  ui.welcome.replaceChildren(
    el('p', { class: 'greeting', text: msg.greeting || '' }),
    el('p', { class: 'note', text: hd.online ? msg.online_message : msg.offline_message }));
  ui.welcome.classList.toggle('offline', !hd.online);
  ui.input.placeholder = t.write;
  ui.label.textContent = t.write;
  ui.send.setAttribute('aria-label', t.send);
  ui.send.title = t.send;
  ui.foot.textContent = t.powered;
}

/** Stored messages by seq, then the ones still in the outbox. */
function items() {
  const stored = [...chat.messages.values()].sort((a, b) => a.seq - b.seq);
  const pending = chat.outbox.map((p) => ({ pending: p, author: { kind: 'customer' }, body: p.body, created_at: p.created_at }));
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
    const sig = JSON.stringify([m.body, m.deleted_at, m.edited_at, m.author?.name, first, last, status, m.pending?.error, lang]);
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
  if (m.author?.kind === 'system') return el('div', { class: 'row system' }, el('p', { class: 'sys', text: t[m.system?.code] || m.body }));
  const bubble = el('div', { class: 'bubble' + (m.deleted_at ? ' deleted' : '') + (status === 'failed' ? ' failed' : ''), title: m.created_at ? new Date(m.created_at).toLocaleString(lang) : '' },
    m.deleted_at ? t.deleted : linkify(m.body));
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

function field(label, type, value, autocomplete) {
  const id = 'fd-' + label.toLowerCase().replace(/\W+/g, '') + Math.random().toString(36).slice(2, 6);
  const input = el('input', { id, type, value: value || '', autocomplete, class: 'field' });
  return { input, el: el('div', { class: 'fld' }, el('label', { for: id, text: label }), input) };
}

function prechatNeeded() {
  const mode = chat.helpdesk?.prechat || 'off';
  if (mode === 'off' || prechatDone) return false;
  if (chat.messages.size || chat.outbox.length) return false;
  return !(chat.customer?.email || chat.identity.email || chat.customer?.verified);
}

function renderCards() {
  const cards = [];
  const mode = chat.helpdesk?.prechat;
  if (prechatNeeded()) {
    if (!ui.prechat) {
      const name = field(t.name, 'text', chat.identity.name || '', 'name');
      const email = field(t.email, 'email', '', 'email');
      const err = el('p', { class: 'card-error', role: 'alert' });
      const done = () => { prechatDone = true; session.set('frontdesk.prechat', 'done'); ui.prechat = null; render(); ui.input.focus(); };
      const form = el('form', { class: 'card prechat', onsubmit: async (e) => {
        e.preventDefault();
        const n = name.input.value.trim(), em = email.input.value.trim();
        if (mode === 'required' && !em) { err.textContent = t.needEmail; email.input.focus(); return; }
        if (em && !validEmail(em)) { err.textContent = t.badEmail; email.input.focus(); return; }
        const fields = {};
        if (n) fields.name = n;
        if (em) fields.email = em;
        try { await chat.profile(fields); } catch (e) { err.textContent = e.data?.error || t.error; return; }
        done();
      } },
      el('h2', { text: t.prechatTitle }), el('p', { text: mode === 'required' ? t.prechatRequired : t.prechatOptional }),
      name.el, email.el, err,
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', text: t.start }),
        mode === 'optional' ? el('button', { type: 'button', class: 'link', onclick: done, text: t.skip }) : null));
      ui.prechat = form;
    }
    cards.push(ui.prechat);
  } else {
    ui.prechat = null;
  }
  const offline = chat.helpdesk && !chat.helpdesk.online;
  const wrote = chat.outbox.length || [...chat.messages.values()].some((m) => m.author?.kind === 'customer');
  if (chat.customer?.email && ui.emailAsk && ui.emailAsk.dataset.saved) {
    cards.push(ui.emailAsk);
  } else if (offline && wrote && !chat.customer?.email && !emailDismissed) {
    if (!ui.emailAsk) {
      const email = field(t.email, 'email', '', 'email');
      const err = el('p', { class: 'card-error', role: 'alert' });
      ui.emailAsk = el('form', { class: 'card ask', onsubmit: async (e) => {
        e.preventDefault();
        const em = email.input.value.trim();
        if (!validEmail(em)) { err.textContent = t.badEmail; email.input.focus(); return; }
        try { await chat.profile({ email: em }); } catch (e) { err.textContent = e.data?.error || t.error; return; }
        ui.emailAsk.replaceChildren(el('p', { class: 'saved', text: fmt(texts().email_saved_message || t.emailSaved, { email: em }) }));
        ui.emailAsk.dataset.saved = '1';
        render();
      } }, el('p', { text: t.emailAsk }), el('div', { class: 'inline' }, email.el, el('button', { type: 'submit', class: 'primary', text: t.emailSave })), err);
    }
    cards.push(ui.emailAsk);
  }
  if (cards.length !== ui.cards.children.length || cards.some((c, i) => ui.cards.children[i] !== c)) ui.cards.replaceChildren(...cards);
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
  const slow = Date.now() < chat.slowUntil;
  const msg = chat.fatal ? t.notAllowed : slow ? t.slowDown : localError;
  ui.toast.hidden = !msg;
  ui.toast.textContent = msg || '';
  ui.older.hidden = !chat.loadingOlder;
  ui.older.textContent = t.older;
  const blocked = prechatNeeded() && chat.helpdesk?.prechat === 'required';
  ui.input.disabled = blocked;
  ui.send.disabled = blocked || !ui.input.value.trim();
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
}

// ---- Input --------------------------------------------------------------------------------------

let typingSent = 0;
let typingStop = 0;

function submit(e) {
  e.preventDefault();
  const body = ui.input.value.trim();
  if (!body) return;
  if (tooLong(body)) { localError = t.tooLong; render(); return; }
  localError = '';
  ui.input.value = '';
  grow();
  clearTimeout(typingStop);
  if (typingSent) { chat.typing(false); typingSent = 0; }
  pendingScroll = 'bottom';
  chat.send(body);
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

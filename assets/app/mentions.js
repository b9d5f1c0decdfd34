// @mentions (issue 15), in private notes and team chats: typing `@` in the composer offers the
// teammates who may see the conversation (a listbox under the text, filtered as you type; ↑/↓ move,
// Enter or Tab pick, Esc closes; the textarea points at the active option with
// aria-activedescendant); the pick is written as `@Name`. At send, every `@Name` of such a teammate
// becomes an id in `mentions` (the server keeps only those who may see it). A mention of me arrives as
// `mention.created`: a chime and a notification, the conversation in "My conversations", marked
// with "@" until read. Mentions in a message are drawn highlighted.
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import { avatar, linkified } from './dom.js';
import { t } from './i18n.js';
import * as notify from './notify.js';
import { S, changed, upsert } from './state.js';

const MAX_SHOWN = 8;
const WORD = /[\p{L}\p{N}_]/u;
const fold = (s) => String(s).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** Teammates who may see conversation `c` (never me): its members in a team chat, else support. */
export function candidates(c) {
  if (!c) return [];
  const others = [...S.team.values()].filter((u) => u.id !== S.me.id);
  if (c.kind === 'team') return others.filter((u) => c.participants?.includes(u.id));
  return others.filter((u) => u.customer_support || u.role === 'admin');
}

/** The `@Name` at `i` in `text` (the longest name that ends at a word boundary), or null. */
function nameAt(text, i, people) {
  if (text[i] !== '@') return null;
  let best = null;
  for (const u of people) {
    if (!u.name || !text.startsWith(u.name, i + 1)) continue;
    if (WORD.test(text[i + 1 + u.name.length] || '')) continue;
    if (!best || u.name.length > best.name.length) best = u;
  }
  return best;
}

/** The ids of the teammates `body` mentions as `@Name`, among `people`. */
export function resolve(body, people) {
  const ids = [];
  for (let i = body.indexOf('@'); i !== -1; i = body.indexOf('@', i + 1)) {
    const u = nameAt(body, i, people);
    if (u && !ids.includes(u.id)) ids.push(u.id);
  }
  return ids;
}

/** Message text with its URLs as links and its mentions (user ids `ids`) highlighted; mine stand out. */
export function rich(text, ids) {
  const people = (ids || []).map((id) => S.team.get(id)).filter(Boolean);
  if (!people.length) return linkified(text);
  const frag = document.createDocumentFragment();
  let last = 0;
  for (let i = text.indexOf('@'); i !== -1; i = text.indexOf('@', i + 1)) {
    const u = nameAt(text, i, people);
    if (!u) continue;
    if (i > last) frag.append(linkified(text.slice(last, i)));
    frag.append(el('span', { class: `mention${u.id === S.me.id ? ' me' : ''}` }, '@' + u.name));
    last = i + 1 + u.name.length;
    i = last - 1;
  }
  if (last < text.length) frag.append(linkified(text.slice(last)));
  return frag;
}

/**
 * Give the composer's textarea `input` its mention picker. `enabled()` says whether mentions are
 * allowed now (a note or a team chat), `people()` who may be mentioned, `edited()` runs after a
 * pick (drafts, size). Returns the picker's element, to be placed in the composer (which positions it).
 * Register before the composer's own keydown listener: a key the picker uses is not the composer's.
 */
export function attach(input, { enabled, people, edited }) {
  const list = el('div', { class: 'mention-list', role: 'listbox', id: 'mention-list', 'aria-label': t('mentionPicker') });
  const status = el('span', { class: 'sr-only', role: 'status' });
  const box = el('div', { class: 'mention-picker', hidden: true }, list);
  const wrap = el('div', { class: 'mention-wrap' }, box, status);
  let state = null; // {start, query, shown: [users], active}

  const close = () => {
    if (!state) return;
    state = null;
    box.hidden = true;
    input.removeAttribute('aria-activedescendant');
    input.removeAttribute('aria-controls');
    status.textContent = '';
  };

  const draw = () => {
    list.replaceChildren(...state.shown.map((u, i) => el('div', {
      role: 'option', id: `mention-opt-${u.id}`, class: 'mention-opt', 'aria-selected': String(i === state.active),
      onmousedown: (e) => e.preventDefault(), onclick: () => pick(u),
    }, avatar(u.name, { size: 24, online: !!u.online }), el('span', { class: 'ellipsis' }, u.name))));
    const none = !state.shown.length;
    if (none) list.append(el('div', { class: 'mention-none muted small', 'aria-hidden': 'true' }, t('mentionNone')));
    box.hidden = false;
    input.setAttribute('aria-controls', list.id);
    if (none) input.removeAttribute('aria-activedescendant');
    else {
      input.setAttribute('aria-activedescendant', `mention-opt-${state.shown[state.active].id}`);
      list.children[state.active]?.scrollIntoView({ block: 'nearest' });
    }
    status.textContent = none ? t('mentionNone') : t('mentionCount', { n: state.shown.length });
  };

  /** The `@query` the caret is in, if any: `@` at the start or after a space, then no space or @. */
  const typed = () => {
    if (!enabled() || input.selectionStart !== input.selectionEnd) return null;
    const before = input.value.slice(0, input.selectionStart);
    const m = /(^|\s)@([^\s@]{0,30})$/u.exec(before);
    return m ? { start: before.length - m[2].length - 1, query: m[2] } : null;
  };

  let teamAt = 0;
  const refresh = () => {
    const at = typed();
    if (!at) return close();
    // Opening: a teammate added since the Messenger loaded is offered too.
    if (!state && Date.now() - teamAt > 30_000) {
      teamAt = Date.now();
      A.loadTeam().then(() => { if (state) refresh(); }, () => {});
    }
    const q = fold(at.query);
    const all = people().filter((u) => fold(u.name).includes(q));
    // Names that start with what was typed first, then words that do, then the rest.
    const rank = (u) => (fold(u.name).startsWith(q) ? 0 : fold(u.name).split(/\s+/).some((w) => w.startsWith(q)) ? 1 : 2);
    all.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    const keep = state && state.shown[state.active];
    const shown = all.slice(0, MAX_SHOWN);
    const active = Math.max(0, keep ? shown.findIndex((u) => u.id === keep.id) : 0);
    state = { ...at, shown, active };
    draw();
  };

  const pick = (u) => {
    if (!state) return;
    const end = state.start + 1 + state.query.length;
    const insert = `@${u.name} `;
    input.value = input.value.slice(0, state.start) + insert + input.value.slice(end);
    const caret = state.start + insert.length;
    input.setSelectionRange(caret, caret);
    close();
    input.focus();
    edited();
  };

  input.setAttribute('aria-autocomplete', 'list');
  input.addEventListener('input', refresh);
  input.addEventListener('click', refresh);
  input.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== input) close(); }, 150));
  input.addEventListener('keydown', (e) => {
    if (!state || e.isComposing) return;
    const n = state.shown.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!n) return;
      e.preventDefault();
      state.active = (state.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      draw();
    } else if ((e.key === 'Enter' || e.key === 'Tab') && n && !e.shiftKey) {
      e.preventDefault();
      e.stopImmediatePropagation();
      pick(state.shown[state.active]);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  });
  return { node: wrap, close };
}

// A mention of me ([S4]: the conversation is mine now): mark it, list it, and tell me.
A.eventHooks.push((ev) => {
  const d = ev.data || {};
  if (ev.type === 'mention.created' && d.user_id === S.me.id && d.conversation) {
    const c = upsert(d.conversation);
    S.mineIds.add(c.id);
    const watching = c.id === S.currentId && !document.hidden;
    if (!watching) c.mentioned = true;
    changed();
    notify.alertText(t('mentionedYou', { name: d.message?.author?.name || t('someone') }), d.message?.body, {
      id: c.id, watching: c.id === S.currentId, open: (id) => A.openConv(id),
    });
  } else if (ev.type === 'conversation.read') {
    const c = S.convs.get(d.conversation_id);
    if (c && d.unread === 0 && c.mentioned) { c.mentioned = false; changed(); }
  }
});

// Saved replies in the Messenger: the shared ones and my own (kept live by `replies.updated`), the
// picker in the composer (`/` and letters at the start or after a space, or its button), the text
// put in the composer with its placeholders filled for the open conversation, in the customer's
// language when the reply has a Portuguese variant, and the dialog where an agent keeps their own.
import { el, svg } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import * as A from './actions.js';
import { icon, keepFocus } from './dom.js';
import { t } from './i18n.js';
import { S, onChange } from './state.js';

/** A lightning bolt: "quick" replies. */
const BOLT = 'M13.5 2 5 13.5h6L10 22l9-12h-6.2z';
const MAX_SHOWN = 50;

const replies = new Map(); // id -> reply
let pending = null; // events that arrived while the list was loading, applied after it
let hooks = { showDialog: null, dialog: () => null };
const listeners = new Set(); // redraws of whatever shows the list (the picker, the dialog)

/** `h`: {showDialog(title, opts, ...content), dialog() -> the <dialog>}. */
export function mount(h) {
  hooks = h;
  A.eventHooks.push(onEvent);
}

/**
 * Fetch the list. Called once the socket's resume position is fixed (after `A.start()`), so every
 * change after this answer is an event: those that arrive before it are applied on top of it.
 */
export async function load() {
  pending = [];
  try {
    const r = await agent.get('/api/replies');
    replies.clear();
    for (const x of r.replies) replies.set(x.id, x);
  } catch { /* the picker says there is nothing; the next reload tries again */ }
  const late = pending;
  pending = null;
  for (const ev of late) apply(ev);
  redraw();
}

function onEvent(ev) {
  if (ev.type === 'reload') { load(); return; }
  if (ev.type !== 'replies.updated') return;
  if (pending) { pending.push(ev); return; }
  apply(ev);
  redraw();
}

function apply(ev) {
  const { change, reply } = ev.data || {};
  if (!reply) return;
  if (change === 'deleted') replies.delete(reply.id);
  else replies.set(reply.id, reply);
}

function redraw() { for (const f of listeners) f(); }

const byShortcut = (a, b) => a.shortcut.localeCompare(b.shortcut) || (a.scope === 'shared' ? -1 : 1);
const all = () => [...replies.values()].sort(byShortcut);

// --- what goes in the composer ---

/** The conversation's customer as the Messenger knows them ({} in a team chat). */
function customerOf(id) {
  const c = S.convs.get(id);
  if (c?.kind !== 'live_chat') return {};
  const cu = S.details.get(id)?.customer || {};
  return { name: cu.name || c.customer_name || '', email: cu.email || '', language: cu.language || '' };
}

/** The reply's words for this customer: Portuguese when they read it and the reply has it. */
export function variant(r, language) {
  const pt = /^pt\b/i.test(language || '') && !!r.body_pt;
  return { pt, title: (pt && r.title_pt) || r.title, body: pt ? r.body_pt : r.body };
}

/**
 * `{{customer.name}}`, `{{customer.first_name}}`, `{{customer.email}}`, `{{agent.name}}` and
 * `{{desk.name}}` filled from `vars` (a missing value is ''); any other `{{…}}` stays as typed.
 */
export function fill(text, vars) {
  return text.replace(/\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}/g, (m, k) => (k in vars ? vars[k] ?? '' : m));
}

function varsFor(id) {
  const cu = customerOf(id);
  return {
    'customer.name': cu.name || '', 'customer.first_name': (cu.name || '').trim().split(/\s+/)[0] || '', 'customer.email': cu.email || '',
    'agent.name': S.me?.name || '', 'desk.name': S.helpdesk?.name || '',
  };
}

const fold = (s) => String(s || '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** The replies matching what follows the `/`: shortcuts starting with it first, then containing it, then titles. */
function matching(query) {
  const q = fold(query);
  const found = [];
  for (const r of all()) {
    const titles = `${fold(r.title)} ${fold(r.title_pt)}`;
    const rank = r.shortcut.startsWith(q) ? 0 : r.shortcut.includes(q) ? 1
      : titles.split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(q)) ? 2 : titles.includes(q) ? 3 : -1;
    if (rank >= 0) found.push([rank, r]);
  }
  return found.sort((a, b) => a[0] - b[0] || byShortcut(a[1], b[1])).map(([, r]) => r).slice(0, MAX_SHOWN);
}

// --- the picker ---

let pickerSeq = 0;

/**
 * Give the composer's textarea its picker. Call before the composer adds its own keydown handler:
 * while the list is open, arrows, Enter, Tab and Esc are the picker's. Returns `{button}`: the
 * composer's button that opens the list for mouse users.
 */
export function attach(input) {
  const id = `reply-picker-${++pickerSeq}`;
  const list = el('ul', { id, class: 'reply-list-box', role: 'listbox', 'aria-label': t('savedReplies') });
  const empty = el('p', { class: 'reply-empty muted small' });
  const manage = el('button', { type: 'button', class: 'link-btn small', onmousedown: (e) => e.preventDefault(), onclick: () => { close(); openManager(); } }, t('manageMyReplies'));
  const foot = el('div', { class: 'reply-foot muted small' }, el('span', { 'aria-hidden': 'true' }, t('pickerKeys')), manage);
  const box = el('div', { class: 'reply-picker', hidden: true }, list, empty, foot);
  const status = el('span', { class: 'sr-only', role: 'status' });
  const button = el('button', {
    type: 'button', class: 'icon-btn reply-btn', 'aria-label': t('insertSavedReply'), title: t('insertSavedReplyTitle'), 'aria-haspopup': 'listbox',
    'aria-expanded': 'false', onmousedown: (e) => e.preventDefault(), onclick: () => startFromButton(),
  }, svg(BOLT, { width: 20, height: 20, class: 'icon' }, { fill: 'currentColor' }));
  input.setAttribute('aria-autocomplete', 'list');

  // {start, query, items, active, conv}: the list is open for the `/query` at `start`.
  let open = null;
  let dismissed = -1; // the `/` whose list was closed with Esc: it stays closed while typing on
  let inserting = false;

  const token = () => {
    const pos = input.selectionStart;
    if (pos !== input.selectionEnd) return null;
    const m = /(^|\s)\/([\p{L}\p{N}_-]*)$/u.exec(input.value.slice(0, pos));
    return m ? { start: pos - m[2].length - 1, query: m[2] } : null;
  };

  function update() {
    if (inserting) return;
    const tok = token();
    if (!tok || !S.currentId) { dismissed = -1; close(); return; }
    if (tok.start === dismissed) return;
    const items = matching(tok.query);
    const none = !replies.size;
    // Nothing matches what was typed: no list, so Enter sends the text as written.
    if (!items.length && (tok.query || !none)) { close(); return; }
    const keep = open && open.start === tok.start ? open.items[open.active]?.id : null;
    const active = Math.max(0, items.findIndex((r) => r.id === keep));
    open = { ...tok, items, active, conv: S.currentId };
    draw();
  }

  function draw() {
    if (!open) return;
    if (!box.isConnected) input.closest('.composer')?.append(box, status);
    const language = customerOf(open.conv).language;
    list.replaceChildren(...open.items.map((r, i) => {
      const v = variant(r, language);
      return el('li', {
        id: `${id}-${r.id}`, role: 'option', class: 'reply-opt', 'aria-selected': String(i === open.active),
        onmousedown: (e) => e.preventDefault(), // the composer keeps the focus (and its caret)
        onclick: () => choose(r), onmousemove: () => { if (open && open.active !== i) { open.active = i; mark(); } },
      },
      el('span', { class: 'reply-opt-top' },
        el('span', { class: 'reply-short' }, '/' + r.shortcut),
        el('span', { class: 'reply-title' }, v.title),
        v.pt ? el('span', { class: 'reply-tag', title: t('replyPtTitle') }, 'PT') : null,
        r.scope === 'personal' ? el('span', { class: 'reply-tag' }, t('replyPersonal')) : null),
      el('span', { class: 'reply-preview' }, fill(v.body, varsFor(open.conv)).replace(/\s+/g, ' ')));
    }));
    list.hidden = !open.items.length;
    empty.hidden = !!open.items.length;
    empty.textContent = open.items.length ? '' : t('noRepliesYet');
    box.hidden = false;
    input.setAttribute('aria-controls', id);
    button.setAttribute('aria-controls', id);
    button.setAttribute('aria-expanded', 'true');
    status.textContent = open.items.length ? t('repliesFound', { n: open.items.length }) : t('noRepliesYet');
    mark();
  }

  function mark() {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === open.active)));
    const cur = list.children[open.active];
    if (cur) { input.setAttribute('aria-activedescendant', cur.id); cur.scrollIntoView({ block: 'nearest' }); } else input.removeAttribute('aria-activedescendant');
  }

  function close() {
    if (!open) return;
    open = null;
    box.hidden = true;
    list.replaceChildren();
    for (const a of ['aria-activedescendant', 'aria-controls']) input.removeAttribute(a);
    button.removeAttribute('aria-controls');
    button.setAttribute('aria-expanded', 'false');
    status.textContent = '';
  }

  function choose(r) {
    if (!open) return;
    const conv = open.conv;
    const text = fill(variant(r, customerOf(conv).language).body, varsFor(conv));
    const end = input.selectionStart;
    const start = open.start;
    close();
    input.focus();
    inserting = true;
    input.setSelectionRange(start, end);
    // As typing would: the browser's undo takes it back, and the composer hears an input event.
    if (!document.execCommand('insertText', false, text)) {
      input.setRangeText(text, start, end, 'end');
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }
    inserting = false;
    status.textContent = t('replyInserted', { title: r.title });
  }

  function startFromButton() {
    if (open) { close(); input.focus(); return; }
    dismissed = -1;
    input.focus();
    const pos = input.selectionStart;
    const before = input.value.slice(0, pos);
    // A `/` where one may start: at the start, or after a space.
    document.execCommand('insertText', false, before && !/\s$/.test(before) ? ' /' : '/');
    update();
  }

  input.addEventListener('keydown', (e) => {
    if (!open || e.isComposing || e.altKey || e.ctrlKey || e.metaKey) return;
    const n = open.items.length;
    let handled = true;
    if (e.key === 'ArrowDown' && n) open.active = (open.active + 1) % n;
    else if (e.key === 'ArrowUp' && n) open.active = (open.active - 1 + n) % n;
    else if ((e.key === 'Enter' || e.key === 'Tab') && !e.shiftKey && n) { choose(open.items[open.active]); }
    else if (e.key === 'Escape') { dismissed = open.start; close(); }
    else handled = false;
    if (!handled) return;
    e.preventDefault();
    e.stopImmediatePropagation(); // not the composer's Enter (send), nor the page's Esc
    if (open) mark();
  });
  input.addEventListener('input', update);
  input.addEventListener('click', update);
  input.addEventListener('keyup', (e) => { if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') update(); });
  input.addEventListener('blur', () => close());
  // A change to the list while it is open; another conversation (Alt+↓ keeps the focus here) closes it.
  listeners.add(() => { if (open) update(); });
  onChange(() => { if (open && open.conv !== S.currentId) close(); });
  return { button, close };
}

// --- my replies: the dialog ---

/** What the Settings dialog shows: a way to my saved replies. */
export function settingsEntry() {
  return el('div', { class: 'field reply-setting' },
    el('span', { class: 'field-label' }, t('savedReplies')),
    el('span', { class: 'muted small' }, t('savedRepliesHint')),
    el('button', { type: 'button', class: 'btn', onclick: () => openManager() }, svg(BOLT, { width: 16, height: 16, class: 'icon' }, { fill: 'currentColor' }), t('manageMyReplies')));
}

let uid = 0;

/** The dialog: my replies (new, edit, delete) and, to read, the shared ones. */
export function openManager() {
  let editing = null; // the reply in the form, or null for a new one
  const f = {};
  const field = (key, label, input, hint) => {
    input.id = `rf-${key}-${++uid}`;
    const err = el('p', { class: 'field-error error', id: `${input.id}-err` });
    input.setAttribute('aria-describedby', `${input.id}-err${hint ? ` ${input.id}-hint` : ''}`);
    f[key] = { input, err };
    return el('div', { class: 'field' }, el('label', { for: input.id }, label), input,
      hint ? el('span', { class: 'hint', id: `${input.id}-hint` }, hint) : null, err);
  };
  const shortcut = el('input', { type: 'text', maxlength: '33', autocomplete: 'off', spellcheck: 'false', 'data-k': 'rf-shortcut' });
  shortcut.addEventListener('input', () => {
    const v = shortcut.value.toLowerCase().replace(/^\//, '');
    if (v !== shortcut.value) shortcut.value = v;
  });
  const formTitle = el('h3', { class: 'reply-form-title' });
  const cancel = el('button', { type: 'button', class: 'btn', onclick: () => edit(null) }, t('cancel'));
  const save = el('button', { type: 'submit', class: 'btn primary' }, t('save'));
  const note = el('p', { class: 'error', role: 'alert' });
  const ptBox = el('details', { class: 'reply-pt' }, el('summary', {}, t('replyPtVariant')),
    el('p', { class: 'muted small' }, t('replyPtHint')),
    field('title_pt', t('replyTitlePt'), el('input', { type: 'text', maxlength: '100', 'data-k': 'rf-title-pt' })),
    field('body_pt', t('replyBodyPt'), el('textarea', { rows: '4', 'data-k': 'rf-body-pt' })));
  const form = el('form', { class: 'reply-form', novalidate: true },
    formTitle,
    el('div', { class: 'field-row' },
      field('title', t('replyTitle'), el('input', { type: 'text', maxlength: '100', required: true, 'data-k': 'rf-title' })),
      field('shortcut', t('replyShortcut'), shortcut, t('replyShortcutHint'))),
    field('body', t('replyBody'), el('textarea', { rows: '4', required: true, 'data-k': 'rf-body' }), t('placeholdersHint')),
    ptBox, note,
    el('div', { class: 'dialog-actions' }, cancel, save));
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(); });

  const mineBox = el('div', { class: 'reply-mine' });
  const sharedBox = el('div', { class: 'reply-shared' });

  function edit(r) {
    editing = r;
    formTitle.textContent = r ? t('editReply', { shortcut: r.shortcut }) : t('newReply');
    for (const k of ['title', 'shortcut', 'body', 'title_pt', 'body_pt']) { f[k].input.value = r ? r[k] : ''; f[k].err.textContent = ''; }
    ptBox.open = !!(r && (r.title_pt || r.body_pt));
    cancel.hidden = !r;
    note.textContent = '';
    if (r) f.title.input.focus();
  }

  async function submit() {
    for (const k in f) f[k].err.textContent = '';
    note.textContent = '';
    const body = Object.fromEntries(['title', 'shortcut', 'body', 'title_pt', 'body_pt'].map((k) => [k, f[k].input.value]));
    save.disabled = true;
    try {
      if (editing) await agent.patch(`/api/replies/${editing.id}`, body);
      else await agent.post('/api/replies', { scope: 'personal', ...body });
      A.ui.toast(t(editing ? 'replySaved' : 'replyAdded', { shortcut: body.shortcut.replace(/^\//, '') }));
      edit(null);
      f.title.input.focus();
    } catch (err) {
      // The server names the field: "shortcut: /greet is already used …".
      const text = err.status === 0 ? t('errorGeneric') : err.message;
      const key = /^(\w+):/.exec(text)?.[1];
      if (key && f[key]) {
        f[key].err.textContent = text.slice(key.length + 1).trim();
        if (key.endsWith('_pt')) ptBox.open = true;
        f[key].input.focus();
      } else note.textContent = text;
    } finally { save.disabled = false; }
  }

  const row = (r, own) => {
    const actions = own ? el('span', { class: 'reply-row-actions' },
      el('button', { type: 'button', class: 'btn small', 'data-k': `edit-${r.id}`, 'aria-label': t('editReplyNamed', { shortcut: r.shortcut }), onclick: () => edit(r) }, icon('edit', 14), t('edit')),
      el('button', { type: 'button', class: 'btn small danger', 'data-k': `del-${r.id}`, 'aria-label': t('deleteReplyNamed', { shortcut: r.shortcut }), onclick: (e) => askDelete(e.currentTarget, r) }, icon('trash', 14), t('delete')))
      : null;
    return el('li', { class: 'reply-row' },
      el('div', { class: 'reply-row-main' },
        el('span', { class: 'reply-opt-top' }, el('span', { class: 'reply-short' }, '/' + r.shortcut), el('span', { class: 'reply-title' }, r.title),
          r.body_pt ? el('span', { class: 'reply-tag', title: t('replyPtTitle') }, 'PT') : null),
        el('span', { class: 'reply-preview' }, r.body.replace(/\s+/g, ' '))),
      actions);
  };

  /** Delete after a second click on the same button (no dialog over the dialog). */
  async function askDelete(btn, r) {
    const label = (text, aria) => { btn.lastChild.textContent = text; btn.setAttribute('aria-label', aria); };
    if (btn.dataset.confirm !== '1') {
      btn.dataset.confirm = '1';
      label(t('confirmDeleteReply'), t('confirmDeleteReplyNamed', { shortcut: r.shortcut }));
      setTimeout(() => { if (btn.isConnected) { btn.dataset.confirm = ''; label(t('delete'), t('deleteReplyNamed', { shortcut: r.shortcut })); } }, 4000);
      return;
    }
    try {
      await agent.del(`/api/replies/${r.id}`);
      A.ui.toast(t('replyDeleted', { shortcut: r.shortcut }));
      if (editing?.id === r.id) edit(null);
    } catch (err) { note.textContent = err.message; }
  }

  function drawLists() {
    const mine = all().filter((r) => r.scope === 'personal');
    const shared = all().filter((r) => r.scope === 'shared');
    if (editing && !replies.has(editing.id)) { edit(null); note.textContent = t('replyGoneElsewhere'); }
    keepFocus(mineBox, () => mineBox.replaceChildren(
      mine.length ? el('ul', { class: 'reply-rows', 'aria-label': t('myReplies') }, mine.map((r) => row(r, true)))
        : el('p', { class: 'muted' }, t('noPersonalReplies'))));
    sharedBox.replaceChildren(el('details', { class: 'reply-shared-list' },
      el('summary', {}, t('sharedRepliesN', { n: shared.length })),
      el('p', { class: 'muted small' }, t(S.me?.role === 'admin' ? 'sharedRepliesAdmin' : 'sharedRepliesAgent')),
      shared.length ? el('ul', { class: 'reply-rows', 'aria-label': t('sharedReplies') }, shared.map((r) => row(r, false))) : null));
    const open = sharedBox.dataset.open === '1';
    sharedBox.firstChild.open = open;
    sharedBox.firstChild.addEventListener('toggle', (e) => { sharedBox.dataset.open = e.target.open ? '1' : ''; });
  }

  edit(null);
  drawLists();
  const dialog = hooks.showDialog(t('myReplies'), { wide: true },
    el('p', { class: 'muted small reply-lead' }, t('myRepliesLead')), mineBox, form, sharedBox);
  dialog.classList.add('replies-dialog');
  listeners.add(drawLists);
  dialog.addEventListener('close', () => listeners.delete(drawLists), { once: true });
  f.title.input.focus();
}

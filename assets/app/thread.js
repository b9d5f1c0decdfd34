// The centre: one conversation. Header (names, status, follow, close/reopen), messages grouped by
// author and day with their menu (person's data, edit, delete), delivery state of my own messages,
// typing indicator, and the composer (Enter sends, Shift+Enter new line, drafts per conversation; in
// a live chat a private note instead of a reply: notes.js; @mentions in notes and team chats: mentions.js).
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import { avatar, clockTime, dayKey, dayLabel, fullTime, icon, keepFocus } from './dom.js';
import { systemText, t } from './i18n.js';
import * as mentions from './mentions.js';
import * as notes from './notes.js';
import { S, changed, draft, isMine, setDraft, thread, title } from './state.js';
import { attach as attachReplies } from './replies.js';
import * as files from './attach.js';
import { csrfToken } from '../shared/http.js';

let root, headBox, heldBox, log, typingBox, composer, composerBox, input, sendBtn, closedNote, menu, picker, attach;
let shownId = null;
let hooks = {};
const nodes = new Map(); // key -> {sig, node}
const GROUP_MS = 5 * 60_000;

export function mount(main, h) {
  root = main;
  hooks = h;
  headBox = el('header', { class: 'thread-head' });
  log = el('div', { class: 'log', role: 'log', 'aria-label': t('messages'), tabindex: '0' });
  log.addEventListener('scroll', onScroll);
  typingBox = el('div', { class: 'typing', 'aria-live': 'polite' });
  heldBox = el('div', { class: 'held-box' }); // issue 16: replies by mail waiting for an agent
  input = el('textarea', { rows: '1', 'aria-label': t('composer'), placeholder: t('composer'), class: 'composer-input' });
  const replies = attachReplies(input); // saved replies: `/` in the composer; first, so its keys win while it is open
  // The mention picker takes its keys (arrows, Enter, Tab, Esc) before the composer does.
  picker = mentions.attach(input, {
    enabled: () => { const c = S.convs.get(shownId); return !!c && (c.kind === 'team' || notes.isNote(c.id)); },
    people: () => mentions.candidates(S.convs.get(shownId)),
    edited: onInput,
  });
  input.addEventListener('keydown', onKey);
  input.addEventListener('input', onInput);
  input.addEventListener('blur', () => { if (shownId) A.typing(shownId, false, notes.isNote(shownId)); });
  const note = notes.mount(input);
  sendBtn = el('button', { type: 'submit', class: 'send-btn', 'aria-label': t('send'), title: t('send') }, icon('send', 20));
  closedNote = el('p', { class: 'closed-note muted small', hidden: true }, t('composerClosed'));
  // Files (issue 17): in replies, notes and team chats alike; dropped anywhere on the conversation.
  attach = files.mount({ input, area: root, headers: () => ({ 'X-CSRF-Token': csrfToken() }), onchange: () => {} });
  composerBox = el('div', { class: 'composer-box' }, note.btn, attach.button, attach.picker, input, replies.button, sendBtn);
  composer = el('form', { class: 'composer', 'aria-label': t('composer') },
    closedNote, picker.node, attach.tray, composerBox, note.hint, el('p', { class: 'composer-hint muted small' }, t('composerHint')));
  composer.addEventListener('submit', (e) => { e.preventDefault(); submit(); });
  menu = el('div', { class: 'menu', role: 'menu', hidden: true });
  menu.addEventListener('keydown', menuKeys);
  document.addEventListener('click', (e) => { if (!menu.hidden && !menu.contains(e.target) && !e.target.closest('.msg-menu-btn, [aria-haspopup=menu]')) closeMenu(); });
  A.ui.scrollTo = (where) => { if (where === 'bottom') log.scrollTop = log.scrollHeight; };
}

export function focusComposer() { input?.focus(); }
export function closeMenu() {
  if (menu.hidden) return false;
  menu.hidden = true;
  menu.opener?.setAttribute('aria-expanded', 'false');
  // The header may have been redrawn meanwhile: find the opener's successor by its key.
  const k = menu.opener?.dataset.k;
  (menu.opener?.isConnected ? menu.opener : k && root.querySelector(`[data-k="${CSS.escape(k)}"]`))?.focus();
  return true;
}

function submit() {
  const body = input.value;
  if ((!body.trim() && !attach.count()) || !shownId) return;
  const c = S.convs.get(shownId);
  const note = notes.isNote(shownId);
  // Mentions only where they are allowed (a note, a team chat); the server checks again.
  const ids = c && (note || c.kind === 'team') ? mentions.resolve(body, mentions.candidates(c)) : [];
  A.send(shownId, body, { note, mentions: ids, uploads: attach.take() });
  A.typing(shownId, false, note);
  picker.close();
  input.value = '';
  setDraft(shownId, '');
  autosize();
  requestAnimationFrame(() => { log.scrollTop = log.scrollHeight; });
}

function onKey(e) {
  if (e.defaultPrevented) return;
  if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey && !e.isComposing) {
    e.preventDefault();
    submit();
  }
}

let idleTimer;
function onInput() {
  autosize();
  if (!shownId) return;
  setDraft(shownId, input.value);
  const note = notes.isNote(shownId);
  if (input.value.trim()) {
    A.typing(shownId, true, note);
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => A.typing(shownId, false, note), 4000);
  } else A.typing(shownId, false, note);
}

function autosize() {
  input.style.height = 'auto';
  // Hidden (phone layout, list shown): measure later, when it is on screen.
  if (!input.offsetParent) return;
  input.style.height = Math.min(input.scrollHeight, 200) + 'px';
}

function onScroll() {
  const id = shownId;
  if (!id) return;
  const tr = thread(id);
  if (log.scrollTop < 120 && tr.hasOlder && !tr.loading) A.loadOlder(id);
  if (log.scrollHeight - log.scrollTop - log.clientHeight < 120 && tr.hasNewer && !tr.loading) A.loadNewer(id);
}

export function render() {
  if (!root) return;
  const c = S.convs.get(S.currentId);
  if (!c) {
    shownId = null;
    root.replaceChildren(el('div', { class: 'empty-state' },
      el('div', { class: 'empty-art', 'aria-hidden': 'true' }, icon('chat', 34)),
      el('h2', {}, t('nothingSelected')),
      el('p', { class: 'muted' }, t('nothingSelectedHint')),
      el('button', { class: 'btn', type: 'button', onclick: () => hooks.openDialog('team') }, icon('plus', 16), t('newTeamChat'))));
    return;
  }
  const switched = shownId !== c.id;
  if (switched) {
    if (shownId) A.typing(shownId, false, notes.isNote(shownId));
    picker.close();
    shownId = c.id;
    nodes.clear();
    log.replaceChildren();
    root.replaceChildren(headBox, log, typingBox, heldBox, composer, menu);
    input.value = draft(c.id);
    autosize();
    closeMenu();
  }
  renderHead(c);
  renderLog(c, switched);
  const ty = S.typing.get(c.id);
  const typing = ty && ty.until > Date.now();
  typingBox.replaceChildren(typing ? el('span', {}, el('span', { class: 'dots', 'aria-hidden': 'true' }, el('i'), el('i'), el('i')), t('typing', { name: ty.name || t('someone') })) : '');
  heldBox.replaceChildren(...(hooks.heldBoxes?.(c) || []));
  closedNote.hidden = c.status !== 'closed';
  notes.update(c, { box: composerBox, sendBtn, closedNote });
  if (switched && !matchMedia('(max-width: 760px)').matches) input.focus({ preventScroll: true });
}

function renderHead(c) {
  const d = S.details.get(c.id);
  const name = title(c) || t(c.kind === 'team' ? 'teamConversation' : 'customer');
  let sub;
  if (c.kind === 'live_chat') {
    const cu = d?.customer;
    sub = [cu?.email, cu?.page_url].filter(Boolean).join(' · ');
  } else {
    const others = (c.participants || []).filter((id) => id !== S.me.id).map((id) => S.team.get(id)?.name).filter(Boolean);
    sub = others.length ? t('andYou', { names: others.join(', ') }) : '';
  }
  const following = d ? d.following : c.following;
  const open = c.status === 'open';
  keepFocus(headBox, () => headBox.replaceChildren(
    el('button', { class: 'icon-btn back', type: 'button', 'aria-label': t('back'), title: t('back'), onclick: () => A.closeView() }, icon('back', 20)),
    avatar(name, { size: 40, team: c.kind === 'team' }),
    el('div', { class: 'head-text' },
      el('h1', { class: 'head-title' }, name),
      el('div', { class: 'head-sub' },
        el('span', { class: `status-pill ${c.status}` }, t(open ? 'statusOpen' : 'statusClosed')),
        hooks.assignee?.(c), // who handles a live chat (assign.js)
        sub ? el('span', { class: 'muted small ellipsis' }, sub) : null)),
    // Tickets and tasks ([S8], [S9]); on a phone a linked item's chip takes a line of its own.
    el('div', { class: 'item-actions', id: 'item-actions' }, hooks.itemActions?.(c)),
    el('div', { class: 'head-actions' },
      el('button', {
        class: `icon-btn${following ? ' active' : ''}`, type: 'button', 'data-k': 'follow', 'aria-pressed': String(!!following),
        title: t(following ? 'unfollow' : 'follow'), 'aria-label': t('follow'), onclick: () => A.follow(c.id, !following),
      }, icon(following ? 'star' : 'starOutline')),
      el('button', {
        class: 'icon-btn', type: 'button', 'data-k': 'details', title: t('details'), 'aria-label': t('details'),
        onclick: () => (c.kind === 'live_chat' && c.customer_id ? hooks.openPanel({ kind: 'customer', id: c.customer_id }) : hooks.openPanel({ kind: 'team', conv: c.id })),
      }, icon('user')),
      el('button', {
        class: `btn ${open ? 'primary' : ''}`, type: 'button', 'data-k': 'status', title: open ? `${t('close')} (Ctrl+Enter: ${t('closeAndNext')})` : t('reopen'),
        onclick: () => A.setStatus(c.id, open ? 'closed' : 'open'),
      }, icon(open ? 'check' : 'retry', 16), t(open ? 'close' : 'reopen'))),
    hooks.labelsRow?.(c))); // issue 15: the labels, on a line of their own
}

/** One entry per message (and pending send), with the flags that decide how it looks. */
function entries(c) {
  const tr = thread(c.id);
  const list = tr.items.map((m) => ({ m, key: `m${m.id}` }));
  if (!tr.hasNewer) {
    for (const o of S.outbox) {
      if (o.conversation_id !== c.id) continue;
      if (tr.items.some((m) => m.client_msg_id === o.client_msg_id && isMine(m))) continue;
      list.push({
        key: `o${o.client_msg_id}`, pending: o,
        m: {
          id: null, seq: Infinity, body: o.body, author: { kind: 'user', id: S.me.id, name: S.me.name }, created_at: o.created_at,
          note: !!o.note, mentions: o.mentions || [], attachments: o.files || [],
        },
      });
    }
  }
  return list;
}

function renderLog(c, switched) {
  const tr = thread(c.id);
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 60;
  const firstBefore = log.querySelector('.msg, .sys');
  const anchorTop = firstBefore ? firstBefore.getBoundingClientRect().top : 0;

  const out = [];
  if (tr.loaded && !tr.hasOlder) out.push(keyed('begin', 'begin', () => el('p', { class: 'log-note muted small' }, t('beginning'))));
  else if (tr.loading || tr.hasOlder) out.push(keyed('older', 'older', () => el('p', { class: 'log-note muted small' }, t('olderLoading'))));
  let prev = null;
  const all = entries(c);
  // "Sent" shows under my latest delivered message only, as chat apps do; pending/failed always show.
  // "Seen" instead once the customer has read that far (their widget says so); never under a private
  // note, which the customer never gets, whatever they read after it.
  const lastSent = [...all].reverse().find((e) => !e.pending && isMine(e.m) && !e.m.deleted_at);
  const seenTo = c.kind === 'live_chat' ? c.customer_seen_seq || 0 : 0;
  for (const e of all) {
    const m = e.m;
    if (!prev || dayKey(prev.created_at) !== dayKey(m.created_at)) {
      const k = 'd' + dayKey(m.created_at);
      out.push(keyed(k, k + dayLabel(m.created_at), () => el('div', { class: 'day', role: 'separator' }, el('span', {}, dayLabel(m.created_at)))));
    }
    const first = !prev || prev.author.kind !== m.author.kind || prev.author.id !== m.author.id || prev.author.kind === 'system'
      || m.created_at - prev.created_at > GROUP_MS || dayKey(prev.created_at) !== dayKey(m.created_at);
    const editing = S.editing?.id === m.id && m.id !== null;
    const sent = e === lastSent ? (!m.note && m.seq <= seenTo ? 'seen' : 'sent') : false;
    const ups = e.pending ? A.uploadsOf.get(e.pending.client_msg_id) || [] : [];
    const fileSig = (m.attachments || []).map((a) => a.id).concat(ups.map((u) => `${u.uid}:${u.state}:${Math.round(u.progress * 20)}`)).join(',');
    const sig = [first, m.body, m.edited_at, m.deleted_at, e.pending?.state, editing, m.author.name, sent, m.note, m.mentions?.join(','), fileSig, e.pending?.error].join('|');
    out.push(keyed(e.key, sig, () => message(c, m, first, e.pending, editing, sent)));
    prev = m;
  }
  if (tr.hasNewer) out.push(keyed('newer', 'newer', () => el('button', { class: 'btn ghost jump', type: 'button', onclick: () => A.jumpToLatest(c.id) }, t('jumpLatest'))));

  // Reconcile: keep nodes that did not change (no flicker, no re-announcement), insert the rest.
  let cur = log.firstChild;
  for (const n of out) {
    if (n === cur) cur = cur.nextSibling;
    else log.insertBefore(n, cur);
  }
  while (cur) { const nx = cur.nextSibling; cur.remove(); cur = nx; }
  const live = new Set(out);
  for (const [k, v] of nodes) if (!live.has(v.node)) nodes.delete(k);

  if (S.jump !== null && S.jump !== undefined && S.currentId === c.id) {
    const target = tr.items.find((m) => m.seq === S.jump);
    const n = target && nodes.get(`m${target.id}`)?.node;
    if (n) {
      S.jump = null;
      n.scrollIntoView({ block: 'center' });
      n.classList.add('flash');
      setTimeout(() => n.classList.remove('flash'), 2200);
      return;
    }
  }
  if (switched || atBottom) log.scrollTop = log.scrollHeight;
  else if (firstBefore && firstBefore.isConnected) log.scrollTop += firstBefore.getBoundingClientRect().top - anchorTop;
}

function keyed(key, sig, make) {
  const have = nodes.get(key);
  if (have && have.sig === sig) return have.node;
  const node = make();
  nodes.set(key, { sig, node });
  return node;
}

function message(c, m, first, pending, editing, sent) {
  if (m.author.kind === 'system') {
    return el('div', { class: 'sys', 'data-seq': m.seq },
      el('span', {}, systemText(m.system, m.body)), el('time', { class: 'muted', datetime: new Date(m.created_at).toISOString(), title: fullTime(m.created_at) }, clockTime(m.created_at)));
  }
  const mine = isMine(m);
  const deleted = !!m.deleted_at;
  const bubble = el('div', { class: `bubble${deleted ? ' deleted' : ''}` });
  if (m.note) bubble.append(notes.label());
  if (editing) bubble.append(editor(m));
  else if (deleted) bubble.append(el('em', {}, t('deletedMsg')));
  else if (m.body) bubble.append(mentions.rich(m.body, m.mentions));
  if (!deleted && m.attachments?.length) bubble.append(files.sentFiles(m.attachments));
  const ups = pending && A.uploadsOf.get(pending.client_msg_id);
  if (ups?.length) bubble.append(files.pendingFiles(ups));
  if (!deleted && !m.body && !editing) bubble.classList.add('only-files');

  const foot = [];
  if (m.edited_at && !deleted) foot.push(el('span', { class: 'mark' }, t('edited')));
  if (pending) {
    if (pending.state === 'failed') {
      foot.push(el('span', { class: 'state failed', role: 'status' }, t('failed'), pending.error ? ` · ${pending.error}` : ''),
        el('button', { type: 'button', class: 'link-btn', onclick: () => A.retry(pending.client_msg_id) }, t('retry')));
    } else foot.push(el('span', { class: 'state sending' }, t('sending')));
  } else if (sent) foot.push(el('span', { class: `state ${sent}` }, icon('check', 13), t(sent)));

  const menuBtn = m.id !== null && !editing
    ? el('button', { type: 'button', class: 'msg-menu-btn', 'aria-label': t('messageActions'), 'aria-haspopup': 'menu', onclick: (e) => openMenu(e.currentTarget, c, m) }, icon('more', 16))
    : null;

  return el('div', {
    class: `msg${mine ? ' mine' : ''}${first ? ' first' : ''}${pending ? ' pending' : ''}${m.note ? ' note' : ''}`, 'data-seq': m.seq,
    role: 'article', 'aria-label': `${m.author.name}, ${clockTime(m.created_at)}${m.note ? `, ${t('privateNote')}` : ''}`,
  },
  !mine ? (first ? avatar(m.author.name || '?', { size: 32 }) : el('span', { class: 'avatar-space' })) : null,
  el('div', { class: 'msg-col' },
    first ? el('div', { class: 'msg-meta' },
      el('strong', {}, mine ? t('you') : m.author.name),
      el('time', { datetime: new Date(m.created_at).toISOString(), title: fullTime(m.created_at) }, clockTime(m.created_at))) : null,
    el('div', { class: 'bubble-row' }, bubble, menuBtn),
    foot.length ? el('div', { class: 'msg-foot' }, foot) : null));
}

function editor(m) {
  const ta = el('textarea', { class: 'edit-input', 'aria-label': t('edit'), rows: '2' });
  ta.value = S.editing.text ?? m.body;
  ta.addEventListener('input', () => { S.editing.text = ta.value; });
  const save = async () => {
    const body = ta.value;
    if (!body.trim()) return;
    if (body === m.body) { S.editing = null; changed(); return; }
    if (await A.editMessage(m, body)) { S.editing = null; changed(); focusComposer(); }
  };
  const cancel = () => { S.editing = null; changed(); focusComposer(); };
  ta.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); save(); }
    if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); cancel(); }
  });
  // Focus it as soon as this render has put it in the page (a microtask, not the next frame), and
  // only once: a later caret move would land in the middle of whatever the agent started typing.
  queueMicrotask(() => {
    if (!ta.isConnected || document.activeElement === ta) return;
    ta.focus();
    ta.setSelectionRange(ta.value.length, ta.value.length);
  });
  return el('div', { class: 'editor' }, ta, el('div', { class: 'editor-actions' },
    el('button', { type: 'button', class: 'btn small', onclick: cancel }, t('cancel')),
    el('button', { type: 'button', class: 'btn small primary', onclick: save }, t('save'))));
}

function openMenu(btn, c, m) {
  const items = [];
  if (m.author.kind === 'customer') items.push([t('showCustomer'), 'user', () => hooks.openPanel({ kind: 'customer', id: m.author.id })]);
  else items.push([t('showUser'), 'user', () => hooks.openPanel({ kind: 'user', id: m.author.id })]);
  const own = isMine(m) && !m.deleted_at;
  if (own) items.push([t('edit'), 'edit', () => { S.editing = { id: m.id, text: m.body }; changed(); }]);
  if (!m.deleted_at && (own || S.me.role === 'admin')) {
    items.push([t('delete'), 'trash', async () => {
      if (await hooks.confirm(t('confirmDelete'), t('confirmDeleteHint'), t('delete'))) A.deleteMessage(m);
    }, 'danger']);
  }
  showMenu(btn, items);
}

/**
 * Open the shared popup menu under `btn` (messages, the conversation's ticket actions):
 * `items` are [label, icon, fn, class?]; arrows move, Esc and Tab close.
 */
export function showMenu(btn, items) {
  menu.replaceChildren(...items.map(([label, ic, fn, cls]) => el('button', {
    type: 'button', role: 'menuitem', class: `menu-item ${cls || ''}`,
    onclick: () => { menu.hidden = true; btn.setAttribute('aria-expanded', 'false'); fn(); },
  }, icon(ic, 16), label)));
  menu.opener = btn;
  menu.hidden = false;
  btn.setAttribute('aria-expanded', 'true');
  const r = btn.getBoundingClientRect(), pr = root.getBoundingClientRect();
  const w = 220;
  menu.style.left = Math.max(8, Math.min(r.right - pr.left - w, pr.width - w - 8)) + 'px';
  const below = r.bottom - pr.top + 4;
  menu.style.top = (below + 160 > pr.height ? Math.max(8, r.top - pr.top - menu.offsetHeight - 4) : below) + 'px';
  menu.querySelector('button')?.focus();
}

function menuKeys(e) {
  const items = [...menu.querySelectorAll('[role=menuitem]')];
  const i = items.indexOf(document.activeElement);
  if (e.key === 'ArrowDown') { e.preventDefault(); items[(i + 1) % items.length].focus(); }
  if (e.key === 'ArrowUp') { e.preventDefault(); items[(i - 1 + items.length) % items.length].focus(); }
  if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); e.stopPropagation(); closeMenu(); }
}

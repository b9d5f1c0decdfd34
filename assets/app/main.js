// The Messenger: boot (who am I, language, lists, socket), the three-column layout, the connection
// bar, the tab title, and keyboard shortcuts.
import { el } from '../shared/dom.js';
import { agent, setCsrf } from '../shared/http.js';
import * as A from './actions.js';
import { setLang, t } from './i18n.js';
import * as assign from './assign.js';
import * as notify from './notify.js';
import * as itemUi from './item-ui.js';
import * as itemsView from './items-view.js';
import * as labels from './labels.js';
import * as customerEdit from './customer-edit.js';
import * as panels from './panels.js';
import './csat.js';
import * as replies from './replies.js';
import * as held from './held.js';
import * as apiTokens from './api-tokens.js';
import { S, changed, listOf, loadOutbox, onChange, setHelpdesk, totalUnread } from './state.js';
import * as sidebar from './sidebar.js';
import * as threadView from './thread.js';

const app = document.getElementById('app');

async function boot() {
  const me = await agent.get('/api/me');
  S.me = me.user;
  setHelpdesk(me.helpdesk);
  setCsrf(me.csrf_token);
  setLang(S.me.prefs?.language);
  notify.setEnabled(S.me.prefs?.notifications !== false);
  S.section = S.me.customer_support || S.me.role === 'admin' ? 'customers' : 'mine';
  loadOutbox();

  const bar = el('div', { class: 'conn-bar', role: 'status', 'aria-live': 'polite', hidden: true });
  const nav = el('nav', { class: 'sidebar', 'aria-label': t('conversations') });
  const main = el('main', { class: 'thread', 'aria-label': t('appTitle') });
  const items = el('section', { class: 'items-view', 'aria-label': t('itemsTitle'), hidden: true });
  const aside = el('aside', { class: 'panel', 'aria-label': t('details'), hidden: true });
  app.replaceChildren(bar, nav, main, items, aside);
  document.body.classList.add('messenger-page');

  panels.mount(aside);
  itemUi.mount({
    openPanel: panels.openPanel, showDialog: panels.showDialog, closeDialog: panels.closeDialog,
    confirm: panels.confirm, showMenu: threadView.showMenu,
  });
  assign.mount({ showDialog: panels.showDialog, closeDialog: panels.closeDialog });
  sidebar.mount(nav, {
    openDialog: panels.openDialog, showItems: itemsView.show, views: assign.viewTabs, rowMark: assign.rowMark, myStatus: assign.statusControl,
    listTools: labels.listTools, rowExtra: labels.rowChips,
  });
  threadView.mount(main, {
    openPanel: panels.openPanel, openDialog: panels.openDialog, confirm: panels.confirm, itemActions: itemUi.headerActions, assignee: assign.headerChip,
    labelsRow: labels.labelsRow, heldBoxes: held.boxes,
  });
  itemsView.mount(items, { openPanel: panels.openPanel });
  labels.mount(); // issue 15
  customerEdit.mount();
  replies.mount({ showDialog: panels.showDialog });
  panels.settingsExtras.push(replies.settingsEntry);
  apiTokens.mount({ showDialog: panels.showDialog }); // issue 19
  panels.settingsExtras.push(apiTokens.settingsEntry);

  let wasDown = false;
  onChange(() => {
    app.classList.toggle('show-thread', S.currentId !== null || S.view === 'items');
    main.hidden = S.view === 'items';
    sidebar.render();
    threadView.render();
    itemsView.render();
    panels.renderPanel();
    const down = S.connection === 'down';
    if (down) {
      bar.hidden = false;
      bar.className = 'conn-bar down';
      bar.textContent = t('reconnecting');
      wasDown = true;
    } else if (wasDown && S.connection === 'open') {
      wasDown = false;
      bar.className = 'conn-bar up';
      bar.textContent = t('reconnected');
      setTimeout(() => { if (S.connection === 'open') bar.hidden = true; }, 1500);
    }
    notify.setTitle(totalUnread(), S.helpdesk.name);
  });

  // Typing indicators expire on their own.
  setInterval(() => {
    const now = Date.now();
    let any = false;
    for (const [id, ty] of S.typing) if (ty.until < now) { S.typing.delete(id); any = true; }
    if (any) changed();
  }, 1000);

  notify.armOnGesture();
  document.addEventListener('keydown', onKey);
  changed();
  await A.start();
  replies.load(); // after the socket's start position is fixed: later changes arrive as events
  held.mount(); // issue 16: replies by mail held for an agent
  const m = /^#c(\d+)$/.exec(location.hash);
  if (m) A.openConv(Number(m[1]));
  app.removeAttribute('aria-busy');
}

const typingTarget = (e) => e.target.closest?.('input, textarea, select, [contenteditable]');

function onKey(e) {
  if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
    e.preventDefault();
    const list = listOf(S.section, S.status);
    if (!list.length) return;
    const i = list.findIndex((c) => c.id === S.currentId);
    const next = i < 0 ? list[0] : list[Math.max(0, Math.min(list.length - 1, i + (e.key === 'ArrowUp' ? -1 : 1)))];
    if (next) A.openConv(next.id);
    return;
  }
  if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
    if (S.currentId !== null && S.view === 'conversations' && !e.target.closest?.('.edit-input, .panel, dialog')) {
      e.preventDefault();
      A.closeAndNext();
    }
    return;
  }
  if (e.key === 'Escape') {
    if (panels.dialogOpen()) return; // the dialog closes itself
    if (threadView.closeMenu()) return;
    if (panels.closePanel()) return;
    if (sidebar.searching()) { sidebar.clearSearch(); return; }
    return;
  }
  if (typingTarget(e) || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === '/') { e.preventDefault(); sidebar.focusSearch(); }
  else if (e.key === '?') { e.preventDefault(); panels.openDialog('keys'); }
}

boot().catch((e) => {
  app.removeAttribute('aria-busy');
  app.replaceChildren(el('div', { class: 'empty-state' }, el('p', { class: 'error' }, t('errorGeneric')), el('p', { class: 'muted small' }, String(e.message || e))));
});

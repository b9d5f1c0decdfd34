// The left column: help desk name, search, the sections (From customers / My conversations) with
// their Open and Closed lists, and at the bottom the help-desk switch and my own menu.
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import { avatar, highlighted, icon, keepFocus, laterTime, shortTime } from './dom.js';
import { previewText, t } from './i18n.js';
import { S, changed, listKey, listOf, sees, title, unreadIn } from './state.js';

let root, listBox, searchInput, footer, head, tabsBox, navBox, toolsBox;
const search = { q: '', results: null, loading: false, seq: 0 };

export function mount(nav, { openDialog, showItems, views, rowMark, myStatus, listTools, rowExtra }) {
  root = nav;
  head = el('div', { class: 'side-head' });
  searchInput = el('input', {
    type: 'search', class: 'search-input', placeholder: t('searchPlaceholder'), 'aria-label': t('searchPlaceholder'),
    autocomplete: 'off', spellcheck: 'false',
  });
  let timer;
  searchInput.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => runSearch(searchInput.value.trim()), 180);
  });
  searchInput.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && searchInput.value) { e.stopPropagation(); clearSearch(); }
    if (e.key === 'ArrowDown') { e.preventDefault(); listBox.querySelector('button')?.focus(); }
  });
  const searchBox = el('div', { class: 'search', role: 'search' }, icon('search', 16), searchInput, el('kbd', { 'aria-hidden': 'true' }, '/'));
  navBox = el('div', { class: 'side-nav' });
  tabsBox = el('div', { class: 'side-tabs' });
  listBox = el('div', { class: 'side-list', id: 'conv-list' });
  listBox.addEventListener('scroll', () => {
    if (listBox.scrollTop + listBox.clientHeight > listBox.scrollHeight - 120) {
      const l = S.lists[listKey(S.section, S.status)];
      if (l?.next_cursor && !l.loading && !search.q) A.loadList(S.section, S.status, true);
    }
  });
  footer = el('div', { class: 'side-foot' });
  // Tools over the list (issue 15: the label filter), drawn by their own module, kept across renders.
  toolsBox = el('div', { class: 'side-tools', hidden: true });
  root.append(head, searchBox, navBox, tabsBox, toolsBox, listBox, footer);
  mount.openDialog = openDialog;
  mount.showItems = showItems;
  Object.assign(mount, { views, rowMark, myStatus }); // assignment (assign.js)
  Object.assign(mount, { listTools, rowExtra }); // labels (labels.js)
}

export function focusSearch() { searchInput.focus(); searchInput.select(); }
export function clearSearch() {
  searchInput.value = '';
  search.q = '';
  search.results = null;
  changed();
}
export const searching = () => !!search.q;

async function runSearch(q) {
  search.q = q;
  const seq = ++search.seq;
  if (!q) { search.results = null; changed(); return; }
  search.loading = true;
  changed();
  try {
    const r = await A.search(q);
    if (seq !== search.seq) return;
    search.results = r;
  } catch {
    if (seq === search.seq) search.results = { results: [], conversations: [], error: true };
  } finally {
    if (seq === search.seq) { search.loading = false; changed(); }
  }
}

async function moreResults() {
  const r = search.results;
  if (!r?.next_offset) return;
  const next = await A.search(search.q, r.next_offset);
  r.results.push(...next.results);
  r.conversations.push(...(next.conversations || [])); // `label:` alone pages through conversations
  Object.assign(r.titles, next.titles);
  r.next_offset = next.next_offset;
  changed();
}

function badge(n, label) {
  if (!n) return null;
  return el('span', { class: 'badge' }, String(n), el('span', { class: 'sr-only' }, ' ' + label));
}

export function render() {
  if (!root) return;
  const focusedId = document.activeElement?.closest?.('.side-list [data-conv]')?.dataset.conv;

  head.replaceChildren(
    el('div', { class: 'brand-mark', 'aria-hidden': 'true' }, icon('chat', 18)),
    el('div', { class: 'brand-text' }, el('strong', { class: 'hd-name' }, S.helpdesk.name), el('span', { class: 'muted small' }, t('appTitle'))),
    el('button', { class: 'icon-btn', type: 'button', title: t('newTeamChat'), 'aria-label': t('newTeamChat'), onclick: () => mount.openDialog('team') }, icon('plus', 20)),
  );

  // Sections, then Open / Closed.
  const sections = sees() ? ['customers', 'mine'] : ['mine'];
  if (!sections.includes(S.section)) S.section = 'mine';
  const secNodes = sections.length > 1
    ? el('div', { class: 'seg', role: 'tablist', 'aria-label': t('conversations') }, sections.map((s) => {
      const n = unreadIn(s);
      return el('button', {
        role: 'tab', type: 'button', class: 'seg-btn', 'aria-selected': String(S.section === s), 'aria-controls': 'conv-list',
        onclick: () => { S.section = s; clearSearch(); A.loadList(s, S.status); changed(); },
      }, el('span', {}, t(s === 'customers' ? 'fromCustomers' : 'mine')), badge(n, t('unreadMark').toLowerCase()));
    }))
    : el('h2', { class: 'side-title' }, t('mine'));
  const tabs = el('div', { class: 'tabs', role: 'tablist', 'aria-label': t(S.section === 'customers' ? 'fromCustomers' : 'mine') },
    ['open', 'closed'].map((st) => {
      const n = unreadIn(S.section, st);
      return el('button', {
        role: 'tab', type: 'button', class: 'tab', 'aria-selected': String(S.status === st), 'aria-controls': 'conv-list',
        onclick: () => { S.status = st; clearSearch(); const l = S.lists[listKey(S.section, st)]; if (!l?.loaded) A.loadList(S.section, st); changed(); },
      }, t(st), badge(n, t('unreadMark').toLowerCase()));
    }));
  // Tickets and tasks: a view of its own in the centre ([S8], [S9]).
  const onItems = S.view === 'items';
  navBox.replaceChildren(el('button', {
    type: 'button', class: `nav-item${onItems ? ' current' : ''}`, 'aria-current': onItems ? 'page' : false, 'data-k': 'nav-items',
    onclick: () => (onItems ? (S.view = 'conversations', changed()) : mount.showItems()),
  }, icon('ticket', 18), el('span', {}, t('itemsTitle')), el('span', { class: 'nav-chev', 'aria-hidden': 'true' }, '›')));
  keepFocus(tabsBox, () => tabsBox.replaceChildren(secNodes, mount.views?.() || '', tabs));
  tabsBox.hidden = !!search.q;
  mount.listTools?.(toolsBox);
  if (search.q) toolsBox.hidden = true;

  listBox.replaceChildren(search.q ? renderSearch() : renderList());
  if (focusedId) listBox.querySelector(`[data-conv="${CSS.escape(focusedId)}"]`)?.focus();

  renderFooter();
}

function renderList() {
  const list = listOf(S.section, S.status);
  const l = S.lists[listKey(S.section, S.status)];
  const label = `${t(S.section === 'customers' ? 'fromCustomers' : 'mine')}, ${t(S.status)}`;
  if (!list.length) {
    if (!l?.loaded) return el('p', { class: 'list-empty muted' }, t('loading'));
    return el('div', { class: 'list-empty' },
      el('div', { class: 'empty-icon', 'aria-hidden': 'true' }, icon('chat', 22)),
      el('p', { class: 'strong' }, t(S.status === 'open' ? 'noOpen' : 'noClosed')),
      S.status === 'open' ? el('p', { class: 'muted small' }, t('noOpenHint')) : null);
  }
  const ul = el('ul', { class: 'conv-list', 'aria-label': label }, list.map(row));
  const more = l?.next_cursor
    ? el('button', { class: 'btn ghost more', type: 'button', onclick: () => A.loadList(S.section, S.status, true) }, t(l.loading ? 'loading' : 'loadMore'))
    : null;
  return el('div', {}, ul, more);
}

function row(c) {
  const name = title(c) || t(c.kind === 'team' ? 'teamConversation' : 'customer');
  const team = c.kind === 'team';
  const others = (c.participants || []).filter((id) => id !== S.me.id);
  const online = team && others.length === 1 ? !!S.team.get(others[0])?.online : null;
  const preview = previewText(c);
  const unread = c.unread > 0;
  const typing = S.typing.get(c.id);
  const line = typing && typing.until > Date.now() ? el('span', { class: 'typing-line' }, t('typing', { name: typing.name || t('someone') })) : preview;
  return el('li', {},
    el('button', {
      type: 'button', class: `conv-row${unread ? ' unread' : ''}${c.id === S.currentId ? ' current' : ''}`,
      'data-conv': c.id, 'aria-current': c.id === S.currentId ? 'true' : false,
      onclick: () => A.openConv(c.id),
    },
    avatar(name, { size: 40, online, team: team && others.length > 1 }),
    el('span', { class: 'row-main' },
      el('span', { class: 'row-top' },
        el('span', { class: 'row-name' }, name),
        mount.rowMark?.(c), // its assignee (assign.js)
        el('time', { class: 'row-time', datetime: new Date(c.last_message_at).toISOString() }, shortTime(c.last_message_at))),
      el('span', { class: 'row-bottom' },
        el('span', { class: 'row-preview' }, line),
        el('span', { class: `status-pill ${c.status}` }, t(c.status === 'open' ? 'statusOpen' : 'statusClosed')),
        // Someone mentioned me here (issue 15), until I read it.
        c.mentioned ? el('span', { class: 'mention-mark', title: t('mentionMark') }, '@', el('span', { class: 'sr-only' }, ' ' + t('mentionMark'))) : null,
        unread ? el('span', { class: 'badge unread-count', title: t('unreadN', { n: c.unread }) }, c.unread > 99 ? '99+' : String(c.unread),
          el('span', { class: 'sr-only' }, ' ' + t('unreadMark').toLowerCase())) : null),
      mount.rowExtra?.(c))));
}

function renderSearch() {
  const r = search.results;
  if (!r) return el('p', { class: 'list-empty muted' }, t('loading'));
  const box = el('div', { class: 'search-results', 'aria-live': 'polite' });
  if (r.conversations?.length) {
    box.append(el('h3', { class: 'group-title' }, t('searchConversations')));
    box.append(el('ul', { class: 'conv-list' }, r.conversations.map((h) => {
      const ti = r.titles?.[h.conversation_id] || {};
      return el('li', {}, el('button', { type: 'button', class: 'result', 'data-conv': `s${h.conversation_id}`, onclick: () => A.openConv(h.conversation_id) },
        el('span', { class: 'result-top' }, el('strong', {}, ti.title || ''), el('span', { class: `status-pill ${ti.status}` }, t(ti.status === 'closed' ? 'statusClosed' : 'statusOpen'))),
        h.snippet ? el('span', { class: 'snippet' }, highlighted(h.snippet)) : null));
    })));
  }
  if (r.results?.length) {
    box.append(el('h3', { class: 'group-title' }, t('searchResults')));
    box.append(el('ul', { class: 'conv-list' }, r.results.map((h) => {
      const ti = r.titles?.[h.conversation_id] || {};
      return el('li', {}, el('button', {
        type: 'button', class: 'result', 'data-conv': `m${h.message_id}`,
        onclick: () => A.openConv(h.conversation_id, { seq: h.seq }),
      },
      el('span', { class: 'result-top' }, el('strong', {}, ti.title || t('teamConversation')), el('time', { class: 'row-time' }, shortTime(h.created_at))),
      el('span', { class: 'snippet' }, highlighted(h.snippet))));
    })));
    if (r.next_offset) box.append(el('button', { class: 'btn ghost more', type: 'button', onclick: moreResults }, t('searchMore')));
  }
  if (!r.conversations?.length && !r.results?.length) {
    box.append(el('div', { class: 'list-empty' }, el('p', { class: 'muted' }, search.loading ? t('loading') : t('searchNone', { q: search.q }))));
  }
  return box;
}

/** Why the help desk is in its state, and until when, when that is known ([S12]). */
function helpdeskWhy(h) {
  const st = h.status;
  const time = st?.until ? laterTime(st.until) : null;
  const hint = t(h.online ? 'helpdeskOnlineHint' : 'helpdeskOfflineHint');
  switch (st?.reason) {
    case 'business_hours': return time ? t('hdBusinessHoursUntil', { time }) : t('hdBusinessHours');
    case 'outside_business_hours': return time ? t('hdOutsideHoursUntil', { time }) : t('hdOutsideHours');
    case 'no_agents': return t('hdNoAgents');
    case 'override': return time ? t(h.online ? 'hdOverrideOn' : 'hdOverrideOff', { time }) : hint;
    default: return hint;
  }
}

function renderFooter() {
  const nodes = [];
  if (sees()) {
    // The effective state, not the switch's last position: business hours and "no agent online"
    // decide too, and the line below says which.
    const on = S.helpdesk.online;
    nodes.push(el('div', { class: `hd-switch ${on ? 'on' : 'off'}` },
      el('span', { class: 'hd-text' },
        el('span', { class: 'hd-label', id: 'hd-label' }, t(on ? 'helpdeskOnline' : 'helpdeskOffline')),
        el('span', { class: 'hd-why small', id: 'hd-why' }, helpdeskWhy(S.helpdesk))),
      el('button', {
        type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(on), 'aria-labelledby': 'hd-label', 'aria-describedby': 'hd-why',
        onclick: () => A.switchHelpdesk(!on),
      }, el('span', { class: 'knob' }))));
  }
  // Admin pages for admins; the widget as customers meet it ([S2]) for whoever answers them.
  const links = [];
  if (S.me.role === 'admin') links.push(el('a', { class: 'foot-link', href: '/admin' }, icon('tune', 16), t('admin')));
  // issue 20: everyone's own figures (admins see the whole desk's under Admin → Reports).
  links.push(el('a', { class: 'foot-link', href: '/reports' }, icon('chart', 16), t('myReports')));
  if (sees()) {
    links.push(el('a', { class: 'foot-link', href: '/widget/preview', target: '_blank', rel: 'noopener' },
      icon('web', 16), t('widgetPreview'), el('span', { class: 'sr-only' }, ` ${t('newTab')}`), icon('external', 13)));
  }
  if (links.length) nodes.push(el('div', { class: 'foot-links' }, links));
  const meOnline = S.connection === 'open';
  nodes.push(el('div', { class: 'me' },
    avatar(S.me.name, { size: 32, online: meOnline && S.me.availability === 'away' ? 'away' : meOnline }),
    el('span', { class: 'me-text' }, el('strong', {}, S.me.name),
      mount.myStatus?.(meOnline) || el('span', { class: 'muted small' }, t(meOnline ? 'online' : 'offline'))),
    el('button', { class: 'icon-btn', type: 'button', title: t('shortcuts'), 'aria-label': t('shortcuts'), onclick: () => mount.openDialog('keys') }, icon('keyboard')),
    el('button', { class: 'icon-btn', type: 'button', title: t('settings'), 'aria-label': t('settings'), onclick: () => mount.openDialog('settings') }, icon('settings')),
    el('button', { class: 'icon-btn', type: 'button', title: t('signOut'), 'aria-label': t('signOut'), onclick: A.signOut }, icon('signout'))));
  keepFocus(footer, () => footer.replaceChildren(...nodes));
}

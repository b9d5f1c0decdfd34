// The Items view ("Tickets & tasks", in the centre): the items I may see, filtered by kind, status and
// "assigned to me", searched by number or words; each row `#42 · title · status · priority · assignees`
// opens the item's details panel. Rows follow `item.*` events live.
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import { avatar, icon, keepFocus, shortTime } from './dom.js';
import { kindIcon, priorityPill, statusPill } from './item-ui.js';
import * as I from './items.js';
import { t } from './i18n.js';
import { S, changed } from './state.js';

let root, listBox, filtersBox, headBox;
let hooks = {};
const q = { kind: '', status: '', mine: false, text: '' };
const data = { items: [], next_offset: null, loading: false, loaded: false, error: '', seq: 0 };

export function mount(section, h) {
  root = section;
  hooks = h;
  headBox = el('header', { class: 'items-head' });
  filtersBox = el('div', { class: 'items-filters', role: 'search' });
  listBox = el('div', { class: 'items-list' });
  root.append(headBox, filtersBox, listBox);
  buildFilters();
  let timer = null;
  I.onItem(() => {
    if (S.view !== 'items') { data.loaded = false; return; }
    // Cheap and always right (filters, order, new items): fetch the list again, a little later.
    clearTimeout(timer);
    timer = setTimeout(() => load(), 200);
  });
}

/** Switch the centre to the Items view (the left column's "Tickets & tasks"). */
export function show() {
  S.view = 'items';
  if (!data.loaded) load();
  changed();
  requestAnimationFrame(() => filtersBox.querySelector('input')?.focus());
}

async function load(more = false) {
  const my = ++data.seq;
  data.loading = true;
  changed();
  const params = {};
  if (q.kind) params.kind = q.kind;
  if (q.status) params.status = q.status;
  if (q.mine) params.assignee = 'me';
  if (q.text) params.q = q.text;
  if (more && data.next_offset) params.offset = data.next_offset;
  try {
    const r = await I.list(params);
    if (my !== data.seq) return;
    for (const it of r.items) S.items.set(it.id, it);
    data.items = more ? [...data.items, ...r.items] : r.items;
    data.next_offset = r.next_offset;
    data.error = '';
    data.loaded = true;
  } catch (e) {
    if (my === data.seq) data.error = e.message;
  } finally {
    if (my === data.seq) { data.loading = false; changed(); }
  }
}

function buildFilters() {
  const search = el('input', {
    type: 'search', class: 'search-input', placeholder: t('itemsSearch'), 'aria-label': t('itemsSearch'), autocomplete: 'off', 'data-k': 'items-q',
  });
  let timer;
  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { q.text = search.value.trim(); load(); }, 200); });
  search.addEventListener('keydown', (e) => { if (e.key === 'Escape' && search.value) { e.stopPropagation(); search.value = ''; q.text = ''; load(); } });
  const kind = el('select', { 'aria-label': t('kindFilter'), class: 'filter' },
    el('option', { value: '' }, t('allKinds')), el('option', { value: 'ticket' }, t('tickets')), el('option', { value: 'task' }, t('tasks')));
  kind.addEventListener('change', () => { q.kind = kind.value; load(); });
  const status = el('select', { 'aria-label': t('statusFilter'), class: 'filter' },
    el('option', { value: '' }, t('anyStatus')), I.STATUSES.map((s) => el('option', { value: s }, I.statusLabel(s))));
  status.addEventListener('change', () => { q.status = status.value; load(); });
  const mine = el('button', { type: 'button', class: 'btn small toggle', 'aria-pressed': 'false' }, icon('user', 16), t('assignedToMe'));
  mine.addEventListener('click', () => { q.mine = !q.mine; mine.setAttribute('aria-pressed', String(q.mine)); load(); });
  filtersBox.append(el('div', { class: 'search' }, icon('search', 16), search), kind, status, mine);
}

export function render() {
  if (!root) return;
  root.hidden = S.view !== 'items';
  if (root.hidden) return;
  headBox.replaceChildren(
    el('button', { class: 'icon-btn back', type: 'button', 'aria-label': t('back'), title: t('back'), onclick: () => { S.view = 'conversations'; A.closeView(); } }, icon('back', 20)),
    el('div', { class: 'items-icon', 'aria-hidden': 'true' }, icon('ticket', 20)),
    el('div', { class: 'head-text' }, el('h1', { class: 'head-title' }, t('itemsTitle')),
      el('span', { class: 'muted small' }, data.loaded ? (data.items.length === 1 && !data.next_offset ? t('itemsCountOne') : t('itemsCount', { n: data.items.length + (data.next_offset ? '+' : '') })) : t('loading'))));
  keepFocus(listBox, () => listBox.replaceChildren(renderList()));
}

function renderList() {
  if (data.error) return el('p', { class: 'error list-empty' }, data.error);
  if (!data.loaded) return el('p', { class: 'list-empty muted' }, t('loading'));
  if (!data.items.length) {
    return el('div', { class: 'list-empty' },
      el('div', { class: 'empty-icon', 'aria-hidden': 'true' }, icon('ticket', 22)),
      el('p', { class: 'strong' }, t('noItems')), el('p', { class: 'muted small' }, t('noItemsHint')));
  }
  const current = S.panel?.kind === 'item' ? S.panel.id : null;
  const ul = el('ul', { class: 'item-rows', 'aria-label': t('itemsTitle') }, data.items.map((it0) => {
    const it = S.items.get(it0.id) || it0;
    const people = it.assignees.map((id) => S.team.get(id)?.name).filter(Boolean);
    return el('li', {}, el('button', {
      type: 'button', class: `item-row${it.id === current ? ' current' : ''}`, 'data-k': `item-${it.id}`,
      'aria-current': it.id === current ? 'true' : false,
      onclick: () => hooks.openPanel({ kind: 'item', id: it.id, opener: `item-${it.id}` }),
    },
    el('span', { class: 'item-kind', title: I.kindLabel(it.kind) }, kindIcon(it.kind)),
    el('span', { class: 'item-no' }, `#${it.number}`),
    el('span', { class: 'item-main' },
      el('span', { class: 'item-title' }, it.title),
      el('span', { class: 'muted small' }, [I.kindLabel(it.kind), it.requester_name, shortTime(it.updated_at)].filter(Boolean).join(' · '))),
    el('span', { class: 'item-tags' }, statusPill(it.status), priorityPill(it.priority),
      el('span', { class: 'assignees', title: people.join(', ') || t('nobody') },
        people.length ? people.slice(0, 3).map((n) => avatar(n, { size: 24 })) : el('span', { class: 'muted small' }, '—'),
        el('span', { class: 'sr-only' }, people.length ? t('assignedTo', { names: people.join(', ') }) : t('unassigned'))))));
  }));
  const more = data.next_offset
    ? el('button', { class: 'btn ghost more', type: 'button', onclick: () => load(true) }, t(data.loading ? 'loading' : 'loadMore'))
    : null;
  return el('div', {}, ul, more);
}

// Labels in the Messenger (issue 15): the labels admins defined (kept current by `labels.updated`),
// their chips on the conversation header and on list rows, the header's picker (a combobox: type to
// find, arrows to move, Enter to add or remove, a check on the chosen ones) and the list's filter.
// A conversation's labels are its `labels` (ids); changes come back as `conversation.updated`.
import { el, svg } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { chip } from '../shared/labels.js';
import * as A from './actions.js';
import { icon } from './dom.js';
import { t } from './i18n.js';
import { S, changed, narrow, onChange, upsert } from './state.js';

/** Every label, by id. */
export const defs = new Map();
const TAG = 'M21.4 11.6 12.4 2.6A2 2 0 0 0 11 2H4a2 2 0 0 0-2 2v7a2 2 0 0 0 .6 1.4l9 9a2 2 0 0 0 2.8 0l7-7a2 2 0 0 0 0-2.8zM6.5 8A1.5 1.5 0 1 1 6.5 5a1.5 1.5 0 0 1 0 3z';
const byName = (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: 'base' });

export function mount() {
  A.eventHooks.push(onEvent);
  onChange(renderPicker);
  load();
}

async function load() {
  try { setDefs((await agent.get('/api/labels')).labels); } catch { /* the next reload or event brings them */ }
}

function setDefs(list) {
  defs.clear();
  for (const l of list) defs.set(l.id, l);
  // A deleted label filters nothing any more.
  if (narrow.by?.label && !defs.has(narrow.by.label)) setFilter(null);
  toolsSig = null;
  changed();
}

function onEvent(ev) {
  if (ev.type === 'labels.updated') setDefs(ev.data.labels || []);
  else if (ev.type === 'reload') {
    load();
    if (narrow.by) A.loadList(S.section, S.status);
  }
}

/** The labels `c` carries that still exist, by name. */
export const labelsOf = (c) => (c?.labels || []).map((id) => defs.get(id)).filter(Boolean).sort(byName);

/**
 * The header's line of labels: the chips (a list named "Labels") and the button that opens the
 * picker to add or remove them.
 */
export function labelsRow(c) {
  const ls = labelsOf(c);
  const open = picker?.id === c.id;
  return el('div', { class: 'head-labels' },
    ls.length ? el('ul', { class: 'label-chips', 'aria-label': t('labels') }, ls.map((l) => el('li', {}, chip(l)))) : null,
    el('button', {
      type: 'button', class: 'label-add', 'data-k': 'labels', 'aria-haspopup': 'listbox', 'aria-expanded': String(open),
      title: t('labelsEdit'), onclick: (e) => (open ? closePicker(true) : openPicker(e.currentTarget, c.id)),
    }, svg(TAG, { width: 14, height: 14, class: 'icon' }, { fill: 'currentColor' }), t(ls.length ? 'labels' : 'labelsAdd')));
}

/** A list row's chips: the first three, then "+N". Inside the row's button, so text only. */
export function rowChips(c) {
  const ls = labelsOf(c);
  if (!ls.length) return null;
  const more = ls.length - 3;
  return el('span', { class: 'row-labels' }, el('span', { class: 'sr-only' }, `${t('labels')}: `), ls.slice(0, 3).map((l) => chip(l)),
    more > 0 ? el('span', { class: 'label-more', title: ls.slice(3).map((l) => l.name).join(', ') }, t('moreLabels', { n: more })) : null);
}

// --- the picker -----------------------------------------------------------------------------------

let picker = null; // {id, node, input, list, active, opener}

function openPicker(btn, id) {
  closePicker(false);
  const input = el('input', {
    type: 'text', class: 'label-find', role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'label-options',
    'aria-autocomplete': 'list', 'aria-label': t('labelFind'), placeholder: t('labelFind'), autocomplete: 'off', spellcheck: 'false',
  });
  const list = el('ul', { class: 'label-options', id: 'label-options', role: 'listbox', 'aria-multiselectable': 'true', 'aria-label': t('labels') });
  const node = el('div', { class: 'label-picker', role: 'group', 'aria-label': t('labelsEdit') }, input, list,
    el('p', { class: 'label-hint muted small' }, t('labelHint')),
    S.me.role === 'admin' ? el('a', { class: 'label-manage small', href: '/admin/labels' }, t('labelsManage')) : null);
  picker = { id, node, input, list, active: 0, opener: btn };
  input.addEventListener('input', () => { picker.active = 0; renderPicker(); });
  input.addEventListener('keydown', pickerKeys);
  list.addEventListener('mousedown', (e) => e.preventDefault()); // keep the focus in the input
  document.body.append(node);
  place();
  renderPicker();
  input.focus();
  changed(); // the button says it is expanded
}

/** Close the picker; `refocus` puts the focus back on the header's button. */
export function closePicker(refocus) {
  if (!picker) return false;
  picker.node.remove();
  picker = null;
  changed();
  if (refocus) requestAnimationFrame(() => document.querySelector('[data-k="labels"]')?.focus());
  return true;
}

function place() {
  const r = picker.opener.getBoundingClientRect();
  const w = Math.min(280, window.innerWidth - 16);
  picker.node.style.width = `${w}px`;
  picker.node.style.left = `${Math.max(8, Math.min(r.right - w, window.innerWidth - w - 8))}px`;
  picker.node.style.top = `${r.bottom + 6}px`;
}

/** The options matching what was typed, by name. */
function matches() {
  const q = picker.input.value.trim().toLocaleLowerCase();
  return [...defs.values()].sort(byName).filter((l) => !q || l.name.toLocaleLowerCase().includes(q));
}

function renderPicker() {
  if (!picker) return;
  const c = S.convs.get(picker.id);
  if (!c || S.currentId !== picker.id) { closePicker(false); return; }
  const opts = matches();
  picker.active = Math.max(0, Math.min(picker.active, opts.length - 1));
  const chosen = new Set(c.labels || []);
  picker.list.replaceChildren(...opts.map((l, i) => el('li', {
    role: 'option', id: `label-opt-${l.id}`, class: `label-option${i === picker.active ? ' active' : ''}`, 'aria-selected': String(chosen.has(l.id)),
    onclick: () => { picker.active = i; toggle(l.id); },
  }, el('span', { class: 'label-check', 'aria-hidden': 'true' }, chosen.has(l.id) ? icon('check', 16) : null), chip(l),
  l.description ? el('span', { class: 'label-desc muted small' }, l.description) : null)));
  if (!opts.length) picker.list.append(el('li', { class: 'label-none muted small', role: 'presentation' }, defs.size ? t('labelNoMatch') : t('labelsNone')));
  const active = opts[picker.active];
  if (active) {
    picker.input.setAttribute('aria-activedescendant', `label-opt-${active.id}`);
    picker.list.querySelector('.active')?.scrollIntoView({ block: 'nearest' });
  } else picker.input.removeAttribute('aria-activedescendant');
}

function pickerKeys(e) {
  const n = matches().length;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    if (n) picker.active = (picker.active + (e.key === 'ArrowDown' ? 1 : -1) + n) % n;
    renderPicker();
  } else if (e.key === 'Home' || e.key === 'End') {
    e.preventDefault();
    picker.active = e.key === 'Home' ? 0 : n - 1;
    renderPicker();
  } else if (e.key === 'Enter') {
    e.preventDefault();
    const l = matches()[picker.active];
    if (l) toggle(l.id);
  } else if (e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation();
    closePicker(true);
  } else if (e.key === 'Tab') {
    closePicker(false);
  }
}

const queue = new Map(); // conversation id -> the last PUT, so changes go in order

/** Add or remove label `lid` on the picker's conversation: shown at once, undone if refused. */
function toggle(lid) {
  const id = picker.id;
  const c = S.convs.get(id);
  if (!c) return;
  const before = c.labels || [];
  const after = before.includes(lid) ? before.filter((x) => x !== lid) : [...before, lid];
  upsert({ id, labels: after });
  changed();
  const run = (queue.get(id) || Promise.resolve()).then(async () => {
    try {
      const r = await agent.request('PUT', `/api/conversations/${id}/labels`, { labels: S.convs.get(id)?.labels ?? after });
      upsert(r.conversation);
    } catch (err) {
      upsert({ id, labels: before });
      A.ui.toast(err.status === 0 ? t('errorGeneric') : err.message);
    }
    changed();
  });
  queue.set(id, run);
}

document.addEventListener('mousedown', (e) => {
  if (picker && !picker.node.contains(e.target) && !e.target.closest?.('[data-k="labels"]')) closePicker(false);
});
window.addEventListener('resize', () => { if (picker) place(); });

// --- the list's filter --------------------------------------------------------------------------

let toolsSig = null;

/** Fill the sidebar's tools box: a filter by label, when there are labels (kept across renders). */
export function listTools(box) {
  box.hidden = !defs.size;
  const sig = JSON.stringify([[...defs.values()].sort(byName).map((l) => [l.id, l.name]), narrow.by?.label ?? null]);
  if (sig === toolsSig) return;
  toolsSig = sig;
  const focused = box.contains(document.activeElement);
  const sel = el('select', { class: 'label-filter', id: 'label-filter', 'data-k': 'label-filter', onchange: (e) => setFilter(Number(e.target.value) || null) },
    el('option', { value: '' }, t('allLabels')),
    [...defs.values()].sort(byName).map((l) => el('option', { value: l.id, selected: narrow.by?.label === l.id }, l.name)));
  const clear = narrow.by
    ? el('button', { type: 'button', class: 'link-btn', onclick: () => { setFilter(null); document.getElementById('label-filter')?.focus(); } }, t('labelFilterClear'))
    : '';
  box.replaceChildren(
    el('label', { class: 'label-filter-label', for: 'label-filter' }, svg(TAG, { width: 14, height: 14, class: 'icon' }, { fill: 'currentColor' }),
      el('span', {}, t('labelFilter'))),
    sel, clear);
  if (focused) sel.focus();
}

/** Narrow the lists to label `id` (null: every conversation), loading that list from the server. */
export function setFilter(id) {
  narrow.by = id ? { key: `l${id}`, label: id, query: { label: id }, test: (c) => (c.labels || []).includes(id) } : null;
  toolsSig = null;
  if (narrow.by) A.loadList(S.section, S.status);
  changed();
}

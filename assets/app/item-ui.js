// Tickets and tasks in the conversation ([S8]): the header's link or its Create ticket / Create task /
// Link to existing buttons, the conversation's menu, the create dialog (prefilled from the
// conversation) and the link dialog; plus the pieces the panel and the Items view share (pills, the
// people picker).
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import { avatar, icon } from './dom.js';
import { t } from './i18n.js';
import * as I from './items.js';
import { S } from './state.js';

let hooks = {};

/** `h`: {openPanel, showDialog, closeDialog, confirm, showMenu} */
export function mount(h) { hooks = h; }

// --- small shared pieces ---

export const statusPill = (s) => el('span', { class: `pill st-${s}` }, I.statusLabel(s));
export const priorityPill = (p) => el('span', { class: `pill pr-${p}` }, I.priorityLabel(p));
export const kindIcon = (k, size = 16) => icon(k === 'task' ? 'task' : 'ticket', size);

/** A <select> of statuses or priorities, coloured like its pill. */
export function choice(kind, value, attrs = {}) {
  const values = kind === 'status' ? I.STATUSES : I.PRIORITIES;
  const label = kind === 'status' ? I.statusLabel : I.priorityLabel;
  const s = el('select', { class: `pill-select ${kind === 'status' ? 'st' : 'pr'}-${value}`, ...attrs },
    values.map((v) => el('option', { value: v, selected: v === value }, label(v))));
  s.addEventListener('change', () => { s.className = `pill-select ${kind === 'status' ? 'st' : 'pr'}-${s.value}`; });
  return s;
}

/**
 * Chips for the chosen teammates, each with a remove button, and a select to add one.
 * `onChange(ids)` after each change; `key` names the parts for focus keeping.
 */
export function peoplePicker({ label, addLabel, ids, options, onChange, key, names = {} }) {
  let chosen = [...ids];
  const labelId = `${key}-label`;
  const chips = el('ul', { class: 'chips', 'aria-labelledby': labelId });
  const add = el('select', { class: 'add-person', 'aria-label': addLabel, 'data-k': `${key}-add` });
  const nameOf = (id) => S.team.get(id)?.name || names[id] || `#${id}`;
  const draw = () => {
    chips.replaceChildren(...chosen.map((id) => el('li', { class: 'chip' },
      avatar(nameOf(id), { size: 20 }), el('span', { class: 'chip-name' }, id === S.me.id ? `${nameOf(id)} (${t('you')})` : nameOf(id)),
      el('button', {
        type: 'button', class: 'chip-x', 'data-k': `${key}-x${id}`, 'aria-label': t('removePerson', { name: nameOf(id) }), title: t('remove'),
        onclick: () => { chosen = chosen.filter((x) => x !== id); draw(); add.focus(); onChange(chosen); },
      }, icon('close', 14)))));
    if (!chosen.length) chips.append(el('li', { class: 'muted small none' }, t('nobody')));
    const rest = options.filter((u) => !chosen.includes(u.id));
    add.replaceChildren(el('option', { value: '' }, `+ ${addLabel}`),
      ...rest.map((u) => el('option', { value: u.id }, u.id === S.me.id ? `${u.name} (${t('you')})` : u.name)));
    add.disabled = !rest.length;
  };
  add.addEventListener('change', () => {
    const id = Number(add.value);
    if (!id) return;
    chosen = [...chosen, id];
    draw();
    add.focus();
    onChange(chosen);
  });
  draw();
  return el('div', { class: 'people', role: 'group', 'aria-labelledby': labelId },
    el('span', { class: 'people-label', id: labelId }, label), chips, add);
}

// --- the header ([S8], [S9]) ---

/** What goes in the conversation header's #item-actions slot. */
export function headerActions(c) {
  const menuBtn = el('button', {
    type: 'button', class: 'icon-btn', 'data-k': 'conv-menu', 'aria-haspopup': 'menu', 'aria-expanded': 'false',
    'aria-label': t('conversationActions'), title: t('conversationActions'), onclick: (e) => hooks.showMenu(e.currentTarget, menuItems(c)),
  }, icon('more'));
  const it = c.item;
  if (it) {
    // Its name is its text, "Ticket #1 · title · New" (the separators are text too): what a person
    // sees is what a screen reader says. Where the title has no room it is hidden from sight only.
    return [el('button', {
      type: 'button', class: 'item-link', 'data-k': 'item-link', title: t('showItemDetails'),
      onclick: () => showDetails(it.id, 'item-link'),
    }, kindIcon(it.kind), el('strong', { class: 'item-no' }, I.itemName(it)),
    el('span', { class: 'item-title' }, ` · ${it.title}`), el('span', { class: 'item-sep' }, ' · '), statusPill(it.status)), menuBtn];
  }
  const b = (kind, label, ic, fn) => el('button', { type: 'button', class: 'btn small item-btn', 'data-k': kind, 'aria-label': label, title: label, onclick: fn },
    icon(ic, 16), el('span', { class: 'item-btn-text' }, label));
  return [
    b('create-ticket', t('createTicket'), 'ticket', () => createDialog(c.id, 'ticket')),
    b('create-task', t('createTask'), 'task', () => createDialog(c.id, 'task')),
    b('link-item', t('linkExisting'), 'link', () => linkDialog(c.id)),
    menuBtn,
  ];
}

function menuItems(c) {
  if (c.item) {
    return [
      [t('showItemDetails'), c.item.kind === 'task' ? 'task' : 'ticket', () => showDetails(c.item.id, 'item-link')],
      [t('unlink'), 'unlink', () => unlinkConfirm(c), 'danger'],
    ];
  }
  return [
    [t('createTicket'), 'ticket', () => createDialog(c.id, 'ticket')],
    [t('createTask'), 'task', () => createDialog(c.id, 'task')],
    [t('linkExisting'), 'link', () => linkDialog(c.id)],
  ];
}

export function showDetails(id, opener) { hooks.openPanel({ kind: 'item', id, opener }); }

async function unlinkConfirm(c) {
  const it = c.item;
  if (!it) return;
  if (!(await hooks.confirm(t('unlinkQ', { name: I.itemName(it) }), t('unlinkHint'), t('unlink')))) return;
  try { await I.unlink(c.id); } catch (e) { A.ui.toast(e.message); }
}

// --- create ([S8]) ---

async function createDialog(convId, kind) {
  const c = S.convs.get(convId);
  let d;
  try {
    [d] = await Promise.all([I.draft(convId, kind), A.loadTeam().catch(() => {})]);
  } catch (e) { A.ui.toast(e.message); return; }
  const rules = { customerFacing: c?.kind === 'live_chat' || !!d.requester_id, members: c?.kind === 'team' ? c.participants : null };
  const options = I.eligible(rules);
  let assignees = d.assignee_ids.filter((id) => options.some((u) => u.id === id));
  let followers = d.follower_ids;
  const title = el('input', { type: 'text', id: 'it-title', maxlength: '200', required: true });
  title.value = d.title;
  const desc = el('textarea', { id: 'it-desc', rows: '7', class: 'transcript' });
  desc.value = d.description;
  const status = choice('status', d.status, { id: 'it-status' });
  const priority = choice('priority', d.priority, { id: 'it-priority' });
  const err = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'btn primary' }, t(kind === 'task' ? 'createTask' : 'createTicket'));
  const form = el('form', { class: 'item-form' },
    el('div', { class: 'field' }, el('label', { for: 'it-title' }, t('itemTitle')), title),
    el('div', { class: 'field' }, el('label', { for: 'it-desc' }, t('description')), desc),
    el('div', { class: 'field-row' },
      el('div', { class: 'field' }, el('label', { for: 'it-status' }, t('status')), status),
      el('div', { class: 'field' }, el('label', { for: 'it-priority' }, t('priority')), priority),
      d.requester_id ? el('div', { class: 'field' }, el('span', { class: 'field-label', id: 'it-req' }, t('requester')),
        el('span', { class: 'readonly', 'aria-labelledby': 'it-req', role: 'note' }, avatar(d.requester_name || '?', { size: 20 }), d.requester_name || t('customer'))) : null),
    peoplePicker({ label: t('assignees'), addLabel: t('addAssignee'), ids: assignees, options, key: 'new-assignees', onChange: (ids) => { assignees = ids; } }),
    peoplePicker({ label: t('followers'), addLabel: t('addFollower'), ids: followers, options, key: 'new-followers', onChange: (ids) => { followers = ids; } }),
    err,
    el('div', { class: 'dialog-actions' },
      el('button', { type: 'button', class: 'btn', onclick: () => hooks.closeDialog() }, t('cancel')), submit));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!title.value.trim()) { err.textContent = t('titleRequired'); title.focus(); return; }
    submit.disabled = true;
    try {
      await I.createFrom(convId, {
        kind, title: title.value.trim(), description: desc.value, status: status.value, priority: priority.value,
        requester_id: d.requester_id ?? undefined, assignee_ids: assignees, follower_ids: followers,
      });
      hooks.closeDialog();
    } catch (ex) {
      err.textContent = ex.message;
      submit.disabled = false;
    }
  });
  hooks.showDialog(t(kind === 'task' ? 'newTask' : 'newTicket'), { wide: true }, form);
  title.focus();
  title.select();
}

// --- link to an existing item ---

function linkDialog(convId) {
  const q = el('input', { type: 'search', id: 'link-q', autocomplete: 'off', placeholder: t('linkSearchHint') });
  const results = el('ul', { class: 'pick-list', 'aria-label': t('matchingItems') });
  const status = el('p', { class: 'muted small', role: 'status' });
  const err = el('p', { class: 'error', role: 'alert' });
  let seq = 0, timer;
  const search = async () => {
    const my = ++seq;
    status.textContent = t('loading');
    try {
      const r = await I.list(q.value.trim() ? { q: q.value.trim() } : {});
      if (my !== seq) return;
      status.textContent = r.items.length ? '' : t('noItemsFound');
      results.replaceChildren(...r.items.map((it) => el('li', {}, el('button', {
        type: 'button', class: 'pick', onclick: () => pick(it),
      }, kindIcon(it.kind), el('strong', { class: 'item-no' }, `#${it.number}`), el('span', { class: 'pick-title' }, it.title), statusPill(it.status)))));
    } catch (e) { if (my === seq) status.textContent = e.message; }
  };
  const pick = async (it) => {
    try {
      await I.link(convId, it.id);
      hooks.closeDialog();
    } catch (e) { err.textContent = e.message; }
  };
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, 180); });
  q.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') { e.preventDefault(); results.querySelector('button')?.focus(); }
    if (e.key === 'Enter') { e.preventDefault(); clearTimeout(timer); search().then(() => results.querySelector('button')?.focus()); }
  });
  results.addEventListener('keydown', (e) => {
    const all = [...results.querySelectorAll('button')];
    const i = all.indexOf(document.activeElement);
    if (e.key === 'ArrowDown') { e.preventDefault(); all[Math.min(all.length - 1, i + 1)]?.focus(); }
    if (e.key === 'ArrowUp') { e.preventDefault(); (i <= 0 ? q : all[i - 1]).focus(); }
  });
  hooks.showDialog(t('linkTitle'), {},
    el('div', { class: 'field' }, el('label', { for: 'link-q' }, t('linkSearch')), q),
    status, results, err);
  q.focus();
  search();
}

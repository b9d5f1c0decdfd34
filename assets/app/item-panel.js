// The item details panel ([S9]): beside the conversation, like the customer panel. Every field is
// edited in place (PATCH on change or blur), with the linked conversations, the activity log and
// follow/unfollow; `item.updated` events keep it live. Built only when its signature changes, so
// typing in a field is never interrupted by unrelated re-renders.
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import { avatar, fullTime, icon, shortTime } from './dom.js';
import { currentLang, t } from './i18n.js';
import { choice, kindIcon, peoplePicker } from './item-ui.js';
import * as I from './items.js';
import { S, title as convTitle } from './state.js';

/** {sig, head, body} for the panel showing item `p.id`. */
export function render(p, { close }) {
  const d = S.itemDetails.get(p.id);
  const closeBtn = el('button', { type: 'button', class: 'icon-btn', 'data-k': 'panel-close', 'aria-label': t('closePanel'), title: t('closePanel'), onclick: close }, icon('close'));
  if (!d) {
    const msg = p.error ? el('p', { class: 'error' }, p.error) : el('p', { class: 'muted' }, t('loading'));
    return { sig: `${p.id}|${p.error || 'loading'}`, head: el('header', { class: 'panel-head' }, el('h2', {}, t('itemDetails')), closeBtn), body: msg };
  }
  const it = d.item;
  const sig = JSON.stringify([p.id, it, d.following, d.activity.length, d.conversations.map((c) => [c.id, S.convs.get(c.id)?.status, c.id === S.currentId]), S.team.size, currentLang()]);
  const save = (fields) => I.update(it.id, fields);

  const head = el('header', { class: 'panel-head' },
    el('h2', { class: 'item-head' }, kindIcon(it.kind, 18), I.itemName(it)),
    el('span', { class: 'panel-head-actions' },
      el('button', {
        type: 'button', class: `icon-btn${d.following ? ' active' : ''}`, 'data-k': 'item-follow', 'aria-pressed': String(!!d.following),
        'aria-label': t('followItem'), title: t(d.following ? 'unfollow' : 'follow'), onclick: () => I.follow(it.id, !d.following),
      }, icon(d.following ? 'star' : 'starOutline')),
      closeBtn));

  const titleBox = el('textarea', { class: 'title-edit', rows: '2', maxlength: '200', 'aria-label': t('itemTitle'), 'data-k': 'item-title' });
  titleBox.value = it.title;
  titleBox.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); titleBox.blur(); }
    if (e.key === 'Escape' && titleBox.value !== it.title) { e.stopPropagation(); titleBox.value = it.title; titleBox.blur(); }
  });
  // On blur rather than on change: a field rebuilt by someone else's edit keeps my text but not its
  // "changed" state, and must still save it.
  const latest = () => S.itemDetails.get(it.id)?.item || it;
  titleBox.addEventListener('blur', () => {
    const v = titleBox.value.replace(/\s+/g, ' ').trim();
    if (!v) { titleBox.value = latest().title; return; }
    if (v !== latest().title) save({ title: v });
  });

  const status = choice('status', it.status, { 'aria-label': t('status'), 'data-k': 'item-status' });
  status.addEventListener('change', () => save({ status: status.value }));
  const priority = choice('priority', it.priority, { 'aria-label': t('priority'), 'data-k': 'item-priority' });
  priority.addEventListener('change', () => save({ priority: priority.value }));

  const desc = el('textarea', { class: 'desc-edit', id: 'item-desc', rows: '6', 'data-k': 'item-desc', placeholder: t('descriptionPlaceholder') });
  desc.value = it.description;
  desc.addEventListener('blur', () => { if (desc.value !== latest().description) save({ description: desc.value }); });
  desc.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && desc.value !== it.description) { e.stopPropagation(); desc.value = it.description; desc.blur(); }
  });

  const options = I.eligible(I.rulesOf(it));
  const names = Object.fromEntries(Object.values(d.people || {}).map((u) => [u.id, u.name]));
  const creator = d.people?.[it.created_by]?.name || S.team.get(it.created_by)?.name || '';

  const body = [
    titleBox,
    el('div', { class: 'pill-row' },
      el('label', { class: 'pill-field' }, el('span', { class: 'muted small' }, t('status')), status),
      el('label', { class: 'pill-field' }, el('span', { class: 'muted small' }, t('priority')), priority)),
    el('dl', { class: 'kvs compact' },
      it.requester_id ? el('div', { class: 'kv' }, el('dt', {}, t('requester')),
        el('dd', { class: 'with-avatar' }, avatar(it.requester_name || '?', { size: 20 }), it.requester_name || t('customer'))) : null,
      el('div', { class: 'kv' }, el('dt', {}, t('created')), el('dd', {}, t('createdBy', { name: creator, date: fullTime(it.created_at) })))),
    peoplePicker({
      label: t('assignees'), addLabel: t('addAssignee'), ids: it.assignees, options, names, key: 'item-assignees',
      onChange: (ids) => save({ assignee_ids: ids }),
    }),
    peoplePicker({
      label: t('followers'), addLabel: t('addFollower'), ids: it.followers, options, names, key: 'item-followers',
      onChange: (ids) => save({ follower_ids: ids }),
    }),
    el('div', { class: 'field desc-field' }, el('label', { for: 'item-desc' }, t('description')), desc),
    el('h3', { class: 'group-title' }, t('linkedConversations')),
    d.conversations.length
      ? el('ul', { class: 'past' }, d.conversations.map((c0) => {
        const c = S.convs.get(c0.id) || c0;
        const name = convTitle(c) || t(c.kind === 'team' ? 'teamConversation' : 'customer');
        return el('li', {}, el('button', {
          type: 'button', class: `past-row${c.id === S.currentId ? ' current' : ''}`, 'data-k': `item-conv-${c.id}`,
          'aria-current': c.id === S.currentId ? 'true' : false, onclick: () => A.openConv(c.id),
        }, avatar(name, { size: 28, team: c.kind === 'team' }),
        el('span', { class: 'ellipsis' }, name),
        el('span', { class: `status-pill ${c.status}` }, t(c.status === 'open' ? 'statusOpen' : 'statusClosed')),
        el('time', { class: 'muted small' }, shortTime(c.last_message_at))));
      }))
      : el('p', { class: 'muted small' }, t('noLinkedConversations')),
    el('h3', { class: 'group-title' }, t('activity')),
    el('ol', { class: 'activity' }, [...d.activity].reverse().map((a) => el('li', {},
      avatar(a.user_name || t('system'), { size: 20 }),
      el('div', {}, el('span', {}, describe(a)), ' ',
        el('time', { class: 'muted small', datetime: new Date(a.at).toISOString(), title: fullTime(a.at) }, shortTime(a.at)))))),
  ];
  return { sig, head, body };
}

/** One line of the activity log: who did what. */
function describe(a) {
  const who = a.user_name || t('system');
  const val = (v) => (a.action === 'status' ? I.statusLabel(v) : a.action === 'priority' ? I.priorityLabel(v) : v);
  switch (a.action) {
    case 'created': return t('actCreated', { who });
    case 'title': return t('actTitle', { who, to: a.new_value || '' });
    case 'description': return t('actDescription', { who });
    case 'status': case 'priority':
      return t(a.action === 'status' ? 'actStatus' : 'actPriority', { who, from: val(a.old_value), to: val(a.new_value) });
    case 'assignees': return a.new_value ? t('actAssignees', { who, to: a.new_value }) : t('actAssigneesNone', { who });
    case 'followers': return a.new_value ? t('actFollowers', { who, to: a.new_value }) : t('actFollowersNone', { who });
    case 'followed': return t('actFollowed', { who });
    case 'unfollowed': return t('actUnfollowed', { who });
    case 'linked': return t('actLinked', { who });
    case 'unlinked': return t('actUnlinked', { who });
    default: return `${who}: ${a.action}`;
  }
}

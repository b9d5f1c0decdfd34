// What opens over or beside the conversation: the person panel (a customer's or a teammate's data,
// [S10]), and dialogs: new team chat ([S1]), keyboard shortcuts, settings, confirmations; and toasts.
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import * as customerEdit from './customer-edit.js';
import { avatar, fullTime, icon, keepFocus, link, shortTime } from './dom.js';
import * as itemPanel from './item-panel.js';
import * as I from './items.js';
import { currentLang, locale, previewText, scoreText, setLang, t } from './i18n.js';
import * as notify from './notify.js';
import { S, changed } from './state.js';

let aside, dialog, toastBox;
let panelSeq = 0;

export function mount(asideEl) {
  aside = asideEl;
  dialog = el('dialog', { class: 'dialog' });
  dialog.addEventListener('close', () => { dialog.replaceChildren(); dialog.className = 'dialog'; });
  dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
  toastBox = el('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
  document.body.append(dialog, toastBox);
  A.ui.toast = toast;
}

export function toast(text) {
  const n = el('div', { class: 'toast' }, text);
  toastBox.append(n);
  setTimeout(() => n.remove(), 5000);
}

// --- the side panel ---

export function openPanel(p) {
  S.panel = p;
  changed();
  loadPanel(p);
}

/** Load the customer panel again if it shows customer `id` (a new rating came in). */
export function refreshCustomer(id) {
  if (S.panel?.kind === 'customer' && S.panel.id === id) loadPanel(S.panel);
}

export function closePanel() {
  if (!S.panel) return false;
  // Back to what opened it, when that is still there.
  const k = S.panel.opener;
  if (k) requestAnimationFrame(() => document.querySelector(`[data-k="${CSS.escape(k)}"]`)?.focus());
  S.panel = null;
  changed();
  return true;
}

async function loadPanel(p) {
  const seq = ++panelSeq;
  try {
    if (p.kind === 'customer') p.data = await A.customer(p.id);
    else if (p.kind === 'item') p.data = await Promise.all([I.loadItem(p.id), A.loadTeam().catch(() => {})]); // teammates to pick from
    else p.data = await A.loadTeam().then(() => true);
  } catch (e) {
    p.error = e.message;
  }
  if (seq === panelSeq) changed();
}

const row = (label, value) => (value ? el('div', { class: 'kv' }, el('dt', {}, label), el('dd', {}, value)) : null);

function browserOf(ua) {
  if (!ua) return '';
  const m = /(Edg|OPR|Firefox|Chrome|Version)\/(\d+)/.exec(ua);
  const os = /Windows/.test(ua) ? 'Windows' : /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  const names = { Edg: 'Edge', OPR: 'Opera', Version: 'Safari' };
  const b = m ? `${names[m[1]] || m[1]} ${m[2]}` : '';
  return [b, os].filter(Boolean).join(' · ');
}

let itemSig = '';
let customerSig = '';

export function renderPanel() {
  const p = S.panel;
  const app = document.getElementById('app');
  app.classList.toggle('with-panel', !!p);
  app.classList.toggle('with-item-panel', p?.kind === 'item');
  if (!p) { aside.hidden = true; aside.replaceChildren(); itemSig = ''; customerSig = ''; return; }
  aside.hidden = false;
  if (p.kind === 'item') {
    customerSig = '';
    // Rebuilt only when the item changed, so a field being edited keeps its text and focus.
    const view = itemPanel.render(p, { close: closePanel, confirm });
    if (view.sig === itemSig) return;
    itemSig = view.sig;
    keepFocus(aside, () => aside.replaceChildren(view.head, el('div', { class: 'panel-body item-panel' }, view.body)));
    return;
  }
  itemSig = '';
  // The customer panel is drawn again only when what it shows changed (its form keeps its text).
  const sig = p.kind === 'customer' ? JSON.stringify([p.id, p.error, p.data, S.currentId, customerEdit.sig(p)]) : '';
  if (sig && sig === customerSig) return;
  customerSig = sig;
  let heading = t(p.kind === 'customer' ? 'customerData' : 'userData');
  const body = [];
  if (p.error) body.push(el('p', { class: 'error' }, p.error));
  else if (!p.data) body.push(el('p', { class: 'muted' }, t('loading')));
  else if (p.kind === 'customer') {
    const { customer: cu, conversations } = p.data;
    body.push(el('div', { class: 'person' }, avatar(cu.name, { size: 56 }),
      el('div', {}, el('h3', {}, cu.name), cu.email ? el('a', { href: `mailto:${cu.email}` }, cu.email) : null)));
    body.push(...customerEdit.section(p)); // issue 15: phone, note, and correcting the record
    // Both come from the visitor's browser: links only when they are http(s) URLs, else text.
    const page = cu.page_url ? link(cu.page_url) : null;
    body.push(el('dl', { class: 'kvs' },
      row(t('page'), page),
      row(t('localTime'), localTime(cu.timezone)),
      row(t('language'), cu.language),
      row(t('browser'), browserOf(cu.user_agent)),
      row(t('referrer'), cu.referrer ? link(cu.referrer) : null),
      row(t('firstSeen'), cu.first_seen_at ? fullTime(cu.first_seen_at) : ''),
      row(t('lastSeen'), cu.last_seen_at ? fullTime(cu.last_seen_at) : ''),
      row(t('verified'), cu.verified ? '✓' : '')));
    // issue 20: what the customer thought of their past chats, newest first.
    const ratings = p.data.ratings || [];
    if (ratings.length) {
      body.push(el('h4', { class: 'group-title' }, t('csatTitle')));
      body.push(el('ul', { class: 'past ratings' }, ratings.map((r) => el('li', { class: 'rating' },
        el('span', { class: 'rating-score' }, scoreText(r.scale, r.score)),
        r.comment ? el('q', { class: 'rating-comment' }, r.comment) : null,
        el('time', { class: 'muted small' }, shortTime(r.rated_at))))));
    }
    if (conversations?.length) {
      body.push(el('h4', { class: 'group-title' }, t('pastConversations')));
      body.push(el('ul', { class: 'past' }, conversations.map((c) => el('li', {},
        el('button', { type: 'button', class: `past-row${c.id === S.currentId ? ' current' : ''}`, onclick: () => A.openConv(c.id) },
          el('span', { class: 'ellipsis' }, c.title || previewText(c) || `#${c.id}`),
          el('span', { class: `status-pill ${c.status}` }, t(c.status === 'open' ? 'statusOpen' : 'statusClosed')),
          el('time', { class: 'muted small' }, shortTime(c.last_message_at)))))));
    }
  } else {
    const ids = p.kind === 'user' ? [p.id] : (S.convs.get(p.conv)?.participants || []);
    if (p.kind === 'team') heading = t('teamConversation');
    for (const id of ids) {
      const u = S.team.get(id);
      if (!u) continue;
      body.push(el('div', { class: 'person' }, avatar(u.name, { size: 48, online: !!u.online }),
        el('div', {}, el('h3', {}, u.name, u.id === S.me.id ? ` (${t('you')})` : ''), el('a', { href: `mailto:${u.email}` }, u.email))));
      body.push(el('dl', { class: 'kvs' },
        row(t('role'), [t(u.role === 'admin' ? 'roleAdmin' : 'roleAgent'), u.customer_support ? t('supportAgent') : ''].filter(Boolean).join(' · ')),
        row(t('online'), t(u.online ? 'online' : 'offline')),
        row(t('lastSeen'), u.last_seen_at ? fullTime(u.last_seen_at) : '')));
    }
  }
  keepFocus(aside, () => aside.replaceChildren(
    el('header', { class: 'panel-head' }, el('h2', {}, heading),
      el('button', { type: 'button', class: 'icon-btn', 'aria-label': t('closePanel'), title: t('closePanel'), onclick: closePanel }, icon('close'))),
    el('div', { class: 'panel-body' }, body)));
}

// --- dialogs ---

export function dialogOpen() { return dialog.open; }
export function closeDialog() { if (!dialog.open) return false; dialog.close(); return true; }

/** Open the modal dialog with a title and content; `wide` for forms with more room. */
export function showDialog(titleText, { wide = false } = {}, ...content) {
  dialog.className = wide ? 'dialog wide' : 'dialog';
  show(titleText, ...content);
  return dialog;
}

function show(titleText, ...content) {
  dialog.replaceChildren(el('div', { class: 'dialog-head' }, el('h2', { id: 'dialog-title' }, titleText),
    el('button', { type: 'button', class: 'icon-btn', 'aria-label': t('closePanel'), onclick: () => dialog.close() }, icon('close'))), ...content);
  dialog.setAttribute('aria-labelledby', 'dialog-title');
  if (!dialog.open) dialog.showModal();
}

export function openDialog(kind) {
  if (kind === 'team') return teamDialog();
  if (kind === 'keys') return keysDialog();
  if (kind === 'settings') return settingsDialog();
  return null;
}

async function teamDialog() {
  await A.loadTeam().catch(() => {});
  const mates = [...S.team.values()].filter((u) => u.id !== S.me.id).sort((a, b) => a.name.localeCompare(b.name));
  const err = el('p', { class: 'error', role: 'alert' });
  const subject = el('input', { type: 'text', id: 'tc-subject', maxlength: '200' });
  const body = el('textarea', { id: 'tc-body', rows: '3' });
  const form = el('form', { class: 'team-form' },
    el('fieldset', { class: 'mates' }, el('legend', {}, t('chooseTeammates')),
      mates.length ? mates.map((u) => el('label', { class: 'mate' },
        el('input', { type: 'checkbox', name: 'u', value: u.id }), avatar(u.name, { size: 28, online: !!u.online }),
        el('span', {}, el('strong', {}, u.name), el('span', { class: 'muted small' }, ` ${u.email}`))))
        : el('p', { class: 'muted' }, t('noTeammates'))),
    el('div', { class: 'field' }, el('label', { for: 'tc-subject' }, t('subject')), subject),
    el('div', { class: 'field' }, el('label', { for: 'tc-body' }, t('firstMessage')), body),
    err,
    el('div', { class: 'dialog-actions' },
      el('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, t('cancel')),
      el('button', { type: 'submit', class: 'btn primary' }, t('start'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const ids = [...form.querySelectorAll('input[name=u]:checked')].map((x) => Number(x.value));
    if (!ids.length) { err.textContent = t('chooseOne'); return; }
    try {
      await A.startTeam(ids, subject.value.trim(), body.value.trim());
      dialog.close();
    } catch (ex) { err.textContent = ex.message; }
  });
  show(t('teamChatTitle'), form);
}

function keysDialog() {
  const k = (...keys) => el('span', { class: 'keys' }, keys.map((x) => el('kbd', {}, x)));
  const rows = [
    [k('Alt', '↑'), k('Alt', '↓'), t('kbPrevNext')], [k('/'), null, t('kbSearch')], [k('Esc'), null, t('kbEsc')],
    [k('Ctrl', 'Enter'), null, t('kbCloseNext')], [k('Enter'), null, t('kbSend')], [k('Shift', 'Enter'), null, t('kbNewline')],
    [k('?'), null, t('kbHelp')], [k('Alt', 'P'), null, t('kbNote')],
  ];
  show(t('shortcuts'), el('dl', { class: 'shortcuts' }, rows.map(([a, b, label]) => el('div', { class: 'kv' }, el('dt', {}, a, b ? ' ' : null, b), el('dd', {}, label)))));
}

/** More of the Settings dialog, from other modules (saved replies): functions returning its nodes. */
export const settingsExtras = [];

function settingsDialog() {
  const prefs = S.me.prefs || {};
  const lang = el('select', { id: 'set-lang' },
    [['auto', t('langAuto')], ['en', 'English'], ['pt', 'Português']].map(([v, label]) => el('option', { value: v, selected: (prefs.language || 'auto') === v }, label)));
  const notif = el('input', { type: 'checkbox', id: 'set-notif', checked: prefs.notifications !== false });
  const err = el('p', { class: 'error', role: 'alert' });
  lang.addEventListener('change', async () => {
    try {
      await A.savePrefs({ language: lang.value });
      setLang(lang.value);
      location.reload();
    } catch (e) { err.textContent = e.message; }
  });
  notif.addEventListener('change', async () => {
    try {
      await A.savePrefs({ notifications: notif.checked });
      notify.setEnabled(notif.checked);
      if (notif.checked && 'Notification' in window && Notification.permission === 'default') Notification.requestPermission();
    } catch (e) { err.textContent = e.message; notif.checked = !notif.checked; }
  });
  show(t('settings'),
    el('div', { class: 'field' }, el('label', { for: 'set-lang' }, t('languageSetting')), lang),
    el('label', { class: 'check' }, notif, t('notificationsSetting')),
    ...settingsExtras.map((f) => f()),
    err,
    el('div', { class: 'dialog-actions' },
      el('span', { class: 'muted small' }, `${S.me.email} · ${currentLang().toUpperCase()}`),
      el('button', { type: 'button', class: 'btn danger', onclick: A.signOut }, icon('signout', 16), t('signOut'))));
}

/** A confirmation as a modal dialog (never window.confirm): resolves true or false. */
export function confirm(question, hint, okLabel) {
  return new Promise((resolve) => {
    let answer = false;
    const ok = el('button', { type: 'button', class: 'btn primary danger-fill', onclick: () => { answer = true; dialog.close(); } }, okLabel);
    show(question, el('p', { class: 'muted' }, hint), el('div', { class: 'dialog-actions' },
      el('button', { type: 'button', class: 'btn', onclick: () => dialog.close() }, t('cancel')), ok));
    ok.focus();
    dialog.addEventListener('close', () => resolve(answer), { once: true });
  });
}

/** The customer's wall-clock time and zone ("14:05 · Europe/Lisbon"), or '' when unknown. */
function localTime(zone) {
  if (!zone) return '';
  try {
    const time = new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: '2-digit', minute: '2-digit' }).format(new Date());
    return `${time} · ${zone}`;
  } catch {
    return '';
  }
}

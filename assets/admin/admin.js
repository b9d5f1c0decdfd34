// The admin pages: one document, a section per path (/admin/messages, /admin/team, …). Loads the
// signed-in admin (and their language) and the settings, draws the navigation, and swaps sections
// without a reload.

import { el, svg } from '../shared/dom.js';
import { agent, setCsrf } from '../shared/http.js';
import { setLang, t, translatePage } from './i18n.js';
import { problem, state } from './dom.js';
import { messages } from './messages.js';
import { availability } from './availability.js';
import { widget } from './widget.js';
import { team } from './team.js';
import { data } from './data.js';
import { audit } from './audit.js';
import { labels } from './labels.js';
import { replies } from './replies.js';
import { email } from './email.js';
import { webhooks } from './webhooks.js';
import { api } from './api.js';
import { reports } from './reports-admin.js';

const SECTIONS = [
  { id: 'messages', label: () => t('messagesTitle'), draw: messages, icon: 'M4 5h16v10H8l-4 4z' },
  { id: 'availability', label: () => t('availabilityTitle'), draw: availability, icon: 'M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm0 4v5l3 2' },
  { id: 'widget', label: () => t('widgetTitle'), draw: widget, icon: 'M4 4h16v12H4zM8 20h8' },
  { id: 'team', label: () => t('teamTitle'), draw: team, icon: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21a7 7 0 0 1 14 0M17 11a3 3 0 1 0 0-6M22 21a6 6 0 0 0-4-5.6' },
  { id: 'data', label: () => t('dataTitle'), draw: data, icon: 'M4 6c0-1.7 3.6-3 8-3s8 1.3 8 3-3.6 3-8 3-8-1.3-8-3zm0 0v12c0 1.7 3.6 3 8 3s8-1.3 8-3V6M4 12c0 1.7 3.6 3 8 3s8-1.3 8-3' },
  { id: 'audit', label: () => t('auditTitle'), draw: audit, icon: 'M6 3h9l4 4v14H6zM9 12h7M9 16h7M9 8h3' },
  // issue 15: labels
  { id: 'labels', label: () => t('labelsTitle'), draw: labels, icon: 'M20.6 13.4 13.4 20.6a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8zM7.5 7.5h.01' },
  { id: 'replies', label: () => t('repliesTitle'), draw: replies, icon: 'M13.5 2 5 13.5h6L10 22l9-12h-6.2z' },
  // issue 16: email
  { id: 'email', label: () => t('emailTitle'), draw: email, icon: 'M3 5h18v14H3zM3 6l9 7 9-7' },
  // issue 19: webhooks
  { id: 'webhooks', label: () => t('whTitle'), draw: webhooks, icon: 'M10 14a4 4 0 1 1-3-6.5M14 10a4 4 0 1 1 3 6.5M9 17h6M12 7l3 6' },
  // issue 19: API tokens and where the API is described
  { id: 'api', label: () => t('apiTitle'), draw: api, icon: 'M8 7l-5 5 5 5M16 7l5 5-5 5M14 4l-4 16' },
  // issue 20: reports and the satisfaction survey
  { id: 'reports', label: () => t('rpTitle'), draw: reports, icon: 'M4 20V10M10 20V4M16 20v-7M22 20H2' },
];

const nav = document.getElementById('nav');
const main = document.getElementById('main');
const links = new Map();

// The browser's language until /api/me says which one this admin chose.
setLang();
translatePage();

function drawNav() {
  links.clear();
  nav.replaceChildren(...SECTIONS.map((s) => {
    const a = el('a', { href: '/admin/' + s.id, onclick: (e) => {
      if (e.metaKey || e.ctrlKey || e.shiftKey) return;
      e.preventDefault();
      go(s.id, true);
    } }, svg(s.icon), el('span', { text: s.label() }));
    links.set(s.id, a);
    return a;
  }));
}

function current() {
  const id = location.pathname.split('/')[2];
  return SECTIONS.some((s) => s.id === id) ? id : 'messages';
}

async function go(id, push) {
  if (push) history.pushState(null, '', '/admin/' + id);
  const s = SECTIONS.find((x) => x.id === id);
  for (const [k, a] of links) {
    if (k === id) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  links.get(id).scrollIntoView({ block: 'nearest', inline: 'nearest' }); // the phone's scrolling row
  document.title = t('docTitle', { section: s.label() });
  document.getElementById('toast').hidden = true;
  const view = el('div', { class: 'view view-' + id });
  main.replaceChildren(view);
  await s.draw(view);
  if (push) main.focus({ preventScroll: true });
}

window.addEventListener('popstate', () => go(current(), false));

async function boot() {
  const failed = (text) => main.replaceChildren(el('p', { class: 'loading', text }));
  drawNav();
  let me, s;
  try { me = await agent.get('/api/me'); } catch (e) { failed(problem(e, t('signInFirst'))); return; }
  state.me = me;
  setCsrf(me.csrf_token);
  setLang(me.user.prefs?.language);
  translatePage();
  drawNav();
  document.getElementById('helpdesk-name').textContent = me.helpdesk.name;
  document.getElementById('who').textContent = t('signedInAs', { name: me.user.name });
  try { s = await agent.get('/api/settings'); } catch (e) { failed(problem(e, t('errLoadSettings'))); return; }
  state.settings = s.settings;
  state.status = s.status;
  go(current(), false);
}

boot();

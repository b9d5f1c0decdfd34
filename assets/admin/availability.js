// Availability: the online/offline switch (the same as the Messenger's), business hours per weekday
// in a time zone, "offline when no agent is connected", and who gets which live chat (assignment).

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, header, problem, settingsForm, state, toast, fmtTime } from './dom.js';
import { locale, t } from './i18n.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The weekday's name in the reader's language ("Monday", "Segunda-feira"). */
function dayName(i) {
  // 1 January 2024 was a Monday.
  const s = new Intl.DateTimeFormat(locale(), { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1 + i));
  return s.charAt(0).toLocaleUpperCase(locale()) + s.slice(1);
}

/**
 * The help desk's effective state said once: a title ("Online — business hours") and what happens
 * next. `st` is the server's status (src/db/hours.rs `Status`): online, reason, until.
 */
export function describeStatus(st) {
  const when = st.until ? fmtTime(st.until) : '';
  const on = !!st.online;
  switch (st.reason) {
    case 'business_hours':
      return { title: t('stBusinessHours'), lead: when ? t('stClosesAt', { when }) : '' };
    case 'outside_business_hours':
      return { title: t('stOutsideHours'), lead: when ? t('stOpensAt', { when }) : '' };
    case 'override':
      return { title: on ? t('stOverrideOn') : t('stOverrideOff'), lead: when ? t('stOverrideUntil', { when }) : '' };
    case 'no_agents':
      return { title: t('stNoAgents'), lead: t('stNoAgentsLead') };
    default:
      return { title: on ? t('online') : t('offline'), lead: t('stManualLead') };
  }
}

function statusCard() {
  const box = el('section', { class: 'panel status-card', 'aria-labelledby': 'status-title' });
  const draw = () => {
    const st = state.status || {};
    const sw = el('button', { type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(!!st.online), 'aria-label': t('helpdeskOnline'),
      onclick: async () => {
        sw.disabled = true;
        try {
          const r = await agent.post('/api/helpdesk/status', { online: !st.online });
          state.status = r.status;
          state.settings.online = !st.online;
          toast(r.status.online ? t('nowOnline') : t('nowOffline'));
        } catch (e) { toast(problem(e, t('errSwitch')), 'warn'); }
        draw();
      } }, el('span', { class: 'knob' }));
    const { title, lead } = describeStatus(st);
    box.replaceChildren(
      el('div', { class: 'status-row' },
        el('div', {},
          el('p', { class: 'status-title', id: 'status-title' }, el('span', { class: 'dot big' + (st.online ? ' on' : '') }), el('span', { text: title })),
          lead ? el('p', { class: 'panel-lead', text: lead }) : null),
        sw));
  };
  draw();
  return { el: box, draw };
}

/** The weekly hours editor: any number of periods per day. Acts like a `control` for `hours`. */
function hoursEditor() {
  let periods = [];
  const err = el('p', { class: 'field-error', role: 'alert' });
  const table = el('div', { class: 'hours' });
  const box = el('div', { class: 'field', 'data-field': 'hours' }, el('span', { class: 'label', text: t('openingHours') }), table, err);
  const changed = () => box.dispatchEvent(new Event('input', { bubbles: true }));
  const draw = () => {
    table.replaceChildren(...DAYS.map((day, i) => {
      const name = dayName(i);
      const mine = periods.filter((p) => p.day === day);
      const row = el('div', { class: 'hours-row' + (mine.length ? '' : ' closed') }, el('span', { class: 'day', text: name }));
      const list = el('div', { class: 'periods' });
      if (!mine.length) list.append(el('span', { class: 'muted', text: t('closedDay') }));
      for (const p of mine) {
        const time = (k) => el('input', { type: 'time', value: p[k], 'aria-label': t(k === 'start' ? 'dayOpens' : 'dayCloses', { day: name }),
          onchange: (e) => { p[k] = e.target.value === '00:00' && k === 'end' ? '24:00' : e.target.value; changed(); } });
        list.append(el('span', { class: 'period' }, time('start'), el('span', { class: 'muted', text: t('timeTo') }), time('end'),
          el('button', { type: 'button', class: 'icon-btn', 'aria-label': t('removePeriod', { day: name, start: p.start, end: p.end }), text: '×',
            onclick: () => { periods = periods.filter((x) => x !== p); draw(); changed(); } })));
      }
      row.append(list, el('button', { type: 'button', class: 'btn small', text: mine.length ? t('addPeriod') : t('openDay'),
        onclick: () => { periods.push({ day, start: '09:00', end: '17:00' }); draw(); changed(); } }));
      return row;
    }));
  };
  return {
    key: 'hours', el: box, input: table,
    get: () => periods.map((p) => ({ day: p.day, start: p.start, end: p.end })),
    set: (v) => { periods = (v || []).map((p) => ({ ...p })); draw(); },
    error: (m) => { err.textContent = m || ''; box.classList.toggle('invalid', !!m); },
  };
}

export function availability(view) {
  const status = statusCard();
  const enabled = control('hours_enabled', { type: 'checkbox', label: t('useHours'), hint: t('useHoursHint') });
  const zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : []);
  const tz = control('timezone', { label: t('timeZone'), hint: t('timeZoneHint'), placeholder: 'UTC' });
  const list = el('datalist', { id: 'zones' }, ['UTC', ...zones].map((z) => el('option', { value: z })));
  tz.input.setAttribute('list', 'zones');
  const hours = hoursEditor();
  const noAgents = control('offline_when_no_agents', { type: 'checkbox', label: t('offlineNoAgents'), hint: t('offlineNoAgentsHint') });
  const off = el('p', { class: 'notice', text: t('hoursOff') });
  // Hours stay editable while off (to prepare them), and say that they are not in use.
  const sync = () => { off.hidden = enabled.get(); };
  // Who gets which live chat (issue 15): replying takes an unassigned chat; auto-assignment, and its cap.
  const onReply = control('assign_on_reply', { type: 'checkbox', label: t('assignOnReply'), hint: t('assignOnReplyHint') });
  const auto = control('auto_assign', { type: 'select', label: t('autoAssign'), hint: t('autoAssignHint'),
    options: [['off', t('autoAssignOff')], ['round_robin', t('autoAssignRoundRobin')]] });
  const cap = control('assign_cap', { type: 'number', label: t('assignCap'), hint: t('assignCapHint'), min: 1, max: 1000 });
  const form = settingsForm([enabled, tz, hours, noAgents, onReply, auto, cap], { onSaved: () => { status.draw(); sync(); } });
  const hoursBox = el('div', { class: 'hours-box' }, off, tz.el, list, hours.el);
  enabled.input.addEventListener('change', sync);
  form.addEventListener('click', () => queueMicrotask(sync)); // "Discard" puts the saved value back
  queueMicrotask(sync);
  form.append(
    el('section', { class: 'panel' }, el('h2', { text: t('businessHours') }), enabled.el, hoursBox),
    el('section', { class: 'panel' }, el('h2', { text: t('whenNobody') }), noAgents.el),
    el('section', { class: 'panel' }, el('h2', { text: t('assignmentTitle') }), el('p', { class: 'panel-lead', text: t('assignmentLead') }),
      onReply.el, auto.el, cap.el),
    form.bar);
  view.append(header(t('availabilityTitle'), t('availabilityLead')), status.el, form);
}

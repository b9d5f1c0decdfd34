// Availability: the online/offline switch (the same as the Messenger's), business hours per weekday
// in a time zone, and "offline when no agent is connected".

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, header, problem, settingsForm, state, toast, fmtTime } from './dom.js';

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];

function statusCard() {
  const box = el('section', { class: 'panel status-card' });
  const draw = () => {
    const st = state.status || {};
    const sw = el('button', { type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(!!st.online), 'aria-label': 'Help desk online',
      onclick: async () => {
        sw.disabled = true;
        try {
          const r = await agent.post('/api/helpdesk/status', { online: !st.online });
          state.status = r.status;
          state.settings.online = !st.online;
          toast(r.status.online ? 'The help desk is online.' : 'The help desk is offline.');
        } catch (e) { toast(problem(e, 'Could not switch.'), 'warn'); }
        draw();
      } }, el('span', { class: 'knob' }));
    const until = st.until ? `Changes by itself ${fmtTime(st.until)}.` : '';
    const why = {
      manual: 'Set by hand, here or in the Messenger.',
      override: `Set by hand; business hours take over again at ${fmtTime(st.until)}.`,
      business_hours: 'Within business hours.',
      outside_business_hours: 'Outside business hours.',
      no_agents: 'No agent has the Messenger open.',
    }[st.reason] || '';
    box.replaceChildren(
      el('div', { class: 'status-row' },
        el('div', {},
          el('p', { class: 'status-title' }, el('span', { class: 'dot big' + (st.online ? ' on' : '') }), st.online ? 'Online' : 'Offline'),
          el('p', { class: 'status-label', text: st.label || '' }),
          el('p', { class: 'panel-lead', text: [why, st.reason === 'override' ? '' : until].filter(Boolean).join(' ') })),
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
  const box = el('div', { class: 'field', 'data-field': 'hours' }, el('span', { class: 'label', text: 'Opening hours' }), table, err);
  const changed = () => box.dispatchEvent(new Event('input', { bubbles: true }));
  const draw = () => {
    table.replaceChildren(...DAYS.map(([day, name]) => {
      const mine = periods.filter((p) => p.day === day);
      const row = el('div', { class: 'hours-row' + (mine.length ? '' : ' closed') }, el('span', { class: 'day', text: name }));
      const list = el('div', { class: 'periods' });
      if (!mine.length) list.append(el('span', { class: 'muted', text: 'Closed' }));
      for (const p of mine) {
        const time = (k) => el('input', { type: 'time', value: p[k], 'aria-label': `${name} ${k === 'start' ? 'opens' : 'closes'}`,
          onchange: (e) => { p[k] = e.target.value === '00:00' && k === 'end' ? '24:00' : e.target.value; changed(); } });
        list.append(el('span', { class: 'period' }, time('start'), el('span', { class: 'muted', text: 'to' }), time('end'),
          el('button', { type: 'button', class: 'icon-btn', 'aria-label': `Remove ${name} ${p.start}–${p.end}`, text: '×',
            onclick: () => { periods = periods.filter((x) => x !== p); draw(); changed(); } })));
      }
      row.append(list, el('button', { type: 'button', class: 'btn small', text: mine.length ? 'Add period' : 'Open',
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
  const enabled = control('hours_enabled', { type: 'checkbox', label: 'Use business hours', hint: 'Outside them the help desk is offline by itself. Using the switch above holds until the next opening or closing time.' });
  const zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : []);
  const tz = control('timezone', { label: 'Time zone', hint: 'Opening hours are in this time zone, e.g. Europe/Lisbon.', placeholder: 'UTC' });
  const list = el('datalist', { id: 'zones' }, ['UTC', ...zones].map((z) => el('option', { value: z })));
  tz.input.setAttribute('list', 'zones');
  const hours = hoursEditor();
  const noAgents = control('offline_when_no_agents', { type: 'checkbox', label: 'Go offline when no agent is connected', hint: 'Visitors see the offline message while nobody has the Messenger open.' });
  const form = settingsForm([enabled, tz, hours, noAgents], { onSaved: status.draw });
  const hoursBox = el('div', { class: 'hours-box' }, tz.el, list, hours.el);
  const sync = () => { hoursBox.classList.toggle('disabled', !enabled.get()); };
  enabled.input.addEventListener('change', sync);
  queueMicrotask(sync);
  form.append(
    el('section', { class: 'panel' }, el('h2', { text: 'Business hours' }), enabled.el, hoursBox),
    el('section', { class: 'panel' }, el('h2', { text: 'When nobody is around' }), noAgents.el),
    form.bar);
  view.append(header('Availability', 'Whether visitors see you as online, and when that changes by itself.'), status.el, form);
}

// Availability: the online/offline switch (the same as the Messenger's), business hours per weekday
// in a time zone, and "offline when no agent is connected".

import { api, control, h, header, settingsForm, state, toast, fmtTime } from './dom.js';

const DAYS = [['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'], ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday']];

function statusCard() {
  const el = h('section', { class: 'panel status-card' });
  const draw = () => {
    const st = state.status || {};
    const sw = h('button', { type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(!!st.online), 'aria-label': 'Help desk online',
      onclick: async () => {
        sw.disabled = true;
        const r = await api('POST', '/api/helpdesk/status', { online: !st.online });
        if (r.status === 200) {
          state.status = r.data.status;
          state.settings.online = !st.online;
          toast(r.data.status.online ? 'The help desk is online.' : 'The help desk is offline.');
        } else toast(r.data.error || 'Could not switch.', 'warn');
        draw();
      } }, h('span', { class: 'knob' }));
    const until = st.until ? `Changes by itself ${fmtTime(st.until)}.` : '';
    const why = {
      manual: 'Set by hand, here or in the Messenger.',
      override: `Set by hand; business hours take over again at ${fmtTime(st.until)}.`,
      business_hours: 'Within business hours.',
      outside_business_hours: 'Outside business hours.',
      no_agents: 'No agent has the Messenger open.',
    }[st.reason] || '';
    el.replaceChildren(
      h('div', { class: 'status-row' },
        h('div', {},
          h('p', { class: 'status-title' }, h('span', { class: 'dot big' + (st.online ? ' on' : '') }), st.online ? 'Online' : 'Offline'),
          h('p', { class: 'status-label', text: st.label || '' }),
          h('p', { class: 'panel-lead', text: [why, st.reason === 'override' ? '' : until].filter(Boolean).join(' ') })),
        sw));
  };
  draw();
  return { el, draw };
}

/** The weekly hours editor: any number of periods per day. Acts like a `control` for `hours`. */
function hoursEditor() {
  let periods = [];
  const err = h('p', { class: 'field-error', role: 'alert' });
  const table = h('div', { class: 'hours' });
  const el = h('div', { class: 'field', 'data-field': 'hours' }, h('span', { class: 'label', text: 'Opening hours' }), table, err);
  const changed = () => el.dispatchEvent(new Event('input', { bubbles: true }));
  const draw = () => {
    table.replaceChildren(...DAYS.map(([day, name]) => {
      const mine = periods.filter((p) => p.day === day);
      const row = h('div', { class: 'hours-row' + (mine.length ? '' : ' closed') }, h('span', { class: 'day', text: name }));
      const list = h('div', { class: 'periods' });
      if (!mine.length) list.append(h('span', { class: 'muted', text: 'Closed' }));
      for (const p of mine) {
        const time = (k) => h('input', { type: 'time', value: p[k], 'aria-label': `${name} ${k === 'start' ? 'opens' : 'closes'}`,
          onchange: (e) => { p[k] = e.target.value === '00:00' && k === 'end' ? '24:00' : e.target.value; changed(); } });
        list.append(h('span', { class: 'period' }, time('start'), h('span', { class: 'muted', text: 'to' }), time('end'),
          h('button', { type: 'button', class: 'icon-btn', 'aria-label': `Remove ${name} ${p.start}–${p.end}`, text: '×',
            onclick: () => { periods = periods.filter((x) => x !== p); draw(); changed(); } })));
      }
      row.append(list, h('button', { type: 'button', class: 'btn small', text: mine.length ? 'Add period' : 'Open',
        onclick: () => { periods.push({ day, start: '09:00', end: '17:00' }); draw(); changed(); } }));
      return row;
    }));
  };
  return {
    key: 'hours', el, input: table,
    get: () => periods.map((p) => ({ day: p.day, start: p.start, end: p.end })),
    set: (v) => { periods = (v || []).map((p) => ({ ...p })); draw(); },
    error: (m) => { err.textContent = m || ''; el.classList.toggle('invalid', !!m); },
  };
}

export function availability(view) {
  const status = statusCard();
  const enabled = control('hours_enabled', { type: 'checkbox', label: 'Use business hours', hint: 'Outside them the help desk is offline by itself. Using the switch above holds until the next opening or closing time.' });
  const zones = (Intl.supportedValuesOf ? Intl.supportedValuesOf('timeZone') : []);
  const tz = control('timezone', { label: 'Time zone', hint: 'Opening hours are in this time zone, e.g. Europe/Lisbon.', placeholder: 'UTC' });
  const list = h('datalist', { id: 'zones' }, ['UTC', ...zones].map((z) => h('option', { value: z })));
  tz.input.setAttribute('list', 'zones');
  const hours = hoursEditor();
  const noAgents = control('offline_when_no_agents', { type: 'checkbox', label: 'Go offline when no agent is connected', hint: 'Visitors see the offline message while nobody has the Messenger open.' });
  const form = settingsForm([enabled, tz, hours, noAgents], { onSaved: status.draw });
  const hoursBox = h('div', { class: 'hours-box' }, tz.el, list, hours.el);
  const sync = () => { hoursBox.classList.toggle('disabled', !enabled.get()); };
  enabled.input.addEventListener('change', sync);
  queueMicrotask(sync);
  form.append(
    h('section', { class: 'panel' }, h('h2', { text: 'Business hours' }), enabled.el, hoursBox),
    h('section', { class: 'panel' }, h('h2', { text: 'When nobody is around' }), noAgents.el),
    form.bar);
  view.append(header('Availability', 'Whether visitors see you as online, and when that changes by itself.'), status.el, form);
}

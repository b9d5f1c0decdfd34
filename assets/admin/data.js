// Data: download a backup of the live database, export conversations as JSON, and retention.

import { api, control, h, header, settingsForm, toast } from './dom.js';

export function data(view) {
  const days = control('retention_days', { type: 'number', min: 0, max: 36500, label: 'Delete closed conversations after (days)',
    hint: '0 keeps everything. Applied every hour; open conversations are never deleted.' });
  const form = settingsForm([days]);
  const run = h('button', { type: 'button', class: 'btn', text: 'Run now', onclick: async () => {
    run.disabled = true;
    const r = await api('POST', '/api/admin/retention/run', {});
    run.disabled = false;
    if (r.status === 200) toast(`Deleted ${r.data.deleted} closed conversation${r.data.deleted === 1 ? '' : 's'}.`);
    else toast(r.data.error || 'Could not run.', 'warn');
  } });
  form.append(days.el, form.bar);
  form.bar.prepend(run);
  view.append(
    header('Data', 'Your help desk’s data stays on your server. Take it with you, or keep less of it.'),
    h('div', { class: 'cards' },
      h('section', { class: 'panel' }, h('h2', { text: 'Backup' }),
        h('p', { class: 'panel-lead', text: 'A consistent copy of the whole database, taken while chat goes on. Restore it with “frontdesk restore”.' }),
        h('a', { class: 'btn primary', href: '/api/admin/backup', download: '', text: 'Download backup' })),
      h('section', { class: 'panel' }, h('h2', { text: 'Export conversations' }),
        h('p', { class: 'panel-lead', text: 'Every conversation with its customer and messages, as one JSON file.' }),
        h('a', { class: 'btn', href: '/api/admin/export', download: '', text: 'Export as JSON' }))),
    h('section', { class: 'panel' }, h('h2', { text: 'Retention' }), form));
}

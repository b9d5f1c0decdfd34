// Data: download a backup of the live database, export conversations as JSON, and retention.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, header, problem, settingsForm, toast } from './dom.js';

export function data(view) {
  const days = control('retention_days', { type: 'number', min: 0, max: 36500, label: 'Delete closed conversations after (days)',
    hint: '0 keeps everything. Applied every hour; open conversations are never deleted.' });
  const form = settingsForm([days]);
  const run = el('button', { type: 'button', class: 'btn', text: 'Run now', onclick: async () => {
    run.disabled = true;
    try {
      const r = await agent.post('/api/admin/retention/run', {});
      toast(`Deleted ${r.deleted} closed conversation${r.deleted === 1 ? '' : 's'}.`);
    } catch (e) { toast(problem(e, 'Could not run.'), 'warn'); } finally { run.disabled = false; }
  } });
  form.append(days.el, form.bar);
  form.bar.prepend(run);
  view.append(
    header('Data', 'Your help desk’s data stays on your server. Take it with you, or keep less of it.'),
    el('div', { class: 'cards' },
      el('section', { class: 'panel' }, el('h2', { text: 'Backup' }),
        el('p', { class: 'panel-lead', text: 'A consistent copy of the whole database, taken while chat goes on. Restore it with “frontdesk restore”.' }),
        el('a', { class: 'btn primary', href: '/api/admin/backup', download: '', text: 'Download backup' })),
      el('section', { class: 'panel' }, el('h2', { text: 'Export conversations' }),
        el('p', { class: 'panel-lead', text: 'Every conversation with its customer and messages, as one JSON file.' }),
        el('a', { class: 'btn', href: '/api/admin/export', download: '', text: 'Export as JSON' }))),
    el('section', { class: 'panel' }, el('h2', { text: 'Retention' }), form));
}

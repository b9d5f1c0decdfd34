// Data: download a backup of the live database, the scheduled backups on the server, export
// conversations as JSON, and retention.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, fmtTime, header, problem, settingsForm, toast } from './dom.js';
import { t } from './i18n.js';

export function data(view) {
  const days = control('retention_days', { type: 'number', min: 0, max: 36500, label: t('retentionDays'), hint: t('retentionHint') });
  const form = settingsForm([days]);
  const run = el('button', { type: 'button', class: 'btn', text: t('runNow'), onclick: async () => {
    run.disabled = true;
    try {
      const r = await agent.post('/api/admin/retention/run', {});
      toast(r.deleted === 1 ? t('deletedOne') : t('deletedN', { n: r.deleted }));
    } catch (e) { toast(problem(e, t('errRun')), 'warn'); } finally { run.disabled = false; }
  } });
  form.append(days.el, form.bar);
  form.bar.prepend(run);
  view.append(
    header(t('dataTitle'), t('dataLead')),
    el('div', { class: 'cards' },
      el('section', { class: 'panel' }, el('h2', { text: t('backup') }),
        el('p', { class: 'panel-lead', text: t('backupLead') }),
        el('a', { class: 'btn primary', href: '/api/admin/backup', download: '', text: t('downloadBackup') })),
      el('section', { class: 'panel' }, el('h2', { text: t('exportTitle') }),
        el('p', { class: 'panel-lead', text: t('exportLead') }),
        el('a', { class: 'btn', href: '/api/admin/export', download: '', text: t('exportJson') }))),
    scheduled(),
    el('section', { class: 'panel' }, el('h2', { text: t('retention') }), form));
}

/** The schedule (`--backup-every`, `--backup-keep`) and the backups it left on the server. */
function scheduled() {
  const lead = el('p', { class: 'panel-lead', text: t('loading') });
  const body = el('tbody', {});
  const table = el('table', { class: 'table backups-table', hidden: true },
    el('caption', { class: 'sr-only', text: t('scheduledTitle') }),
    el('thead', {}, el('tr', {}, [t('colFile'), t('colTaken'), t('colSize')].map((x) => el('th', { scope: 'col', text: x })))), body);
  const panel = el('section', { class: 'panel' }, el('h2', { text: t('scheduledTitle') }), lead, table);
  agent.get('/api/admin/backups').then((r) => {
    lead.textContent = r.every_hours > 0
      ? t('scheduledOn', { hours: r.every_hours, keep: r.keep, dir: r.dir })
      : t('scheduledOff');
    for (const b of r.backups) {
      body.append(el('tr', {}, el('td', { text: b.name }), el('td', { text: fmtTime(b.created_at) }),
        el('td', { text: t('sizeMiB', { n: (b.bytes / 1048576).toFixed(1) }) })));
    }
    table.hidden = r.backups.length === 0;
    if (r.every_hours > 0 && r.backups.length === 0) lead.append(' ', t('scheduledNone'));
  }).catch((e) => { lead.textContent = problem(e, t('errLoad')); });
  return panel;
}

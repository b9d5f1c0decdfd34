// Data: download a backup of the live database, export conversations as JSON, and retention.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, header, problem, settingsForm, toast } from './dom.js';
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
    el('section', { class: 'panel' }, el('h2', { text: t('retention') }), form));
}

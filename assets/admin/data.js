// Data: download a backup of the live database, the scheduled backups on the server, export
// conversations as JSON, retention, and the limits on files people send in chats (issue 17: size,
// and the allowed types by what the bytes are).

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
    el('section', { class: 'panel' }, el('h2', { text: t('retention') }), form),
    files());
}

/** The types an admin may allow, in groups, in the server's order (`files::sniff::KINDS`). */
const GROUPS = [
  ['typeImages', ['image/png', 'image/jpeg', 'image/gif', 'image/webp']],
  ['typePdf', ['application/pdf']],
  ['typeText', ['text/plain']],
  ['typeOffice', ['application/msword', 'application/vnd.ms-excel', 'application/vnd.ms-powerpoint',
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'application/vnd.oasis.opendocument.text',
    'application/vnd.oasis.opendocument.spreadsheet', 'application/vnd.oasis.opendocument.presentation', 'application/rtf']],
  ['typeZip', ['application/zip']],
];
const ORDER = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', ...GROUPS[3][1], 'application/zip'];

/** Files: the size limit and the allowed types (a group of checkboxes bound to `file_types`). */
function files() {
  const size = control('max_file_mb', { type: 'number', min: 1, max: 100, label: t('maxFileMb'), hint: t('maxFileHint') });
  const boxes = GROUPS.map(([label, mimes]) => {
    const input = el('input', { type: 'checkbox' });
    return { input, mimes, el: el('label', { class: 'check-line' }, input, el('span', { text: t(label) })) };
  });
  const err = el('p', { class: 'field-error', role: 'alert' });
  const group = el('fieldset', { class: 'field', 'data-field': 'file_types' }, el('legend', { text: t('fileTypes') }),
    boxes.map((b) => b.el), el('span', { class: 'hint', text: t('fileTypesHint') }), err);
  const types = {
    key: 'file_types', el: group, input: boxes[0].input,
    get: () => ORDER.filter((m) => boxes.some((b) => b.input.checked && b.mimes.includes(m))),
    set: (v) => { for (const b of boxes) b.input.checked = b.mimes.some((m) => (v || []).includes(m)); },
    error: (m) => { err.textContent = m || ''; group.classList.toggle('invalid', !!m); },
  };
  const form = settingsForm([size, types]);
  form.append(size.el, group, form.bar);
  return el('section', { class: 'panel' }, el('h2', { text: t('filesTitle') }), el('p', { class: 'panel-lead', text: t('filesLead') }), form);
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

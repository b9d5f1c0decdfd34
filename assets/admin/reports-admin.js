// The admin's Reports section: the satisfaction survey's settings (off, stars or thumbs; tell the agent
// about a low rating) above everyone's reports (reports.js).

import { control, settingsForm } from './dom.js';
import { el } from '../shared/dom.js';
import { t } from './i18n.js';
import { drawReports } from './reports.js';

export function reports(view) {
  const mode = control('csat', { label: t('rpSurveyMode'), type: 'select',
    options: [['off', t('rpSurveyOff')], ['stars', t('rpSurveyStars')], ['thumbs', t('rpSurveyThumbs')]] });
  const low = control('csat_notify_low', { label: t('rpNotifyLow'), type: 'checkbox' });
  const form = settingsForm([mode, low]);
  form.append(el('section', { class: 'panel rp-survey' }, el('h2', { text: t('rpSurvey') }), el('p', { class: 'panel-lead', text: t('rpSurveyLead') }),
    el('div', { class: 'row' }, mode.el, low.el)), form.bar);
  return drawReports(view, { admin: true, extra: form });
}

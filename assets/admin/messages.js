// Messages: the widget's greeting, online and offline messages, the note after an offline visitor
// leaves an email, and the reply-time line; English and Portuguese (empty Portuguese = English).

import { el } from '../shared/dom.js';
import { control, header, settingsForm } from './dom.js';
import { t } from './i18n.js';
import { previewPane } from './preview.js';

/** Each text: its settings key, label, hint and control type. */
const fields = () => [
  ['greeting', t('fGreeting'), t('fGreetingHint'), 'textarea'],
  ['online_message', t('fOnline'), t('fOnlineHint'), 'textarea'],
  ['offline_message', t('fOffline'), t('fOfflineHint'), 'textarea'],
  ['email_saved_message', t('fEmailSaved'), t('fEmailSavedHint'), 'text'],
  ['reply_time', t('fReplyTime'), t('fReplyTimeHint'), 'text'],
];

export function messages(view) {
  const FIELDS = fields();
  const en = FIELDS.map(([k, label, hint, type]) => control(k, { label, hint, type, maxlength: type === 'text' ? (k === 'reply_time' ? 60 : 1000) : 1000 }));
  const pt = FIELDS.map(([k, label, , type]) => control(k + '_pt', { label, type, hint: t('ptFallback'), maxlength: k === 'reply_time' ? 60 : 1000 }));
  const langs = { en: el('div', { class: 'lang-pane', role: 'tabpanel', id: 'pane-en', 'aria-labelledby': 'tab-en' }, en.map((c) => c.el)),
    pt: el('div', { class: 'lang-pane', role: 'tabpanel', id: 'pane-pt', 'aria-labelledby': 'tab-pt', hidden: true }, pt.map((c) => c.el)) };
  const tabs = el('div', { class: 'tabs', role: 'tablist', 'aria-label': t('textLanguage') });
  // Each language is named in itself, whatever the page's language.
  for (const [code, name] of [['en', 'English'], ['pt', 'Português']]) {
    tabs.append(el('button', { type: 'button', role: 'tab', id: 'tab-' + code, lang: code, 'aria-controls': 'pane-' + code, 'aria-selected': code === 'en' ? 'true' : 'false', text: name,
      onclick: (e) => {
        for (const b of tabs.children) b.setAttribute('aria-selected', String(b === e.currentTarget));
        langs.en.hidden = code !== 'en';
        langs.pt.hidden = code !== 'pt';
      } }));
  }
  // Portuguese placeholders show the English text they fall back to.
  const syncPlaceholders = () => pt.forEach((c, i) => { c.input.placeholder = en[i].get(); });
  const preview = previewPane();
  const form = settingsForm([...en, ...pt], { onSaved: () => { syncPlaceholders(); preview.reload(); } });
  form.addEventListener('input', syncPlaceholders);
  queueMicrotask(syncPlaceholders);
  form.append(el('div', { class: 'panel' }, tabs, langs.en, langs.pt), form.bar);
  view.append(
    header(t('messagesTitle'), t('messagesLead')),
    el('div', { class: 'split' }, form, preview.el));
}

// Messages: the widget's greeting, online and offline messages, the note after an offline visitor
// leaves an email, and the reply-time line; English and Portuguese (empty Portuguese = English).

import { el } from '../shared/dom.js';
import { control, header, settingsForm, state } from './dom.js';
import { previewPane } from './preview.js';

const FIELDS = [
  ['greeting', 'Greeting', 'The first thing visitors read when they open the chat.', 'textarea'],
  ['online_message', 'Online message', 'Shown under the greeting while the help desk is online.', 'textarea'],
  ['offline_message', 'Offline message', 'Shown while the help desk is offline: say when you will answer.', 'textarea'],
  ['email_saved_message', 'After leaving an email', 'Shown when an offline visitor leaves their email. {email} is replaced by the address.', 'text'],
  ['reply_time', 'Expected reply time', 'The short line under the title while online, e.g. "Usually replies in a few minutes".', 'text'],
];

export function messages(view) {
  const en = FIELDS.map(([k, label, hint, type]) => control(k, { label, hint, type, maxlength: type === 'text' ? (k === 'reply_time' ? 60 : 1000) : 1000 }));
  const pt = FIELDS.map(([k, label, , type]) => control(k + '_pt', { label, type, hint: 'Empty: visitors reading Portuguese see the English text.', maxlength: k === 'reply_time' ? 60 : 1000 }));
  const langs = { en: el('div', { class: 'lang-pane', role: 'tabpanel', id: 'pane-en', 'aria-labelledby': 'tab-en' }, en.map((c) => c.el)),
    pt: el('div', { class: 'lang-pane', role: 'tabpanel', id: 'pane-pt', 'aria-labelledby': 'tab-pt', hidden: true }, pt.map((c) => c.el)) };
  const tabs = el('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Language' });
  for (const [code, name] of [['en', 'English'], ['pt', 'Português']]) {
    tabs.append(el('button', { type: 'button', role: 'tab', id: 'tab-' + code, 'aria-controls': 'pane-' + code, 'aria-selected': code === 'en' ? 'true' : 'false', text: name,
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
    header('Messages', 'What visitors read in the chat widget. Saved changes reach every open widget at once.'),
    el('div', { class: 'split' }, form, preview.el));
  void state;
}

// Widget: look and behaviour, allowed origins, identity verification, the install snippet.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, copy, header, problem, settingsForm, state, toast } from './dom.js';
import { t } from './i18n.js';
import { previewPane } from './preview.js';

/** Allowed origins as a one-per-line text area bound to the `allowed_origins` list. */
function originsControl() {
  const c = control('allowed_origins', { type: 'textarea', rows: 3, label: t('allowedSites'), placeholder: 'https://www.example.com', hint: t('allowedSitesHint') });
  const warn = el('p', { class: 'notice warn', text: t('anySite') });
  c.el.append(warn);
  const text = c.get;
  c.get = () => text().split('\n').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
  const set = c.set;
  c.set = (v) => { set((v || []).join('\n')); warn.hidden = (v || []).length > 0; };
  c.input.addEventListener('input', () => { warn.hidden = c.get().length > 0; });
  return c;
}

function colorControl() {
  const c = control('widget_color', { label: t('accentColour'), placeholder: '#4f46e5', maxlength: 7 });
  const picker = el('input', { type: 'color', 'aria-label': t('pickColour'), class: 'swatch',
    oninput: (e) => { c.input.value = e.target.value; c.input.dispatchEvent(new Event('input', { bubbles: true })); } });
  const row = el('div', { class: 'color-row' }, picker);
  c.input.replaceWith(row);
  row.append(c.input);
  const set = c.set;
  c.set = (v) => { set(v); if (/^#[0-9a-f]{6}$/i.test(v || '')) picker.value = v; };
  c.input.addEventListener('input', () => { if (/^#[0-9a-f]{6}$/i.test(c.input.value)) picker.value = c.input.value; });
  return c;
}

async function installCard() {
  const info = await agent.get('/api/admin/widget').catch(() => ({}));
  const snippet = info.snippet || '';
  return el('section', { class: 'panel' },
    el('h2', { text: t('install') }),
    el('p', { class: 'panel-lead', text: t('installLead') }),
    el('div', { class: 'code' }, el('code', { text: snippet }),
      el('button', { type: 'button', class: 'btn small', text: t('copy'), 'aria-label': t('copySnippet'), onclick: () => copy(snippet, t('snippetCopied')) })),
    el('p', {}, el('a', { href: '/widget/preview', target: '_blank', rel: 'noopener', text: t('seeSample') })));
}

function secretCard() {
  const box = el('section', { class: 'panel' });
  let shown = '';
  const draw = () => {
    const on = !!state.settings.identity_secret_set;
    const kids = [el('h2', { text: t('identity') }),
      el('p', { class: 'panel-lead', text: t('identityLead') }),
      el('p', { class: 'secret-state' }, el('span', { class: 'pill ' + (on ? 'ok' : 'muted'), text: on ? t('on') : t('off') }),
        el('span', { text: on ? t('secretSet') : t('notVerified') }))];
    if (shown) {
      kids.push(el('div', { class: 'code secret' }, el('code', { text: shown }),
        el('button', { type: 'button', class: 'btn small', text: t('copy'), 'aria-label': t('copySecret'), onclick: () => copy(shown, t('secretCopied')) })),
      el('p', { class: 'notice', text: t('copyNow') }));
    }
    const act = async (method, what) => {
      if (method === 'POST' && on && !confirm(t('confirmRotate'))) return;
      if (method === 'DELETE' && !confirm(t('confirmSecretOff'))) return;
      let r;
      try {
        r = await agent.request(method, '/api/admin/identity-secret', method === 'POST' ? {} : undefined);
      } catch (e) { toast(problem(e, t('errFailed')), 'warn'); return; }
      shown = r.identity_secret || '';
      state.settings.identity_secret_set = !!shown;
      toast(what);
      draw();
    };
    kids.push(el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'btn', text: on ? t('rotateSecret') : t('generateSecret'), onclick: () => act('POST', t('secretGenerated')) }),
      on ? el('button', { type: 'button', class: 'btn danger', text: t('turnOff'), onclick: () => act('DELETE', t('identityOff')) }) : null));
    box.replaceChildren(...kids);
  };
  draw();
  return box;
}

export async function widget(view) {
  const color = colorControl();
  const position = control('widget_position', { type: 'select', label: t('position'), options: [['right', t('bottomRight')], ['left', t('bottomLeft')]] });
  const title = control('widget_title', { label: t('title'), maxlength: 60, hint: t('titleHint') });
  const launcher = control('launcher_text', { label: t('launcher'), maxlength: 60, hint: t('launcherHint') });
  const prechat = control('prechat', { type: 'select', label: t('prechat'), options: [['off', t('prechatOff')], ['optional', t('prechatOptional')], ['required', t('prechatRequired')]] });
  const language = control('language', { type: 'select', label: t('widgetLanguage'), options: [['auto', t('langAuto')], ['en', t('langEn')], ['pt', t('langPt')]] });
  const sound = control('sound', { type: 'checkbox', label: t('sound'), hint: t('soundHint') });
  const origins = originsControl();
  const preview = previewPane();
  const form = settingsForm([color, position, title, launcher, prechat, language, sound, origins], { onSaved: preview.reload });
  form.append(
    el('section', { class: 'panel' }, el('h2', { text: t('look') }), el('div', { class: 'grid2' }, color.el, position.el, title.el, launcher.el)),
    el('section', { class: 'panel' }, el('h2', { text: t('behaviour') }), el('div', { class: 'grid2' }, prechat.el, language.el), sound.el),
    el('section', { class: 'panel' }, el('h2', { text: t('whereAppear') }), origins.el),
    form.bar);
  const left = el('div', { class: 'stack' }, form, await installCard(), secretCard());
  view.append(header(t('widgetTitle'), t('widgetLead')), el('div', { class: 'split' }, left, preview.el));
}

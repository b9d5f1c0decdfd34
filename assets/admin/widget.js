// Widget: look and behaviour, allowed origins, identity verification, the install snippet.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, copy, header, problem, settingsForm, state, toast } from './dom.js';
import { previewPane } from './preview.js';

/** Allowed origins as a one-per-line text area bound to the `allowed_origins` list. */
function originsControl() {
  const c = control('allowed_origins', { type: 'textarea', rows: 3, label: 'Allowed websites', placeholder: 'https://www.example.com',
    hint: 'One origin per line (scheme, host and port; no path). Only these sites may embed the widget.' });
  const warn = el('p', { class: 'notice warn', text: 'No websites listed: any website can embed your widget.' });
  c.el.append(warn);
  const text = c.get;
  c.get = () => text().split('\n').map((s) => s.trim().replace(/\/+$/, '')).filter(Boolean);
  const set = c.set;
  c.set = (v) => { set((v || []).join('\n')); warn.hidden = (v || []).length > 0; };
  c.input.addEventListener('input', () => { warn.hidden = c.get().length > 0; });
  return c;
}

function colorControl() {
  const c = control('widget_color', { label: 'Accent colour', placeholder: '#4f46e5', maxlength: 7 });
  const picker = el('input', { type: 'color', 'aria-label': 'Pick the accent colour', class: 'swatch',
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
    el('h2', { text: 'Install on your website' }),
    el('p', { class: 'panel-lead', text: 'Paste this tag into every page where the chat should appear, just before </body>.' }),
    el('div', { class: 'code' }, el('code', { text: snippet }),
      el('button', { type: 'button', class: 'btn small', text: 'Copy', onclick: () => copy(snippet, 'Snippet') })),
    el('p', {}, el('a', { href: '/widget/preview', target: '_blank', rel: 'noopener', text: 'See it on a sample page ↗' })));
}

function secretCard() {
  const box = el('section', { class: 'panel' });
  let shown = '';
  const draw = () => {
    const on = !!state.settings.identity_secret_set;
    const kids = [el('h2', { text: 'Identity verification' }),
      el('p', { class: 'panel-lead', text: 'When your site signs visitors in, it can prove who they are: your server sends user_hash = HMAC-SHA256(secret, user id). Keep the secret on your server.' }),
      el('p', { class: 'secret-state' }, el('span', { class: 'pill ' + (on ? 'ok' : 'muted'), text: on ? 'On' : 'Off' }),
        on ? ' A secret is set. It is shown only once, when generated.' : ' Visitors are not verified.')];
    if (shown) {
      kids.push(el('div', { class: 'code secret' }, el('code', { text: shown }), el('button', { type: 'button', class: 'btn small', text: 'Copy', onclick: () => copy(shown, 'Secret') })),
        el('p', { class: 'notice', text: 'Copy it now: it will not be shown again. The previous secret no longer works.' }));
    }
    const act = async (method, what) => {
      if (method === 'POST' && on && !confirm('Rotate the secret? Your site must switch to the new one: the old one stops working now.')) return;
      if (method === 'DELETE' && !confirm('Turn identity verification off?')) return;
      let r;
      try {
        r = await agent.request(method, '/api/admin/identity-secret', method === 'POST' ? {} : undefined);
      } catch (e) { toast(problem(e, 'Failed.'), 'warn'); return; }
      shown = r.identity_secret || '';
      state.settings.identity_secret_set = !!shown;
      toast(what);
      draw();
    };
    kids.push(el('div', { class: 'actions' },
      el('button', { type: 'button', class: 'btn', text: on ? 'Rotate secret' : 'Generate secret', onclick: () => act('POST', 'New secret generated.') }),
      on ? el('button', { type: 'button', class: 'btn danger', text: 'Turn off', onclick: () => act('DELETE', 'Identity verification is off.') }) : null));
    box.replaceChildren(...kids);
  };
  draw();
  return box;
}

export async function widget(view) {
  const color = colorControl();
  const position = control('widget_position', { type: 'select', label: 'Position', options: [['right', 'Bottom right'], ['left', 'Bottom left']] });
  const title = control('widget_title', { label: 'Title', maxlength: 60, hint: 'The chat window’s heading.' });
  const launcher = control('launcher_text', { label: 'Launcher text', maxlength: 60, hint: 'A label beside the chat button. Empty: the icon alone.' });
  const prechat = control('prechat', { type: 'select', label: 'Ask for name and email before the chat', options: [['off', 'No'], ['optional', 'Yes, optional'], ['required', 'Yes, email required']] });
  const language = control('language', { type: 'select', label: 'Language', options: [['auto', 'Follow the visitor’s browser'], ['en', 'Always English'], ['pt', 'Always Portuguese']] });
  const sound = control('sound', { type: 'checkbox', label: 'Play a sound for new replies', hint: 'Visitors can still mute it.' });
  const origins = originsControl();
  const preview = previewPane();
  const form = settingsForm([color, position, title, launcher, prechat, language, sound, origins], { onSaved: preview.reload });
  form.append(
    el('section', { class: 'panel' }, el('h2', { text: 'Look' }), el('div', { class: 'grid2' }, color.el, position.el, title.el, launcher.el)),
    el('section', { class: 'panel' }, el('h2', { text: 'Behaviour' }), el('div', { class: 'grid2' }, prechat.el, language.el), sound.el),
    el('section', { class: 'panel' }, el('h2', { text: 'Where it may appear' }), origins.el),
    form.bar);
  const left = el('div', { class: 'stack' }, form, await installCard(), secretCard());
  view.append(header('Widget', 'How the chat looks on your website, where it may appear, and how to install it.'), el('div', { class: 'split' }, left, preview.el));
}

// The admin pages' own helpers, built with the shared builder (../shared/dom.js; nothing is ever
// parsed as HTML): what the pages know, toasts, page and card headings, and settings controls and
// forms. Calls go through the agents' client (../shared/http.js).
import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { t } from './i18n.js';

export { ago, fmtTime } from './i18n.js';

export const state = { me: null, settings: null, status: null };

/** What to tell the admin about a failed call: the server's words, or `fallback`. */
export function problem(e, fallback) {
  return e.status === 0 ? t('errNetwork') : e.data.error || fallback;
}

let toastTimer = 0;
export function toast(text, kind) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.className = 'toast' + (kind ? ' ' + kind : '');
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}

/** Copy `text`; `done` is what the toast says then ("Invite link copied."). */
export async function copy(text, done) {
  try { await navigator.clipboard.writeText(text); toast(done); } catch { toast(t('copyByHand'), 'warn'); }
}

/** A page heading. */
export function header(title, lead) {
  return el('header', { class: 'page-head' }, el('h1', { text: title }), lead ? el('p', { class: 'lead', text: lead }) : null);
}

export function card(title, lead, ...body) {
  return el('section', { class: 'panel' },
    title ? el('h2', { text: title }) : null, lead ? el('p', { class: 'panel-lead', text: lead }) : null, ...body);
}

/** JSON with object keys sorted, to compare values whatever order the server sent them in. */
function canon(v) {
  return JSON.stringify(v, (_, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
}

let uid = 0;
/**
 * A labelled control bound to a settings key. `opts`: {label, hint, type: text|textarea|select|
 * checkbox|number|color, options: [[value, label]], placeholder, maxlength}. Returns {el, get, set,
 * error(msg)}; the wrapper carries data-field for error placement.
 */
export function control(key, opts) {
  const id = 'f-' + key + '-' + (++uid);
  let input;
  if (opts.type === 'textarea') input = el('textarea', { id, rows: opts.rows || 3, placeholder: opts.placeholder, maxlength: opts.maxlength });
  else if (opts.type === 'select') input = el('select', { id }, opts.options.map(([v, l]) => el('option', { value: v, text: l })));
  else input = el('input', { id, type: opts.type || 'text', placeholder: opts.placeholder, maxlength: opts.maxlength, min: opts.min, max: opts.max });
  const err = el('p', { class: 'field-error', role: 'alert' });
  const hint = opts.hint ? el('span', { class: 'hint', text: opts.hint }) : null;
  const box = opts.type === 'checkbox'
    ? el('div', { class: 'field check', 'data-field': key }, el('label', { for: id }, input, el('span', { text: opts.label })), hint, err)
    : el('div', { class: 'field', 'data-field': key }, el('label', { for: id, text: opts.label }), input, hint, err);
  const get = () => opts.type === 'checkbox' ? input.checked : opts.type === 'number' ? Number(input.value || 0) : input.value;
  const set = (v) => { if (opts.type === 'checkbox') input.checked = !!v; else input.value = v ?? ''; };
  return { key, el: box, input, get, set, error: (m) => { err.textContent = m || ''; box.classList.toggle('invalid', !!m); } };
}

/**
 * A settings form: the controls, and a save bar that PATCHes only what changed. A refused value
 * shows under its field (the server names it: "field: problem").
 */
export function settingsForm(controls, { onSaved, extra } = {}) {
  const byKey = new Map(controls.map((c) => [c.key, c]));
  const bar = el('div', { class: 'save-bar' });
  const msg = el('span', { class: 'save-msg', role: 'status' });
  const save = el('button', { class: 'btn primary', type: 'submit', text: t('saveChanges'), disabled: true });
  const reset = el('button', { class: 'btn', type: 'button', text: t('discard'), hidden: true });
  bar.append(msg, reset, save);
  const load = () => { for (const c of controls) c.set(state.settings[c.key]); for (const c of controls) c.error(''); dirty(); };
  const patch = () => {
    const p = {};
    for (const c of controls) if (canon(c.get()) !== canon(state.settings[c.key])) p[c.key] = c.get();
    Object.assign(p, extra ? extra() : {});
    return p;
  };
  const dirty = () => {
    const n = Object.keys(patch()).length;
    save.disabled = n === 0;
    reset.hidden = n === 0;
    msg.textContent = n === 0 ? '' : n === 1 ? t('unsavedOne') : t('unsavedN', { n });
  };
  const form = el('form', { class: 'settings-form', novalidate: true, oninput: dirty, onchange: dirty, onsubmit: async (e) => {
    e.preventDefault();
    for (const c of controls) c.error('');
    save.disabled = true;
    msg.textContent = t('saving');
    let r;
    try {
      r = await agent.patch('/api/settings', patch());
    } catch (err) {
      const text = problem(err, t('errSave', { status: err.status }));
      const key = text.split(':')[0];
      if (byKey.has(key)) { byKey.get(key).error(text.slice(key.length + 1).trim()); byKey.get(key).input.focus(); msg.textContent = t('fixField'); }
      else msg.textContent = text;
      save.disabled = false;
      return;
    }
    state.settings = r.settings;
    state.status = r.status;
    load();
    toast(t('saved'));
    if (onSaved) onSaved();
  } });
  reset.addEventListener('click', load);
  form.load = load;
  form.dirty = dirty;
  form.bar = bar;
  queueMicrotask(load);
  return form;
}

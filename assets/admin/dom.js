// Small DOM and API helpers for the admin pages. Everything is built with DOM calls and
// textContent; nothing is ever parsed as HTML.

/** `h('div', {class: 'x', text: 'y', onclick: fn}, child…)`. */
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') el.textContent = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (['value', 'checked', 'disabled', 'hidden', 'required', 'readOnly'].includes(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export const state = { me: null, csrf: '', settings: null, status: null };

/** JSON request with the session's CSRF token; resolves to `{status, data}`. */
export async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = state.csrf;
  let r;
  try {
    r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    return { status: 0, data: { error: 'Cannot reach the server. Check your connection and try again.' } };
  }
  if (r.status === 401) { location.href = '/login'; return { status: 401, data: {} }; }
  const data = await r.json().catch(() => ({}));
  return { status: r.status, data };
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

export async function copy(text, what) {
  try { await navigator.clipboard.writeText(text); toast(`${what} copied.`); } catch { toast('Select the text and copy it with Ctrl+C.', 'warn'); }
}

/** A page heading. */
export function header(title, lead) {
  return h('header', { class: 'page-head' }, h('h1', { text: title }), lead ? h('p', { class: 'lead', text: lead }) : null);
}

export function card(title, lead, ...body) {
  return h('section', { class: 'panel' },
    title ? h('h2', { text: title }) : null, lead ? h('p', { class: 'panel-lead', text: lead }) : null, ...body);
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
  if (opts.type === 'textarea') input = h('textarea', { id, rows: opts.rows || 3, placeholder: opts.placeholder, maxlength: opts.maxlength });
  else if (opts.type === 'select') input = h('select', { id }, opts.options.map(([v, l]) => h('option', { value: v, text: l })));
  else input = h('input', { id, type: opts.type || 'text', placeholder: opts.placeholder, maxlength: opts.maxlength, min: opts.min, max: opts.max });
  const err = h('p', { class: 'field-error', role: 'alert' });
  const hint = opts.hint ? h('span', { class: 'hint', text: opts.hint }) : null;
  const el = opts.type === 'checkbox'
    ? h('div', { class: 'field check', 'data-field': key }, h('label', { for: id }, input, h('span', { text: opts.label })), hint, err)
    : h('div', { class: 'field', 'data-field': key }, h('label', { for: id, text: opts.label }), input, hint, err);
  const get = () => opts.type === 'checkbox' ? input.checked : opts.type === 'number' ? Number(input.value || 0) : input.value;
  const set = (v) => { if (opts.type === 'checkbox') input.checked = !!v; else input.value = v ?? ''; };
  return { key, el, input, get, set, error: (m) => { err.textContent = m || ''; el.classList.toggle('invalid', !!m); } };
}

/**
 * A settings form: the controls, and a save bar that PATCHes only what changed. A refused value
 * shows under its field (the server names it: "field: problem").
 */
export function settingsForm(controls, { onSaved, extra } = {}) {
  const byKey = new Map(controls.map((c) => [c.key, c]));
  const bar = h('div', { class: 'save-bar' });
  const msg = h('span', { class: 'save-msg', role: 'status' });
  const save = h('button', { class: 'btn primary', type: 'submit', text: 'Save changes', disabled: true });
  const reset = h('button', { class: 'btn', type: 'button', text: 'Discard', hidden: true });
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
    msg.textContent = n ? `${n} unsaved change${n > 1 ? 's' : ''}` : '';
  };
  const form = h('form', { class: 'settings-form', novalidate: true, oninput: dirty, onchange: dirty, onsubmit: async (e) => {
    e.preventDefault();
    for (const c of controls) c.error('');
    save.disabled = true;
    msg.textContent = 'Saving…';
    const r = await api('PATCH', '/api/settings', patch());
    if (r.status === 200) {
      state.settings = r.data.settings;
      state.status = r.data.status;
      load();
      toast('Saved. Open widgets show it now.');
      if (onSaved) onSaved();
      return;
    }
    const text = r.data.error || `Could not save (${r.status}).`;
    const key = text.split(':')[0];
    if (byKey.has(key)) { byKey.get(key).error(text.slice(key.length + 1).trim()); byKey.get(key).input.focus(); msg.textContent = 'Fix the field marked in red.'; }
    else msg.textContent = text;
    save.disabled = false;
  } });
  reset.addEventListener('click', load);
  form.load = load;
  form.dirty = dirty;
  form.bar = bar;
  queueMicrotask(load);
  return form;
}

export function fmtTime(ms) {
  if (!ms) return '—';
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

export function ago(ms) {
  if (!ms) return 'Never';
  const s = Math.round((Date.now() - ms) / 1000);
  if (s < 60) return 'Just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 86400 * 14) return `${Math.round(s / 86400)} days ago`;
  return fmtTime(ms);
}

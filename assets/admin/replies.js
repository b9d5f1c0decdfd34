// Saved replies: the shared ones, which every agent can insert in a conversation (type / and the
// shortcut), with an optional Portuguese version. Add, edit and delete; every change reaches open
// Messengers at once (`replies.updated`) and is in the audit log. This page has no socket (an open
// socket counts its admin as online and available for chats), so it looks again every few seconds
// while it is on screen, and whenever the tab comes back.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { header, problem, toast } from './dom.js';
import { t } from './i18n.js';

const FIELDS = ['title', 'shortcut', 'body', 'title_pt', 'body_pt'];
const REFRESH_MS = 10_000;
let uid = 0;

export async function replies(view) {
  let editing = null; // the reply in the form, or null for a new one
  let known = []; // the shared replies last shown
  const f = {};
  const field = (key, label, input, hint) => {
    const id = `rp-${key}-${++uid}`;
    input.id = id;
    const err = el('p', { class: 'field-error', role: 'alert' });
    const hintEl = hint ? el('span', { class: 'hint', id: id + '-hint', text: hint }) : null;
    if (hint) input.setAttribute('aria-describedby', id + '-hint');
    const box = el('div', { class: 'field', 'data-field': key }, el('label', { for: id, text: label }), input, hintEl, err);
    f[key] = { input, error: (m) => { err.textContent = m || ''; box.classList.toggle('invalid', !!m); } };
    return box;
  };
  const shortcut = el('input', { type: 'text', maxlength: 33, autocomplete: 'off', spellcheck: 'false' });
  shortcut.addEventListener('input', () => {
    const v = shortcut.value.toLowerCase().replace(/^\//, '');
    if (v !== shortcut.value) shortcut.value = v;
  });
  const formTitle = el('h2');
  const save = el('button', { type: 'submit', class: 'btn primary' });
  const cancel = el('button', { type: 'button', class: 'btn', text: t('cancelEdit'), onclick: () => edit(null) });
  const note = el('p', { class: 'field-error', role: 'alert' });
  const ptBox = el('details', { class: 'alt reply-pt' }, el('summary', { text: t('replyPtVariant') }),
    el('p', { class: 'hint', text: t('replyPtHint') }),
    field('title_pt', t('fReplyTitlePt'), el('input', { type: 'text', maxlength: 100 })),
    field('body_pt', t('fReplyBodyPt'), el('textarea', { rows: 4 })));
  const form = el('form', { class: 'reply-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); submit(); } },
    el('div', { class: 'grid2' },
      field('title', t('fReplyTitle'), el('input', { type: 'text', maxlength: 100, required: true })),
      field('shortcut', t('fReplyShortcut'), shortcut, t('fReplyShortcutHint'))),
    field('body', t('fReplyBody'), el('textarea', { rows: 5, required: true }), t('fReplyBodyHint')),
    ptBox, note,
    el('div', { class: 'save-bar' }, cancel, save));
  const formPanel = el('section', { class: 'panel', 'aria-labelledby': 'rp-form-title' }, formTitle, form);
  formTitle.id = 'rp-form-title';
  const list = el('section', { class: 'panel table-panel', tabindex: '0', 'aria-label': t('sharedRepliesTable') });
  view.append(header(t('repliesTitle'), t('repliesLead')), formPanel, list);

  function edit(r) {
    editing = r;
    formTitle.textContent = r ? t('editSharedReply', { shortcut: r.shortcut }) : t('newSharedReply');
    save.textContent = t(r ? 'saveReply' : 'addReply');
    cancel.hidden = !r;
    note.textContent = '';
    for (const k of FIELDS) { f[k].input.value = r ? r[k] : ''; f[k].error(''); }
    ptBox.open = !!(r && (r.title_pt || r.body_pt));
    if (r) { formPanel.scrollIntoView({ block: 'nearest' }); f.title.input.focus(); }
  }

  async function submit() {
    for (const k of FIELDS) f[k].error('');
    note.textContent = '';
    const body = Object.fromEntries(FIELDS.map((k) => [k, f[k].input.value]));
    save.disabled = true;
    let r;
    try {
      r = editing ? await agent.patch(`/api/replies/${editing.id}`, body) : await agent.post('/api/replies', { scope: 'shared', ...body });
    } catch (e) {
      // The server names the field: "shortcut: /greet is already used by another shared reply; …".
      const text = problem(e, t('errSaveReply'));
      const key = /^(\w+):/.exec(text)?.[1];
      if (key && f[key]) {
        f[key].error(text.slice(key.length + 1).trim());
        if (key.endsWith('_pt')) ptBox.open = true;
        f[key].input.focus();
      } else note.textContent = text;
      return;
    } finally { save.disabled = false; }
    toast(t(editing ? 'replySaved' : 'replyAdded', { shortcut: r.reply.shortcut }));
    edit(null);
    await refresh();
  }

  async function remove(r) {
    if (!confirm(t('confirmDeleteReply', { shortcut: r.shortcut }))) return;
    try {
      await agent.del(`/api/replies/${r.id}`);
      toast(t('replyDeleted', { shortcut: r.shortcut }));
      if (editing?.id === r.id) edit(null);
    } catch (e) { toast(problem(e, t('errDeleteReply')), 'warn'); }
    await refresh();
  }

  function draw(shared) {
    known = shared;
    if (!shared.length) { list.replaceChildren(el('p', { class: 'empty muted', text: t('noSharedReplies') })); return; }
    // The focused button's successor gets the focus back after a redraw.
    const focused = list.contains(document.activeElement) ? document.activeElement.dataset.k : null;
    list.replaceChildren(el('table', { class: 'table replies-table' },
      el('thead', {}, el('tr', {}, [t('colShortcut'), t('colReplyTitle'), t('colReplyText'), t('colReplyPt')].map((x) => el('th', { scope: 'col', text: x })),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only', text: t('colActions') })))),
      el('tbody', {}, shared.map((r) => el('tr', {},
        el('td', {}, el('code', { class: 'shortcut', text: '/' + r.shortcut })),
        el('td', {}, el('strong', { text: r.title }), r.title_pt ? el('span', { class: 'muted block', lang: 'pt', text: r.title_pt }) : null),
        el('td', {}, el('div', { class: 'reply-text', text: r.body })),
        el('td', { class: 'center' }, r.body_pt ? el('span', { role: 'img', 'aria-label': t('replyHasPt'), title: t('replyHasPt'), text: '✓' }) : ''),
        el('td', { class: 'right nowrap' },
          el('button', { type: 'button', class: 'btn small', 'data-k': `e${r.id}`, 'aria-label': t('replyEditNamed', { shortcut: r.shortcut }), text: t('replyEdit'), onclick: () => edit(r) }),
          ' ',
          el('button', { type: 'button', class: 'btn small danger', 'data-k': `d${r.id}`, 'aria-label': t('replyDeleteNamed', { shortcut: r.shortcut }), text: t('replyDelete'), onclick: () => remove(r) })))))));
    if (focused) list.querySelector(`[data-k="${CSS.escape(focused)}"]`)?.focus();
  }

  async function refresh() {
    let r;
    try { r = await agent.get('/api/replies'); } catch (e) {
      if (!known.length) list.replaceChildren(el('p', { class: 'error', text: problem(e, t('errLoadReplies')) }));
      return;
    }
    const shared = r.replies.filter((x) => x.scope === 'shared');
    if (JSON.stringify(shared) !== JSON.stringify(known) || !list.firstChild) draw(shared);
    // The reply being edited was deleted elsewhere: the form starts over.
    if (editing && !shared.some((x) => x.id === editing.id)) edit(null);
  }

  // Looking again while the section is on screen; stops once another section replaced it.
  const timer = setInterval(() => {
    if (!view.isConnected) { clearInterval(timer); document.removeEventListener('visibilitychange', onVisible); return; }
    if (document.visibilityState === 'visible') refresh();
  }, REFRESH_MS);
  const onVisible = () => { if (view.isConnected && document.visibilityState === 'visible') refresh(); };
  document.addEventListener('visibilitychange', onVisible);

  edit(null);
  await refresh();
}

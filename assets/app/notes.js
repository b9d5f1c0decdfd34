// Private notes in the composer (issue 15): in a live chat the agent switches between a reply, which
// the customer reads, and a private note, which only the team sees (the Note button, or Alt+P). Note
// mode is drawn distinctly — a yellow composer with "Note — only your team sees this" — and so are
// notes in the timeline. The server keeps notes from the customer on every path; this module only
// decides what the agent is writing. Team chats are internal already: no Note button there.
import { el } from '../shared/dom.js';
import * as A from './actions.js';
import { icon } from './dom.js';
import { t } from './i18n.js';
import { S, changed } from './state.js';

/**
 * Whether each conversation's composer is in note mode, kept with its draft (localStorage): a note
 * typed before a reload must not come back as a reply the customer would read.
 */
const noteFor = new Map();
const key = (id) => `fd.note.${S.me.id}.${id}`;
let parts = null;

/** Whether the composer of conversation `id` writes a note now. */
export function isNote(id) {
  const c = S.convs.get(id);
  if (!c || c.kind !== 'live_chat') return false;
  if (!noteFor.has(id)) {
    let on = false;
    try { on = localStorage.getItem(key(id)) === '1'; } catch { /* private mode: this tab only */ }
    noteFor.set(id, on);
  }
  return noteFor.get(id);
}

export function setNote(id, on) {
  noteFor.set(id, on);
  try { if (on) localStorage.setItem(key(id), '1'); else localStorage.removeItem(key(id)); } catch { /* this tab only */ }
  changed();
}

/**
 * Build the composer's parts: the toggle (a button with aria-pressed) and the hint shown under the
 * box while writing a note. `input` is the composer's textarea (focused again after a switch).
 */
export function mount(input) {
  const btn = el('button', {
    type: 'button', class: 'note-toggle', 'aria-pressed': 'false', title: `${t('privateNote')} (Alt+P)`,
    onclick: () => { toggle(); input.focus(); },
  }, icon('lock', 15), el('span', {}, t('note')));
  const hint = el('p', { class: 'note-hint small', id: 'note-hint', hidden: true }, icon('lock', 13), t('noteHint'));
  parts = { btn, hint, input };
  return parts;
}

/** Switch the open conversation between reply and note; false when it has no note mode. */
export function toggle() {
  const c = S.convs.get(S.currentId);
  if (!c || c.kind !== 'live_chat') return false;
  // Whatever was being typed as a reply is not "typing" for the customer any more (and back).
  A.typing(c.id, false);
  setNote(c.id, !isNote(c.id));
  return true;
}

/**
 * Draw the composer for conversation `c`: the toggle's state, the yellow box, the placeholder, the
 * hint (the textarea's description while it is shown), the send button's name, the closed-chat line.
 */
export function update(c, { box, sendBtn, closedNote }) {
  if (!parts) return;
  const note = isNote(c.id);
  parts.btn.hidden = c.kind !== 'live_chat';
  parts.btn.setAttribute('aria-pressed', String(note));
  box.classList.toggle('note', note);
  parts.hint.hidden = !note;
  const placeholder = t(note ? 'notePlaceholder' : 'composer');
  if (parts.input.placeholder !== placeholder) {
    parts.input.placeholder = placeholder;
    parts.input.setAttribute('aria-label', placeholder);
  }
  if (note) parts.input.setAttribute('aria-describedby', 'note-hint');
  else parts.input.removeAttribute('aria-describedby');
  const send = t(note ? 'addNote' : 'send');
  sendBtn.setAttribute('aria-label', send);
  sendBtn.title = send;
  closedNote.textContent = t(note ? 'composerClosedNote' : 'composerClosed');
}

/** A note in the timeline says so in words, not only in colour (and to screen readers). */
export function label() {
  return el('span', { class: 'note-label' }, icon('lock', 12), t('privateNote'));
}

// Alt+P anywhere in the Messenger (Chatwoot's shortcut): reply <-> note, in the open live chat.
document.addEventListener('keydown', (e) => {
  if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.code !== 'KeyP') return;
  if (S.view !== 'conversations' || document.querySelector('dialog[open]')) return;
  if (!toggle()) return;
  e.preventDefault();
  parts?.input.focus();
});

// The cards under the conversation in the widget frame: the pre-chat form (name and email before the
// first message, when the admin asks for them), the question for an email while the help desk is
// away, and the thanks once it is left. Built with DOM calls and textContent, like frame.js.

import { el } from '../shared/dom.js';
import { store } from './chat.js';
import { fmt } from './i18n.js';

const session = {
  get: (k) => { try { return sessionStorage.getItem(k); } catch { return null; } },
  set: (k, v) => { try { sessionStorage.setItem(k, v); } catch { /* memory only */ } },
};
// The address the "Thanks! We'll reply to …" card is about, kept (next to the visitor's token) only
// while the help desk stays away: once it is back, live or by the next visit, the thanks no longer
// applies and is forgotten.
const THANKS_KEY = 'frontdesk.email-saved';

const validEmail = (e) => /^[^\s@]+@[^\s@]+$/.test(e) && e.length <= 254;

function field(label, type, value, autocomplete) {
  const id = 'fd-' + label.toLowerCase().replace(/\W+/g, '') + Math.random().toString(36).slice(2, 6);
  const input = el('input', { id, type, value: value || '', autocomplete, class: 'field' });
  return { input, el: el('div', { class: 'fld' }, el('label', { for: id, text: label }), input) };
}

export class Cards {
  /** `render()` draws the frame again; `focusInput()` puts the cursor in the composer. */
  constructor(chat, { render, focusInput }) {
    this.chat = chat;
    this.render = render;
    this.focusInput = focusInput;
    this.prechatDone = session.get('frontdesk.prechat') === 'done';
    this.prechat = null;
    this.ask = null;
    this.thanks = null;
    /** "Send me the transcript": the form while asked for, then the thanks (`sentTo`). */
    this.transcriptOpen = false;
    this.transcriptCard = null;
    this.sentTo = '';
  }

  /** The footer's "Send me the transcript" was pressed: the form (prefilled) under the conversation. */
  openTranscript() {
    this.transcriptOpen = true;
    this.sentTo = '';
    this.transcriptCard = null;
    this.render();
    this.transcriptCard?.querySelector('input')?.focus();
  }

  /** Whether the pre-chat form stands before the first message. */
  prechatNeeded() {
    const chat = this.chat;
    const mode = chat.helpdesk?.prechat || 'off';
    if (mode === 'off' || this.prechatDone) return false;
    if (chat.messages.size || chat.outbox.length) return false;
    return !(chat.customer?.email || chat.identity.email || chat.customer?.verified);
  }

  /** The cards to show now, in the widget's words `t` and the admin's `texts` (frame.js). */
  list(t, texts) {
    const chat = this.chat;
    const cards = [];
    if (this.prechatNeeded()) cards.push(this.prechat ??= this.prechatForm(t));
    else this.prechat = null;
    const offline = chat.helpdesk && !chat.helpdesk.online;
    const wrote = chat.outbox.length || [...chat.messages.values()].some((m) => m.author?.kind === 'customer');
    const email = chat.customer?.email || chat.identity.email;
    if (chat.helpdesk?.online) store.removeItem(THANKS_KEY);
    const thanksFor = store.getItem(THANKS_KEY);
    if (offline && thanksFor && thanksFor === email) {
      const text = fmt(texts.email_saved_message || t.emailSaved, { email });
      if (this.thanks?.dataset.text !== text) {
        this.thanks = el('div', { class: 'card thanks' }, el('p', { class: 'saved', text }));
        this.thanks.dataset.text = text;
      }
      cards.push(this.thanks);
    } else if (offline && wrote && !email) {
      cards.push(this.ask ??= this.askForm(t));
    } else {
      this.ask = null;
    }
    if (this.transcriptOpen) cards.push(this.transcriptCard ??= this.transcriptForm(t));
    return cards;
  }

  prechatForm(t) {
    const chat = this.chat;
    const mode = chat.helpdesk?.prechat;
    const name = field(t.name, 'text', chat.identity.name || '', 'name');
    const email = field(t.email, 'email', '', 'email');
    const err = el('p', { class: 'card-error', role: 'alert' });
    const done = () => {
      this.prechatDone = true;
      session.set('frontdesk.prechat', 'done');
      this.prechat = null;
      this.render();
      this.focusInput();
    };
    return el('form', { class: 'card prechat', onsubmit: async (e) => {
      e.preventDefault();
      const n = name.input.value.trim(), em = email.input.value.trim();
      if (mode === 'required' && !em) { err.textContent = t.needEmail; email.input.focus(); return; }
      if (em && !validEmail(em)) { err.textContent = t.badEmail; email.input.focus(); return; }
      const fields = {};
      if (n) fields.name = n;
      if (em) fields.email = em;
      try { await chat.profile(fields); } catch (e) { err.textContent = e.data?.error || t.error; return; }
      done();
    } },
    el('h2', { text: t.prechatTitle }), el('p', { text: mode === 'required' ? t.prechatRequired : t.prechatOptional }),
    name.el, email.el, err,
    el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', text: t.start }),
      mode === 'optional' ? el('button', { type: 'button', class: 'link', onclick: done, text: t.skip }) : null));
  }

  transcriptForm(t) {
    if (this.sentTo) {
      const close = () => { this.transcriptOpen = false; this.transcriptCard = null; this.render(); this.focusInput(); };
      return el('div', { class: 'card thanks', role: 'status' }, el('p', { class: 'saved', text: fmt(t.transcriptSent, { email: this.sentTo }) }),
        el('div', { class: 'actions' }, el('button', { type: 'button', class: 'link', onclick: close, text: 'OK' })));
    }
    const email = field(t.email, 'email', this.chat.customer?.email || this.chat.identity.email || '', 'email');
    const err = el('p', { class: 'card-error', role: 'alert' });
    const cancel = () => { this.transcriptOpen = false; this.transcriptCard = null; this.render(); this.focusInput(); };
    const lead = 'fd-tr-' + Math.random().toString(36).slice(2, 8);
    return el('form', { class: 'card transcript', 'aria-labelledby': lead, onsubmit: async (e) => {
      e.preventDefault();
      const em = email.input.value.trim();
      if (!validEmail(em)) { err.textContent = t.badEmail; email.input.focus(); return; }
      try { await this.chat.transcript(em); } catch (e) { err.textContent = e.data?.error || t.error; return; }
      this.sentTo = em;
      this.transcriptCard = null;
      this.render();
    } }, el('p', { id: lead, text: t.transcriptTo }), el('div', { class: 'inline' }, email.el, el('button', { type: 'submit', class: 'primary', text: t.transcriptSend })), err,
    el('div', { class: 'actions' }, el('button', { type: 'button', class: 'link', onclick: cancel, text: t.cancel })));
  }

  askForm(t) {
    const email = field(t.email, 'email', '', 'email');
    const err = el('p', { class: 'card-error', role: 'alert' });
    return el('form', { class: 'card ask', onsubmit: async (e) => {
      e.preventDefault();
      const em = email.input.value.trim();
      if (!validEmail(em)) { err.textContent = t.badEmail; email.input.focus(); return; }
      try { await this.chat.profile({ email: em }); } catch (e) { err.textContent = e.data?.error || t.error; return; }
      store.setItem(THANKS_KEY, this.chat.customer?.email || em);
      this.ask = null;
      this.render();
    } }, el('p', { text: this.chat.helpdesk?.email === false ? t.emailAskNoMail : t.emailAsk }),
    el('div', { class: 'inline' }, email.el, el('button', { type: 'submit', class: 'primary', text: t.emailSave })), err);
  }
}

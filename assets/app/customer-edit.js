// The customer's record in the customer panel (issue 15): their phone and note, and the form that
// corrects name, email, phone and note (PATCH /api/customers/:id). A change another agent makes
// arrives as `customer.updated` and is applied everywhere the name shows (list rows, header,
// messages, the panel). Also the customer's read mark (`conversation.seen`): "Seen" under my messages.
import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import * as A from './actions.js';
import { icon } from './dom.js';
import { t } from './i18n.js';
import { S, changed } from './state.js';

const NOTE_BYTES = 4096;

export function mount() {
  A.eventHooks.push(onEvent);
}

function onEvent(ev) {
  const d = ev.data || {};
  if (ev.type === 'customer.updated' && d.customer) applyCustomer(d.customer);
  else if (ev.type === 'conversation.seen') {
    const c = S.convs.get(d.conversation_id);
    if (c && d.seq > (c.customer_seen_seq || 0)) { c.customer_seen_seq = d.seq; changed(); }
  }
}

/** A customer as the server now has them: their name wherever it shows. */
export function applyCustomer(cu) {
  for (const c of S.convs.values()) if (c.customer_id === cu.id) c.customer_name = cu.name;
  for (const d of S.details.values()) if (d.customer?.id === cu.id) d.customer = cu;
  for (const tr of S.msgs.values()) {
    tr.items = tr.items.map((m) => (m.author.kind === 'customer' && m.author.id === cu.id ? { ...m, author: { ...m.author, name: cu.name } } : m));
  }
  const p = S.panel;
  if (p?.kind === 'customer' && p.id === cu.id && p.data) p.data = { ...p.data, customer: cu };
  changed();
}

/** What decides whether the panel must be drawn again for this part. */
export const sig = (p) => (p.form ? `edit:${p.form.dataset.v}` : 'view');

/** The record part of customer panel `p`: phone, note and an Edit button; or the form. */
export function section(p) {
  const cu = p.data.customer;
  if (p.form) return [p.form];
  const out = [];
  if (cu.phone) out.push(el('div', { class: 'kv' }, el('dt', {}, t('customerPhone')), el('dd', {}, el('a', { href: `tel:${cu.phone.replace(/[^\d+]/g, '')}` }, cu.phone))));
  if (cu.note) out.push(el('div', { class: 'kv' }, el('dt', {}, t('customerNote')), el('dd', { class: 'note-text' }, cu.note)));
  return [
    out.length ? el('dl', { class: 'kvs cust-record' }, out) : null,
    el('button', { type: 'button', class: 'btn small cust-edit', 'data-k': 'cust-edit', onclick: () => startEdit(p) }, icon('edit', 14), t('customerEdit')),
  ];
}

function field(key, label, control, hint) {
  const err = el('p', { class: 'field-error', id: `cust-${key}-err`, role: 'alert' });
  control.id = `cust-${key}`;
  control.dataset.k = `cust-${key}`;
  control.setAttribute('aria-describedby', hint ? `cust-${key}-hint cust-${key}-err` : `cust-${key}-err`);
  return {
    node: el('div', { class: 'field' }, el('label', { for: control.id }, label), control,
      hint ? el('span', { class: 'hint', id: `cust-${key}-hint` }, hint) : null, err),
    control,
    error: (m) => { err.textContent = m || ''; control.setAttribute('aria-invalid', m ? 'true' : 'false'); },
  };
}

function startEdit(p) {
  const cu = p.data.customer;
  const name = field('name', t('customerName'), el('input', { type: 'text', value: cu.name, maxlength: '80', required: true, autocomplete: 'off' }));
  const email = field('email', t('customerEmail'), el('input', { type: 'email', value: cu.email || '', maxlength: '254', autocomplete: 'off' }));
  const phone = field('phone', t('customerPhone'), el('input', { type: 'tel', value: cu.phone || '', maxlength: '40', autocomplete: 'off' }));
  const note = field('note', t('customerNote'), el('textarea', { rows: '4', value: cu.note || '' }), t('customerNoteHint'));
  const fields = { name, email, phone, note };
  const failed = el('p', { class: 'error', role: 'alert' });
  const save = el('button', { type: 'submit', class: 'btn small primary' }, t('save'));
  const form = el('form', { class: 'cust-form', 'aria-label': t('customerEditTitle'), novalidate: true },
    el('h4', { class: 'group-title' }, t('customerEditTitle')),
    name.node, email.node, phone.node, note.node, failed,
    el('div', { class: 'editor-actions' },
      el('button', { type: 'button', class: 'btn small', 'data-k': 'cust-cancel', onclick: () => stopEdit(p, true) }, t('cancel')), save));
  form.dataset.v = '0';
  form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { e.preventDefault(); e.stopPropagation(); stopEdit(p, true); } });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const f of Object.values(fields)) f.error('');
    failed.textContent = '';
    if (!name.control.value.trim()) { name.error(t('customerNameNeeded')); name.control.focus(); return; }
    if (new TextEncoder().encode(note.control.value).length > NOTE_BYTES) { note.error(t('customerNoteTooLong')); note.control.focus(); return; }
    save.disabled = true;
    try {
      const r = await agent.patch(`/api/customers/${cu.id}`, {
        name: name.control.value, email: email.control.value, phone: phone.control.value, note: note.control.value,
      });
      stopEdit(p, false);
      applyCustomer(r.customer);
      A.ui.toast(t('customerSaved'));
    } catch (err) {
      save.disabled = false;
      // The server names the field it refused: "phone: at most 40 …".
      const [key, ...rest] = String(err.message).split(':');
      const said = rest.join(':').trim();
      if (fields[key] && said) { fields[key].error(said[0].toUpperCase() + said.slice(1)); fields[key].control.focus(); }
      else failed.textContent = err.status === 0 ? t('errorGeneric') : err.message;
    }
  });
  p.form = form;
  changed();
  requestAnimationFrame(() => name.control.focus());
}

function stopEdit(p, refocus) {
  p.form = null;
  changed();
  if (refocus) requestAnimationFrame(() => document.querySelector('[data-k="cust-edit"]')?.focus());
}

// Email (issue 16): the SMTP server mails go out through and the mailbox replies come back from (each
// locked when the server's environment sets it), what is mailed and when, a test mail that shows the
// server's own answer, deliveries that failed (with the reason and Retry), and replies by mail from
// another address than the customer's, held for an agent.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { control, fmtTime, header, problem, settingsForm, state, toast } from './dom.js';
import { t } from './i18n.js';

const SECURITY = () => [['starttls', t('secStarttls')], ['tls', t('secTls')], ['none', t('secNone')]];

/** A write-only password field: empty means "keep the one set"; only what is typed is sent. */
function password(key, label, isSet) {
  const id = 'f-' + key;
  const input = el('input', { id, type: 'password', autocomplete: 'new-password', placeholder: isSet ? t('pwKeep') : '' });
  const hint = el('span', { class: 'hint', text: isSet ? t('pwSetHint') : t('pwHint') });
  const err = el('p', { class: 'field-error', role: 'alert' });
  return { key, input, el: el('div', { class: 'field', 'data-field': key }, el('label', { for: id, text: label }), input, hint, err),
    extra: () => (input.value ? { [key]: input.value } : {}), clear: () => { input.value = ''; } };
}

function lockedNote(env, name) {
  const where = env ? `${env.host}:${env.port} (${env.security})${env.user ? ', ' + env.user : ''}` : '';
  return el('p', { class: 'notice', text: t('lockedBy', { name, where }) });
}

function serverForm(kind, info) {
  const s = kind === 'smtp';
  const locked = info.locked[kind];
  const fields = [
    control(kind + '_host', { label: t('fHost'), placeholder: s ? 'smtp.example.com' : 'imap.example.com', maxlength: 253 }),
    control(kind + '_port', { type: 'number', min: 1, max: 65535, label: t('fPort') }),
    control(kind + '_security', { type: 'select', label: t('fSecurity'), options: SECURITY() }),
    control(kind + '_user', { label: t('fUser'), maxlength: 200 }),
  ];
  if (!s) fields.push(control('imap_folder', { label: t('fFolder'), maxlength: 200 }));
  const pw = password(kind + '_password', t('fPassword'), info[kind + '_password_set']);
  const form = settingsForm(fields, { extra: pw.extra, onSaved: () => { pw.clear(); form.dirty(); } });
  pw.input.addEventListener('input', () => form.dirty());
  if (locked) for (const f of fields) f.input.disabled = true;
  if (locked) pw.input.disabled = true;
  form.append(el('div', { class: 'grid2' }, ...fields.map((f) => f.el), pw.el), locked ? lockedNote(info.env[kind], s ? 'FRONTDESK_SMTP_URL' : 'FRONTDESK_IMAP_URL') : form.bar);
  return form;
}

export async function email(view) {
  let d;
  try { d = await agent.get('/api/admin/email'); } catch (e) { view.append(el('p', { class: 'error', text: problem(e, t('errLoadEmail')) })); return; }
  const info = d.email;
  const status = el('p', { class: 'notice' + (info.enabled ? '' : ' warn'), role: 'status', text: info.enabled ? t('emailOn') : t('emailOff') });

  const senderFields = [
    control('mail_from', { type: 'email', label: t('fFrom'), hint: t('fFromHint'), placeholder: 'support@example.com', maxlength: 254 }),
    control('mail_from_name', { label: t('fFromName'), hint: t('fFromNameHint'), maxlength: 200 }),
  ];
  const sender = settingsForm(senderFields);
  sender.append(el('div', { class: 'grid2' }, ...senderFields.map((f) => f.el)), sender.bar);

  const to = el('input', { id: 'f-test-to', type: 'email', value: state.me.user.email, autocomplete: 'email' });
  const answer = el('p', { class: 'test-answer', role: 'status' });
  const send = el('button', { type: 'submit', class: 'btn', text: t('sendTest') });
  const test = el('form', { class: 'test-mail', onsubmit: async (e) => {
    e.preventDefault();
    send.disabled = true;
    answer.className = 'test-answer';
    answer.textContent = t('testSending');
    try {
      const r = await agent.post('/api/admin/email/test', { to: to.value.trim() });
      answer.textContent = r.ok ? t('testOk', { answer: r.answer }) : t('testFailed', { error: r.error });
      answer.className = 'test-answer ' + (r.ok ? 'ok' : 'bad');
    } catch (err) { answer.textContent = problem(err, t('errFailed')); answer.className = 'test-answer bad'; }
    send.disabled = false;
  } }, el('div', { class: 'field' }, el('label', { for: 'f-test-to', text: t('testTo') }), el('div', { class: 'inline-row' }, to, send)), answer);

  const when = [
    control('email_delay_minutes', { type: 'number', min: 0, max: 1440, label: t('fDelay'), hint: info.locked.email_delay ? t('fDelayLocked') : t('fDelayHint') }),
    control('alert_waiting_minutes', { type: 'number', min: 0, max: 1440, label: t('fWaiting'), hint: t('fWaitingHint') }),
  ];
  const website = control('website_url', { type: 'url', label: t('fWebsite'), hint: t('fWebsiteHint'), placeholder: 'https://www.example.com/help', maxlength: 2000 });
  const mentions = control('mail_mentions', { type: 'checkbox', label: t('fMentions'), hint: t('fMentionsHint') });
  const behaviour = settingsForm([...when, website, mentions]);
  behaviour.append(el('div', { class: 'grid2' }, ...when.map((f) => f.el)), website.el, mentions.el, behaviour.bar);

  view.append(
    header(t('emailTitle'), t('emailLead')),
    status,
    el('section', { class: 'panel' }, el('h2', { text: t('sending') }), el('p', { class: 'panel-lead', text: t('sendingLead') }), serverForm('smtp', info)),
    el('section', { class: 'panel' }, el('h2', { text: t('sender') }), sender),
    el('section', { class: 'panel' }, el('h2', { text: t('testTitle') }), el('p', { class: 'panel-lead', text: t('testLead') }), test),
    el('section', { class: 'panel' }, el('h2', { text: t('receiving') }), el('p', { class: 'panel-lead', text: t('receivingLead') }), serverForm('imap', info)),
    el('section', { class: 'panel' }, el('h2', { text: t('whatIsSent') }), behaviour),
    failures(d.outbox), held(d.held));
}

function failures(outbox) {
  const box = el('section', { class: 'panel table-panel', 'aria-labelledby': 'failed-h' });
  const head = el('div', { class: 'table-head' }, el('h2', { id: 'failed-h', text: t('failedTitle') }),
    el('p', { class: 'panel-lead', text: t('failedLead', { sent: outbox.counts.sent || 0, queued: (outbox.counts.queued || 0) + (outbox.counts.sending || 0) }) }));
  if (!outbox.failed.length) { box.append(head, el('p', { class: 'empty', text: t('noFailures') })); return box; }
  const rows = outbox.failed.map((f) => {
    const retry = el('button', { type: 'button', class: 'btn small', text: t('retry'), 'aria-label': t('retryTo', { to: f.to || '' }), onclick: async () => {
      retry.disabled = true;
      try { await agent.post(`/api/admin/outbox/${f.id}/retry`, {}); toast(t('retrying', { to: f.to || '' })); row.remove(); } catch (e) { toast(problem(e, t('errFailed')), 'warn'); retry.disabled = false; }
    } });
    const row = el('tr', {}, el('td', { text: f.to || '—' }), el('td', { text: f.subject || f.cause }), el('td', { class: 'detail', text: f.last_error }),
      el('td', { class: 'muted', text: fmtTime(f.created_at) }), el('td', { class: 'right' }, retry));
    return row;
  });
  box.append(head, el('table', { class: 'table' },
    el('thead', {}, el('tr', {}, ...[t('colTo'), t('colSubject'), t('colReason'), t('colQueued'), t('colAction')].map((h) => el('th', { scope: 'col', text: h })))),
    el('tbody', {}, ...rows)));
  return box;
}

function held(list) {
  const box = el('section', { class: 'panel', 'aria-labelledby': 'held-h' }, el('h2', { id: 'held-h', text: t('heldTitle') }), el('p', { class: 'panel-lead', text: t('heldLead') }));
  if (!list.length) { box.append(el('p', { class: 'empty', text: t('noHeld') })); return box; }
  for (const h of list) {
    const decide = (accept) => async () => {
      try { await agent.post(`/api/mail/held/${h.id}/${accept ? 'accept' : 'reject'}`, {}); toast(accept ? t('heldAccepted') : t('heldRejected')); item.remove(); } catch (e) { toast(problem(e, t('errFailed')), 'warn'); }
    };
    const item = el('article', { class: 'held' },
      el('p', { class: 'held-from', text: t('heldFrom', { from: h.from_addr, id: h.conversation_id, when: fmtTime(h.received_at) }) }),
      el('blockquote', { text: h.body }),
      el('div', { class: 'actions' }, el('button', { type: 'button', class: 'btn small primary', text: t('heldAccept'), onclick: decide(true) }),
        el('button', { type: 'button', class: 'btn small', text: t('heldReject'), onclick: decide(false) })));
    box.append(item);
  }
  return box;
}

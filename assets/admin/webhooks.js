// Webhooks (issue 19 B): the endpoints Frontdesk POSTs the desk's events to (docs/webhooks.md). Add or
// edit one (URL, description, events, internal, enabled; a refused URL says why next to the form), its
// secret shown once on creation and on Rotate secret, Send test event with the receiver's answer, the
// delivery log (Retry on a failed delivery), Delete, and the "private networks" setting.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { t } from './i18n.js';
import { control, copy, fmtTime, header, problem, settingsForm, toast } from './dom.js';
// The words register themselves with the shared table on import; re-exported for the i18n test's map.
export { words } from './webhooks-words.js';

/** A status for people: "200", or "no answer". */
const statusText = (s) => (s === null || s === undefined ? t('whNoAnswer') : String(s));

/** Why an attempt failed: the server's words ("500: not a 2xx answer", "connection refused") and the answer's start. */
const why = (d) => [d.error || statusText(d.status), d.excerpt].filter(Boolean).join(' — ');

export async function webhooks(view) {
  let data;
  const list = el('div', { class: 'wh-list' });
  const secretBox = el('div', { class: 'wh-secret', role: 'region', tabindex: '-1', hidden: true });

  const refresh = async () => {
    try { data = await agent.get('/api/webhooks'); } catch (e) { list.replaceChildren(el('p', { class: 'error', role: 'alert', text: problem(e, t('errLoadWebhooks')) })); return; }
    list.replaceChildren(...(data.webhooks.length ? data.webhooks.map(card) : [el('p', { class: 'panel empty', text: t('whNone') })]));
  };

  /** The secret, shown this once, with Copy and the warning. */
  const showSecret = (url, secret) => {
    const title = t('whSecretTitle', { url });
    secretBox.setAttribute('aria-label', title);
    secretBox.replaceChildren(
      el('h2', { text: title }),
      el('p', { class: 'notice warn', text: t('whSecretWarn') }),
      el('div', { class: 'code' }, el('code', { class: 'wh-secret-value', text: secret }),
        el('button', { type: 'button', class: 'btn small primary', text: t('whCopySecret'), onclick: () => copy(secret, t('whSecretCopied')) })),
      el('button', { type: 'button', class: 'btn small', text: t('whHideSecret'), onclick: () => { secretBox.hidden = true; secretBox.replaceChildren(); } }));
    secretBox.hidden = false;
    secretBox.focus();
  };

  // The add / edit form.
  const url = el('input', { id: 'wh-url', type: 'url', required: true, maxlength: '2000', autocomplete: 'off', placeholder: 'https://example.com/hooks/frontdesk', 'aria-describedby': 'wh-url-hint' });
  const desc = el('input', { id: 'wh-desc', type: 'text', maxlength: '200', autocomplete: 'off', 'aria-describedby': 'wh-desc-hint' });
  const internal = el('input', { id: 'wh-internal', type: 'checkbox', 'aria-describedby': 'wh-internal-hint' });
  const enabled = el('input', { id: 'wh-enabled', type: 'checkbox', checked: true });
  const eventsBox = el('fieldset', { class: 'field wh-events' });
  const err = el('p', { class: 'field-error wh-form-error', role: 'alert' });
  const formTitle = el('h2', { id: 'wh-form-h', text: t('whNew') });
  const submit = el('button', { type: 'submit', class: 'btn primary', text: t('whAdd') });
  const cancel = el('button', { type: 'button', class: 'btn', text: t('cancel'), hidden: true, onclick: () => edit(null) });
  let editing = null;
  let boxes = [];
  const drawEvents = (chosen) => {
    boxes = data.events.filter((e) => e !== 'ping').map((name) => el('input', { type: 'checkbox', value: name, checked: chosen.includes(name) }));
    eventsBox.replaceChildren(el('legend', { text: t('whEvents') }), el('span', { class: 'hint', text: t('whEventsHint') }),
      el('div', { class: 'wh-event-grid' }, boxes.map((b) => el('label', { class: 'check-line' }, b, el('span', { class: 'mono', text: b.value })))));
  };
  const edit = (w) => {
    editing = w;
    err.textContent = '';
    url.value = w ? w.url : '';
    desc.value = w ? w.description || '' : '';
    internal.checked = w ? w.internal : false;
    enabled.checked = w ? w.enabled : true;
    drawEvents(w ? w.events : data.events.filter((e) => e !== 'ping'));
    formTitle.textContent = w ? t('whEditing', { url: w.url }) : t('whNew');
    submit.textContent = w ? t('whSave') : t('whAdd');
    cancel.hidden = !w;
    if (w) { form.scrollIntoView({ block: 'start' }); url.focus(); }
  };
  const form = el('form', { class: 'panel wh-form', novalidate: true, 'aria-labelledby': 'wh-form-h', onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    const body = { url: url.value.trim(), description: desc.value.trim(), events: boxes.filter((b) => b.checked).map((b) => b.value),
      internal: internal.checked, enabled: enabled.checked };
    submit.disabled = true;
    try {
      if (editing) { await agent.patch(`/api/webhooks/${editing.id}`, body); toast(t('whSaved')); } else {
        const r = await agent.post('/api/webhooks', body);
        toast(t('whAdded'));
        showSecret(r.webhook.url, r.secret);
      }
    } catch (ex) { err.textContent = problem(ex, t('errFailed')); submit.disabled = false; url.focus(); return; }
    submit.disabled = false;
    await refresh();
    edit(null);
  } },
  formTitle, el('p', { class: 'panel-lead', text: t('whNewLead') }),
  el('div', { class: 'grid2' },
    el('div', { class: 'field' }, el('label', { for: 'wh-url', text: t('whUrl') }), url, el('span', { class: 'hint', id: 'wh-url-hint', text: t('whUrlHint') })),
    el('div', { class: 'field' }, el('label', { for: 'wh-desc', text: t('whDescription') }), desc, el('span', { class: 'hint', id: 'wh-desc-hint', text: t('whDescriptionHint') }))),
  eventsBox,
  el('div', { class: 'field check' }, el('label', { for: 'wh-internal' }, internal, el('span', { text: t('whInternal') })), el('span', { class: 'hint', id: 'wh-internal-hint', text: t('whInternalHint') })),
  el('div', { class: 'field check' }, el('label', { for: 'wh-enabled' }, enabled, el('span', { text: t('whEnabled') }))),
  err, el('div', { class: 'actions' }, submit, cancel));

  /** One endpoint: what it is, how it fares, its actions and its log. */
  const card = (w) => {
    const answer = el('p', { class: 'test-answer', role: 'status' });
    const log = el('div', { class: 'wh-log' });
    const details = el('details', { class: 'wh-details' }, el('summary', { text: t('whLog'), 'aria-label': t('whLogOf', { url: w.url }) }), log);
    const loadLog = async () => {
      log.replaceChildren(el('p', { class: 'muted', text: t('whLogLoading') }));
      let r;
      try { r = await agent.get(`/api/webhooks/${w.id}/deliveries`); } catch (e) { log.replaceChildren(el('p', { class: 'error', text: problem(e, t('errLoad')) })); return; }
      log.replaceChildren(deliveries(r.deliveries, loadLog));
    };
    details.addEventListener('toggle', () => { if (details.open) loadLog(); });
    const test = el('button', { type: 'button', class: 'btn small', text: t('whTest'), 'aria-label': t('whTestOf', { url: w.url }), onclick: async () => {
      test.disabled = true;
      answer.className = 'test-answer';
      answer.textContent = t('whTesting');
      try {
        const r = await agent.post(`/api/webhooks/${w.id}/test`, {});
        const d = r.delivery;
        answer.textContent = r.ok ? t('whTestOk', { status: statusText(d.status), ms: d.duration_ms }) : t('whTestBad', { why: d ? why(d) : r.error || '' });
        answer.className = 'test-answer ' + (r.ok ? 'ok' : 'bad');
        if (d) lastDd.textContent = t('whLastAt', { when: fmtTime(d.at), status: statusText(d.status) });
      } catch (e) { answer.textContent = problem(e, t('errFailed')); answer.className = 'test-answer bad'; }
      test.disabled = false;
      if (details.open) loadLog(); else details.open = true;
    } });
    const rotate = el('button', { type: 'button', class: 'btn small', text: t('whRotate'), 'aria-label': t('whRotateOf', { url: w.url }), onclick: async () => {
      if (!confirm(t('whConfirmRotate', { url: w.url }))) return;
      try { const r = await agent.post(`/api/webhooks/${w.id}/rotate-secret`, {}); showSecret(w.url, r.secret); } catch (e) { toast(problem(e, t('errFailed')), 'warn'); }
    } });
    const del = el('button', { type: 'button', class: 'btn small danger', text: t('whDelete'), 'aria-label': t('whDeleteOf', { url: w.url }), onclick: async () => {
      if (!confirm(t('whConfirmDelete', { url: w.url }))) return;
      try { await agent.del(`/api/webhooks/${w.id}`); toast(t('whDeleted')); } catch (e) { toast(problem(e, t('errFailed')), 'warn'); }
      if (editing?.id === w.id) edit(null);
      refresh();
    } });
    const state = w.enabled ? el('span', { class: 'pill ok', text: t('whOn') })
      : el('span', { class: 'pill warn', text: w.disabled_reason ? t('whDisabledBecause', { reason: w.disabled_reason }) : t('whOff') });
    const last = w.last_attempt_at ? t('whLastAt', { when: fmtTime(w.last_attempt_at), status: statusText(w.last_status) }) : t('whLastNone');
    const fact = (k, v) => el('div', {}, el('dt', { text: k }), el('dd', { text: v }));
    const lastFact = fact(t('whColLast'), last);
    const lastDd = lastFact.querySelector('dd');
    return el('article', { class: 'panel wh-card', 'aria-label': w.url },
      el('div', { class: 'wh-card-head' }, el('h3', { class: 'wh-url', text: w.url }), state),
      w.description ? el('p', { class: 'panel-lead', text: w.description }) : null,
      el('dl', { class: 'wh-facts' },
        fact(t('whColEvents'), w.events.join(', ')),
        fact(t('whColInternal'), w.internal ? t('yes') : t('whNo')),
        fact(t('whColStreak'), String(w.failure_streak)),
        lastFact),
      el('div', { class: 'actions' }, test,
        el('button', { type: 'button', class: 'btn small', text: t('edit'), 'aria-label': t('whEditOf', { url: w.url }), onclick: () => edit(w) }),
        rotate, del),
      answer, details);
  };

  // The private-networks setting, with its warning.
  const allow = control('webhooks_allow_private', { type: 'checkbox', label: t('whAllowPrivate'), hint: t('whAllowPrivateHint') });
  const priv = settingsForm([allow]);
  priv.append(el('section', { class: 'panel', 'aria-labelledby': 'wh-private-h' }, el('h2', { id: 'wh-private-h', text: t('whPrivate') }),
    el('p', { class: 'notice warn', text: t('whPrivateWarn') }), allow.el, priv.bar));

  view.append(header(t('whTitle'), t('whLead')));
  await refresh();
  if (!data) { view.append(list); return; }
  edit(null);
  view.append(secretBox, form, el('h2', { class: 'wh-list-h', text: t('whEndpoints') }), list, priv);
}

/** The delivery log: newest first; the answer as text; Retry on a failed delivery. */
function deliveries(rows, reload) {
  if (!rows.length) return el('p', { class: 'muted', text: t('whLogEmpty') });
  const body = rows.map((d) => {
    const retry = d.state === 'failed' ? el('button', { type: 'button', class: 'btn small', text: t('whRetry'),
      'aria-label': t('whRetryOf', { event: d.event, when: fmtTime(d.at) }), onclick: async () => {
        retry.disabled = true;
        try { await agent.post(`/api/webhooks/deliveries/${d.outbox_id}/retry`, {}); toast(t('whRetrying')); reload(); } catch (e) { toast(problem(e, t('errFailed')), 'warn'); retry.disabled = false; }
      } }) : null;
    return el('tr', { class: d.ok ? 'ok' : 'bad' },
      el('td', { class: 'nowrap', text: fmtTime(d.at) }),
      el('td', { class: 'mono', text: d.event }),
      el('td', {}, el('span', { class: 'pill ' + (d.ok ? 'ok' : 'warn'), text: statusText(d.status) }), ' ', el('span', { class: 'muted', text: t(`whState_${d.state}`) })),
      el('td', { class: 'nowrap', text: t('whMs', { ms: d.duration_ms ?? '—' }) }),
      el('td', { class: 'detail' }, d.error ? el('span', { class: 'block', text: d.error }) : null, d.excerpt ? el('code', { class: 'wh-excerpt', text: d.excerpt }) : null),
      el('td', { class: 'center', text: String(d.attempt) }),
      el('td', { class: 'right' }, retry));
  });
  return el('div', { class: 'table-panel wh-log-table', tabindex: '0', role: 'region', 'aria-label': t('whLog') }, el('table', { class: 'table' },
    el('thead', {}, el('tr', {}, ...[t('whColTime'), t('whColEvent'), t('whColStatus'), t('whColDuration'), t('whColAnswer'), t('whColAttempt')].map((h) => el('th', { scope: 'col', text: h })),
      el('th', { scope: 'col' }, el('span', { class: 'sr-only', text: t('colActions') })))),
    el('tbody', {}, body)));
}

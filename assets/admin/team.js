// Team: everyone with an account or an open invite; invite by link or add with a first password;
// change role and customer-support; make a one-time password reset link; deactivate (their sessions
// end at once) or reactivate.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { ago, copy, fmtTime, header, problem, state, toast } from './dom.js';
import { t } from './i18n.js';

function initials(name) {
  return (name || '?').trim().split(/\s+/).slice(0, 2).map((w) => w[0] || '').join('').toUpperCase();
}

export async function team(view) {
  const list = el('section', { class: 'panel table-panel', tabindex: '0', 'aria-label': t('teamTitle') });
  const inviteBox = el('div');
  const resetBox = el('div', { 'aria-live': 'polite' });
  view.append(header(t('teamTitle'), t('teamLead')), inviteBox, resetBox, list);

  const refresh = async () => {
    let u, i;
    try {
      [u, i] = await Promise.all([agent.get('/api/users'), agent.get('/api/invites').catch(() => ({}))]);
    } catch (e) { list.replaceChildren(el('p', { class: 'error', text: problem(e, t('errLoadTeam')) })); return; }
    const rows = [];
    for (const { user, online } of u.users) {
      const self = user.id === state.me.user.id;
      const patch = async (body, done) => {
        try { await agent.patch(`/api/users/${user.id}`, body); toast(done); } catch (e) { toast(problem(e, t('errChange')), 'warn'); }
        refresh();
      };
      const role = Object.assign(el('select', { class: 'inline-select', 'aria-label': t('roleOf', { name: user.name }),
        onchange: (e) => patch({ role: e.target.value }, t(e.target.value === 'admin' ? 'nowAdmin' : 'nowAgent', { name: user.name })) },
      el('option', { value: 'agent', text: t('roleAgent') }), el('option', { value: 'admin', text: t('roleAdmin') })), { value: user.role });
      const support = el('input', { type: 'checkbox', checked: user.customer_support || user.role === 'admin', disabled: user.role === 'admin',
        'aria-label': t('answersCustomersOf', { name: user.name }), title: user.role === 'admin' ? t('adminsAlwaysSee') : '',
        onchange: (e) => patch({ customer_support: e.target.checked }, t(e.target.checked ? 'nowAnswers' : 'noLongerAnswers', { name: user.name })) });
      const status = user.active ? el('span', { class: 'pill ok', text: t('active') }) : el('span', { class: 'pill muted', text: t('deactivated') });
      // Online now (a Messenger open), else when they last used the desk (their sessions, sockets).
      const away = user.availability === 'away'; // chosen in the Messenger (issue 15)
      const seen = user.active && online
        ? el('td', {}, el('span', { class: 'online-now' }, el('span', { class: away ? 'dot away' : 'dot on' }), t(away ? 'away' : 'onlineNow')))
        : el('td', { class: 'muted', text: ago(user.last_seen_at) });
      const action = user.active
        ? el('button', { type: 'button', class: 'btn small danger', text: t('deactivate'), disabled: self, title: self ? t('cannotDeactivateSelf') : '',
          onclick: async () => {
            if (!confirm(t('confirmDeactivate', { name: user.name }))) return;
            try {
              await agent.post(`/api/users/${user.id}/deactivate`, {});
              toast(t('isDeactivated', { name: user.name }));
            } catch (e) { toast(problem(e, t('errDeactivate')), 'warn'); }
            refresh();
          } })
        : el('button', { type: 'button', class: 'btn small', text: t('reactivate'), onclick: () => patch({ active: true }, t('canSignInAgain', { name: user.name })) });
      const reset = user.active && !self ? resetButton(user, resetBox) : null;
      rows.push(el('tr', { class: user.active ? '' : 'inactive' },
        el('td', {}, el('div', { class: 'person' }, el('span', { class: 'avatar', text: initials(user.name) }),
          el('div', {}, el('strong', { text: self ? t('nameYou', { name: user.name }) : user.name }), el('span', { class: 'muted', text: user.email })))),
        el('td', {}, role), el('td', { class: 'center' }, support), el('td', {}, status),
        seen, el('td', { class: 'right' }, reset, reset ? ' ' : null, action)));
    }
    for (const inv of (i.invites || [])) {
      rows.push(el('tr', { class: 'invited' },
        el('td', {}, el('div', { class: 'person' }, el('span', { class: 'avatar ghost', text: '✉' }),
          el('div', {}, el('strong', { text: inv.email }), el('span', { class: 'muted', text: t('inviteExpires', { when: fmtTime(inv.expires_at) }) })))),
        el('td', { text: inv.role === 'admin' ? t('roleAdmin') : t('roleAgent') }),
        el('td', { class: 'center' }, inv.customer_support || inv.role === 'admin' ? el('span', { role: 'img', 'aria-label': t('yes'), text: '✓' }) : ''),
        el('td', {}, el('span', { class: 'pill warn', text: t('invited') })), el('td', { class: 'muted', text: '—' }),
        el('td', { class: 'right' }, el('button', { type: 'button', class: 'btn small', text: t('revoke'), onclick: async () => {
          try { await agent.del(`/api/invites/${inv.id}`); toast(t('inviteRevoked')); } catch (e) { toast(problem(e, t('errRevoke')), 'warn'); }
          refresh();
        } }))));
    }
    list.replaceChildren(el('table', { class: 'table' },
      el('thead', {}, el('tr', {}, [t('colPerson'), t('colRole'), t('colAnswers'), t('colStatus'), t('colLastSeen')].map((x) => el('th', { scope: 'col', text: x })),
        el('th', { scope: 'col' }, el('span', { class: 'sr-only', text: t('colActions') })))),
      el('tbody', {}, rows)));
  };

  // Invite by link (preferred), or add with a first password.
  const email = el('input', { type: 'email', id: 'inv-email', placeholder: t('emailExample'), required: true, autocomplete: 'off' });
  const role = Object.assign(el('select', { id: 'inv-role' }, el('option', { value: 'agent', text: t('roleAgent') }), el('option', { value: 'admin', text: t('roleAdmin') })), { value: 'agent' });
  const support = el('input', { type: 'checkbox', id: 'inv-support', checked: true });
  const err = el('p', { class: 'field-error', role: 'alert' });
  const result = el('div');
  const password = el('input', { type: 'password', id: 'inv-password', placeholder: t('atLeast10'), autocomplete: 'new-password' });
  const name = el('input', { id: 'inv-name', placeholder: t('fullName'), autocomplete: 'off' });
  const withPassword = el('details', { class: 'alt' }, el('summary', { text: t('addWithPassword') }),
    el('div', { class: 'row' }, el('div', { class: 'field' }, el('label', { for: 'inv-name', text: t('name') }), name),
      el('div', { class: 'field' }, el('label', { for: 'inv-password', text: t('firstPassword') }), password),
      el('button', { type: 'button', class: 'btn', text: t('addPerson'), onclick: async () => {
        err.textContent = '';
        let r;
        try {
          r = await agent.post('/api/users', { email: email.value.trim(), name: name.value.trim(), password: password.value, role: role.value, customer_support: support.checked });
        } catch (e) { err.textContent = problem(e, t('errAdd')); return; }
        toast(t('added', { name: r.user.name }));
        email.value = ''; name.value = ''; password.value = '';
        refresh();
      } })));
  // With email set up (issue 16), the link can also go to the invitee by mail.
  const byMail = el('input', { type: 'checkbox', id: 'inv-mail' });
  const mailBox = el('div', { class: 'field check', hidden: true }, el('label', { for: 'inv-mail' }, byMail, el('span', { text: t('inviteByMail') })));
  agent.get('/api/password/forgot').then((r) => { mailBox.hidden = !r.available; byMail.checked = !!r.available; }).catch(() => {});
  inviteBox.append(el('section', { class: 'panel' },
    el('h2', { text: t('inviteSomeone') }),
    el('p', { class: 'panel-lead', text: t('inviteLead') }),
    el('form', { class: 'row', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      let r;
      try {
        r = await agent.post('/api/invites', { email: email.value.trim(), role: role.value, customer_support: support.checked, send_email: byMail.checked });
      } catch (e) { err.textContent = problem(e, t('errInvite')); email.focus(); return; }
      const url = r.url;
      result.replaceChildren(el('div', { class: 'invite-link' },
        el('p', { text: byMail.checked ? t('resetMailed', { email: r.invite.email }) : t('sendLink', { email: r.invite.email }) }),
        el('div', { class: 'code' }, el('code', { text: url }), el('button', { type: 'button', class: 'btn small primary', text: t('copyLink'), onclick: () => copy(url, t('linkCopied')) }))));
      email.value = '';
      refresh();
    } },
    el('div', { class: 'field grow' }, el('label', { for: 'inv-email', text: t('email') }), email),
    el('div', { class: 'field' }, el('label', { for: 'inv-role', text: t('colRole') }), role),
    el('div', { class: 'field check' }, el('label', { for: 'inv-support' }, support, el('span', { text: t('colAnswers') }))),
    mailBox,
    el('button', { type: 'submit', class: 'btn primary', text: t('createInvite') })),
    err, result, withPassword));
  await refresh();
}

/**
 * "Reset password" for `user`: makes a one-time link (an older one stops working) and shows it once
 * in `box`, with its expiry and a copy button. Words: ../shared/i18n.js (rec…).
 */
function resetButton(user, box) {
  return el('button', { type: 'button', class: 'btn small', text: t('recResetAction'), 'aria-label': t('recResetActionFor', { name: user.name }),
    onclick: async () => {
      let r;
      // With email set up (issue 16) the link also goes to them by mail.
      const mail = await agent.get('/api/password/forgot').then((x) => !!x.available, () => false);
      try { r = await agent.post(`/api/users/${user.id}/password-reset`, { send_email: mail }); } catch (e) { toast(problem(e, t('recResetFailed')), 'warn'); return; }
      const copyLink = el('button', { type: 'button', class: 'btn small primary', text: t('recCopyLink'), onclick: async () => {
        try { await navigator.clipboard.writeText(r.url); toast(t('recCopied')); } catch { toast(t('recCopyByHand'), 'warn'); }
      } });
      box.replaceChildren(el('section', { class: 'panel invite-link' },
        el('h2', { text: t('recResetHeading', { name: r.user.name }) }),
        el('p', { text: t('recResetSend', { name: r.user.name, email: r.user.email, time: fmtTime(r.expires_at) }) }),
        mail ? el('p', { text: t('resetMailed', { email: r.user.email }) }) : null,
        el('div', { class: 'code' }, el('code', { text: r.url }), copyLink)));
      copyLink.focus();
    } });
}

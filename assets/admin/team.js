// Team: everyone with an account or an open invite; invite by link or add with a first password;
// change role and customer-support; make a one-time password reset link; deactivate (their sessions
// end at once) or reactivate.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { ago, copy, fmtTime, header, problem, state, toast } from './dom.js';
import { fill, pick, when } from '../shared/recovery-text.js';

function initials(name) {
  return (name || '?').trim().split(/\s+/).slice(0, 2).map((w) => w[0] || '').join('').toUpperCase();
}

export async function team(view) {
  const list = el('div', { class: 'panel table-panel' });
  const inviteBox = el('div');
  const resetBox = el('div', { 'aria-live': 'polite' });
  view.append(header('Team', 'Who can sign in, what they may do, and who answers customers.'), inviteBox, resetBox, list);

  const refresh = async () => {
    let u, i;
    try {
      [u, i] = await Promise.all([agent.get('/api/users'), agent.get('/api/invites').catch(() => ({}))]);
    } catch (e) { list.replaceChildren(el('p', { class: 'error', text: problem(e, 'Could not load the team.') })); return; }
    const rows = [];
    for (const { user, online } of u.users) {
      const self = user.id === state.me.user.id;
      const patch = async (body, done) => {
        try { await agent.patch(`/api/users/${user.id}`, body); toast(done); } catch (e) { toast(problem(e, 'Could not change this.'), 'warn'); }
        refresh();
      };
      const role = Object.assign(el('select', { class: 'inline-select', 'aria-label': `Role of ${user.name}`,
        onchange: (e) => patch({ role: e.target.value }, `${user.name} is now ${e.target.value === 'admin' ? 'an admin' : 'an agent'}.`) },
      el('option', { value: 'agent', text: 'Agent' }), el('option', { value: 'admin', text: 'Admin' })), { value: user.role });
      const support = el('input', { type: 'checkbox', checked: user.customer_support || user.role === 'admin', disabled: user.role === 'admin',
        'aria-label': `${user.name} answers customers`, title: user.role === 'admin' ? 'Admins always see customer conversations' : '',
        onchange: (e) => patch({ customer_support: e.target.checked }, e.target.checked ? `${user.name} now answers customers.` : `${user.name} no longer sees customer conversations.`) });
      const status = user.active ? el('span', { class: 'pill ok', text: online ? 'Active · online' : 'Active' }) : el('span', { class: 'pill muted', text: 'Deactivated' });
      const action = user.active
        ? el('button', { type: 'button', class: 'btn small danger', text: 'Deactivate', disabled: self, title: self ? 'You cannot deactivate yourself' : '',
          onclick: async () => {
            if (!confirm(`Deactivate ${user.name}? They are signed out everywhere at once.`)) return;
            try {
              await agent.post(`/api/users/${user.id}/deactivate`, {});
              toast(`${user.name} is deactivated and signed out.`);
            } catch (e) { toast(problem(e, 'Could not deactivate.'), 'warn'); }
            refresh();
          } })
        : el('button', { type: 'button', class: 'btn small', text: 'Reactivate', onclick: () => patch({ active: true }, `${user.name} can sign in again.`) });
      const reset = user.active && !self ? resetButton(user, resetBox) : null;
      rows.push(el('tr', { class: user.active ? '' : 'inactive' },
        el('td', {}, el('div', { class: 'person' }, el('span', { class: 'avatar', text: initials(user.name) }),
          el('div', {}, el('strong', { text: user.name + (self ? ' (you)' : '') }), el('span', { class: 'muted', text: user.email })))),
        el('td', {}, role), el('td', { class: 'center' }, support), el('td', {}, status),
        el('td', { class: 'muted', text: ago(user.last_seen_at) }), el('td', { class: 'right' }, reset, reset ? ' ' : null, action)));
    }
    for (const inv of (i.invites || [])) {
      rows.push(el('tr', { class: 'invited' },
        el('td', {}, el('div', { class: 'person' }, el('span', { class: 'avatar ghost', text: '✉' }),
          el('div', {}, el('strong', { text: inv.email }), el('span', { class: 'muted', text: `Invite expires ${fmtTime(inv.expires_at)}` })))),
        el('td', { text: inv.role === 'admin' ? 'Admin' : 'Agent' }), el('td', { class: 'center', text: inv.customer_support || inv.role === 'admin' ? '✓' : '' }),
        el('td', {}, el('span', { class: 'pill warn', text: 'Invited' })), el('td', { class: 'muted', text: '—' }),
        el('td', { class: 'right' }, el('button', { type: 'button', class: 'btn small', text: 'Revoke', onclick: async () => {
          try { await agent.del(`/api/invites/${inv.id}`); toast('Invite revoked: the link no longer works.'); } catch (e) { toast(problem(e, 'Could not revoke.'), 'warn'); }
          refresh();
        } }))));
    }
    list.replaceChildren(el('table', { class: 'table' },
      el('thead', {}, el('tr', {}, ['Person', 'Role', 'Answers customers', 'Status', 'Last seen', ''].map((t) => el('th', { scope: 'col', text: t })))),
      el('tbody', {}, rows)));
  };

  // Invite by link (preferred), or add with a first password.
  const email = el('input', { type: 'email', id: 'inv-email', placeholder: 'name@example.com', required: true, autocomplete: 'off' });
  const role = Object.assign(el('select', { id: 'inv-role' }, el('option', { value: 'agent', text: 'Agent' }), el('option', { value: 'admin', text: 'Admin' })), { value: 'agent' });
  const support = el('input', { type: 'checkbox', id: 'inv-support', checked: true });
  const err = el('p', { class: 'field-error', role: 'alert' });
  const result = el('div');
  const password = el('input', { type: 'password', id: 'inv-password', placeholder: 'At least 10 characters', autocomplete: 'new-password' });
  const name = el('input', { id: 'inv-name', placeholder: 'Full name', autocomplete: 'off' });
  const withPassword = el('details', { class: 'alt' }, el('summary', { text: 'Or add them with a first password' }),
    el('div', { class: 'row' }, el('div', { class: 'field' }, el('label', { for: 'inv-name', text: 'Name' }), name),
      el('div', { class: 'field' }, el('label', { for: 'inv-password', text: 'First password' }), password),
      el('button', { type: 'button', class: 'btn', text: 'Add person', onclick: async () => {
        err.textContent = '';
        let r;
        try {
          r = await agent.post('/api/users', { email: email.value.trim(), name: name.value.trim(), password: password.value, role: role.value, customer_support: support.checked });
        } catch (e) { err.textContent = problem(e, 'Could not add.'); return; }
        toast(`${r.user.name} can sign in now. Give them their password in person.`);
        email.value = ''; name.value = ''; password.value = '';
        refresh();
      } })));
  inviteBox.append(el('section', { class: 'panel' },
    el('h2', { text: 'Invite someone' }),
    el('p', { class: 'panel-lead', text: 'Create a sign-up link and send it to them yourself. It works once, for 7 days.' }),
    el('form', { class: 'row', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      let r;
      try {
        r = await agent.post('/api/invites', { email: email.value.trim(), role: role.value, customer_support: support.checked });
      } catch (e) { err.textContent = problem(e, 'Could not create the invite.'); email.focus(); return; }
      const url = r.url;
      result.replaceChildren(el('div', { class: 'invite-link' },
        el('p', {}, 'Send this link to ', el('strong', { text: r.invite.email }), '. It is shown only now.'),
        el('div', { class: 'code' }, el('code', { text: url }), el('button', { type: 'button', class: 'btn small primary', text: 'Copy link', onclick: () => copy(url, 'Invite link') }))));
      email.value = '';
      refresh();
    } },
    el('div', { class: 'field grow' }, el('label', { for: 'inv-email', text: 'Email' }), email),
    el('div', { class: 'field' }, el('label', { for: 'inv-role', text: 'Role' }), role),
    el('div', { class: 'field check' }, el('label', { for: 'inv-support' }, support, el('span', { text: 'Answers customers' }))),
    el('button', { type: 'submit', class: 'btn primary', text: 'Create invite link' })),
    err, result, withPassword));
  await refresh();
}

/**
 * "Reset password" for `user`: makes a one-time link (an older one stops working) and shows it once
 * in `box`, with its expiry and a copy button. Words: ../shared/recovery-text.js.
 */
function resetButton(user, box) {
  const T = pick();
  return el('button', { type: 'button', class: 'btn small', text: T.resetAction, 'aria-label': fill(T.resetActionFor, { name: user.name }),
    onclick: async () => {
      let r;
      try { r = await agent.post(`/api/users/${user.id}/password-reset`, {}); } catch (e) { toast(problem(e, T.resetFailed), 'warn'); return; }
      const copyLink = el('button', { type: 'button', class: 'btn small primary', text: T.copyLink, onclick: async () => {
        try { await navigator.clipboard.writeText(r.url); toast(T.copied); } catch { toast(T.copyByHand, 'warn'); }
      } });
      box.replaceChildren(el('section', { class: 'panel invite-link' },
        el('h2', { text: fill(T.resetHeading, { name: r.user.name }) }),
        el('p', { text: fill(T.resetSend, { name: r.user.name, email: r.user.email, time: when(r.expires_at) }) }),
        el('div', { class: 'code' }, el('code', { text: r.url }), copyLink)));
      copyLink.focus();
    } });
}

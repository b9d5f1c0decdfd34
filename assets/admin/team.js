// Team: everyone with an account or an open invite; invite by link or add with a first password;
// change role and customer-support; deactivate (their sessions end at once) or reactivate.

import { ago, api, copy, fmtTime, h, header, state, toast } from './dom.js';

function initials(name) {
  return (name || '?').trim().split(/\s+/).slice(0, 2).map((w) => w[0] || '').join('').toUpperCase();
}

export async function team(view) {
  const list = h('div', { class: 'panel table-panel' });
  const inviteBox = h('div');
  view.append(header('Team', 'Who can sign in, what they may do, and who answers customers.'), inviteBox, list);

  const refresh = async () => {
    const [u, i] = await Promise.all([api('GET', '/api/users'), api('GET', '/api/invites')]);
    if (u.status !== 200) { list.replaceChildren(h('p', { class: 'error', text: u.data.error || 'Could not load the team.' })); return; }
    const rows = [];
    for (const { user, online } of u.data.users) {
      const self = user.id === state.me.user.id;
      const patch = async (body, done) => {
        const r = await api('PATCH', `/api/users/${user.id}`, body);
        if (r.status === 200) toast(done); else toast(r.data.error || 'Could not change this.', 'warn');
        refresh();
      };
      const role = Object.assign(h('select', { class: 'inline-select', 'aria-label': `Role of ${user.name}`,
        onchange: (e) => patch({ role: e.target.value }, `${user.name} is now ${e.target.value === 'admin' ? 'an admin' : 'an agent'}.`) },
      h('option', { value: 'agent', text: 'Agent' }), h('option', { value: 'admin', text: 'Admin' })), { value: user.role });
      const support = h('input', { type: 'checkbox', checked: user.customer_support || user.role === 'admin', disabled: user.role === 'admin',
        'aria-label': `${user.name} answers customers`, title: user.role === 'admin' ? 'Admins always see customer conversations' : '',
        onchange: (e) => patch({ customer_support: e.target.checked }, e.target.checked ? `${user.name} now answers customers.` : `${user.name} no longer sees customer conversations.`) });
      const status = user.active ? h('span', { class: 'pill ok', text: online ? 'Active · online' : 'Active' }) : h('span', { class: 'pill muted', text: 'Deactivated' });
      const action = user.active
        ? h('button', { type: 'button', class: 'btn small danger', text: 'Deactivate', disabled: self, title: self ? 'You cannot deactivate yourself' : '',
          onclick: async () => {
            if (!confirm(`Deactivate ${user.name}? They are signed out everywhere at once.`)) return;
            const r = await api('POST', `/api/users/${user.id}/deactivate`, {});
            if (r.status === 200) toast(`${user.name} is deactivated and signed out.`); else toast(r.data.error || 'Could not deactivate.', 'warn');
            refresh();
          } })
        : h('button', { type: 'button', class: 'btn small', text: 'Reactivate', onclick: () => patch({ active: true }, `${user.name} can sign in again.`) });
      rows.push(h('tr', { class: user.active ? '' : 'inactive' },
        h('td', {}, h('div', { class: 'person' }, h('span', { class: 'avatar', text: initials(user.name) }),
          h('div', {}, h('strong', { text: user.name + (self ? ' (you)' : '') }), h('span', { class: 'muted', text: user.email })))),
        h('td', {}, role), h('td', { class: 'center' }, support), h('td', {}, status),
        h('td', { class: 'muted', text: ago(user.last_seen_at) }), h('td', { class: 'right' }, action)));
    }
    for (const inv of (i.data.invites || [])) {
      rows.push(h('tr', { class: 'invited' },
        h('td', {}, h('div', { class: 'person' }, h('span', { class: 'avatar ghost', text: '✉' }),
          h('div', {}, h('strong', { text: inv.email }), h('span', { class: 'muted', text: `Invite expires ${fmtTime(inv.expires_at)}` })))),
        h('td', { text: inv.role === 'admin' ? 'Admin' : 'Agent' }), h('td', { class: 'center', text: inv.customer_support || inv.role === 'admin' ? '✓' : '' }),
        h('td', {}, h('span', { class: 'pill warn', text: 'Invited' })), h('td', { class: 'muted', text: '—' }),
        h('td', { class: 'right' }, h('button', { type: 'button', class: 'btn small', text: 'Revoke', onclick: async () => {
          const r = await api('DELETE', `/api/invites/${inv.id}`);
          if (r.status === 200) toast('Invite revoked: the link no longer works.'); else toast(r.data.error || 'Could not revoke.', 'warn');
          refresh();
        } }))));
    }
    list.replaceChildren(h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['Person', 'Role', 'Answers customers', 'Status', 'Last seen', ''].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, rows)));
  };

  // Invite by link (preferred), or add with a first password.
  const email = h('input', { type: 'email', id: 'inv-email', placeholder: 'name@example.com', required: true, autocomplete: 'off' });
  const role = Object.assign(h('select', { id: 'inv-role' }, h('option', { value: 'agent', text: 'Agent' }), h('option', { value: 'admin', text: 'Admin' })), { value: 'agent' });
  const support = h('input', { type: 'checkbox', id: 'inv-support', checked: true });
  const err = h('p', { class: 'field-error', role: 'alert' });
  const result = h('div');
  const password = h('input', { type: 'password', id: 'inv-password', placeholder: 'At least 10 characters', autocomplete: 'new-password' });
  const name = h('input', { id: 'inv-name', placeholder: 'Full name', autocomplete: 'off' });
  const withPassword = h('details', { class: 'alt' }, h('summary', { text: 'Or add them with a first password' }),
    h('div', { class: 'row' }, h('div', { class: 'field' }, h('label', { for: 'inv-name', text: 'Name' }), name),
      h('div', { class: 'field' }, h('label', { for: 'inv-password', text: 'First password' }), password),
      h('button', { type: 'button', class: 'btn', text: 'Add person', onclick: async () => {
        err.textContent = '';
        const r = await api('POST', '/api/users', { email: email.value.trim(), name: name.value.trim(), password: password.value, role: role.value, customer_support: support.checked });
        if (r.status !== 201) { err.textContent = r.data.error || 'Could not add.'; return; }
        toast(`${r.data.user.name} can sign in now. Give them their password in person.`);
        email.value = ''; name.value = ''; password.value = '';
        refresh();
      } })));
  inviteBox.append(h('section', { class: 'panel' },
    h('h2', { text: 'Invite someone' }),
    h('p', { class: 'panel-lead', text: 'Create a sign-up link and send it to them yourself. It works once, for 7 days.' }),
    h('form', { class: 'row', novalidate: true, onsubmit: async (e) => {
      e.preventDefault();
      err.textContent = '';
      const r = await api('POST', '/api/invites', { email: email.value.trim(), role: role.value, customer_support: support.checked });
      if (r.status !== 201) { err.textContent = r.data.error || 'Could not create the invite.'; email.focus(); return; }
      const url = r.data.url;
      result.replaceChildren(h('div', { class: 'invite-link' },
        h('p', {}, 'Send this link to ', h('strong', { text: r.data.invite.email }), '. It is shown only now.'),
        h('div', { class: 'code' }, h('code', { text: url }), h('button', { type: 'button', class: 'btn small primary', text: 'Copy link', onclick: () => copy(url, 'Invite link') }))));
      email.value = '';
      refresh();
    } },
    h('div', { class: 'field grow' }, h('label', { for: 'inv-email', text: 'Email' }), email),
    h('div', { class: 'field' }, h('label', { for: 'inv-role', text: 'Role' }), role),
    h('div', { class: 'field check' }, h('label', { for: 'inv-support' }, support, h('span', { text: 'Answers customers' }))),
    h('button', { type: 'submit', class: 'btn primary', text: 'Create invite link' })),
    err, result, withPassword));
  await refresh();
}

// The Messenger shell: who is signed in, and sign-out. Conversations arrive with the engine.
const app = document.getElementById('app');

async function api(path, options = {}) {
  const r = await fetch(path, options);
  if (r.status === 401) { location.href = '/login'; throw new Error('signed out'); }
  return r.json();
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

const me = await api('/api/me');
const signOut = el('button', { class: 'btn', type: 'button' }, 'Sign out');
signOut.addEventListener('click', async () => {
  await fetch('/api/logout', { method: 'POST', headers: { 'X-CSRF-Token': me.csrf_token } });
  location.href = '/login';
});
app.replaceChildren(
  el('nav', { class: 'sidebar', 'aria-label': 'Conversations' },
    el('header', {}, el('strong', {}, me.helpdesk.name)),
    el('footer', {}, el('span', {}, me.user.name), signOut)),
  el('main', { class: 'empty' }, 'No conversation selected'),
);
app.removeAttribute('aria-busy');

// API tokens (issue 19; docs/api.md "API tokens"), for both pages that make them: the Messenger (my own
// tokens, from Settings) and Admin → API (desk tokens, and everyone's). The list (name, scope, prefix,
// created, expires, last use), Revoke with a confirmation in the token's own row, the New token form
// (never a scope above the maker's), and the new value shown once, with Copy; closing that box drops
// the value (it is kept nowhere else). The words are this module's own, English and Portuguese.

import { el } from './dom.js';
import { agent } from './http.js';

export const words = {
  en: {
    tkNew: 'New token', tkNewDesk: 'New desk token',
    tkNewLead: 'A token lets a program use the API as you: send it as "Authorization: Bearer <token>".',
    tkNewDeskLead: 'A desk token acts as a user of its own, named after the token, and outlives whoever made it.',
    tkName: 'Name', tkNameHint: 'What uses it, e.g. "Shop backend".',
    tkScope: 'Scope', tkScope_read: 'Read: look, never change', tkScope_write: 'Write: what you can do',
    tkScope_admin: 'Admin: also the admin settings',
    tkPill_read: 'read', tkPill_write: 'write', tkPill_admin: 'admin',
    tkExpiry: 'Expires', tkNever: 'Never', tkDays30: 'In 30 days', tkDays90: 'In 90 days', tkYear: 'In 1 year', tkOnDate: 'On a date…',
    tkDate: 'Expiry date', tkErrDate: 'Choose a date after today.', tkErrName: 'Give the token a name.',
    tkCreate: 'Create token', tkCreating: 'Creating…',
    tkMade: 'Your new token “{name}”', tkWarn: 'Copy it now: it will not be shown again.',
    tkValue: 'Token', tkCopy: 'Copy', tkCopied: 'Copied.', tkCopyByHand: 'Select the token and copy it with Ctrl+C.',
    tkDone: 'Done, I have copied it',
    tkMine: 'Your tokens', tkDesk: 'Desk tokens', tkAll: 'All tokens',
    tkAllLead: 'Every token that works now, whoever made it. An admin can revoke any of them.',
    tkNone: 'No tokens yet.', tkLoading: 'Loading…',
    tkPrefix: 'Starts with', tkCreated: 'Created', tkExpires: 'Expires', tkLastUsed: 'Last used',
    tkNeverUsed: 'Never used', tkUsedAt: '{when} from {ip}', tkOwner: 'Owner', tkDeskOwner: 'The desk (made by {name})',
    tkRevoke: 'Revoke', tkRevokeOf: 'Revoke {name}', tkConfirm: 'Revoke “{name}”? Programs using it stop working at once.',
    tkCancel: 'Cancel', tkRevoked: '“{name}” was revoked.',
    tkErrNetwork: 'Cannot reach the server. Check your connection and try again.', tkErrFailed: 'Something went wrong ({status}).',
  },
  pt: {
    tkNew: 'Novo token', tkNewDesk: 'Novo token do apoio',
    tkNewLead: 'Um token deixa um programa usar a API em seu nome: envie-o como "Authorization: Bearer <token>".',
    tkNewDeskLead: 'Um token do apoio age como um utilizador próprio, com o nome do token, e continua depois de quem o criou.',
    tkName: 'Nome', tkNameHint: 'O que o usa, p. ex. "Loja online".',
    tkScope: 'Âmbito', tkScope_read: 'Leitura: ver, nunca alterar', tkScope_write: 'Escrita: o que o utilizador pode fazer',
    tkScope_admin: 'Administração: também as definições',
    tkPill_read: 'leitura', tkPill_write: 'escrita', tkPill_admin: 'administração',
    tkExpiry: 'Expira', tkNever: 'Nunca', tkDays30: 'Daqui a 30 dias', tkDays90: 'Daqui a 90 dias', tkYear: 'Daqui a 1 ano', tkOnDate: 'Numa data…',
    tkDate: 'Data de expiração', tkErrDate: 'Escolha uma data depois de hoje.', tkErrName: 'Dê um nome ao token.',
    tkCreate: 'Criar token', tkCreating: 'A criar…',
    tkMade: 'O seu novo token “{name}”', tkWarn: 'Copie-o agora: não voltará a ser mostrado.',
    tkValue: 'Token', tkCopy: 'Copiar', tkCopied: 'Copiado.', tkCopyByHand: 'Selecione o token e copie-o com Ctrl+C.',
    tkDone: 'Feito, já o copiei',
    tkMine: 'Os seus tokens', tkDesk: 'Tokens do apoio', tkAll: 'Todos os tokens',
    tkAllLead: 'Todos os tokens em uso, seja quem for que os criou. Um administrador pode revogar qualquer um.',
    tkNone: 'Ainda não há tokens.', tkLoading: 'A carregar…',
    tkPrefix: 'Começa por', tkCreated: 'Criado', tkExpires: 'Expira', tkLastUsed: 'Último uso',
    tkNeverUsed: 'Nunca usado', tkUsedAt: '{when} a partir de {ip}', tkOwner: 'Dono', tkDeskOwner: 'O apoio (criado por {name})',
    tkRevoke: 'Revogar', tkRevokeOf: 'Revogar {name}', tkConfirm: 'Revogar “{name}”? Os programas que o usam deixam de funcionar de imediato.',
    tkCancel: 'Cancelar', tkRevoked: '“{name}” foi revogado.',
    tkErrNetwork: 'Não é possível contactar o servidor. Verifique a ligação e tente de novo.', tkErrFailed: 'Algo correu mal ({status}).',
  },
};

let lang = 'en';
let loc = 'en';
const DAY = 86400000;

function t(key, vars = {}) {
  const s = words[lang]?.[key] ?? words.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

const when = (ms, opts = { dateStyle: 'medium', timeStyle: 'short' }) => new Intl.DateTimeFormat(loc, opts).format(new Date(ms));
const why = (e) => (e.status === 0 ? t('tkErrNetwork') : e.data?.error || t('tkErrFailed', { status: e.status }));
let uid = 0;

/**
 * The tokens UI, as one element. `opts`: `lang` ('en' | 'pt') and `locale` (for dates) of the page;
 * `scopes` the maker may give (['read', 'write'] for an agent, with 'admin' for an admin); `desk` to
 * make and list desk tokens (Admin → API) instead of my own; `all` to add "All tokens" (admins);
 * `me` the signed-in user's id (my own tokens are the ones acting as me); `h` the level of its headings
 * ('h3' under a dialog's title, 'h2' under a page's).
 */
export function tokensView({ lang: l = 'en', locale = 'en', scopes = ['read', 'write'], desk = false, all = false, me = 0, h = 'h3' }) {
  lang = l === 'pt' ? 'pt' : 'en';
  loc = locale;
  const id = `tk${++uid}`;
  const root = el('div', { class: 'tk' });

  // The value, this once.
  const made = el('section', { class: 'tk-made', tabindex: '-1', 'aria-labelledby': `${id}-made-h`, hidden: true });
  const forget = () => { made.replaceChildren(); made.hidden = true; };
  const showValue = (tok) => {
    const value = el('input', { id: `${id}-value`, class: 'tk-value', type: 'text', readOnly: true, value: tok.token, spellcheck: 'false', autocomplete: 'off' });
    const said = el('span', { class: 'tk-said', role: 'status' });
    made.replaceChildren(
      el(h, { id: `${id}-made-h`, text: t('tkMade', { name: tok.name }) }),
      el('p', { class: 'tk-warn', text: t('tkWarn') }),
      el('label', { for: `${id}-value`, class: 'tk-label', text: t('tkValue') }),
      el('div', { class: 'tk-copy' }, value, el('button', { type: 'button', class: 'btn primary', text: t('tkCopy'), onclick: async () => {
        try { await navigator.clipboard.writeText(value.value); said.textContent = t('tkCopied'); } catch { value.select(); said.textContent = t('tkCopyByHand'); }
      } })),
      said,
      el('button', { type: 'button', class: 'btn', text: t('tkDone'), onclick: forget }));
    made.hidden = false;
    value.focus();
    value.select();
  };

  // The form.
  const name = el('input', { id: `${id}-name`, type: 'text', maxlength: '100', autocomplete: 'off', required: true, 'aria-describedby': `${id}-name-hint` });
  const scope = el('select', { id: `${id}-scope` }, scopes.map((s) => el('option', { value: s, text: t(`tkScope_${s}`) })));
  const expiry = el('select', { id: `${id}-exp` },
    [['never', 'tkNever'], ['30', 'tkDays30'], ['90', 'tkDays90'], ['365', 'tkYear'], ['date', 'tkOnDate']].map(([v, k]) => el('option', { value: v, text: t(k) })));
  const date = el('input', { id: `${id}-date`, type: 'date', min: new Date(Date.now() + DAY).toISOString().slice(0, 10) });
  const dateField = el('div', { class: 'field', hidden: true }, el('label', { for: `${id}-date`, text: t('tkDate') }), date);
  expiry.addEventListener('change', () => { dateField.hidden = expiry.value !== 'date'; if (!dateField.hidden) date.focus(); });
  const err = el('p', { class: 'tk-error', role: 'alert', id: `${id}-err` });
  const submit = el('button', { type: 'submit', class: 'btn primary', text: t('tkCreate') });
  const form = el('form', { class: 'tk-form', novalidate: true, 'aria-labelledby': `${id}-form-h`, 'aria-describedby': `${id}-err`, onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    if (!name.value.trim()) { err.textContent = t('tkErrName'); name.focus(); return; }
    let expires_at = null;
    if (expiry.value === 'date') {
      // The end of the chosen day, in the reader's own time.
      const end = date.value ? new Date(`${date.value}T23:59:59`).getTime() : NaN;
      if (!(end > Date.now())) { err.textContent = t('tkErrDate'); date.focus(); return; }
      expires_at = end;
    } else if (expiry.value !== 'never') expires_at = Date.now() + Number(expiry.value) * DAY;
    submit.disabled = true;
    submit.textContent = t('tkCreating');
    try {
      const tok = await agent.post('/api/tokens', { name: name.value.trim(), scope: scope.value, expires_at, desk });
      form.reset();
      dateField.hidden = true;
      showValue(tok);
      refresh();
    } catch (ex) { err.textContent = why(ex); name.focus(); }
    submit.disabled = false;
    submit.textContent = t('tkCreate');
  } },
  el(h, { id: `${id}-form-h`, text: t(desk ? 'tkNewDesk' : 'tkNew') }),
  el('p', { class: 'tk-lead', text: t(desk ? 'tkNewDeskLead' : 'tkNewLead') }),
  el('div', { class: 'tk-fields' },
    el('div', { class: 'field' }, el('label', { for: `${id}-name`, text: t('tkName') }), name, el('span', { class: 'hint', id: `${id}-name-hint`, text: t('tkNameHint') })),
    el('div', { class: 'field' }, el('label', { for: `${id}-scope`, text: t('tkScope') }), scope),
    el('div', { class: 'field' }, el('label', { for: `${id}-exp`, text: t('tkExpiry') }), expiry),
    dateField),
  err, el('div', { class: 'tk-actions' }, submit));

  // The lists.
  const mine = el('div', { class: 'tk-list-box' });
  const everyone = el('div', { class: 'tk-list-box' });
  const refresh = async () => {
    let r;
    try { r = await agent.get(all ? '/api/tokens?all=1' : '/api/tokens'); } catch (e) {
      mine.replaceChildren(el('p', { class: 'tk-error', role: 'alert', text: why(e) }));
      return;
    }
    const own = r.tokens.filter((x) => (desk ? x.desk : !x.desk && x.user_id === me));
    mine.replaceChildren(list(own, false));
    if (all) everyone.replaceChildren(list(r.tokens, true));
  };
  const list = (tokens, owners) => (tokens.length
    ? el('ul', { class: 'tk-list' }, tokens.map((x) => item(x, owners)))
    : el('p', { class: 'tk-none', text: t('tkNone') }));
  const item = (x, owners) => {
    const fact = (k, v) => el('div', {}, el('dt', { text: k }), el('dd', {}, v));
    const said = el('p', { class: 'tk-error', role: 'alert' });
    const actions = el('div', { class: 'tk-actions' });
    const ask = () => {
      const yes = el('button', { type: 'button', class: 'btn small danger', text: t('tkRevoke'), onclick: async () => {
        yes.disabled = true;
        try { await agent.del(`/api/tokens/${x.id}`); refresh(); } catch (e) { said.textContent = why(e); yes.disabled = false; }
      } });
      actions.replaceChildren(el('span', { class: 'tk-confirm', text: t('tkConfirm', { name: x.name }) }),
        el('button', { type: 'button', class: 'btn small', text: t('tkCancel'), onclick: idle }), yes);
      yes.focus();
    };
    const idle = () => {
      const b = el('button', { type: 'button', class: 'btn small danger', text: t('tkRevoke'), 'aria-label': t('tkRevokeOf', { name: x.name }), onclick: ask });
      actions.replaceChildren(b);
      return b;
    };
    const focusIdle = () => idle().focus();
    idle();
    actions.addEventListener('keydown', (e) => { if (e.key === 'Escape' && actions.querySelector('.tk-confirm')) { e.stopPropagation(); e.preventDefault(); focusIdle(); } });
    const used = x.last_used_at ? t('tkUsedAt', { when: when(x.last_used_at), ip: x.last_used_ip || '?' }) : t('tkNeverUsed');
    return el('li', { class: 'tk-item', 'aria-label': x.name },
      el('div', { class: 'tk-head' }, el('strong', { class: 'tk-name', text: x.name }), el('span', { class: `tk-pill ${x.scope}`, text: t(`tkPill_${x.scope}`) })),
      el('dl', { class: 'tk-facts' },
        owners ? fact(t('tkOwner'), x.desk ? t('tkDeskOwner', { name: x.created_by_name || '—' }) : x.created_by_name || '—') : null,
        fact(t('tkPrefix'), el('code', { text: `${x.prefix}…` })),
        fact(t('tkCreated'), when(x.created_at)),
        fact(t('tkExpires'), x.expires_at ? when(x.expires_at, { dateStyle: 'medium' }) : t('tkNever')),
        fact(t('tkLastUsed'), used)),
      actions, said);
  };

  root.append(made, form,
    el('section', { 'aria-labelledby': `${id}-mine-h` }, el(h, { id: `${id}-mine-h`, text: t(desk ? 'tkDesk' : 'tkMine') }), mine));
  if (all) {
    root.append(el('section', { 'aria-labelledby': `${id}-all-h` }, el(h, { id: `${id}-all-h`, text: t('tkAll') }),
      el('p', { class: 'tk-lead', text: t('tkAllLead') }), everyone));
  }
  mine.append(el('p', { class: 'tk-none', text: t('tkLoading') }));
  refresh();
  return root;
}

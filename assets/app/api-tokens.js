// "API tokens" in the Messenger's Settings (issue 19): a dialog with my own tokens, made, listed and
// revoked by the shared module (../shared/tokens.js). Closing the dialog empties it, so a token's value
// shown there once is gone with it.
import { el } from '../shared/dom.js';
import { tokensView } from '../shared/tokens.js';
import { currentLang, locale, t } from './i18n.js';
import { S } from './state.js';

let showDialog;

export function mount(opts) { showDialog = opts.showDialog; }

/** The Settings dialog's entry. */
export function settingsEntry() {
  return el('div', { class: 'field token-setting' },
    el('span', { class: 'field-label' }, t('apiTokens')),
    el('span', { class: 'muted small' }, t('apiTokensHint')),
    el('button', { type: 'button', class: 'btn', onclick: open }, t('manageApiTokens')));
}

/** Never a scope above mine: admin only for admins. */
export function open() {
  const scopes = S.me.role === 'admin' ? ['read', 'write', 'admin'] : ['read', 'write'];
  showDialog(t('apiTokens'), { wide: true }, tokensView({ lang: currentLang(), locale: locale(), scopes, me: S.me.id }));
}

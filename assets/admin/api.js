// Admin → API (issue 19): where the API is described, the desk's tokens (made, listed, revoked) and
// every token of every user, to revoke any — the shared tokens module (../shared/tokens.js) draws them.
import { el } from '../shared/dom.js';
import { currentLang, locale } from '../shared/i18n.js';
import { tokensView } from '../shared/tokens.js';
import { t } from './i18n.js';
import { header, state } from './dom.js';

export async function api(view) {
  view.append(header(t('apiTitle'), t('apiLead')),
    el('p', { class: 'tk-docs' }, el('a', { href: '/api/openapi.json', text: t('apiDocs') }), ' · ', el('span', { class: 'muted', text: t('apiDocsMore') })),
    tokensView({ lang: currentLang(), locale: locale(), scopes: ['read', 'write', 'admin'], desk: true, all: true, me: state.me.user.id, h: 'h2' }));
}

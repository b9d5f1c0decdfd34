// The words of the pages around a session (sign-in, setup, an invite, "not an admin") in English and
// Portuguese, and how these pages and the admin pages (which add their own words, assets/admin/i18n.js)
// choose a language, translate, and write dates. Importing this touches nothing on the page, so
// tests/e2e/i18n.test.mjs can read the dictionaries in node.

export const en = {
  brand: 'Frontdesk', email: 'Email', password: 'Password', yourName: 'Your name', atLeast10: 'At least 10 characters.',
  errNetwork: 'Cannot reach the server. Check your connection and try again.',
  errNetworkReload: 'Cannot reach the server. Check your connection and reload.',
  errRequest: 'Something went wrong ({status}). Try again.',
  errTooMany: 'Too many failed sign-ins. Try again in {minutes} min.',
  errEmail: 'Enter an address like name@example.com.', errName: 'Enter a name of 1 to 100 characters.',
  errPassword: 'Choose a password of at least 10 characters.', errHelpdeskName: 'Enter a help desk name of 1 to 100 characters.',
  // Sign-in
  signInTitle: 'Sign in · Frontdesk', signIn: 'Sign in', welcomeBack: 'Welcome back.', errWrongLogin: 'Wrong email or password.',
  // First-run setup
  setupTitle: 'Set up Frontdesk', setupHeading: 'Set up your help desk', setupLead: 'Name your help desk and create the first admin account.',
  helpdeskName: 'Help desk name', helpdeskNameExample: 'Acme Support', setupSubmit: 'Create admin and continue',
  errSetupDone: 'Setup is already done: sign in instead.',
  // An invite
  inviteTitle: 'Join your team · Frontdesk', inviteHeading: 'Join your team', inviteChecking: 'Checking your invite…',
  inviteAsAgent: 'You were invited to {helpdesk} as an agent. Set your name and password to start.',
  inviteAsAdmin: 'You were invited to {helpdesk} as an admin. Set your name and password to start.',
  choosePassword: 'Choose a password', createAccount: 'Create my account',
  errInviteGone: 'This invite link has expired or was already used. Ask your admin for a new one.',
  errInviteInvalid: 'This invite link is not valid. Check that you copied all of it.',
  // /admin for someone who is not an admin
  notAdminTitle: 'Admins only · Frontdesk', notAdminHeading: 'This page is for admins',
  notAdminLead: 'You are signed in as {name}, who is not an admin. Ask an admin of your team if you need to change settings.',
  notAdminLeadAnon: 'You are signed in, but not as an admin. Ask an admin of your team if you need to change settings.',
  backToMessenger: 'Back to the Messenger', never: 'Never', justNow: 'Just now',
  // Password recovery: "Forgot password?", the reset page, reset links on the Team page, their audit lines
  recForgotLink: 'Forgot password?',
  recForgotTitle: 'Forgot your password?',
  recForgotAsk: 'Ask an admin of your help desk for a password reset link. They make one on the Team page of the admin pages; it works once, for 24 hours.',
  recForgotAdmin: 'Are you the admin, and locked out? On the server, run:',
  recForgotCommand: 'frontdesk admin reset-password --email you@example.com',
  recForgotAdminAfter: 'It prints a one-time link to open in your browser (add --data DIR if your data is not in ./frontdesk-data).',
  recBackToSignIn: 'Back to sign in',
  recMailLead: 'Enter the email of your account: we will send you a link to choose a new password.', recMailLabel: 'Your account’s email',
  recMailSubmit: 'Send me a link', recMailDone: 'If {email} has an account here, a link is on its way. It works once, for 24 hours.',
  recMailBad: 'Enter an address like name@example.com', recMailOr: 'No mail? Ask an admin for a reset link on the Team page.',
  recResetTitle: 'Choose a new password',
  recChecking: 'Checking your link…',
  recResetLead: 'Set a new password for {name}. You will be signed out everywhere else. This link works until {time}.',
  recEmail: 'Email',
  recNewPassword: 'New password',
  recRepeatPassword: 'Repeat the new password',
  recPasswordHint: 'At least 10 characters.',
  recSubmit: 'Set password and sign in',
  recTooShort: 'The password must be at least 10 characters.',
  recMismatch: 'The two passwords are not the same.',
  recCannotUse: 'This link cannot be used',
  recGone: 'This link was already used or has expired; ask an admin for a new one.',
  recUnknown: 'This link is not valid. Check that you copied all of it, or ask an admin for a new one.',
  recTooMany: 'Too many tries with unknown links from this address. Try again in {n} minutes.',
  recOffline: 'Cannot reach the server. Check your connection and try again.',
  recFailed: 'Something went wrong ({status}). Try again.',
  recResetAction: 'Reset password',
  recResetActionFor: 'Reset password for {name}',
  recResetFailed: 'Could not make a reset link.',
  recResetHeading: 'Password reset link for {name}',
  recResetSend: 'Send it to {name} ({email}) yourself. It works once, until {time}, and is shown only now. Making another link cancels this one.',
  recCopyLink: 'Copy link',
  recCopied: 'Link copied.',
  recCopyByHand: 'Select the link and copy it with Ctrl+C.',
  recAuditCreate: 'Made a password reset link',
  recAuditUse: 'Set a new password with a reset link',
};

export const pt = {
  brand: 'Frontdesk', email: 'Email', password: 'Palavra-passe', yourName: 'O seu nome', atLeast10: 'Pelo menos 10 caracteres.',
  errNetwork: 'Não é possível contactar o servidor. Verifique a ligação e tente de novo.',
  errNetworkReload: 'Não é possível contactar o servidor. Verifique a ligação e recarregue a página.',
  errRequest: 'Algo correu mal ({status}). Tente de novo.',
  errTooMany: 'Demasiadas tentativas falhadas. Tente de novo daqui a {minutes} min.',
  errEmail: 'Escreva um endereço como nome@exemplo.com.', errName: 'Escreva um nome com 1 a 100 caracteres.',
  errPassword: 'Escolha uma palavra-passe com pelo menos 10 caracteres.', errHelpdeskName: 'Escreva um nome de apoio com 1 a 100 caracteres.',
  signInTitle: 'Iniciar sessão · Frontdesk', signIn: 'Iniciar sessão', welcomeBack: 'Bem-vindo de volta.', errWrongLogin: 'Email ou palavra-passe errados.',
  setupTitle: 'Configurar o Frontdesk', setupHeading: 'Configure o seu apoio', setupLead: 'Dê um nome ao seu apoio e crie a primeira conta de administrador.',
  helpdeskName: 'Nome do apoio', helpdeskNameExample: 'Apoio Acme', setupSubmit: 'Criar administrador e continuar',
  errSetupDone: 'A configuração já foi feita: inicie sessão.',
  inviteTitle: 'Juntar-se à equipa · Frontdesk', inviteHeading: 'Junte-se à sua equipa', inviteChecking: 'A verificar o convite…',
  inviteAsAgent: 'Foi convidado para {helpdesk} como agente. Escolha o seu nome e palavra-passe para começar.',
  inviteAsAdmin: 'Foi convidado para {helpdesk} como administrador. Escolha o seu nome e palavra-passe para começar.',
  choosePassword: 'Escolha uma palavra-passe', createAccount: 'Criar a minha conta',
  errInviteGone: 'Este convite expirou ou já foi usado. Peça um novo ao seu administrador.',
  errInviteInvalid: 'Este convite não é válido. Verifique se o copiou por inteiro.',
  notAdminTitle: 'Só para administradores · Frontdesk', notAdminHeading: 'Esta página é para administradores',
  notAdminLead: 'Tem sessão iniciada como {name}, que não é administrador. Peça a um administrador da equipa se precisar de mudar definições.',
  notAdminLeadAnon: 'Tem sessão iniciada, mas não como administrador. Peça a um administrador da equipa se precisar de mudar definições.',
  backToMessenger: 'Voltar ao Messenger', never: 'Nunca', justNow: 'Agora mesmo',
  // Recuperação da palavra-passe
  recForgotLink: 'Esqueceu-se da palavra-passe?',
  recForgotTitle: 'Esqueceu-se da palavra-passe?',
  recForgotAsk: 'Peça a um administrador do seu apoio uma ligação para repor a palavra-passe. Cria-a na página Equipa da administração; funciona uma vez, durante 24 horas.',
  recForgotAdmin: 'É o administrador e ficou sem acesso? No servidor, execute:',
  recForgotCommand: 'frontdesk admin reset-password --email voce@example.com',
  recForgotAdminAfter: 'Mostra uma ligação de uso único para abrir no navegador (junte --data DIR se os dados não estiverem em ./frontdesk-data).',
  recBackToSignIn: 'Voltar ao início de sessão',
  recMailLead: 'Escreva o email da sua conta: enviamos-lhe uma ligação para escolher uma nova palavra-passe.', recMailLabel: 'O email da sua conta',
  recMailSubmit: 'Enviar-me uma ligação', recMailDone: 'Se {email} tiver conta aqui, vai receber uma ligação. Funciona uma vez, durante 24 horas.',
  recMailBad: 'Escreva um endereço como nome@exemplo.com', recMailOr: 'Não recebeu? Peça a um administrador uma ligação na página Equipa.',
  recResetTitle: 'Escolha uma nova palavra-passe',
  recChecking: 'A verificar a ligação…',
  recResetLead: 'Defina uma nova palavra-passe para {name}. A sua sessão termina em todos os outros sítios. Esta ligação funciona até {time}.',
  recEmail: 'Email',
  recNewPassword: 'Nova palavra-passe',
  recRepeatPassword: 'Repita a nova palavra-passe',
  recPasswordHint: 'Pelo menos 10 caracteres.',
  recSubmit: 'Definir palavra-passe e entrar',
  recTooShort: 'A palavra-passe tem de ter pelo menos 10 caracteres.',
  recMismatch: 'As duas palavras-passe não são iguais.',
  recCannotUse: 'Esta ligação não pode ser usada',
  recGone: 'Esta ligação já foi usada ou expirou; peça uma nova a um administrador.',
  recUnknown: 'Esta ligação não é válida. Verifique se a copiou por inteiro, ou peça uma nova a um administrador.',
  recTooMany: 'Demasiadas tentativas com ligações desconhecidas a partir deste endereço. Tente de novo daqui a {n} minutos.',
  recOffline: 'Não foi possível contactar o servidor. Verifique a ligação à rede e tente de novo.',
  recFailed: 'Algo correu mal ({status}). Tente de novo.',
  recResetAction: 'Repor palavra-passe',
  recResetActionFor: 'Repor palavra-passe de {name}',
  recResetFailed: 'Não foi possível criar a ligação.',
  recResetHeading: 'Ligação para repor a palavra-passe de {name}',
  recResetSend: 'Envie-a a {name} ({email}). Funciona uma vez, até {time}, e só é mostrada agora. Criar outra ligação cancela esta.',
  recCopyLink: 'Copiar ligação',
  recCopied: 'Ligação copiada.',
  recCopyByHand: 'Selecione a ligação e copie-a com Ctrl+C.',
  recAuditCreate: 'Criou uma ligação para repor a palavra-passe',
  recAuditUse: 'Definiu uma nova palavra-passe com uma ligação',
};

const tables = { en: { ...en }, pt: { ...pt } };
let lang = 'en';

/** Add a page's own words (both languages); the admin pages do, on import. */
export function addWords(words) {
  Object.assign(tables.en, words.en);
  Object.assign(tables.pt, words.pt);
}

/** The browser's languages, most wanted first ([] outside a browser). */
function browserLangs() {
  if (typeof navigator === 'undefined') return [];
  return navigator.languages && navigator.languages.length ? [...navigator.languages] : [navigator.language || 'en'];
}

/**
 * 'en' or 'pt': the user's saved choice (`prefs.language`, as in the Messenger) when there is one,
 * else the first of `langs` (the browser's, by default) that we have words for, else English.
 */
export function pickLang(saved, langs = browserLangs()) {
  if (saved === 'en' || saved === 'pt') return saved;
  for (const l of langs) {
    const base = String(l).toLowerCase().slice(0, 2);
    if (base === 'en' || base === 'pt') return base;
  }
  return 'en';
}

/** Use `pickLang(saved)` from now on, and say so in `<html lang>`. */
export function setLang(saved) {
  lang = pickLang(saved);
  if (typeof document !== 'undefined') document.documentElement.lang = lang === 'pt' ? 'pt-PT' : 'en';
  return lang;
}

export function currentLang() { return lang; }

/** The words for `key` in the current language, `{name}` slots filled from `vars`. */
export function t(key, vars = {}) {
  const s = tables[lang][key] ?? tables.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/**
 * The locale for dates and numbers: the chosen language with the browser's region, so an en-GB
 * reader gets 24-hour times and an en-US one 12-hour, whatever the words are in. Portuguese without a
 * region is pt-PT, like the words.
 */
export function locale(langs = browserLangs()) {
  const same = langs.find((l) => String(l).toLowerCase().slice(0, 2) === lang && /^[a-z]{2}-[a-z]{2}$/i.test(l));
  const region = same ? same.slice(3) : langs.map((l) => /^[a-z]{2,3}-([a-z]{2})$/i.exec(String(l))?.[1]).find(Boolean);
  const wanted = region ? `${lang}-${region.toUpperCase()}` : lang === 'pt' ? 'pt-PT' : 'en';
  try { return Intl.getCanonicalLocales(wanted)[0]; } catch { return lang; }
}

/** A date and time (`ms` since the epoch) as this reader writes them; '—' for none. */
export function fmtTime(ms, opts = { dateStyle: 'medium', timeStyle: 'short' }) {
  if (!ms) return '—';
  return new Intl.DateTimeFormat(locale(), opts).format(new Date(ms));
}

/** How long ago `ms` was: "Just now", "5 minutes ago", "3 days ago", then the date; `never` for none. */
export function ago(ms, now = Date.now()) {
  if (!ms) return t('never');
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return t('justNow');
  const rel = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
  if (s < 3600) return rel.format(-Math.round(s / 60), 'minute');
  if (s < 86400) return rel.format(-Math.round(s / 3600), 'hour');
  if (s < 86400 * 14) return rel.format(-Math.round(s / 86400), 'day');
  return fmtTime(ms, { dateStyle: 'medium' });
}

/**
 * Put the current language's words into the page's static text: `data-i18n="key"` sets the text,
 * `data-i18n-placeholder`, `data-i18n-aria-label` and `data-i18n-title` set those attributes (a
 * `<title data-i18n>` sets the document's title).
 */
export function translatePage(root = document) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.getAttribute('data-i18n'));
  for (const attr of ['placeholder', 'aria-label', 'title']) {
    for (const e of root.querySelectorAll(`[data-i18n-${attr}]`)) e.setAttribute(attr, t(e.getAttribute(`data-i18n-${attr}`)));
  }
}

/**
 * What to tell a person about a failed call (an HttpError from ./http.js): no connection, too many
 * sign-ins, a refused field we have words for (the server names it: "password: must be …"), else
 * the words `byStatus` gives for its status, else the server's own message.
 */
export function explain(e, byStatus = {}) {
  if (e.status === 0) return t('errNetwork');
  if (byStatus[e.status]) return t(byStatus[e.status]);
  if (e.status === 429) return t('errTooMany', { minutes: Math.max(1, Math.ceil((e.retryAfter || 60) / 60)) });
  const field = /^(\w+):/.exec(e.data?.error || '')?.[1];
  const fields = { email: 'errEmail', name: 'errName', password: 'errPassword', helpdesk_name: 'errHelpdeskName' };
  if (e.status === 422 && fields[field]) return t(fields[field]);
  return e.data?.error || t('errRequest', { status: e.status });
}

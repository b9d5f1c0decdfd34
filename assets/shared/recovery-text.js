// Every word of password recovery, in English and Portuguese: the sign-in page's "Forgot password?",
// the reset and forgot-password page (reset.js), the Team page's reset links (admin/team.js) and
// their audit log lines (admin/audit.js). Kept in one module so it can be folded into the pages'
// dictionaries later. `pick()` chooses by the browser's language; `fill(s, {name})` fills `{name}`.

export const strings = {
  en: {
    forgotLink: 'Forgot password?',
    forgotTitle: 'Forgot your password?',
    forgotAsk: 'Ask an admin of your help desk for a password reset link. They make one on the Team page of the admin pages; it works once, for 24 hours.',
    forgotAdmin: 'Are you the admin, and locked out? On the server, run:',
    forgotCommand: 'frontdesk admin reset-password --email you@example.com',
    forgotAdminAfter: 'It prints a one-time link to open in your browser (add --data DIR if your data is not in ./frontdesk-data).',
    backToSignIn: 'Back to sign in',

    resetTitle: 'Choose a new password',
    checking: 'Checking your link…',
    resetLead: 'Set a new password for {name}. You will be signed out everywhere else. This link works until {time}.',
    email: 'Email',
    newPassword: 'New password',
    repeatPassword: 'Repeat the new password',
    passwordHint: 'At least 10 characters.',
    submit: 'Set password and sign in',
    tooShort: 'The password must be at least 10 characters.',
    mismatch: 'The two passwords are not the same.',
    cannotUse: 'This link cannot be used',
    gone: 'This link was already used or has expired; ask an admin for a new one.',
    unknown: 'This link is not valid. Check that you copied all of it, or ask an admin for a new one.',
    tooMany: 'Too many tries with unknown links from this address. Try again in {n} minutes.',
    offline: 'Cannot reach the server. Check your connection and try again.',
    failed: 'Something went wrong ({status}). Try again.',

    resetAction: 'Reset password',
    resetActionFor: 'Reset password for {name}',
    resetFailed: 'Could not make a reset link.',
    resetHeading: 'Password reset link for {name}',
    resetSend: 'Send it to {name} ({email}) yourself. It works once, until {time}, and is shown only now. Making another link cancels this one.',
    copyLink: 'Copy link',
    copied: 'Link copied.',
    copyByHand: 'Select the link and copy it with Ctrl+C.',

    auditCreate: 'Made a password reset link',
    auditUse: 'Set a new password with a reset link',
  },
  pt: {
    forgotLink: 'Esqueceu-se da palavra-passe?',
    forgotTitle: 'Esqueceu-se da palavra-passe?',
    forgotAsk: 'Peça a um administrador do seu apoio uma ligação para repor a palavra-passe. Cria-a na página Equipa da administração; funciona uma vez, durante 24 horas.',
    forgotAdmin: 'É o administrador e ficou sem acesso? No servidor, execute:',
    forgotCommand: 'frontdesk admin reset-password --email voce@example.com',
    forgotAdminAfter: 'Mostra uma ligação de uso único para abrir no navegador (junte --data DIR se os dados não estiverem em ./frontdesk-data).',
    backToSignIn: 'Voltar ao início de sessão',

    resetTitle: 'Escolha uma nova palavra-passe',
    checking: 'A verificar a ligação…',
    resetLead: 'Defina uma nova palavra-passe para {name}. A sua sessão termina em todos os outros sítios. Esta ligação funciona até {time}.',
    email: 'Email',
    newPassword: 'Nova palavra-passe',
    repeatPassword: 'Repita a nova palavra-passe',
    passwordHint: 'Pelo menos 10 caracteres.',
    submit: 'Definir palavra-passe e entrar',
    tooShort: 'A palavra-passe tem de ter pelo menos 10 caracteres.',
    mismatch: 'As duas palavras-passe não são iguais.',
    cannotUse: 'Esta ligação não pode ser usada',
    gone: 'Esta ligação já foi usada ou expirou; peça uma nova a um administrador.',
    unknown: 'Esta ligação não é válida. Verifique se a copiou por inteiro, ou peça uma nova a um administrador.',
    tooMany: 'Demasiadas tentativas com ligações desconhecidas a partir deste endereço. Tente de novo daqui a {n} minutos.',
    offline: 'Não foi possível contactar o servidor. Verifique a ligação à rede e tente de novo.',
    failed: 'Algo correu mal ({status}). Tente de novo.',

    resetAction: 'Repor palavra-passe',
    resetActionFor: 'Repor palavra-passe de {name}',
    resetFailed: 'Não foi possível criar a ligação.',
    resetHeading: 'Ligação para repor a palavra-passe de {name}',
    resetSend: 'Envie-a a {name} ({email}). Funciona uma vez, até {time}, e só é mostrada agora. Criar outra ligação cancela esta.',
    copyLink: 'Copiar ligação',
    copied: 'Ligação copiada.',
    copyByHand: 'Selecione a ligação e copie-a com Ctrl+C.',

    auditCreate: 'Criou uma ligação para repor a palavra-passe',
    auditUse: 'Definiu uma nova palavra-passe com uma ligação',
  },
};

/** 'pt' for a Portuguese browser (pt, pt-PT, pt-BR, …), else 'en'. */
export function lang() {
  return /^pt\b/i.test(navigator.language || '') ? 'pt' : 'en';
}

/** The words in the browser's language. */
export function pick() {
  return strings[lang()];
}

/** `s` with each `{key}` replaced by `vars[key]`. */
export function fill(s, vars) {
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

/** A time (Unix ms) as this browser's locale writes a date and time. */
export function when(ms) {
  return new Date(ms).toLocaleString(navigator.language || undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

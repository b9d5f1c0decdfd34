// The widget's words in English and Portuguese. `pick(setting)` follows the visitor's browser unless
// the admin fixed a language.

const en = {
  open: 'Open chat', close: 'Close chat', unread: '{n} unread', minimize: 'Close chat',
  online: 'Online', away: 'Away', mute: 'Mute sounds', chat: 'Chat',
  write: 'Write a message…', send: 'Send', sending: 'Sending…', sent: 'Sent', seen: 'Seen',
  failed: 'Not sent.', retry: 'Retry', deleted: 'This message was deleted', edited: 'edited',
  typing: '{name} is typing…', someone: 'Someone', you: 'You',
  tooLong: 'Your message is too long (at most 16 KB). Please shorten it or split it in two.',
  slowDown: "Slow down — you're sending messages too fast. We'll send it in a moment.",
  reconnecting: 'Reconnecting…', older: 'Loading earlier messages…',
  prechatTitle: 'Before we start', prechatOptional: 'Tell us who you are, so we can follow up (optional).',
  prechatRequired: 'Tell us who you are, so we can follow up.', name: 'Name', email: 'Email',
  start: 'Start chat', skip: 'Skip', emailAsk: "Leave your email and we'll reply there too.", emailAskNoMail: 'Leave your email so we can get back to you.',
  emailSave: 'Save', emailSaved: "Thanks! We'll reply to {email}.", badEmail: 'Enter an address like name@example.com',
  needEmail: 'Please enter your email to start.', powered: 'Powered by Frontdesk', error: 'Something went wrong. Please try again.',
  newMessage: 'New message from {name}', notAllowed: 'This chat is not available on this site.',
  'conversation.closed': 'This conversation was closed', 'conversation.reopened': 'This conversation was reopened',
  transcript: 'Send me the transcript', transcriptTo: 'Send this conversation to', transcriptSend: 'Send',
  transcriptSent: 'Sent to {email}. Check your inbox.', cancel: 'Cancel',
  linkExpired: 'That link has expired. Write to us here and we will answer.',
  attach: 'Attach files', remove: 'Remove', uploading: 'Uploading', waiting: 'Waiting for the network…',
  files: 'Files', download: 'Download', openImage: 'Open image', dropHere: 'Drop files to send them',
  tooBig: 'Too large: the limit is {n} MiB a file.', tooMany: 'At most 10 files a message.', fileFailed: 'A file could not be sent:',
  'csat.requested': 'How would you rate this conversation?', csatStars: '{n} of 5 stars', csatUp: 'Good', csatDown: 'Bad',
  csatComment: 'Add a comment (optional)', csatSend: 'Send rating', csatThanks: 'Thanks for your rating!', csatYours: 'Your rating: {score}',
};

const pt = {
  open: 'Abrir chat', close: 'Fechar chat', unread: '{n} por ler', minimize: 'Fechar chat',
  online: 'Online', away: 'Ausente', mute: 'Silenciar sons', chat: 'Chat',
  write: 'Escreva uma mensagem…', send: 'Enviar', sending: 'A enviar…', sent: 'Enviada', seen: 'Vista',
  failed: 'Não enviada.', retry: 'Tentar de novo', deleted: 'Esta mensagem foi apagada', edited: 'editada',
  typing: '{name} está a escrever…', someone: 'Alguém', you: 'Você',
  tooLong: 'A mensagem é demasiado longa (máximo 16 KB). Encurte-a ou divida-a em duas.',
  slowDown: 'Mais devagar — está a enviar mensagens depressa demais. Enviamos daqui a pouco.',
  reconnecting: 'A restabelecer a ligação…', older: 'A carregar mensagens anteriores…',
  prechatTitle: 'Antes de começar', prechatOptional: 'Diga-nos quem é, para podermos dar seguimento (opcional).',
  prechatRequired: 'Diga-nos quem é, para podermos dar seguimento.', name: 'Nome', email: 'Email',
  start: 'Começar', skip: 'Saltar', emailAsk: 'Deixe o seu email e respondemos também por lá.', emailAskNoMail: 'Deixe o seu email para lhe podermos responder.',
  emailSave: 'Guardar', emailSaved: 'Obrigado! Respondemos para {email}.', badEmail: 'Escreva um endereço como nome@exemplo.com',
  needEmail: 'Escreva o seu email para começar.', powered: 'Com tecnologia Frontdesk', error: 'Algo correu mal. Tente de novo.',
  newMessage: 'Nova mensagem de {name}', notAllowed: 'Este chat não está disponível neste site.',
  'conversation.closed': 'Esta conversa foi encerrada', 'conversation.reopened': 'Esta conversa foi reaberta',
  transcript: 'Enviar-me a conversa por email', transcriptTo: 'Enviar esta conversa para', transcriptSend: 'Enviar',
  transcriptSent: 'Enviada para {email}. Veja a sua caixa de correio.', cancel: 'Cancelar',
  linkExpired: 'Esse link expirou. Escreva-nos aqui e respondemos.',
  attach: 'Anexar ficheiros', remove: 'Remover', uploading: 'A enviar', waiting: 'À espera de rede…',
  files: 'Ficheiros', download: 'Descarregar', openImage: 'Abrir imagem', dropHere: 'Largue os ficheiros para os enviar',
  tooBig: 'Demasiado grande: o limite é {n} MiB por ficheiro.', tooMany: 'No máximo 10 ficheiros por mensagem.', fileFailed: 'Um ficheiro não pôde ser enviado:',
  'csat.requested': 'Como avalia esta conversa?', csatStars: '{n} de 5 estrelas', csatUp: 'Boa', csatDown: 'Má',
  csatComment: 'Acrescente um comentário (opcional)', csatSend: 'Enviar avaliação', csatThanks: 'Obrigado pela sua avaliação!', csatYours: 'A sua avaliação: {score}',
};

/** The language code to use: the admin's choice, or the browser's when `auto`. */
export function pick(setting) {
  if (setting === 'en' || setting === 'pt') return setting;
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const l of langs) {
    const base = String(l).toLowerCase().slice(0, 2);
    if (base === 'pt' || base === 'en') return base;
  }
  return 'en';
}

/**
 * The locale for dates and times: the visitor's own (an en-GB browser reads 24-hour times) when it is
 * in the widget's language, else the language alone.
 */
export function timeLocale(lang) {
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || lang];
  const own = langs.find((l) => String(l).toLowerCase().slice(0, 2) === lang);
  try { return Intl.DateTimeFormat.supportedLocalesOf([own || lang])[0] || lang; } catch { return lang; }
}

/** The words for `lang`, with `{name}`-style slots filled by `fmt`. */
export function words(lang) {
  return lang === 'pt' ? pt : en;
}

export function fmt(s, vars) {
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars && k in vars ? String(vars[k]) : ''));
}

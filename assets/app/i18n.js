// The Messenger's words in English and Portuguese. Every string the agent sees comes from here:
// `t('key', {name})` fills `{name}`; `setLang()` picks the language (browser, or the user's override).

const en = {
  appTitle: 'Messenger', conversations: 'Conversations', messages: 'Messages', fromCustomers: 'From customers', mine: 'My conversations',
  open: 'Open', closed: 'Closed', noOpen: 'No open conversations', noClosed: 'No closed conversations',
  noOpenHint: 'New conversations will appear here.', loadMore: 'Load more', loading: 'Loading…',
  unreadN: '{n} unread', unreadMark: 'Unread', statusOpen: 'Open', statusClosed: 'Closed',
  teamConversation: 'Team conversation', customer: 'Customer', you: 'You', youPrefix: 'You: ', system: 'System',
  nothingSelected: 'Pick a conversation', nothingSelectedHint: 'Choose one on the left, or start a chat with your team.',
  close: 'Close', reopen: 'Reopen', follow: 'Follow', following: 'Following', unfollow: 'Stop following',
  closeAndNext: 'Close and go to next', back: 'Back to conversations', details: 'Details',
  composer: 'Write a reply', composerHint: 'Enter to send, Shift+Enter for a new line', send: 'Send',
  composerClosed: 'This conversation is closed. Sending a reply reopens it.',
  sending: 'Sending…', sent: 'Sent', failed: 'Not sent', retry: 'Retry', edited: 'edited',
  deletedMsg: 'This message was deleted', typing: '{name} is typing…', someone: 'Someone',
  olderLoading: 'Loading earlier messages…', beginning: 'This is the beginning of the conversation.',
  newerLoad: 'Show newer messages', today: 'Today', yesterday: 'Yesterday', jumpLatest: 'Jump to latest',
  messageActions: 'Message actions', showCustomer: 'Show customer data', showUser: 'Show user data',
  edit: 'Edit', delete: 'Delete', save: 'Save', cancel: 'Cancel',
  confirmDelete: 'Delete this message?', confirmDeleteHint: 'Everyone in the conversation will see that it was deleted.',
  customerData: 'Customer', userData: 'Teammate', name: 'Name', email: 'Email', localTime: 'Local time',
  page: 'Current page', language: 'Browser language', firstSeen: 'First seen', lastSeen: 'Last seen',
  browser: 'Browser', referrer: 'Came from', verified: 'Verified', pastConversations: 'Conversations',
  role: 'Role', roleAdmin: 'Admin', roleAgent: 'Agent', supportAgent: 'Customer support', unknown: '—',
  closePanel: 'Close panel', search: 'Search', searchPlaceholder: 'Search conversations', searchHint: 'Press / to search',
  searchNone: 'No results for “{q}”', searchResults: 'Messages', searchConversations: 'Conversations', searchMore: 'More results',
  newTeamChat: 'New team chat', teamChatTitle: 'Start a conversation with your team',
  chooseTeammates: 'Teammates', subject: 'Subject (optional)', firstMessage: 'Message', start: 'Start conversation',
  chooseOne: 'Choose at least one teammate.', noTeammates: 'No teammates yet. An admin can add them in the admin pages.',
  helpdeskOnline: 'Help desk online', helpdeskOffline: 'Help desk offline',
  helpdeskOnlineHint: 'Customers see that you are here.', helpdeskOfflineHint: "Customers see that you'll answer later.",
  online: 'Online', offline: 'Offline', signOut: 'Sign out', settings: 'Settings', shortcuts: 'Keyboard shortcuts',
  languageSetting: 'Language', langAuto: 'Browser default', notificationsSetting: 'Sound and notifications',
  notificationsOn: 'On', notificationsOff: 'Off', menu: 'Menu',
  reconnecting: 'Connection lost. Reconnecting…', reconnected: 'Back online',
  kbPrevNext: 'Previous / next conversation', kbSearch: 'Search', kbEsc: 'Close panels and menus',
  kbCloseNext: 'Close conversation and go to next', kbSend: 'Send message', kbNewline: 'New line', kbHelp: 'Show this list',
  newConversation: 'New conversation from {name}', newMessageFrom: 'New message from {name}',
  errorGeneric: 'Something went wrong. Please try again.', errorOffline: 'You are offline. It will be sent when you are back.',
  participants: '{names}', andYou: '{names} and you', membersN: '{n} people',
  justNow: 'now', minutesAgo: '{n} min', conversationsOf: 'Conversations with {name}',
  viewConversation: 'Open', startedAt: 'Started {date}',
};

const pt = {
  appTitle: 'Messenger', conversations: 'Conversas', messages: 'Mensagens', fromCustomers: 'De clientes', mine: 'As minhas conversas',
  open: 'Abertas', closed: 'Fechadas', noOpen: 'Nenhuma conversa aberta', noClosed: 'Nenhuma conversa fechada',
  noOpenHint: 'As novas conversas aparecem aqui.', loadMore: 'Carregar mais', loading: 'A carregar…',
  unreadN: '{n} por ler', unreadMark: 'Por ler', statusOpen: 'Aberta', statusClosed: 'Fechada',
  teamConversation: 'Conversa de equipa', customer: 'Cliente', you: 'Você', youPrefix: 'Você: ', system: 'Sistema',
  nothingSelected: 'Escolha uma conversa', nothingSelectedHint: 'Escolha uma à esquerda, ou comece uma conversa com a equipa.',
  close: 'Fechar', reopen: 'Reabrir', follow: 'Seguir', following: 'A seguir', unfollow: 'Deixar de seguir',
  closeAndNext: 'Fechar e passar à seguinte', back: 'Voltar às conversas', details: 'Detalhes',
  composer: 'Escreva uma resposta', composerHint: 'Enter para enviar, Shift+Enter para nova linha', send: 'Enviar',
  composerClosed: 'Esta conversa está fechada. Responder reabre-a.',
  sending: 'A enviar…', sent: 'Enviada', failed: 'Não enviada', retry: 'Tentar de novo', edited: 'editada',
  deletedMsg: 'Esta mensagem foi apagada', typing: '{name} está a escrever…', someone: 'Alguém',
  olderLoading: 'A carregar mensagens anteriores…', beginning: 'Este é o início da conversa.',
  newerLoad: 'Mostrar mensagens mais recentes', today: 'Hoje', yesterday: 'Ontem', jumpLatest: 'Ir para o fim',
  messageActions: 'Ações da mensagem', showCustomer: 'Ver dados do cliente', showUser: 'Ver dados do utilizador',
  edit: 'Editar', delete: 'Apagar', save: 'Guardar', cancel: 'Cancelar',
  confirmDelete: 'Apagar esta mensagem?', confirmDeleteHint: 'Todos na conversa verão que foi apagada.',
  customerData: 'Cliente', userData: 'Colega', name: 'Nome', email: 'Email', localTime: 'Hora local',
  page: 'Página atual', language: 'Idioma do navegador', firstSeen: 'Visto pela primeira vez', lastSeen: 'Visto pela última vez',
  browser: 'Navegador', referrer: 'Veio de', verified: 'Verificado', pastConversations: 'Conversas',
  role: 'Função', roleAdmin: 'Administrador', roleAgent: 'Agente', supportAgent: 'Apoio ao cliente', unknown: '—',
  closePanel: 'Fechar painel', search: 'Pesquisar', searchPlaceholder: 'Pesquisar conversas', searchHint: 'Prima / para pesquisar',
  searchNone: 'Sem resultados para “{q}”', searchResults: 'Mensagens', searchConversations: 'Conversas', searchMore: 'Mais resultados',
  newTeamChat: 'Nova conversa de equipa', teamChatTitle: 'Começar uma conversa com a equipa',
  chooseTeammates: 'Colegas', subject: 'Assunto (opcional)', firstMessage: 'Mensagem', start: 'Começar conversa',
  chooseOne: 'Escolha pelo menos um colega.', noTeammates: 'Ainda não há colegas. Um administrador pode adicioná-los.',
  helpdeskOnline: 'Apoio online', helpdeskOffline: 'Apoio offline',
  helpdeskOnlineHint: 'Os clientes veem que está presente.', helpdeskOfflineHint: 'Os clientes veem que responderá mais tarde.',
  online: 'Online', offline: 'Offline', signOut: 'Terminar sessão', settings: 'Definições', shortcuts: 'Atalhos de teclado',
  languageSetting: 'Idioma', langAuto: 'Predefinição do navegador', notificationsSetting: 'Som e notificações',
  notificationsOn: 'Ligadas', notificationsOff: 'Desligadas', menu: 'Menu',
  reconnecting: 'Ligação perdida. A restabelecer…', reconnected: 'Ligação restabelecida',
  kbPrevNext: 'Conversa anterior / seguinte', kbSearch: 'Pesquisar', kbEsc: 'Fechar painéis e menus',
  kbCloseNext: 'Fechar a conversa e passar à seguinte', kbSend: 'Enviar mensagem', kbNewline: 'Nova linha', kbHelp: 'Mostrar esta lista',
  newConversation: 'Nova conversa de {name}', newMessageFrom: 'Nova mensagem de {name}',
  errorGeneric: 'Algo correu mal. Tente de novo.', errorOffline: 'Está offline. Será enviada quando a ligação voltar.',
  participants: '{names}', andYou: '{names} e você', membersN: '{n} pessoas',
  justNow: 'agora', minutesAgo: '{n} min', conversationsOf: 'Conversas com {name}',
  viewConversation: 'Abrir', startedAt: 'Começou {date}',
};

const tables = { en, pt };
let lang = 'en';

/** The language to use: the user's override ('en' | 'pt'), else the browser's. */
export function setLang(override) {
  if (override === 'en' || override === 'pt') lang = override;
  else lang = (navigator.languages || [navigator.language || 'en']).some((l) => /^pt\b/i.test(l)) ? 'pt' : 'en';
  document.documentElement.lang = lang;
  return lang;
}

export function currentLang() { return lang; }

/** The word for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const s = tables[lang][key] ?? en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

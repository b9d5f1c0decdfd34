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
  // Tickets and tasks ([S8], [S9])
  ticket: 'Ticket', task: 'Task', tickets: 'Tickets', tasks: 'Tasks', itemsTitle: 'Tickets & tasks',
  st_new: 'New', st_open: 'Open', st_in_progress: 'In progress', st_waiting: 'Waiting', st_resolved: 'Resolved', st_closed: 'Closed',
  pr_low: 'Low', pr_normal: 'Normal', pr_high: 'High', pr_urgent: 'Urgent',
  createTicket: 'Create ticket', createTask: 'Create task', linkExisting: 'Link to existing', unlink: 'Unlink',
  conversationActions: 'Conversation actions', showItemDetails: 'Show item details', itemDetails: 'Item details',
  unlinkQ: 'Unlink from {name}?', unlinkHint: 'The conversation stays as it is; the ticket keeps a note in its activity.',
  newTicket: 'New ticket', newTask: 'New task', itemTitle: 'Title', description: 'Description', status: 'Status', priority: 'Priority',
  requester: 'Requester', assignees: 'Assignees', followers: 'Followers', addAssignee: 'Add assignee', addFollower: 'Add follower',
  removePerson: 'Remove {name}', remove: 'Remove', nobody: 'Nobody yet', titleRequired: 'Give it a title.',
  linkTitle: 'Link to an existing ticket or task', linkSearch: 'Search by number or words', linkSearchHint: '#42 or words from the title',
  matchingItems: 'Matching tickets and tasks', noItemsFound: 'No matching tickets or tasks.',
  followItem: 'Follow this item', descriptionPlaceholder: 'Add a description', created: 'Created', createdBy: 'by {name}, {date}',
  linkedConversations: 'Linked conversations', noLinkedConversations: 'No linked conversations.', activity: 'Activity',
  actCreated: '{who} created it', actTitle: '{who} renamed it “{to}”', actDescription: '{who} edited the description',
  actStatus: '{who} changed the status from {from} to {to}', actPriority: '{who} changed the priority from {from} to {to}',
  actAssignees: '{who} set the assignees: {to}', actAssigneesNone: '{who} removed every assignee',
  actFollowers: '{who} set the followers: {to}', actFollowersNone: '{who} removed every follower',
  actFollowed: '{who} started following', actUnfollowed: '{who} stopped following',
  actLinked: '{who} linked a conversation', actUnlinked: '{who} unlinked a conversation',
  itemsSearch: 'Search tickets and tasks', kindFilter: 'Kind', allKinds: 'Tickets and tasks', statusFilter: 'Status',
  anyStatus: 'Any status', assignedToMe: 'Assigned to me', itemsCount: '{n} items', itemsCountOne: '1 item', noItems: 'No tickets or tasks',
  noItemsHint: 'Create one from a conversation, or change the filters.', assignedTo: 'Assigned to {names}', unassigned: 'Unassigned',
  // The help desk's state and why ([S12]); {time} is when it changes by itself
  hdBusinessHours: 'Business hours', hdBusinessHoursUntil: 'Business hours · offline at {time}',
  hdOutsideHours: 'Outside business hours', hdOutsideHoursUntil: 'Outside business hours · online at {time}',
  hdNoAgents: 'No agent online', hdOverrideOn: 'Switched on by hand · business hours resume at {time}',
  hdOverrideOff: 'Switched off by hand · business hours resume at {time}',
  // Elsewhere
  admin: 'Admin', widgetPreview: 'Widget preview', newTab: '(opens in a new tab)',
  // System lines, from their code ([S6], [S8])
  sys_closed: 'Closed by {by}', sys_reopened: 'Reopened by {by}',
  sys_ticket_created: 'Ticket #{number} created by {by}', sys_task_created: 'Task #{number} created by {by}',
  sys_ticket_linked: 'Linked to ticket #{number} by {by}', sys_task_linked: 'Linked to task #{number} by {by}',
  sys_ticket_unlinked: 'Unlinked from ticket #{number} by {by}', sys_task_unlinked: 'Unlinked from task #{number} by {by}',
  // issue 15: assignment
  viewsLabel: 'Views by assignee', viewUnassigned: 'Unassigned', viewMine: 'Mine', viewAll: 'All', openCount: 'open',
  assignee: 'Assignee', assignTitle: 'Assign conversation', assignToMe: 'Assign to me', takers: 'Teammates who take live chats',
  openChatsN: '{n} open', stOnline: 'Online', stAway: 'Away', stOffline: 'Offline', assignedNow: 'Assigned',
  assignNote: 'Note for the new assignee (optional)', assignNoteHint: 'Only your team sees it, in the conversation.',
  assignBtn: 'Assign', transferBtn: 'Transfer', unassignBtn: 'Unassign', noTakers: 'Nobody can take live chats yet.',
  myStatus: 'Your status', switchToAway: 'Switch to Away', switchToOnline: 'Switch to Online',
  notifyAssigned: '{by} assigned you {name}', notifyTransferred: '{by} transferred {name} to you', notifyAuto: 'New conversation for you: {name}',
  rowForYou: 'Assigned to you', rowAssignedTo: 'Assigned to {name}',
  'sys.conversation.assigned': 'Assigned to {to} by {by}', 'sys.conversation.assigned.self': '{by} took this conversation',
  'sys.conversation.assigned.auto': 'Assigned to {to} automatically', 'sys.conversation.unassigned': 'Unassigned by {by}',
  'sys.conversation.transferred': 'Transferred to {to} by {by}', 'sys.conversation.transferred.self': '{by} took over this conversation',
  'sys.note': '{line}: “{note}”',
  // issue 20: satisfaction and reports
  'sys.csat.requested': 'The customer was asked to rate this conversation', 'sys.csat.rated': 'The customer rated this conversation {score}',
  csatScore: '{n}/5', csatUp: 'thumbs up', csatDown: 'thumbs down', csatTitle: 'Satisfaction', myReports: 'My reports',
  csatLow: '{name} gave a low rating', someoneCustomer: 'A customer',
  // issue 15: labels and customer records
  labels: 'Labels', labelsAdd: 'Add a label', labelsEdit: 'Add or remove labels', moreLabels: '+{n}', labelFind: 'Find a label',
  labelHint: 'Enter adds or removes · Esc closes', labelsManage: 'Manage labels', labelNoMatch: 'No label matches.',
  labelsNone: 'No labels yet. An admin creates them in Admin → Labels.', labelFilter: 'Label', allLabels: 'All labels',
  labelFilterClear: 'Show all', seen: 'Seen',
  customerName: 'Name', customerEmail: 'Email', customerPhone: 'Phone', customerNote: 'Note', customerEdit: 'Edit customer',
  customerEditTitle: 'Edit customer', customerNoteHint: 'Only your team sees this. At most 4 KiB.', customerNameNeeded: 'Enter a name.',
  customerNoteTooLong: 'The note is too long: at most 4 KiB.', customerSaved: 'Customer saved.',
  // issue 15: replies
  savedReplies: 'Saved replies', savedRepliesHint: 'Type / and a shortcut in a reply to insert one.',
  manageMyReplies: 'My saved replies', myReplies: 'My saved replies',
  apiTokens: 'API tokens', apiTokensHint: 'Let a program use the API as you.', manageApiTokens: 'My API tokens',
  myRepliesLead: 'Only you see these. In a reply, type / and the shortcut (or use the ⚡ button) to insert one; it stays editable before you send.',
  pickerKeys: '↑↓ to choose · Enter to insert · Esc to close', insertSavedReply: 'Insert a saved reply',
  insertSavedReplyTitle: 'Insert a saved reply (or type /)', replyPtTitle: 'The Portuguese version: the customer reads Portuguese',
  replyPersonal: 'Personal', noRepliesYet: 'No saved replies yet.',
  repliesFound: 'Saved replies: {n}. Up and down arrows to choose, Enter to insert.', replyInserted: 'Inserted “{title}”. Edit it before sending.',
  replyPtVariant: 'Portuguese version (optional)', replyPtHint: 'Used when the customer reads Portuguese; empty: the English text.',
  replyTitlePt: 'Title in Portuguese', replyBodyPt: 'Text in Portuguese', replyTitle: 'Title', replyShortcut: 'Shortcut',
  replyShortcutHint: 'Type /shortcut in a reply. Lowercase letters, digits, - and _.', replyBody: 'Text',
  placeholdersHint: 'Filled in when inserted: {{customer.name}}, {{customer.first_name}}, {{customer.email}}, {{agent.name}}, {{desk.name}}.',
  newReply: 'New reply', editReply: 'Edit /{shortcut}', replySaved: 'Saved /{shortcut}.', replyAdded: 'Added /{shortcut}.',
  editReplyNamed: 'Edit /{shortcut}', deleteReplyNamed: 'Delete /{shortcut}', confirmDeleteReply: 'Really delete?',
  confirmDeleteReplyNamed: 'Really delete /{shortcut}?', replyDeleted: 'Deleted /{shortcut}.',
  noPersonalReplies: 'You have no saved replies of your own yet.', sharedReplies: 'Shared replies', sharedRepliesN: 'Shared replies ({n})',
  sharedRepliesAdmin: 'Everyone on the team can use these. Change them in Admin → Saved replies.',
  sharedRepliesAgent: 'Everyone on the team can use these; admins change them.', replyGoneElsewhere: 'That reply was deleted elsewhere.',
  // issue 15: notes
  note: 'Note', privateNote: 'Private note', noteHint: 'Note — only your team sees this', notePlaceholder: 'Write a private note',
  addNote: 'Add note', composerClosedNote: 'This conversation is closed. A note leaves it closed.', notePreview: 'Note: {text}',
  kbNote: 'Switch between reply and private note', mentionPicker: 'Mention a teammate', mentionCount: '{n} teammates',
  mentionNone: 'No teammate by that name', mentionedYou: '{name} mentioned you', mentionMark: 'You were mentioned',
  // issue 16: replies by mail held for an agent
  heldMail: 'A reply by email is waiting.', heldMailFrom: 'It came from {from}, not from the address the customer left.',
  heldAccept: 'Post it as the customer', heldReject: 'Reject',
  // issue 17: files
  attach: 'Attach files', files: 'Files', openImage: 'Open image', download: 'Download', uploading: 'Uploading',
  uploadWaiting: 'Waiting for the network…', remove: 'Remove', dropHere: 'Drop files to attach them',
  fileTooBig: 'Too large: the limit is {n} MiB a file.', tooManyFiles: 'At most 10 files a message.', filesPreview: 'Files: {names}',
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
  // Pedidos e tarefas ([S8], [S9])
  ticket: 'Pedido', task: 'Tarefa', tickets: 'Pedidos', tasks: 'Tarefas', itemsTitle: 'Pedidos e tarefas',
  st_new: 'Novo', st_open: 'Aberto', st_in_progress: 'Em curso', st_waiting: 'Em espera', st_resolved: 'Resolvido', st_closed: 'Fechado',
  pr_low: 'Baixa', pr_normal: 'Normal', pr_high: 'Alta', pr_urgent: 'Urgente',
  createTicket: 'Criar pedido', createTask: 'Criar tarefa', linkExisting: 'Ligar a existente', unlink: 'Desligar',
  conversationActions: 'Ações da conversa', showItemDetails: 'Ver detalhes do item', itemDetails: 'Detalhes do item',
  unlinkQ: 'Desligar de {name}?', unlinkHint: 'A conversa fica como está; o pedido guarda uma nota na atividade.',
  newTicket: 'Novo pedido', newTask: 'Nova tarefa', itemTitle: 'Título', description: 'Descrição', status: 'Estado', priority: 'Prioridade',
  requester: 'Requerente', assignees: 'Responsáveis', followers: 'Seguidores', addAssignee: 'Adicionar responsável', addFollower: 'Adicionar seguidor',
  removePerson: 'Remover {name}', remove: 'Remover', nobody: 'Ninguém ainda', titleRequired: 'Dê-lhe um título.',
  linkTitle: 'Ligar a um pedido ou tarefa existente', linkSearch: 'Pesquisar por número ou palavras', linkSearchHint: '#42 ou palavras do título',
  matchingItems: 'Pedidos e tarefas encontrados', noItemsFound: 'Nenhum pedido ou tarefa encontrado.',
  followItem: 'Seguir este item', descriptionPlaceholder: 'Adicionar uma descrição', created: 'Criado', createdBy: 'por {name}, {date}',
  linkedConversations: 'Conversas ligadas', noLinkedConversations: 'Nenhuma conversa ligada.', activity: 'Atividade',
  actCreated: '{who} criou-o', actTitle: '{who} mudou o título para “{to}”', actDescription: '{who} editou a descrição',
  actStatus: '{who} mudou o estado de {from} para {to}', actPriority: '{who} mudou a prioridade de {from} para {to}',
  actAssignees: '{who} definiu os responsáveis: {to}', actAssigneesNone: '{who} removeu todos os responsáveis',
  actFollowers: '{who} definiu os seguidores: {to}', actFollowersNone: '{who} removeu todos os seguidores',
  actFollowed: '{who} começou a seguir', actUnfollowed: '{who} deixou de seguir',
  actLinked: '{who} ligou uma conversa', actUnlinked: '{who} desligou uma conversa',
  itemsSearch: 'Pesquisar pedidos e tarefas', kindFilter: 'Tipo', allKinds: 'Pedidos e tarefas', statusFilter: 'Estado',
  anyStatus: 'Qualquer estado', assignedToMe: 'Atribuídos a mim', itemsCount: '{n} itens', itemsCountOne: '1 item', noItems: 'Nenhum pedido ou tarefa',
  noItemsHint: 'Crie um a partir de uma conversa, ou mude os filtros.', assignedTo: 'Atribuído a {names}', unassigned: 'Sem responsável',
  // O estado do apoio e porquê ([S12])
  hdBusinessHours: 'Horário de funcionamento', hdBusinessHoursUntil: 'Horário de funcionamento · offline às {time}',
  hdOutsideHours: 'Fora do horário de funcionamento', hdOutsideHoursUntil: 'Fora do horário de funcionamento · online às {time}',
  hdNoAgents: 'Nenhum agente online', hdOverrideOn: 'Ligado manualmente · o horário volta a decidir às {time}',
  hdOverrideOff: 'Desligado manualmente · o horário volta a decidir às {time}',
  admin: 'Administração', widgetPreview: 'Pré-visualizar o widget', newTab: '(abre num novo separador)',
  // Linhas de sistema ([S6], [S8])
  sys_closed: 'Fechada por {by}', sys_reopened: 'Reaberta por {by}',
  sys_ticket_created: 'Pedido #{number} criado por {by}', sys_task_created: 'Tarefa #{number} criada por {by}',
  sys_ticket_linked: 'Ligada ao pedido #{number} por {by}', sys_task_linked: 'Ligada à tarefa #{number} por {by}',
  sys_ticket_unlinked: 'Desligada do pedido #{number} por {by}', sys_task_unlinked: 'Desligada da tarefa #{number} por {by}',
  // issue 15: assignment
  viewsLabel: 'Vistas por responsável', viewUnassigned: 'Por atribuir', viewMine: 'Minhas', viewAll: 'Todas', openCount: 'abertas',
  assignee: 'Responsável', assignTitle: 'Atribuir conversa', assignToMe: 'Atribuir a mim', takers: 'Colegas que atendem clientes',
  openChatsN: '{n} abertas', stOnline: 'Online', stAway: 'Ausente', stOffline: 'Offline', assignedNow: 'Atribuída',
  assignNote: 'Nota para o novo responsável (opcional)', assignNoteHint: 'Só a sua equipa a vê, na conversa.',
  assignBtn: 'Atribuir', transferBtn: 'Transferir', unassignBtn: 'Retirar responsável', noTakers: 'Ainda ninguém pode atender clientes.',
  myStatus: 'O seu estado', switchToAway: 'Mudar para Ausente', switchToOnline: 'Mudar para Online',
  notifyAssigned: '{by} atribuiu-lhe {name}', notifyTransferred: '{by} transferiu {name} para si', notifyAuto: 'Nova conversa para si: {name}',
  rowForYou: 'Atribuída a si', rowAssignedTo: 'Atribuída a {name}',
  'sys.conversation.assigned': 'Atribuída a {to} por {by}', 'sys.conversation.assigned.self': '{by} ficou com esta conversa',
  'sys.conversation.assigned.auto': 'Atribuída a {to} automaticamente', 'sys.conversation.unassigned': 'Responsável retirado por {by}',
  'sys.conversation.transferred': 'Transferida para {to} por {by}', 'sys.conversation.transferred.self': '{by} assumiu esta conversa',
  'sys.note': '{line}: “{note}”',
  // issue 20: satisfação e relatórios
  'sys.csat.requested': 'Foi pedido ao cliente que avaliasse esta conversa', 'sys.csat.rated': 'O cliente avaliou esta conversa com {score}',
  csatScore: '{n}/5', csatUp: 'polegar para cima', csatDown: 'polegar para baixo', csatTitle: 'Satisfação', myReports: 'Os meus relatórios',
  csatLow: '{name} deu uma avaliação baixa', someoneCustomer: 'Um cliente',
  // issue 15: etiquetas e registo do cliente
  labels: 'Etiquetas', labelsAdd: 'Adicionar etiqueta', labelsEdit: 'Adicionar ou remover etiquetas', moreLabels: '+{n}', labelFind: 'Procurar uma etiqueta',
  labelHint: 'Enter adiciona ou remove · Esc fecha', labelsManage: 'Gerir etiquetas', labelNoMatch: 'Nenhuma etiqueta corresponde.',
  labelsNone: 'Ainda não há etiquetas. Um administrador cria-as em Administração → Etiquetas.', labelFilter: 'Etiqueta', allLabels: 'Todas as etiquetas',
  labelFilterClear: 'Mostrar todas', seen: 'Vista',
  customerName: 'Nome', customerEmail: 'Email', customerPhone: 'Telefone', customerNote: 'Nota', customerEdit: 'Editar cliente',
  customerEditTitle: 'Editar cliente', customerNoteHint: 'Só a sua equipa a vê. No máximo 4 KiB.', customerNameNeeded: 'Indique um nome.',
  customerNoteTooLong: 'A nota é demasiado longa: no máximo 4 KiB.', customerSaved: 'Cliente guardado.',
  // issue 15: replies
  savedReplies: 'Respostas guardadas', savedRepliesHint: 'Escreva / e um atalho numa resposta para inserir uma.',
  manageMyReplies: 'As minhas respostas guardadas', myReplies: 'As minhas respostas guardadas',
  apiTokens: 'Tokens da API', apiTokensHint: 'Deixe um programa usar a API em seu nome.', manageApiTokens: 'Os meus tokens da API',
  myRepliesLead: 'Só você as vê. Numa resposta, escreva / e o atalho (ou use o botão ⚡) para inserir uma; pode editá-la antes de enviar.',
  pickerKeys: '↑↓ para escolher · Enter para inserir · Esc para fechar', insertSavedReply: 'Inserir uma resposta guardada',
  insertSavedReplyTitle: 'Inserir uma resposta guardada (ou escreva /)', replyPtTitle: 'A versão em português: o cliente lê português',
  replyPersonal: 'Pessoal', noRepliesYet: 'Ainda não há respostas guardadas.',
  repliesFound: 'Respostas guardadas: {n}. Setas para cima e para baixo para escolher, Enter para inserir.',
  replyInserted: '“{title}” inserida. Pode editá-la antes de enviar.',
  replyPtVariant: 'Versão em português (opcional)', replyPtHint: 'Usada quando o cliente lê português; vazia: o texto em inglês.',
  replyTitlePt: 'Título em português', replyBodyPt: 'Texto em português', replyTitle: 'Título', replyShortcut: 'Atalho',
  replyShortcutHint: 'Escreva /atalho numa resposta. Letras minúsculas, algarismos, - e _.', replyBody: 'Texto',
  placeholdersHint: 'Preenchidos ao inserir: {{customer.name}}, {{customer.first_name}}, {{customer.email}}, {{agent.name}}, {{desk.name}}.',
  newReply: 'Nova resposta', editReply: 'Editar /{shortcut}', replySaved: '/{shortcut} guardada.', replyAdded: '/{shortcut} adicionada.',
  editReplyNamed: 'Editar /{shortcut}', deleteReplyNamed: 'Apagar /{shortcut}', confirmDeleteReply: 'Apagar mesmo?',
  confirmDeleteReplyNamed: 'Apagar mesmo /{shortcut}?', replyDeleted: '/{shortcut} apagada.',
  noPersonalReplies: 'Ainda não tem respostas guardadas suas.', sharedReplies: 'Respostas partilhadas', sharedRepliesN: 'Respostas partilhadas ({n})',
  sharedRepliesAdmin: 'Toda a equipa as pode usar. Altere-as em Administração → Respostas guardadas.',
  sharedRepliesAgent: 'Toda a equipa as pode usar; os administradores alteram-nas.', replyGoneElsewhere: 'Essa resposta foi apagada noutro lado.',
  // issue 15: notes
  note: 'Nota', privateNote: 'Nota privada', noteHint: 'Nota — só a sua equipa a vê', notePlaceholder: 'Escreva uma nota privada',
  addNote: 'Adicionar nota', composerClosedNote: 'Esta conversa está fechada. Uma nota não a reabre.', notePreview: 'Nota: {text}',
  kbNote: 'Alternar entre resposta e nota privada', mentionPicker: 'Mencionar um colega', mentionCount: '{n} colegas',
  mentionNone: 'Nenhum colega com esse nome', mentionedYou: '{name} mencionou o seu nome', mentionMark: 'Tem uma menção',
  // issue 16: respostas por email retidas
  heldMail: 'Há uma resposta por email à espera.', heldMailFrom: 'Veio de {from}, não do endereço que o cliente deixou.',
  heldAccept: 'Publicar como o cliente', heldReject: 'Rejeitar',
  // issue 17: files
  attach: 'Anexar ficheiros', files: 'Ficheiros', openImage: 'Abrir imagem', download: 'Descarregar', uploading: 'A enviar',
  uploadWaiting: 'À espera de rede…', remove: 'Remover', dropHere: 'Largue os ficheiros para os anexar',
  fileTooBig: 'Demasiado grande: o limite é {n} MiB por ficheiro.', tooManyFiles: 'No máximo 10 ficheiros por mensagem.', filesPreview: 'Ficheiros: {names}',
};

const tables = { en, pt };
let lang = 'en';

/** The language to use: the user's override ('en' | 'pt'), else the browser's. */
export function setLang(override) {
  if (override === 'en' || override === 'pt') lang = override;
  // The first of the browser's languages we have words for, as the admin and sign-in pages choose.
  else lang = (navigator.languages || [navigator.language || 'en']).map((l) => String(l).slice(0, 2).toLowerCase()).find((l) => l === 'en' || l === 'pt') || 'en';
  document.documentElement.lang = lang;
  return lang;
}

export function currentLang() { return lang; }

/**
 * The locale for dates and times: the browser's own when it speaks the Messenger's language (en-GB
 * sees 24-hour times, en-US 12-hour), else the language alone.
 */
export function locale() {
  return (navigator.languages || [navigator.language]).find((l) => l && l.toLowerCase().split('-')[0] === lang) || lang;
}

/** A system line in the reader's language, from its code ([S6], [S8]); its stored text when the code is unknown. */
export function systemText(line, body = '') {
  const p = line?.params || {};
  const kind = p.kind === 'task' ? 'task' : 'ticket';
  const key = {
    'conversation.closed': 'sys_closed', 'conversation.reopened': 'sys_reopened', 'item.created': `sys_${kind}_created`,
    'item.linked': `sys_${kind}_linked`, 'item.unlinked': `sys_${kind}_unlinked`,
  }[line?.code];
  if (line?.code === 'csat.requested') return t('sys.csat.requested');
  if (line?.code === 'csat.rated') {
    const l = t('sys.csat.rated', { score: scoreText(p.scale, p.score) });
    return typeof p.comment === 'string' && p.comment ? t('sys.note', { line: l, note: p.comment }) : l;
  }
  if (!key && line?.code && `sys.${line.code}` in en) return codeText(line.code, p, body);
  return key && typeof p.by === 'string' ? t(key, { by: p.by, number: p.number ?? '' }) : body;
}

/** A satisfaction score in words: "4/5", "thumbs up" (issue 20). */
export function scoreText(scale, score) {
  if (scale === 'thumbs') return t(score ? 'csatUp' : 'csatDown');
  return t('csatScore', { n: Number(score) || 0 });
}

/**
 * A line rendered from its `sys.<code>` key (issue 15): the `.auto` variant for auto-assignment, `.self`
 * when someone acted on themselves, and a note after it. Parameters are text, never markup.
 */
function codeText(code, p, body) {
  if (typeof p.by !== 'string') return body;
  let key = `sys.${code}`;
  if (p.auto && `${key}.auto` in en) key += '.auto';
  else if (p.to && p.to === p.by && `${key}.self` in en) key += '.self';
  const vars = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
  const line = t(key, vars);
  return typeof p.note === 'string' && p.note ? t('sys.note', { line, note: p.note }) : line;
}

/** What a list row says of a conversation's latest message. */
export function previewText(c) {
  if (c.preview_deleted) return t('deletedMsg');
  if (c.preview_note) return t('notePreview', { text: c.preview });
  if (c.preview_system) return systemText(c.preview_system, c.preview);
  return c.preview || (c.subject && c.kind === 'live_chat' ? c.subject : '');
}

/** The word for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const s = tables[lang][key] ?? en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
}

// The preview page in Portuguese for a person whose browser prefers it (the page is English as
// written). Only this page's own words: the widget on it speaks for itself.

import { pick } from './i18n.js';

const pt = {
  ribbon: 'Pré-visualização: é assim que os clientes veem o chat no seu site. As mensagens que enviar daqui chegam à sua equipa como quaisquer outras.',
  preview: 'Pré-visualização', nav: 'Site de exemplo', shop: 'Loja', journal: 'Diário', stores: 'Lojas físicas', help: 'Ajuda',
  h1: 'Equipamento para todos os trilhos',
  lead: 'Uma página de exemplo no lugar do seu site. O botão de chat no canto é o widget do Frontdesk, tal como vai aparecer depois de colar o código nas suas páginas.',
  cta: 'Ver a coleção', products: 'Produtos de exemplo', p1: 'Casaco impermeável Alpine', p3: 'Mochila 24 L',
  title: 'Pré-visualização do widget · Frontdesk',
};

if (pick('auto') === 'pt') {
  document.documentElement.lang = 'pt';
  document.title = pt.title;
  for (const n of document.querySelectorAll('[data-t]')) n.textContent = pt[n.dataset.t];
  for (const n of document.querySelectorAll('[data-t-label]')) n.setAttribute('aria-label', pt[n.dataset.tLabel]);
}

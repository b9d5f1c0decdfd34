// A live preview of the widget: the real chat frame (/widget) in a frame beside the form, as a
// visitor sees it now, reloaded after each save.

import { el } from '../shared/dom.js';
import { state } from './dom.js';

export function previewPane() {
  const frame = el('iframe', { src: '/widget', title: 'Widget preview', class: 'preview-frame', loading: 'lazy' });
  const caption = el('p', { class: 'preview-caption' });
  const update = () => {
    const st = state.status || {};
    caption.replaceChildren(el('span', { class: 'dot' + (st.online ? ' on' : '') }), st.online ? 'Visitors see the online message now' : `Visitors see the offline message now (${st.label || 'offline'})`);
  };
  update();
  const box = el('aside', { class: 'preview' },
    el('div', { class: 'preview-head' }, el('h2', { text: 'Preview' }), el('a', { href: '/widget/preview', target: '_blank', rel: 'noopener', text: 'Open on a sample page ↗' })),
    el('div', { class: 'preview-device' }, frame), caption);
  return { el: box, reload: () => { update(); frame.src = '/widget?' + Date.now(); } };
}

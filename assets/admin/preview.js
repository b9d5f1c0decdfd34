// A live preview of the widget: the real chat frame (/widget) in a frame beside the form, as a
// visitor sees it now, reloaded after each save.

import { h, state } from './dom.js';

export function previewPane() {
  const frame = h('iframe', { src: '/widget', title: 'Widget preview', class: 'preview-frame', loading: 'lazy' });
  const caption = h('p', { class: 'preview-caption' });
  const update = () => {
    const st = state.status || {};
    caption.replaceChildren(h('span', { class: 'dot' + (st.online ? ' on' : '') }), st.online ? 'Visitors see the online message now' : `Visitors see the offline message now (${st.label || 'offline'})`);
  };
  update();
  const el = h('aside', { class: 'preview' },
    h('div', { class: 'preview-head' }, h('h2', { text: 'Preview' }), h('a', { href: '/widget/preview', target: '_blank', rel: 'noopener', text: 'Open on a sample page ↗' })),
    h('div', { class: 'preview-device' }, frame), caption);
  return { el, reload: () => { update(); frame.src = '/widget?' + Date.now(); } };
}

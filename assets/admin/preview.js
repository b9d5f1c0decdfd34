// A live preview of the widget: the real chat frame (/widget) in a frame beside the form, as a
// visitor sees it now, reloaded after each save.

import { el } from '../shared/dom.js';
import { state } from './dom.js';
import { t } from './i18n.js';
import { describeStatus } from './availability.js';

export function previewPane() {
  const frame = el('iframe', { src: '/widget', title: t('widgetPreview'), class: 'preview-frame', loading: 'lazy' });
  const caption = el('p', { class: 'preview-caption' });
  const update = () => {
    const st = state.status || {};
    caption.replaceChildren(el('span', { class: 'dot' + (st.online ? ' on' : '') }),
      t(st.online ? 'previewOnline' : 'previewOffline', { why: describeStatus(st).title }));
  };
  update();
  const box = el('aside', { class: 'preview', 'aria-labelledby': 'preview-title' },
    el('div', { class: 'preview-head' }, el('h2', { id: 'preview-title', text: t('preview') }),
      el('a', { href: '/widget/preview', target: '_blank', rel: 'noopener', text: t('openSample') })),
    el('div', { class: 'preview-device' }, frame), caption);
  return { el: box, reload: () => { update(); frame.src = '/widget?' + Date.now(); } };
}

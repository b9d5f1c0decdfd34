// The widget's attachments (issue 17): the paperclip (a file picker: on a phone, the camera and the
// gallery), dropping files on the chat and pasting an image, and the tray above the composer where
// each picked file shows its preview and upload progress before it is sent. Uploading starts at once,
// so it runs while the visitor types; the message names the files once they are stored (chat.js).
import { el, svg } from '../shared/dom.js';
import { Upload, filesOf, trayItems } from '../shared/files.js';
import { fmt } from './i18n.js';

const ICON_CLIP = 'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z';
const MAX_FILES = 10;

/** `words()` and `locale()` are the current language's; `onchange` redraws the composer. */
export function mountAttach({ chat, input, words, locale, onchange }) {
  let uploads = [];
  let note = '';
  const tray = el('ul', { class: 'tray', hidden: true });
  const picker = el('input', { type: 'file', multiple: true, class: 'sr', tabindex: '-1', 'aria-hidden': 'true' });
  const button = el('button', { type: 'button', class: 'attach', onclick: () => picker.click() },
    svg(ICON_CLIP, {}, { fill: 'currentColor' }));
  const drop = el('div', { class: 'drop', hidden: true, 'aria-hidden': 'true' });

  async function add(files) {
    if (!files.length) return;
    // An upload belongs to a visitor: a first-time visitor gets their token now.
    if (!(await chat.ensureVisitor())) return;
    const hd = chat.helpdesk || {};
    const mb = hd.max_file_mb || 10;
    note = '';
    for (const f of files) {
      if (uploads.length >= MAX_FILES) { note = words().tooMany; break; }
      uploads.push(new Upload(f, { url: '/api/widget/files', headers: () => chat.headers(), maxBytes: mb * 1024 * 1024,
        tooLarge: fmt(words().tooBig, { n: mb }), onchange: render }));
    }
    render();
  }

  function remove(u) {
    u.cancel();
    uploads = uploads.filter((x) => x !== u);
    render();
    input.focus();
  }

  picker.addEventListener('change', () => { add([...picker.files]); picker.value = ''; });
  input.addEventListener('paste', (e) => {
    const files = filesOf(e.clipboardData);
    if (files.length) { e.preventDefault(); add(files); }
  });
  let depth = 0;
  const dragging = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  document.addEventListener('dragenter', (e) => { if (dragging(e)) { depth++; drop.hidden = false; } });
  document.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) drop.hidden = true; });
  document.addEventListener('dragover', (e) => { if (dragging(e)) e.preventDefault(); });
  document.addEventListener('drop', (e) => {
    if (!dragging(e)) return;
    e.preventDefault();
    depth = 0;
    drop.hidden = true;
    add(filesOf(e.dataTransfer));
  });

  function render() {
    const t = words();
    button.setAttribute('aria-label', t.attach);
    button.title = t.attach;
    drop.textContent = t.dropHere;
    picker.accept = (chat.helpdesk?.file_types || []).join(',');
    tray.setAttribute('aria-label', t.files);
    const items = trayItems(uploads, { words: t, locale: locale(), remove });
    if (note) items.push(el('li', { class: 'tray-note', role: 'alert', text: note }));
    tray.replaceChildren(...items);
    tray.hidden = !items.length;
    onchange();
  }

  return {
    tray, button, picker, drop, render,
    /** Files ready to go with the next message (refused ones are left out, and dropped). */
    count: () => uploads.filter((u) => u.state !== 'failed').length,
    take() {
      const out = uploads.filter((u) => u.state !== 'failed');
      uploads = [];
      note = '';
      render();
      return out;
    },
  };
}

// Files in the Messenger's composer (issue 17), in replies, private notes and team chats alike: the
// paperclip (a file picker), dropping files on the conversation, pasting an image, and the tray above
// the composer with each file's preview and upload progress. Uploads start at once and are sent again
// after a network drop with the same upload id (shared/files.js); the message names the files once
// they are stored (actions.js). Sent files show in the timeline as thumbnails that open the full
// image, or as name, type and size with a download link.
import { el } from '../shared/dom.js';
import { Upload, attachmentList, filesOf, trayItems } from '../shared/files.js';
import { icon } from './dom.js';
import { locale, t } from './i18n.js';

const MAX_FILES = 10;
let limits = null;

/** The admin's limits (the public settings say them). */
function loadLimits() {
  limits ??= fetch('/api/widget/settings', { credentials: 'omit' }).then((r) => r.json()).then((d) => d.helpdesk || {}).catch(() => ({}));
  return limits;
}

/** The words the shared file views use, in the Messenger's language. */
export function words() {
  return { files: t('files'), openImage: t('openImage'), download: t('download'), waiting: t('uploadWaiting'), uploading: t('uploading'), remove: t('remove') };
}

/** A sent message's files, from the agent routes (the session cookie is enough for an <img>). */
export function sentFiles(list) {
  const src = (id, thumb) => `/files/${encodeURIComponent(id)}${thumb ? '?thumb=1' : ''}`;
  return attachmentList(list, { src, words: words(), locale: locale() });
}

/** A pending message's files with their progress. */
export function pendingFiles(uploads) {
  return el('ul', { class: 'tray in-bubble' }, trayItems(uploads, { words: words(), locale: locale() }));
}

/**
 * The composer's parts: the paperclip `button` (with its hidden `picker`), the `tray`, and a drop
 * zone over `area` (the conversation). `headers()` gives the CSRF token; `onchange` redraws.
 */
export function mount({ input, area, headers, onchange }) {
  let uploads = [];
  let note = '';
  const tray = el('ul', { class: 'tray', hidden: true, 'aria-label': t('files') });
  const picker = el('input', { type: 'file', multiple: true, class: 'sr-only', tabindex: '-1', 'aria-hidden': 'true' });
  const button = el('button', { type: 'button', class: 'attach-btn', 'aria-label': t('attach'), title: t('attach'), onclick: () => picker.click() }, icon('clip', 20));
  const drop = el('div', { class: 'drop', hidden: true, 'aria-hidden': 'true' }, t('dropHere'));
  area.classList.add('drop-area');
  area.append(drop);
  loadLimits().then((l) => { picker.accept = (l.file_types || []).join(','); });

  async function add(files) {
    if (!files.length) return;
    const l = await loadLimits();
    const mb = l.max_file_mb || 10;
    note = '';
    for (const f of files) {
      if (uploads.length >= MAX_FILES) { note = t('tooManyFiles'); break; }
      uploads.push(new Upload(f, { url: '/api/files', headers, maxBytes: mb * 1024 * 1024, tooLarge: t('fileTooBig', { n: mb }), onchange: render }));
    }
    render();
  }
  function remove(u) {
    u.cancel();
    uploads = uploads.filter((x) => x !== u);
    render();
    input.focus();
  }
  function render() {
    const items = trayItems(uploads, { words: words(), locale: locale(), remove });
    if (note) items.push(el('li', { class: 'tray-note', role: 'alert' }, note));
    tray.replaceChildren(...items);
    tray.hidden = !items.length;
    onchange();
  }

  picker.addEventListener('change', () => { add([...picker.files]); picker.value = ''; });
  input.addEventListener('paste', (e) => {
    const files = filesOf(e.clipboardData);
    if (files.length) { e.preventDefault(); add(files); }
  });
  let depth = 0;
  const dragging = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  area.addEventListener('dragenter', (e) => { if (dragging(e)) { depth++; drop.hidden = false; } });
  area.addEventListener('dragleave', () => { depth = Math.max(0, depth - 1); if (!depth) drop.hidden = true; });
  area.addEventListener('dragover', (e) => { if (dragging(e)) e.preventDefault(); });
  area.addEventListener('drop', (e) => {
    if (!dragging(e)) return;
    e.preventDefault();
    depth = 0;
    drop.hidden = true;
    add(filesOf(e.dataTransfer));
  });

  return {
    tray, button, picker,
    count: () => uploads.filter((u) => u.state !== 'failed').length,
    /** The files for the message being sent (a refused one stays out); the tray empties. */
    take() {
      const out = uploads.filter((u) => u.state !== 'failed');
      for (const u of uploads) if (u.state === 'failed') u.cancel();
      uploads = [];
      note = '';
      render();
      return out;
    },
  };
}

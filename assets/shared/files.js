// Files in the chat (issue 17), shared by the widget and the Messenger: an upload with progress that
// survives a network drop (it is sent again with the same upload id, so the server keeps one copy and
// answers the first attachment), and the way a sent file is shown (an image's thumbnail, or a file's
// name, type and size with a download link). Everything is built with DOM calls; a file's name is text.
import { el } from './dom.js';

const randomId = () => {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return 'f-' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
};

/** Raster images the server thumbnails and shows inline. */
export const isImage = (type) => /^image\/(png|jpeg|gif|webp)$/.test(type || '');

/** "820 KB", "4.2 MB" (decimal steps, as people read sizes). */
export function formatSize(n, locale = 'en') {
  const f = (v, d) => new Intl.NumberFormat(locale, { maximumFractionDigits: d }).format(v);
  if (n < 1000) return `${f(n, 0)} B`;
  if (n < 1_000_000) return `${f(n / 1000, 0)} KB`;
  return `${f(n / 1_000_000, 1)} MB`;
}

/** A short label for a type: "PDF", "PNG", "Word", "Excel", "ZIP", "Text". */
export function typeLabel(type) {
  const known = {
    'application/pdf': 'PDF', 'text/plain': 'Text', 'application/zip': 'ZIP', 'application/rtf': 'RTF',
    'application/msword': 'Word', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'Word',
    'application/vnd.ms-excel': 'Excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'Excel',
    'application/vnd.ms-powerpoint': 'PowerPoint', 'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'PowerPoint',
    'application/vnd.oasis.opendocument.text': 'ODT', 'application/vnd.oasis.opendocument.spreadsheet': 'ODS',
    'application/vnd.oasis.opendocument.presentation': 'ODP',
  };
  if (known[type]) return known[type];
  if (isImage(type)) return type.slice(6).toUpperCase().replace('JPEG', 'JPG');
  return (type || '').split('/').pop().toUpperCase();
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

/** Until the browser says it is online again (at most `ms`, then try anyway). */
function backOnline(ms) {
  return new Promise((ok) => {
    const done = () => { window.removeEventListener('online', done); clearTimeout(timer); ok(); };
    const timer = setTimeout(done, navigator.onLine ? ms : 10 * ms);
    window.addEventListener('online', done);
  });
}

/**
 * One file being uploaded: `state` is 'uploading', 'waiting' (no network: sent again once there is),
 * 'done' (`attachment` is the server's answer), 'failed' (`error` says why) or 'cancelled';
 * `progress` goes from 0 to 1. `url` is the upload endpoint, `headers()` its credentials,
 * `maxBytes` the admin's limit (checked here first so a too-big file is refused at once, in
 * `tooLarge` words), `onchange` is called on every change. `done` resolves when it ends.
 */
export class Upload {
  constructor(file, { url, headers = () => ({}), maxBytes = Infinity, tooLarge = '', onchange = () => {} }) {
    this.file = file;
    this.name = file.name || 'file';
    this.type = file.type || '';
    this.size = file.size;
    this.uid = randomId();
    this.state = 'uploading';
    this.progress = 0;
    this.attachment = null;
    this.error = '';
    this.preview = isImage(file.type) ? URL.createObjectURL(file) : null;
    this.opts = { url, headers, onchange };
    this.done = file.size > maxBytes ? Promise.resolve(this.fail(tooLarge)) : this.run();
  }

  changed() { try { this.opts.onchange(this); } catch (e) { console.error(e); } }

  fail(msg) {
    this.state = 'failed';
    this.error = msg;
    this.changed();
  }

  cancel() {
    this.state = 'cancelled';
    this.xhr?.abort();
    if (this.preview) URL.revokeObjectURL(this.preview);
  }

  async run() {
    for (let wait = 1000; ; wait = Math.min(wait * 2, 30_000)) {
      if (this.state === 'cancelled') return;
      this.state = 'uploading';
      this.changed();
      const r = await this.once();
      if (this.state === 'cancelled') return;
      if (r.status === 200 || r.status === 201) {
        this.attachment = r.data.attachment;
        this.state = 'done';
        this.progress = 1;
        this.changed();
        return;
      }
      if (r.status === 429) { this.state = 'waiting'; this.changed(); await sleep(Math.max(3, r.retryAfter) * 1000); continue; }
      if (r.status === 0 || r.status === 408 || r.status >= 500) {
        // Cut off (or the server could not take it now): the same upload id again, from the start.
        this.state = 'waiting';
        this.progress = 0;
        this.changed();
        await backOnline(wait);
        continue;
      }
      this.fail(r.data.error || `HTTP ${r.status}`);
      return;
    }
  }

  once() {
    return new Promise((ok) => {
      const x = new XMLHttpRequest();
      this.xhr = x;
      x.open('POST', `${this.opts.url}?upload_id=${encodeURIComponent(this.uid)}&name=${encodeURIComponent(this.name)}`);
      for (const [k, v] of Object.entries(this.opts.headers())) if (v) x.setRequestHeader(k, v);
      x.setRequestHeader('Content-Type', 'application/octet-stream');
      x.upload.onprogress = (e) => { if (e.lengthComputable) { this.progress = e.loaded / e.total; this.changed(); } };
      x.onload = () => {
        let data = {};
        try { data = JSON.parse(x.responseText) || {}; } catch { /* not JSON */ }
        ok({ status: x.status, data, retryAfter: Number(x.getResponseHeader('Retry-After')) || 0 });
      };
      x.onerror = x.onabort = x.ontimeout = () => ok({ status: 0, data: {}, retryAfter: 0 });
      x.send(this.file);
    });
  }
}

/**
 * A message's files: images as thumbnails that open the full image, other files as a card with
 * name, type and size that downloads it. `src(id, thumb)` gives (or promises) the URL of a file,
 * `words` the labels ({image, download}), `locale` the number format.
 */
export function attachmentList(list, { src, words, locale = 'en' }) {
  const set = (node, attr, url) => Promise.resolve(url).then((u) => { if (u) node[attr] = u; }).catch(() => {});
  return el('ul', { class: 'files', 'aria-label': words.files },
    list.map((a) => {
      if (a.thumb && isImage(a.type)) {
        const img = el('img', { alt: a.name, loading: 'lazy', width: a.width && a.height ? Math.round(240 * Math.min(1, a.width / Math.max(a.width, a.height))) : null });
        if (a.width && a.height) img.style.aspectRatio = `${a.width} / ${a.height}`;
        set(img, 'src', src(a.id, true));
        const link = el('a', { class: 'file-thumb', target: '_blank', rel: 'noopener', title: `${words.openImage}: ${a.name}` }, img);
        set(link, 'href', src(a.id, false));
        return el('li', {}, link);
      }
      const link = el('a', { class: 'file-card', download: a.name, title: `${words.download}: ${a.name}` },
        el('span', { class: 'file-icon', 'aria-hidden': 'true', text: typeLabel(a.type).slice(0, 4) }),
        el('span', { class: 'file-text' }, el('span', { class: 'file-name', text: a.name }),
          el('span', { class: 'file-info', text: `${typeLabel(a.type)} · ${formatSize(a.size, locale)}` })));
      set(link, 'href', src(a.id, false));
      return el('li', {}, link);
    }));
}

/**
 * The tray above a composer: the files picked for the next message, each with its preview (an
 * image) or its type, its name, its progress, and a button that takes it off.
 */
export function trayItems(uploads, { words, locale = 'en', remove = null }) {
  return uploads.map((u) => {
    const status = u.state === 'failed' ? u.error : u.state === 'waiting' ? words.waiting : u.state === 'done' ? formatSize(u.size, locale) : `${Math.round(u.progress * 100)}%`;
    return el('li', { class: `tray-item ${u.state}` },
      u.preview ? el('img', { class: 'tray-thumb', src: u.preview, alt: '' }) : el('span', { class: 'file-icon', 'aria-hidden': 'true', text: typeLabel(u.type).slice(0, 4) }),
      el('span', { class: 'file-text' },
        el('span', { class: 'file-name', text: u.name }),
        el('span', { class: 'file-info', role: u.state === 'failed' ? 'alert' : null, text: status }),
        u.state === 'uploading' || u.state === 'waiting'
          ? el('progress', { max: '100', value: String(Math.round(u.progress * 100)), 'aria-label': `${words.uploading} ${u.name}` }) : null),
      remove ? el('button', { type: 'button', class: 'tray-remove', 'aria-label': `${words.remove}: ${u.name}`, title: words.remove, onclick: () => remove(u), text: '×' }) : null);
  });
}

/** Files from a paste or a drop (images pasted from the clipboard come as files named image.png). */
export function filesOf(dataTransfer) {
  if (!dataTransfer) return [];
  const out = [...(dataTransfer.files || [])];
  if (!out.length) for (const it of dataTransfer.items || []) if (it.kind === 'file') { const f = it.getAsFile(); if (f) out.push(f); }
  return out;
}

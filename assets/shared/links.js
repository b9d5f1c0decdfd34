// Which strings from customers and users may become links. Shared by the Messenger and the widget.

/**
 * `url` as an absolute http(s) URL for an `href`, or null: anything else (`javascript:`, `data:`,
 * `vbscript:`, `blob:`, a relative path, no URL at all) must be shown as text, never linked. The URL
 * parser decides, not a pattern, so tricks such as " JavaScript:", "java\tscript:" or an encoded
 * scheme get the same answer the browser's navigation would.
 */
export function safeHref(url) {
  if (typeof url !== 'string' || url === '') return null;
  let u;
  try { u = new URL(url); } catch { return null; }
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
}

// The one DOM builder of the Messenger, the admin pages and the widget frame. Everything is built
// with DOM calls; text is set with textContent or appended as text nodes, never parsed as HTML.

/** Keys set as properties (the live state of a control), not as attributes. */
const PROPS = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'required', 'readOnly']);

/**
 * `el('button', {class: 'btn', onclick: fn, 'aria-label': 'x', text: 'y'}, 'more text', child, [kids])`.
 *
 * Attributes: `null`, `undefined` and `false` are skipped, `true` is the empty string. `text` sets the
 * textContent, `class` the className; `on*` keys with a function become listeners; value, checked,
 * selected, disabled, hidden, required and readOnly are set as properties. Children: strings become
 * text nodes, nodes are appended, arrays (however nested) are spread; `null`, `undefined` and `false`
 * are skipped.
 */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') node.textContent = v;
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on') && typeof v === 'function') node.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(node, c);
    else node.append(c);
  }
}

const SVG = 'http://www.w3.org/2000/svg';

/**
 * An inline 24×24 SVG icon of one path: `svg(d, {class: 'icon', width: 18}, {fill: 'currentColor'})`.
 * The path comes from the code's own constants, never from data; hidden from screen readers.
 */
export function svg(d, attrs = {}, pathAttrs = {}) {
  const s = document.createElementNS(SVG, 'svg');
  s.setAttribute('viewBox', '0 0 24 24');
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined && v !== false) s.setAttribute(k, String(v));
  s.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(SVG, 'path');
  p.setAttribute('d', d);
  for (const [k, v] of Object.entries(pathAttrs)) p.setAttribute(k, String(v));
  s.append(p);
  return s;
}

// Labels as the Messenger and the admin pages draw them (issue 15): a chip in the label's colour
// with text that stays readable on it, and the palette admins choose from. No words here: the
// pages name the colours in their own dictionaries (`colour_<name>`).
import { el } from './dom.js';

/** The palette offered first; any #rrggbb is allowed too. */
export const PALETTE = [
  ['red', '#d92d20'], ['orange', '#f79009'], ['yellow', '#fdb022'], ['green', '#12b76a'], ['teal', '#0e9384'],
  ['blue', '#2e90fa'], ['indigo', '#6172f3'], ['purple', '#9e77ed'], ['pink', '#ee46bc'], ['grey', '#667085'],
];

function luminance(hex) {
  const n = /^#([0-9a-f]{6})$/i.exec(hex || '') ? parseInt(hex.slice(1), 16) : 0x667085;
  const ch = [(n >> 16) & 255, (n >> 8) & 255, n & 255].map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

/**
 * The text colour for a label's background: near-black or white, whichever contrasts more (WCAG).
 * One of the two always reaches 4.5:1, whatever the background.
 */
export function textOn(hex) {
  const l = luminance(hex);
  const dark = 0.0116; // luminance of #161b26
  return (l + 0.05) / (dark + 0.05) >= 1.05 / (l + 0.05) ? '#161b26' : '#ffffff';
}

/** A label's chip: its name on its colour; its description (if any) as a tooltip. */
export function chip(label, extra = {}) {
  const c = el('span', { class: 'label-chip', title: label.description || null, ...extra }, label.name);
  c.style.setProperty('--label-bg', label.color);
  c.style.setProperty('--label-fg', textOn(label.color));
  return c;
}

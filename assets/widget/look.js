// The widget's colours from the admin's one accent: the text that reads on it (WCAG contrast at least
// 4.5:1, white or dark), a second shade for the header, and the accent as text on the light and dark
// backgrounds of frame.css (darkened or lightened until it reads). The loader (loader.js) repeats
// `ink` in a few lines, as it cannot import modules.

/** Frontdesk's brand colour: the accent of the Messenger (assets/shared/style.css) and the default. */
export const BRAND = '#2f6fec';

// Backgrounds the accent is written on as text (frame.css: --bg and --card in each theme).
const LIGHT_BGS = ['#f6f7fb', '#ffffff'];
const DARK_BGS = ['#0f1319', '#1b212b'];

const rgb = (c) => { const n = parseInt(c.slice(1), 16); return [n >> 16, (n >> 8) & 255, n & 255]; };
const hex = (v) => '#' + v.map((x) => Math.round(x).toString(16).padStart(2, '0')).join('');
const mix = (a, b, t) => { const y = rgb(b); return hex(rgb(a).map((x, i) => x + (y[i] - x) * t)); };

/** Relative luminance (WCAG 2.x). */
function luminance(c) {
  const [r, g, b] = rgb(c).map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two `#rrggbb` colours, 1 to 21. */
export function contrast(a, b) {
  const [lo, hi] = [luminance(a), luminance(b)].sort((x, y) => x - y);
  return (hi + 0.05) / (lo + 0.05);
}

/** Text on the accent: white when it reads at 4.5:1, else dark (black always does when white does not). */
export function ink(accent) {
  for (const c of ['#ffffff', '#111827']) if (contrast(accent, c) >= 4.5) return c;
  return '#000000';
}

/** `c` moved towards black (light backgrounds) or white (dark ones) until it reads on all of `bgs`. */
function readable(c, bgs) {
  const to = luminance(bgs[0]) > 0.5 ? '#000000' : '#ffffff';
  for (let t = 0; t < 1; t += 0.05) {
    const m = mix(c, to, t);
    if (bgs.every((bg) => contrast(m, bg) >= 4.5)) return m;
  }
  return to;
}

/** A `#rrggbb` accent, or the brand colour. */
export const accentOf = (c) => (/^#[0-9a-fA-F]{6}$/.test(c || '') ? c.toLowerCase() : BRAND);

/** Set the accent's CSS variables on `style` (the root element's). */
export function paint(style, accent) {
  const on = ink(accent);
  style.setProperty('--accent', accent);
  style.setProperty('--on-accent', on);
  // The header's gradient goes away from its text colour, so the text only gains contrast.
  style.setProperty('--accent-2', mix(accent, on === '#ffffff' ? '#000000' : '#ffffff', 0.22));
  style.setProperty('--accent-text-light', readable(accent, LIGHT_BGS));
  style.setProperty('--accent-text-dark', readable(accent, DARK_BGS));
}

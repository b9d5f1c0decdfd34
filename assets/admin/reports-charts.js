// Charts of the Reports pages, in plain SVG (no library): grouped bars per day, horizontal bars and
// a weekday × hour heat map. Each is a picture for the eye (role="img" with a summary); the figures
// themselves are in the table beside it (reports.js), which screen readers and CSV export use.

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, ...kids) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) n.setAttribute(k, String(v));
  for (const k of kids) if (k) n.append(k);
  return n;
}

function text(x, y, str, attrs = {}) {
  const n = s('text', { x, y, ...attrs });
  n.textContent = str;
  return n;
}

function frame(w, h, label) {
  return s('svg', { viewBox: `0 0 ${w} ${h}`, class: 'rp-chart', role: 'img', 'aria-label': label, preserveAspectRatio: 'xMinYMin meet' });
}

/** A round top for the y axis: 1, 2, 5 × 10^n at or above `max`. */
function niceMax(max) {
  if (max <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return Math.ceil(m * p / 4) * 4;
  return max;
}

/**
 * Grouped bars: `labels` (one per day, short), `series` [{name, values, cls}]. Every few labels
 * are drawn so they never overlap.
 */
export function bars(labels, series, label) {
  const W = 640, H = 220, L = 36, B = 28, T = 10, R = 8;
  const svg = frame(W, H, label);
  const max = niceMax(Math.max(0, ...series.flatMap((x) => x.values)));
  const plotW = W - L - R, plotH = H - T - B;
  for (let i = 0; i <= 4; i++) {
    const y = T + plotH - (plotH * i) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: y, y2: y, class: 'rp-grid' }), text(L - 6, y + 4, String((max * i) / 4), { class: 'rp-axis', 'text-anchor': 'end' }));
  }
  const n = Math.max(1, labels.length);
  const slot = plotW / n;
  const bw = Math.max(1, (slot * 0.8) / series.length);
  labels.forEach((lab, i) => {
    series.forEach((ser, j) => {
      const v = ser.values[i] || 0;
      const h = (plotH * v) / max;
      if (v > 0) svg.append(s('rect', { x: L + i * slot + slot * 0.1 + j * bw, y: T + plotH - h, width: Math.max(0.5, bw - 0.5), height: h, class: 'rp-bar ' + ser.cls }));
    });
    const every = Math.ceil(n / 10);
    if (i % every === 0) svg.append(text(L + i * slot + slot / 2, H - 8, lab, { class: 'rp-axis', 'text-anchor': 'middle' }));
  });
  return svg;
}

/** Horizontal bars: [{label, value, cls}]. */
export function hbars(rows, label) {
  const W = 640, row = 30, L = 150, R = 48;
  const H = rows.length * row + 8;
  const svg = frame(W, H, label);
  const max = Math.max(1, ...rows.map((r) => r.value));
  rows.forEach((r, i) => {
    const y = 4 + i * row;
    const w = ((W - L - R) * r.value) / max;
    svg.append(text(L - 8, y + 19, r.label, { class: 'rp-axis', 'text-anchor': 'end' }));
    svg.append(s('rect', { x: L, y: y + 5, width: Math.max(r.value ? 2 : 0, w), height: row - 10, rx: 3, class: 'rp-bar ' + (r.cls || 's1') }));
    svg.append(text(L + w + 6, y + 19, String(r.value), { class: 'rp-axis' }));
  });
  return svg;
}

/** A 7 × 24 heat map: `grid[weekday][hour]`, `days` the weekday names (Monday first). */
export function heat(grid, days, label) {
  const W = 640, L = 40, T = 6, B = 22, cw = (W - L - 4) / 24, ch = 22;
  const H = T + 7 * ch + B;
  const svg = frame(W, H, label);
  const max = Math.max(1, ...grid.flat());
  grid.forEach((row, d) => {
    svg.append(text(L - 6, T + d * ch + 15, days[d].slice(0, 3), { class: 'rp-axis', 'text-anchor': 'end' }));
    row.forEach((v, h) => {
      const o = v ? 0.15 + (0.85 * v) / max : 0;
      svg.append(s('rect', { x: L + h * cw + 1, y: T + d * ch + 1, width: cw - 2, height: ch - 2, rx: 2, class: v ? 'rp-heat' : 'rp-heat0', 'fill-opacity': v ? o.toFixed(3) : null }));
    });
  });
  for (let h = 0; h < 24; h += 3) svg.append(text(L + h * cw + cw / 2, H - 6, String(h).padStart(2, '0'), { class: 'rp-axis', 'text-anchor': 'middle' }));
  return svg;
}

// Reports (issue 20): the admin's Reports section and an agent's own page (/reports, reports-page.js)
// draw the same thing from GET /api/reports — an admin may pick an agent, an agent sees their own.
// Choosing a range, an agent or a label fetches the figures again and redraws them in place (no
// reload). Each chart has a table with the same figures (toggle) and a CSV download of that table.

import { el } from '../shared/dom.js';
import { agent } from '../shared/http.js';
import { locale, t } from '../shared/i18n.js';
// The words register themselves with the shared table on import; re-exported for the i18n test's map.
export { words } from './reports-words.js';
import { bars, hbars, heat } from './reports-charts.js';

/** A duration for people: "45 s", "4 min", "2 h 5 min", "3 d 4 h"; '—' for none. */
export function duration(ms) {
  if (ms === null || ms === undefined) return t('rpNone');
  const sec = Math.round(ms / 1000);
  if (sec < 60) return t('rpSec', { n: sec });
  const min = Math.round(ms / 60000);
  if (min < 60) return t('rpMin', { n: min });
  if (min < 24 * 60) return t('rpHours', { h: Math.floor(min / 60), m: min % 60 });
  return t('rpDaysDur', { d: Math.floor(min / 1440), h: Math.floor((min % 1440) / 60) });
}

const pct = (x) => (x === null || x === undefined ? t('rpNone') : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 0 }).format(x));
const avg = (x) => (x === null || x === undefined ? t('rpNone') : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1, minimumFractionDigits: 1 }).format(x));
const dayName = (iso, opts) => new Intl.DateTimeFormat(locale(), { timeZone: 'UTC', ...opts }).format(new Date(iso + 'T00:00:00Z'));
const secs = (ms) => (ms === null || ms === undefined ? '' : Math.round(ms / 1000));

/** One CSV field: quoted when needed; a leading =, +, - or @ is defused so a spreadsheet never runs it. */
function field(v) {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@]/.test(s) && typeof v !== 'number') s = "'" + s;
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function csv(columns, rows) {
  return [columns, ...rows].map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

function download(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = el('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

let uid = 0;
/**
 * A panel: heading, optional lead, the picture, and its figures as a table (hidden until asked
 * for) and as CSV. `data`: {columns, rows (shown), csv (raw values; default rows)}.
 */
function panel(id, title, lead, picture, data, file) {
  const tid = 'rp-table-' + id + '-' + (++uid);
  // Focusable, so a table wider than a phone can be scrolled from the keyboard.
  const table = el('div', { class: 'rp-table-wrap', id: tid, hidden: true, tabindex: 0, role: 'group', 'aria-label': title },
    el('table', { class: 'rp-table' },
      el('caption', { text: title }),
      el('thead', {}, el('tr', {}, data.columns.map((c) => el('th', { scope: 'col', text: c })))),
      el('tbody', {}, data.rows.map((r) => el('tr', {}, r.map((v, i) => (i === 0 ? el('th', { scope: 'row', text: String(v) }) : el('td', { text: String(v) }))))))));
  const toggle = el('button', { type: 'button', class: 'btn', 'aria-expanded': 'false', 'aria-controls': tid, text: t('rpShowTable'), 'data-action': 'table',
    onclick: () => {
      table.hidden = !table.hidden;
      toggle.setAttribute('aria-expanded', String(!table.hidden));
      toggle.textContent = table.hidden ? t('rpShowTable') : t('rpHideTable');
    } });
  const save = el('button', { type: 'button', class: 'btn', text: t('rpCsv'), 'data-action': 'csv',
    onclick: () => download(file, csv(data.csvColumns || data.columns, data.csv || data.rows)) });
  return el('section', { class: 'rp-panel', 'data-chart': id, 'aria-labelledby': tid + '-h' },
    el('div', { class: 'rp-panel-head' }, el('h2', { id: tid + '-h', text: title }), el('div', { class: 'rp-actions' }, toggle, save)),
    lead ? el('p', { class: 'rp-lead', text: lead }) : null,
    picture ? el('div', { class: 'rp-picture' }, picture) : null,
    table);
}

function tile(label, value, note, key) {
  return el('div', { class: 'rp-tile', 'data-figure': key }, el('dt', { text: label }), el('dd', {}, el('span', { class: 'rp-value', text: value }), note ? el('span', { class: 'rp-note', text: note }) : null));
}

function draw(out, r, admin) {
  const days = r.days;
  const short = days.map((d) => dayName(d.date, days.length > 14 ? { day: 'numeric', month: 'short' } : { weekday: 'short', day: 'numeric' }));
  const long = days.map((d) => dayName(d.date, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }));
  const f = r.first_response, c = r.time_to_close, s = r.csat;
  const dayNames = t('rpDays').split('|');
  const file = (name) => `${name}-${r.range.from}-${r.range.to}.csv`;

  const tiles = el('dl', { class: 'rp-tiles' },
    tile(t('rpStarted'), String(r.totals.started), null, 'started'),
    tile(t('rpClosed'), String(r.totals.closed), null, 'closed'),
    tile(t('rpReopened'), String(r.totals.reopened), null, 'reopened'),
    tile(t('rpFirstMedian'), duration(f.median_ms), f.business_hours ? t('rpBusinessHours') : t('rpAllHours'), 'first-median'),
    tile(t('rpFirstP90'), duration(f.p90_ms), f.unanswered ? t('rpUnanswered', { n: f.unanswered }) : null, 'first-p90'),
    tile(t('rpCloseMedian'), duration(c.median_ms), null, 'close-median'),
    tile(t('rpCloseP90'), duration(c.p90_ms), null, 'close-p90'),
    tile(t('rpCsatAverage'), s.average === null ? pct(s.satisfied) : t('rpCsatOf5', { n: avg(s.average) }), null, 'csat-average'),
    tile(t('rpResponseRate'), pct(s.response_rate), `${s.rated} / ${s.asked}`, 'csat-rate'));

  const conv = panel('conversations', t('rpConversations'), null,
    bars(short, [
      { name: t('rpStarted'), values: days.map((d) => d.started), cls: 's1' },
      { name: t('rpClosed'), values: days.map((d) => d.closed), cls: 's2' },
      { name: t('rpReopened'), values: days.map((d) => d.reopened), cls: 's3' },
    ], t('rpChartOf', { title: t('rpConversations') })),
    { columns: [t('rpDate'), t('rpStarted'), t('rpClosed'), t('rpReopened')], rows: days.map((d, i) => [long[i], d.started, d.closed, d.reopened]),
      csvColumns: ['date', 'started', 'closed', 'reopened'], csv: days.map((d) => [d.date, d.started, d.closed, d.reopened]) },
    file('conversations'));
  conv.querySelector('.rp-picture').append(legend([[t('rpStarted'), 's1'], [t('rpClosed'), 's2'], [t('rpReopened'), 's3']]));

  const msgs = panel('messages', t('rpMessages'), null,
    bars(short, [
      { name: t('rpCustomers'), values: days.map((d) => d.customer_messages), cls: 's1' },
      { name: t('rpAgents'), values: days.map((d) => d.agent_messages), cls: 's2' },
    ], t('rpChartOf', { title: t('rpMessages') })),
    { columns: [t('rpDate'), t('rpCustomers'), t('rpAgents')], rows: days.map((d, i) => [long[i], d.customer_messages, d.agent_messages]),
      csvColumns: ['date', 'customer_messages', 'agent_messages'], csv: days.map((d) => [d.date, d.customer_messages, d.agent_messages]) },
    file('messages'));
  msgs.querySelector('.rp-picture').append(legend([[t('rpCustomers'), 's1'], [t('rpAgents'), 's2']]));

  const dist = [5, 4, 3, 2, 1].map((n) => ({ label: n === 1 ? t('rpStar') : t('rpStars', { n }), value: s.stars[n - 1], key: 'stars_' + n, cls: n >= 4 ? 's1' : n === 3 ? 's3' : 's4' }));
  if (s.thumbs.up || s.thumbs.down) dist.push({ label: t('rpThumbsUp'), value: s.thumbs.up, key: 'thumbs_up', cls: 's1' }, { label: t('rpThumbsDown'), value: s.thumbs.down, key: 'thumbs_down', cls: 's4' });
  const csat = panel('csat', t('rpCsat'),
    s.rated ? t('rpCsatLead', { rated: s.rated, asked: s.asked, satisfied: pct(s.satisfied) }) : t('rpNoRatings'),
    hbars(dist, t('rpChartOf', { title: t('rpCsat') })),
    { columns: [t('rpRatings'), t('rpCount')], rows: dist.map((d) => [d.label, d.value]), csvColumns: ['rating', 'count'], csv: dist.map((d) => [d.key, d.value]) },
    file('satisfaction'));
  csat.append(el('h3', { class: 'rp-sub', text: t('rpComments') }),
    s.comments.length
      ? el('ul', { class: 'rp-comments' }, s.comments.map((x) => el('li', {},
        el('span', { class: 'rp-score', text: x.scale === 'thumbs' ? (x.score ? t('rpThumbsUp') : t('rpThumbsDown')) : (x.score === 1 ? t('rpStar') : t('rpStars', { n: x.score })) }),
        el('q', { text: x.comment }),
        el('span', { class: 'rp-who', text: t('rpCommentBy', { customer: x.customer || '?', agent: x.agent || t('rpNone') }) }))))
      : el('p', { class: 'rp-lead', text: t('rpNoComments') }));

  const hours = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
  const busy = panel('hours', t('rpHeat'), t('rpHeatLead', { tz: r.range.timezone }), heat(r.heatmap, dayNames, t('rpChartOf', { title: t('rpHeat') })),
    { columns: [t('rpHour'), ...dayNames], rows: hours.map((h, i) => [h, ...r.heatmap.map((row) => row[i])]),
      csvColumns: ['hour', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], csv: hours.map((h, i) => [h, ...r.heatmap.map((row) => row[i])]) },
    file('busiest-hours'));

  const agentRows = r.agents.map((a) => [a.name, a.handled, a.closed, duration(a.first_response_median_ms), a.csat_average === null ? pct(a.csat_satisfied) : avg(a.csat_average), a.csat_rated]);
  const people = panel('agents', t('rpPerAgent'), r.agents.length ? null : t('rpNoAgents'), null,
    { columns: [t('rpName'), t('rpHandled'), t('rpClosed'), t('rpFirstMedian'), t('rpCsatCol'), t('rpRated')], rows: agentRows,
      csvColumns: ['agent', 'handled', 'closed', 'first_response_median_s', 'csat_average', 'csat_rated'],
      csv: r.agents.map((a) => [a.name, a.handled, a.closed, secs(a.first_response_median_ms), a.csat_average ?? '', a.csat_rated]) },
    file('agents'));
  // The per-agent figures are a table by nature: always shown.
  const wrap = people.querySelector('.rp-table-wrap');
  wrap.hidden = false;
  people.querySelector('[data-action="table"]').remove();

  out.replaceChildren(
    el('p', { class: 'rp-period', text: t('rpPeriod', { from: long[0], to: long[long.length - 1], tz: r.range.timezone }) }),
    tiles, el('div', { class: 'rp-grid2' }, conv, msgs), el('div', { class: 'rp-grid2' }, csat, busy), admin || r.agents.length ? people : null);
}

function legend(items) {
  return el('ul', { class: 'rp-legend', 'aria-hidden': 'true' }, items.map(([name, cls]) => el('li', {}, el('span', { class: 'rp-swatch ' + cls }), name)));
}

/**
 * Draw the reports into `view`. `admin`: pick any agent (else the figures are the viewer's own);
 * `extra`: nodes shown under the heading (the admin's survey settings).
 */
export async function drawReports(view, { admin, extra = null } = {}) {
  const sel = (id, label, options) => {
    const s = el('select', { id }, options.map(([v, l]) => el('option', { value: v, text: l })));
    return { s, box: el('div', { class: 'rp-field' }, el('label', { for: id, text: label }), s) };
  };
  const range = sel('rp-range', t('rpRange'), [['today', t('rpToday')], ['7d', t('rp7d')], ['30d', t('rp30d')], ['custom', t('rpCustom')]]);
  range.s.value = '7d';
  const from = el('input', { id: 'rp-from', type: 'date' }), to = el('input', { id: 'rp-to', type: 'date' });
  const custom = el('div', { class: 'rp-custom', hidden: true },
    el('div', { class: 'rp-field' }, el('label', { for: 'rp-from', text: t('rpFrom') }), from),
    el('div', { class: 'rp-field' }, el('label', { for: 'rp-to', text: t('rpTo') }), to));
  const agentSel = sel('rp-agent', t('rpAgent'), [['', t('rpAllAgents')]]);
  const labelSel = sel('rp-label', t('rpLabel'), [['', t('rpAllLabels')]]);
  const status = el('p', { class: 'rp-status', role: 'status', 'aria-live': 'polite' });
  const out = el('div', { class: 'rp-out', 'aria-busy': 'true' });
  view.append(
    el('header', { class: 'rp-head' }, el('h1', { text: admin ? t('rpTitle') : t('rpOwnTitle') }), el('p', { class: 'rp-lead', text: admin ? t('rpLead') : t('rpOwnLead') })),
    extra,
    el('form', { class: 'rp-controls', onsubmit: (e) => e.preventDefault() }, range.box, custom, admin ? agentSel.box : null, labelSel.box),
    status, out);

  let seq = 0;
  async function load() {
    const q = new URLSearchParams({ range: range.s.value });
    if (range.s.value === 'custom') {
      if (!from.value || !to.value) return;
      q.set('from', from.value);
      q.set('to', to.value);
    }
    if (admin && agentSel.s.value) q.set('agent', agentSel.s.value);
    if (labelSel.s.value) q.set('label', labelSel.s.value);
    const mine = ++seq;
    status.textContent = t('rpLoading');
    out.setAttribute('aria-busy', 'true');
    try {
      const r = await agent.get('/api/reports?' + q);
      if (mine !== seq) return;
      draw(out, r, admin);
      status.textContent = '';
    } catch (e) {
      if (mine !== seq) return;
      status.textContent = t('rpFailed', { error: e.status === 403 ? t('rpNotAllowed') : (e.data?.error || e.message) });
    } finally {
      if (mine === seq) out.setAttribute('aria-busy', 'false');
    }
  }
  range.s.addEventListener('change', () => { custom.hidden = range.s.value !== 'custom'; load(); });
  for (const x of [from, to, agentSel.s, labelSel.s]) x.addEventListener('change', load);

  const lists = [agent.get('/api/labels').then((r) => {
    labelSel.s.append(...(r.labels || []).map((l) => el('option', { value: l.id, text: l.name })));
  }).catch(() => { labelSel.box.hidden = true; })];
  if (admin) {
    lists.push(agent.get('/api/users').then((r) => {
      agentSel.s.append(...(r.users || []).map((x) => x.user || x).map((u) => el('option', { value: u.id, text: u.name })));
    }).catch(() => { agentSel.box.hidden = true; }));
  }
  await Promise.all([load(), ...lists]);
}

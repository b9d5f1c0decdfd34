// Every dictionary in assets/ has the same words in English and Portuguese, and every word the pages
// ask for exists. Node only: no browser, no server (test.sh runs it even where chromium is missing).
//
// A dictionary is any module in assets/ with English and Portuguese tables: one that exports `en` and
// `pt` (assets/shared/i18n.js, assets/admin/i18n.js), one whose exported object holds `{en, pt}` pairs
// at any depth (a text module of that shape), or one that keeps `const en`
// and `const pt` to itself (assets/app/i18n.js, assets/widget/i18n.js: read through a copy that
// exports them). Each is imported as the pages import it, so it must not need a page to load.
//
// The words asked for: `t('key')` (and `t(cond ? 'a' : 'b')`) in every script, checked against the
// dictionaries that script imports (and the ones those import), and `data-i18n="key"` (and
// `data-i18n-placeholder`, `-aria-label`, `-title`) in every page, checked against its scripts'.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const assets = resolve(here, '..', '..', 'assets');

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}
const files = walk(assets);
const scripts = files.filter((f) => f.endsWith('.js'));
const pages = files.filter((f) => f.endsWith('.html'));
const source = new Map(files.filter((f) => /\.(js|html)$/.test(f)).map((f) => [f, readFileSync(f, 'utf8')]));
const name = (f) => relative(assets, f);

const isTable = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `{key: words}` flattened to dotted keys: nested tables compare key by key. */
function flat(table, prefix = '') {
  return Object.entries(table).flatMap(([k, v]) => (isTable(v) ? flat(v, `${prefix}${k}.`) : [[prefix + k, v]]));
}

/** Every `{en, pt}` pair in a module's exports: [[where, en, pt]]. */
function pairsIn(exports) {
  const out = [];
  if (isTable(exports.en) && isTable(exports.pt)) out.push(['en/pt', exports.en, exports.pt]);
  const look = (v, where, depth) => {
    if (!isTable(v) || depth > 4) return;
    if (isTable(v.en) && isTable(v.pt)) { out.push([where, v.en, v.pt]); return; }
    for (const [k, x] of Object.entries(v)) look(x, `${where}.${k}`, depth + 1);
  };
  for (const [k, v] of Object.entries(exports)) if (k !== 'en' && k !== 'pt') look(v, k, 0);
  return out;
}

/** The module's English and Portuguese tables, as the pages load it. */
async function dictionaryOf(file) {
  const text = source.get(file);
  const mod = await import(pathToFileURL(file).href);
  let pairs = pairsIn(mod);
  if (!pairs.length && /^const en = \{/m.test(text) && /^const pt = \{/m.test(text)) {
    // Private tables: a copy of the module that also exports them (no imports to resolve: checked).
    assert.doesNotMatch(text, /^import /m, `${name(file)} keeps its tables private and imports others: export \`en\` and \`pt\``);
    const copy = `${text}\nexport const __tables = { en, pt };\n`;
    const m = await import('data:text/javascript;base64,' + Buffer.from(copy).toString('base64'));
    pairs = [['en/pt', m.__tables.en, m.__tables.pt]];
  }
  return pairs;
}

/** Modules that look like they hold English and Portuguese words. */
const candidates = scripts.filter((f) => {
  const s = source.get(f);
  return /\ben\s*[:=]\s*\{/.test(s) && /\bpt\s*[:=]\s*\{/.test(s);
});

/** file -> its pairs; filled by the first test, used by the second. */
const dictionaries = new Map();

/** The scripts `file` imports (or re-exports from), resolved. */
function importsOf(file) {
  const out = [];
  for (const m of source.get(file).matchAll(/^\s*(?:import|export)\s[^;]*?from\s*'([^']+)'/gm)) {
    out.push(m[1].startsWith('/assets/') ? join(assets, m[1].slice(8)) : resolve(dirname(file), m[1]));
  }
  return out;
}

/** The English keys a script can reach: the dictionaries it imports, and theirs. */
function keysFor(file, seen = new Set()) {
  const keys = new Set();
  if (seen.has(file)) return keys;
  seen.add(file);
  for (const [, en] of dictionaries.get(file) || []) for (const [k] of flat(en)) keys.add(k);
  for (const dep of importsOf(file)) {
    if (dictionaries.has(dep) || importsOf(dep).some((d) => dictionaries.has(d))) for (const k of keysFor(dep, seen)) keys.add(k);
  }
  return keys;
}

test('every dictionary in assets/ has each word in English and in Portuguese, with the same {slots}', async () => {
  const problems = [];
  for (const file of candidates) {
    let pairs;
    try { pairs = await dictionaryOf(file); } catch (e) { problems.push(`${name(file)}: cannot be imported without a page: ${e.message}`); continue; }
    if (!pairs.length) continue;
    dictionaries.set(file, pairs);
    for (const [where, en, pt] of pairs) {
      const e = new Map(flat(en));
      const p = new Map(flat(pt));
      for (const k of e.keys()) if (!p.has(k)) problems.push(`${name(file)} ${where}: "${k}" is in English, not in Portuguese`);
      for (const k of p.keys()) if (!e.has(k)) problems.push(`${name(file)} ${where}: "${k}" is in Portuguese, not in English`);
      const slots = (s) => (typeof s === 'string' ? [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',') : '');
      for (const [k, v] of e) {
        if (p.has(k) && slots(v) !== slots(p.get(k))) problems.push(`${name(file)} ${where}: "${k}" has slots {${slots(v)}} in English, {${slots(p.get(k))}} in Portuguese`);
        if (typeof v === 'string' && v.trim() === '') problems.push(`${name(file)} ${where}: "${k}" is empty in English`);
        if (typeof p.get(k) === 'string' && p.get(k).trim() === '') problems.push(`${name(file)} ${where}: "${k}" is empty in Portuguese`);
      }
    }
  }
  assert.deepEqual(problems, []);
  // The known dictionaries were found (a test that finds none passes for nothing).
  for (const f of ['app/i18n.js', 'widget/i18n.js', 'shared/i18n.js', 'admin/i18n.js']) {
    assert.ok(dictionaries.has(join(assets, f)), `${f} was not recognised as a dictionary`);
  }
});

test('every t(\'key\') in the scripts and data-i18n in the pages has words', async (t) => {
  if (!dictionaries.size) for (const f of candidates) { const p = await dictionaryOf(f).catch(() => []); if (p.length) dictionaries.set(f, p); }
  const missing = [];
  let asked = 0;
  for (const file of scripts) {
    // Comments may show how to call t(); only code counts (a `//` after a space starts a comment).
    const text = source.get(file).replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
    const keys = new Set();
    for (const m of text.matchAll(/\bt\(\s*(['"])([^'"]+)\1/g)) keys.add(m[2]);
    for (const m of text.matchAll(/\bt\(\s*[^'"()]*?\?\s*'([^']+)'\s*:\s*'([^']+)'/g)) { keys.add(m[1]); keys.add(m[2]); }
    if (!keys.size) continue;
    const has = keysFor(file);
    if (!has.size) continue; // a `t` of its own that is not a dictionary's (none today)
    for (const k of keys) { asked++; if (!has.has(k)) missing.push(`${name(file)}: t('${k}')`); }
  }
  for (const file of pages) {
    const html = source.get(file);
    const keys = [...html.matchAll(/\sdata-i18n(?:-placeholder|-aria-label|-title)?="([^"]+)"/g)].map((m) => m[1]);
    if (!keys.length) continue;
    const has = new Set();
    for (const m of html.matchAll(/<script[^>]*\ssrc="(\/assets\/[^"]+)"/g)) for (const k of keysFor(join(assets, m[1].slice(8)))) has.add(k);
    for (const k of keys) { asked++; if (!has.has(k)) missing.push(`${name(file)}: data-i18n "${k}"`); }
  }
  t.diagnostic(`${asked} words asked for, ${dictionaries.size} dictionaries`);
  assert.deepEqual(missing, []);
  assert.ok(asked > 300, `only ${asked} words asked for: is the search for t('…') still finding them?`);
});

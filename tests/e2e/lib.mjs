// Helpers for Frontdesk's browser tests (run by `node --test`, see test.sh).
//
// Each test starts its own server on 127.0.0.1:0 with a fresh data directory, so tests never share state
// or ports, and drives Debian's /usr/bin/chromium through playwright-core (`npx playwright install` cannot
// download browsers here).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The repository root (tests/e2e/../..). */
export const repoRoot = resolve(here, '..', '..');

/**
 * The release binary: test.sh builds it and passes its path in FRONTDESK_BIN. Run directly, the tests look
 * in $CARGO_TARGET_DIR (relative to the repository root) or target/.
 */
export const binaryPath = process.env.FRONTDESK_BIN
  || join(resolve(repoRoot, process.env.CARGO_TARGET_DIR || 'target'), 'release', 'frontdesk');

export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Where screenshots go: gitignored, kept after the run for a person (or CI) to look at. */
export const screenshotDir = join(repoRoot, 'test-output', 'screenshots');

// How long to wait for the server's first line before giving up (a cold start is well under a second;
// the margin is for a loaded 2-core CI machine).
const START_TIMEOUT_MS = 15_000;

// Servers still running: killed if the test process exits without stopping them (a failed assertion
// before `stop()`), so no orphan keeps a port or a temp dir busy after the run.
const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

/**
 * Start `frontdesk serve` on a free port with a fresh data directory.
 *
 * Resolves once the server printed its first stdout line, `listening on http://127.0.0.1:PORT`.
 * Cheap argon2 parameters (FRONTDESK_ARGON2_M_KIB=256, T=1) keep sign-ups fast; they are a test-only
 * setting passed through the environment, as production code has no test branch.
 *
 * @param {{env?: Record<string,string>, args?: string[]}} [opts] extra environment / extra CLI arguments
 * @returns {Promise<{url: string, dataDir: string, proc: import('node:child_process').ChildProcess,
 *   output: () => string, stop: () => Promise<void>}>}
 */
export async function startServer({ env = {}, args = [] } = {}) {
  if (!existsSync(binaryPath)) {
    throw new Error(`${binaryPath} is missing: run \`cargo build --release\` (test.sh does) first`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'frontdesk-e2e-'));
  const proc = spawn(binaryPath, ['serve', '--addr', '127.0.0.1:0', '--data', dataDir, ...args], {
    env: {
      ...process.env,
      FRONTDESK_ARGON2_M_KIB: '256',
      FRONTDESK_ARGON2_T: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));

  // Keep everything the server says, to show it when a test fails.
  let log = '';
  proc.stderr.on('data', (chunk) => { log += chunk; });

  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`server did not print "listening on" within ${START_TIMEOUT_MS} ms\n${log}`));
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: proc.stdout });
    let first = true;
    lines.on('line', (line) => {
      log += line + '\n';
      if (!first) return;
      first = false;
      clearTimeout(timer);
      const m = /^listening on (http:\/\/\S+)$/.exec(line);
      if (m) resolveUrl(m[1].replace(/\/$/, ''));
      else {
        proc.kill('SIGKILL');
        reject(new Error(`unexpected first line from server: ${JSON.stringify(line)}\n${log}`));
      }
    });
    proc.once('error', (err) => { clearTimeout(timer); reject(err); });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening (code ${code}, signal ${signal})\n${log}`));
    });
  });

  let stopped = null;
  /** SIGTERM (as systemd would), SIGKILL after 10 s, then remove the data directory. */
  const stop = () => {
    stopped ??= new Promise((done) => {
      const finish = () => {
        rmSync(dataDir, { recursive: true, force: true });
        done();
      };
      if (proc.exitCode !== null || proc.signalCode !== null) return finish();
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      proc.once('exit', () => { clearTimeout(killer); finish(); });
      proc.kill('SIGTERM');
    });
    return stopped;
  };

  return { url, dataDir, proc, output: () => log, stop };
}

/** True when Debian's chromium and the npm packages (node_modules) are installed. */
export function browserAvailable() {
  return existsSync(chromiumPath) && existsSync(join(here, 'node_modules', 'playwright-core'));
}

/**
 * What a browser test passes as its `skip` option: false when the browser is there; in CI a missing
 * browser is a failure (throws), elsewhere a printed notice and a skip.
 *
 * Usage: `test('name', { skip: skipOrFail() }, async () => { ... })`
 */
export function skipOrFail() {
  if (browserAvailable()) return false;
  const why = `browser tests need ${chromiumPath} (apt-get install -y chromium) and node_modules ` +
    '(npm ci in tests/e2e)';
  if (process.env.CI) throw new Error(`CI is set but ${why}`);
  console.log(`NOTICE: skipping: ${why}`);
  return why;
}

/**
 * Launch headless Debian chromium. The flags stop it from calling Google's hosts, which this machine's
 * closed network refuses over and over (see shared/NOTES.md); --no-sandbox because tests run as root.
 * Playwright gives each launch a fresh temporary profile (--user-data-dir) and removes it on close.
 */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** Save a full-page PNG as test-output/screenshots/NAME.png and return its path. */
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// axe-core's source, read once; evaluated in a page or frame through the DevTools protocol, which the
// page's Content-Security-Policy does not apply to (an injected <script> tag would be refused by it).
let axeSource = null;

/**
 * Run axe-core (npm package, WCAG 2.x A/AA rules plus best practices) over `target` (a Page or a Frame)
 * and fail on any violation of impact "serious" or "critical", naming the rule, the impact, the
 * elements and axe's own explanation. `name` says which page state was checked (it is in the message).
 * Returns the violations of lower impact, for a test that wants to look at them.
 */
export async function checkA11y(target, name) {
  const { readFileSync } = await import('node:fs');
  axeSource ??= readFileSync(join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  if (!(await target.evaluate(() => !!window.axe))) await target.evaluate(axeSource);
  const violations = await target.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    const text = bad.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    at ${n.target}: ${n.summary.replace(/\n/g, ' ')}`).join('\n')).join('\n');
    throw new Error(`axe-core: ${bad.length} serious or critical violation(s) on ${name}:\n${text}`);
  }
  return violations.filter((v) => !bad.includes(v));
}

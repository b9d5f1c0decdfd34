// Smoke test: a fresh server sends a first visitor to the setup page, and the page renders in Chromium.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkA11y, launchBrowser, screenshot, skipOrFail, startServer } from './lib.mjs';

const skip = skipOrFail();
let server;
let browser;

before(async () => {
  if (skip) return;
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('fresh install redirects the home page to first-run setup', { skip }, async () => {
  const page = await browser.newPage();
  const response = await page.goto(server.url + '/');
  assert.ok(response, 'navigation returned no response');
  assert.equal(new URL(page.url()).pathname, '/setup');
  assert.equal(response.status(), 200);
  await screenshot(page, 'smoke-setup');
  await checkA11y(page, 'the setup page');
});

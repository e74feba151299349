// The demo page in a real browser: playwright-core drives Debian's Chromium (headless) against
// www/stack.mjs (demo CA, a trusted and an untrusted TLS server, the WebSocket tunnel and the
// static server, all on 127.0.0.1). The page loads the web build of rustls-ssl itself, tunnels
// TCP through the WebSocket and shows what was negotiated; these tests click through it and
// read the result, for a trusted server, an untrusted one and a target the tunnel refuses.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launchChromium } from './helpers/chromium.mjs';

import { startStack } from '../www/stack.mjs';

const SHOTS = fileURLToPath(new URL('../test-output/browser/', import.meta.url));
const T = { timeout: 30000 };
const FINISHED = 'body[data-state="done"], body[data-state="error"]';
const TLS13_SUITE = /\b(TLS_AES_128_GCM_SHA256|TLS_AES_256_GCM_SHA384|TLS_CHACHA20_POLY1305_SHA256)\b/;

describe('the demo page in Chromium', () => {
  let stack;
  let browser;
  const serverLog = [];

  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    stack = await startStack({ log: (line) => serverLog.push(line) });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
  });

  /**
   * A fresh context and page on the demo, loaded and ready to connect. Uncaught page errors
   * and console errors are collected; the context is closed in t.after.
   */
  async function openPage(t) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    t.after(() => context.close());
    const page = await context.newPage();
    const pageErrors = [];
    const consoleErrors = [];
    const responses = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('response', (r) => {
      responses.push({ path: new URL(r.url()).pathname, status: r.status(), type: r.headers()['content-type'] ?? '' });
    });
    await page.goto(stack.pageUrl);
    await page.waitForSelector('#connect:not([disabled])', { timeout: 15000 });
    return { page, pageErrors, consoleErrors, responses };
  }

  /** Clicks #connect and waits until the page says it is done or failed. */
  async function connectAndWait(page) {
    await page.click('#connect');
    await page.waitForSelector(FINISHED, { timeout: 20000 });
    return page.evaluate(() => document.body.dataset.state);
  }

  /** Everything the page shows, for assertion messages. */
  async function shown(page) {
    const ids = ['status', 'protocol', 'cipher', 'group', 'alpn', 'error', 'timeline'];
    const entries = await Promise.all(
      ids.map(async (id) => [id, ((await page.textContent(`#${id}`).catch(() => null)) ?? '').trim()])
    );
    return JSON.stringify(Object.fromEntries(entries), null, 1) + `\nserver log:\n${serverLog.join('\n')}`;
  }

  function assertNoPageErrors(pageErrors) {
    assert.deepEqual(
      pageErrors.map((e) => String(e.stack ?? e)),
      [],
      'no uncaught exceptions in the page'
    );
  }

  test('trusted target: TLS 1.3 handshake through the tunnel and an HTTP/1.1 200 reply', T, async (t) => {
    const { page, pageErrors, consoleErrors, responses } = await openPage(t);
    // No bundler: the page's module script imports js/web.mjs, which fetches the web build's
    // wasm itself (top-level await), and browsers only stream-compile it as application/wasm.
    const loaded = (re) => responses.find((r) => re.test(r.path));
    assert.equal(loaded(/\/js\/web\.mjs$/)?.status, 200, `js/web.mjs loaded: ${JSON.stringify(responses)}`);
    const wasm = loaded(/\/pkg\/web\/rustls_ssl_bg\.wasm$/);
    assert.equal(wasm?.status, 200, `the wasm loaded: ${JSON.stringify(responses)}`);
    assert.match(wasm.type, /^application\/wasm/);
    await page.selectOption('#target', 'trusted');
    const state = await connectAndWait(page);
    await page.screenshot({ path: `${SHOTS}trusted.png`, fullPage: true });

    assert.equal(state, 'done', await shown(page));
    assert.equal((await page.textContent('#protocol')).trim(), 'TLSv1.3');
    const cipher = (await page.textContent('#cipher')).trim();
    assert.match(cipher, TLS13_SUITE);
    const certs = await page.$$eval('#chain .cert', (els) => els.map((e) => e.textContent ?? ''));
    assert.ok(certs.length >= 1, 'the chain lists at least the leaf');
    assert.match(certs[0], /localhost/, 'the first certificate is the server leaf');
    assert.match(await page.textContent('#response'), /HTTP\/1\.1 200/);
    assert.ok(await page.isHidden('#error'), `#error stays hidden: ${await shown(page)}`);
    assertNoPageErrors(pageErrors);
    // A failed request is a console error without its URL; check the requests instead.
    const failed = responses.filter((r) => r.status >= 400 && r.path !== '/favicon.ico');
    assert.deepEqual(failed, [], 'every file the page asked for was served');
    assert.deepEqual(
      consoleErrors.filter((m) => !/^Failed to load resource/.test(m)),
      [],
      'no console errors on success'
    );
    t.diagnostic(`${cipher}, group ${(await page.textContent('#group')).trim()}, chain ${certs.length}`);
  });

  test('untrusted target: the handshake fails with a certificate verify error', T, async (t) => {
    const { page, pageErrors, consoleErrors } = await openPage(t);
    await page.selectOption('#target', 'untrusted');
    const state = await connectAndWait(page);
    await page.screenshot({ path: `${SHOTS}untrusted.png`, fullPage: true });

    assert.equal(state, 'error', await shown(page));
    const error = (await page.textContent('#error')).trim();
    assert.match(error, /not trusted|certificate verify failed/i);
    // The leaf's issuer is a CA the page does not trust and the server sends no other
    // certificate: OpenSSL's X509_V_ERR_UNABLE_TO_GET_LOCAL_ISSUER_CERT.
    assert.match(error, /\b20\b/, `the verify code (20) is shown: ${error}`);
    assert.doesNotMatch(await page.textContent('#response'), /HTTP\/1\.1 \d{3}/, 'no response after a failed handshake');
    assertNoPageErrors(pageErrors);
    t.diagnostic(`#error: ${error}; console errors: ${JSON.stringify(consoleErrors.map((m) => m.split('\n')[0]))}`);
  });

  test('Wisp: the same handshake and reply over one stream of the Wisp endpoint', T, async (t) => {
    const { page, pageErrors } = await openPage(t);
    await page.selectOption('#kind', 'wisp');
    assert.equal(await page.inputValue('#tunnel'), stack.wispUrl, 'the Wisp endpoint is filled in');
    await page.selectOption('#target', 'trusted');
    const state = await connectAndWait(page);
    await page.screenshot({ path: `${SHOTS}wisp.png`, fullPage: true });

    assert.equal(state, 'done', await shown(page));
    assert.equal((await page.textContent('#protocol')).trim(), 'TLSv1.3');
    assert.match(await page.textContent('#response'), /HTTP\/1\.1 200/);
    assert.ok(serverLog.some((l) => /^wisp: .* connected/.test(l)), `the Wisp endpoint was used:\n${serverLog.join('\n')}`);
    assertNoPageErrors(pageErrors);
  });

  test('a target not on the allow list: the tunnel refuses it', T, async (t) => {
    const { page, pageErrors, consoleErrors } = await openPage(t);
    await page.fill('#tunnel', `${stack.tunnelUrl}?target=127.0.0.1:1`);
    const state = await connectAndWait(page);
    await page.screenshot({ path: `${SHOTS}refused.png`, fullPage: true });

    assert.equal(state, 'error', await shown(page));
    const error = (await page.textContent('#error')).trim();
    assert.match(error, /refused|not allowed|1008/i, `a tunnel-refused message: ${error}`);
    assert.doesNotMatch(await page.textContent('#protocol'), /TLS/, 'no handshake happened');
    assert.doesNotMatch(await page.textContent('#response'), /HTTP\/1\.1 \d{3}/, 'no response');
    assert.ok(
      serverLog.some((l) => /refused target/.test(l)),
      `the tunnel logged the refusal:\n${serverLog.join('\n')}`
    );
    assertNoPageErrors(pageErrors);
    t.diagnostic(`#error: ${error}; console errors: ${JSON.stringify(consoleErrors.map((m) => m.split('\n')[0]))}`);
  });
});

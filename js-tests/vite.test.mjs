// The package from a bundler (API.md §1): js-tests/vite-app imports 'rustls-ssl' by name,
// Vite resolves it through package.json `exports` (the `browser` / `default` condition →
// js/web.mjs), bundles the wasm as an asset, and the built page runs a TLS 1.3 handshake
// between two connections over memoryPair() in headless Chromium. Served from 127.0.0.1 only.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launchChromium } from './helpers/chromium.mjs';
import { build } from 'vite';

const APP = fileURLToPath(new URL('./vite-app/', import.meta.url));
const DIST = fileURLToPath(new URL('../test-output/vite-dist/', import.meta.url));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8'
};

/** A static server for `dir` on 127.0.0.1 that logs every request it answers. */
async function serveDir(dir) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (rel === '/favicon.ico') {
      res.writeHead(204).end(); // Chromium asks for it; a 404 would be a console error
      return;
    }
    const file = path.join(dir, rel.endsWith('/') ? `${rel}index.html` : rel);
    if (!file.startsWith(dir)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      requests.push(`200 ${rel}`);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      requests.push(`404 ${rel}`);
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })
  };
}

/** Runs `vite build` once; both tests wait for it, so a build failure fails each of them. */
let building;
function buildApp() {
  building ??= (async () => {
    await rm(DIST, { recursive: true, force: true });
    return build({
      root: APP,
      configFile: false,
      logLevel: 'warn',
      build: { outDir: DIST, emptyOutDir: true, target: 'esnext' }
    });
  })();
  return building;
}

describe('rustls-ssl in a Vite build', () => {
  let server;
  let browser;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('vite build resolves the package by name and emits the wasm as an asset', async () => {
    const output = await buildApp();
    const files = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output.map((f) => f.fileName));
    assert.ok(files.includes('index.html'), `emitted ${files.join(', ')}`);
    assert.ok(
      files.some((f) => /\.wasm$/.test(f)),
      `a .wasm asset was emitted: ${files.join(', ')}`
    );
    const assets = await readdir(path.join(DIST, 'assets'));
    const js = assets.filter((f) => f.endsWith('.js'));
    assert.ok(js.length >= 1, `a JS bundle in ${assets.join(', ')}`);
    const bundle = (await Promise.all(js.map((f) => readFile(path.join(DIST, 'assets', f), 'utf8')))).join('\n');
    assert.doesNotMatch(bundle, /from ?["']rustls-ssl["']/, 'the bare import was bundled, not left for the browser');
    assert.doesNotMatch(bundle, /node:fs|createRequire/, 'the Node entry (js/node.mjs) did not end up in the bundle');
  });

  test('the built page runs a TLS 1.3 handshake over memoryPair() in Chromium', { timeout: 30000 }, async (t) => {
    await buildApp();
    server ??= await serveDir(DIST);
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    const pageErrors = [];
    const consoleErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));

    await page.goto(server.url);
    await page.waitForSelector('body[data-result]', { timeout: 20000 });
    const result = await page.evaluate(() => document.body.dataset.result);
    const out = await page.textContent('#out');
    assert.deepEqual(pageErrors.map(String), [], 'no uncaught page errors');
    assert.deepEqual(consoleErrors, [], `no console errors; requests: ${server.requests.join(', ')}`);
    assert.equal(result, 'TLSv1.3', `page said: ${out}`);
    const details = JSON.parse(out);
    assert.match(details.cipher, /^TLS_/);
    assert.equal(details.peer, 'localhost');
    assert.match(details.defaultRoots, /^20 certificate verify failed: unable to get local issuer certificate/);
    assert.ok(
      server.requests.some((r) => /^200 \/assets\/roots-.*\.js$/.test(r)),
      `the bundled roots came as a chunk of their own: ${server.requests.join(', ')}`
    );
    assert.ok(
      server.requests.some((r) => /^200 \/assets\/.*\.wasm$/.test(r)),
      `the page fetched the wasm asset: ${server.requests.join(', ')}`
    );
    t.diagnostic(`served: ${server.requests.join(', ')}`);
  });
});

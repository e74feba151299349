// The package in every runtime besides Node and a browser page (API.md §1, §8 "Runtimes"),
// each against the packed tarball installed in a fresh folder (helpers/packed.mjs), each doing
// a real TLS handshake with a node:tls server this file starts on 127.0.0.1: the client
// verifies the chain against the test CA and the host name, negotiates ALPN, exchanges a
// line each way, and a second connection with the wrong host name must fail verification
// (helpers/runtimes/scenario.mjs, the same code in each runtime).
//
// - Deno (the `deno` condition → js/deno.mjs: the wasm as a source-phase import, so importing
//   needs no --allow-read) over node:net, plus `connect()`;
// - Bun (the `node` condition → js/node.mjs) over node:net, plus `connect()` and require();
// - a module Web Worker in headless Chromium (the `browser` condition → js/web.mjs) through
//   the demo's WebSocket tunnel (www/tunnel.mjs);
// - workerd (the `workerd` condition → js/workerd.mjs: the wasm as a `wasm` module), over a
//   `cloudflare:sockets` TCP socket, no nodejs_compat.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { launchChromium } from './helpers/chromium.mjs';
import { packedApp } from './helpers/packed.mjs';
import { resolveExport } from './helpers/runtimes/resolve.mjs';
import { servePackedApp, startPongServer } from './helpers/runtimes/servers.mjs';
import { startWorkerd, writeWorkerdConfig } from './helpers/runtimes/workerd.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = path.join(ROOT, 'js-tests', 'fixtures');
const HELPERS = path.join(ROOT, 'js-tests', 'helpers', 'runtimes');
const BIN = path.join(ROOT, 'node_modules', '.bin');
const CA_PEM = readFileSync(path.join(FIXTURES, 'ca.pem'), 'utf8');
const TLS13_SUITE = /^(TLS_AES_128_GCM_SHA256|TLS_AES_256_GCM_SHA384|TLS_CHACHA20_POLY1305_SHA256)$/;

/**
 * What every runtime's scenario result must say.
 * @param {any} r the scenario's result @param {string} message the line it sent
 * @param {object[]} seen what the server saw of the handshakes in this test
 * @param {number} handshakes how many completed (the wrong-host one must not)
 */
function assertScenario(r, message, seen, handshakes) {
  const info = JSON.stringify(r);
  // node:tls saw the good connection, and the connect() one where there is one, but not the
  // refused one (that client never sent its Finished): the SNI and ALPN each client sent.
  assert.equal(seen.length, handshakes, `the server completed ${handshakes} handshake(s): ${info}`);
  for (const s of seen) assert.deepEqual(s, { servername: 'localhost', alpn: 'rt-test', protocol: 'TLSv1.3' });
  assert.equal(r.protocol, 'TLSv1.3', info);
  assert.match(r.cipher, TLS13_SUITE, info);
  assert.equal(r.verify, 0, info);
  assert.equal(r.peer, 'localhost', info);
  assert.equal(r.issuer, 'rustls-ssl Test Intermediate CA', info);
  assert.equal(r.alpn, 'rt-test', info);
  assert.equal(r.servername, 'localhost', info);
  // node:tls's own view of the same connection: the protocol and cipher both sides report.
  assert.equal(r.reply, `pong ${message} ${r.protocol} ${r.cipher}\n`, info);
  assert.deepEqual(
    { failed: r.wrongHost.failed, sslError: r.wrongHost.sslError, code: r.wrongHost.code, verifyResult: r.wrongHost.verifyResult },
    { failed: true, sslError: true, code: 'ERR_TLS_CERT_ALTNAME_INVALID', verifyResult: 62 },
    `the wrong host name is refused: ${info}`,
  );
  assert.match(r.wrongHost.message, /certificate verify failed/, info);
  // The bundled roots were imported in this runtime and do not trust the test CA.
  assert.equal(r.defaultRoots.failed, true, info);
  assert.equal(r.defaultRoots.verifyResult, 20, info);
  assert.match(r.defaultRoots.message, /^certificate verify failed: unable to get local issuer certificate/, info);
}

describe('rustls-ssl in other runtimes, installed from the packed tarball', () => {
  /** @type {{ app: string, pkg: string }} */ let packed;
  /** @type {Awaited<ReturnType<typeof startPongServer>>} */ let server;
  /** @type {string} */ let tmp;
  /** @type {Record<string, string>} */ let env;

  before(async () => {
    packed = await packedApp();
    server = await startPongServer('rt-test');
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rustls-ssl-runtimes-'));
    // The scripts sit in the consumer's folder, so `rustls-ssl` resolves from its node_modules.
    for (const f of ['scenario.mjs', 'node-api-client.mjs', 'web-worker.mjs', 'workerd-worker.mjs']) copyFileSync(path.join(HELPERS, f), path.join(packed.app, f));
    // No toolchain on PATH (an empty folder), a HOME of its own, no colours in the output.
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin);
    env = { PATH: bin, HOME: tmp, NO_COLOR: '1', DENO_DIR: path.join(tmp, 'deno'), BUN_INSTALL_CACHE_DIR: path.join(tmp, 'bun') };
  });

  after(async () => {
    await server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs a runtime on node-api-client.mjs and parses its one JSON line. */
  async function nodeApiClient(cmd, args, message) {
    const input = JSON.stringify({ port: server.port, caPem: CA_PEM, message });
    const { stdout, stderr } = await run(cmd, [...args, 'node-api-client.mjs', input], { cwd: packed.app, env, timeout: 30_000 }).catch((err) => {
      throw new Error(`${path.basename(cmd)} failed: ${err.message}\n${err.stderr ?? ''}`);
    });
    const last = stdout.trim().split('\n').at(-1) ?? '';
    try {
      return JSON.parse(last);
    } catch {
      throw new Error(`no JSON result; stdout:\n${stdout}\nstderr:\n${stderr}`);
    }
  }

  test('Deno: the `deno` entry, a verified handshake over node:net and connect(), no read permission', async (t) => {
    const message = 'hello from deno';
    const from = server.seen.length;
    // --allow-net for the test server only; no --allow-read: importing the package must not
    // need it (the Node entry's readFileSync would).
    const out = await nodeApiClient(path.join(BIN, 'deno'), ['run', '--no-lock', '--no-prompt', `--allow-net=127.0.0.1:${server.port}`], message);
    assert.match(out.runtime, /^deno /);
    assert.equal(out.entry, `file://${path.join(packed.pkg, 'js', 'deno.mjs')}`);
    assert.notEqual(out.readPermission, 'granted');
    assertScenario(out.scenario, message, server.seen.slice(from), 2);
    assert.deepEqual(out.connect, { authorized: true, protocol: 'TLSv1.3', alpn: 'rt-test', reply: `pong ${message} (connect) TLSv1.3 ${out.scenario.cipher}\n` });
    t.diagnostic(`${out.runtime}: ${out.scenario.protocol} ${out.scenario.cipher} ${out.scenario.group}, ALPN ${out.scenario.alpn}`);
  });

  test('Bun: the `node` entry, a verified handshake over node:net and connect(), require() shares it', async (t) => {
    const message = 'hello from bun';
    const from = server.seen.length;
    const out = await nodeApiClient(path.join(BIN, 'bun'), ['run'], message);
    assert.match(out.runtime, /^bun /);
    assert.equal(out.entry, `file://${path.join(packed.pkg, 'js', 'node.mjs')}`);
    assert.equal(out.requireShared, true, 'require() and import give the same classes');
    assertScenario(out.scenario, message, server.seen.slice(from), 2);
    assert.deepEqual(out.connect, { authorized: true, protocol: 'TLSv1.3', alpn: 'rt-test', reply: `pong ${message} (connect) TLSv1.3 ${out.scenario.cipher}\n` });
    t.diagnostic(`${out.runtime}: ${out.scenario.protocol} ${out.scenario.cipher} ${out.scenario.group}, ALPN ${out.scenario.alpn}`);
  });

  test('a module Web Worker in Chromium: the `browser` entry, a verified handshake through the WebSocket tunnel', { timeout: 30_000 }, async (t) => {
    const message = 'hello from a web worker';
    const from = server.seen.length;
    const entry = resolveExport(packed.pkg, ['browser', 'worker', 'import']);
    assert.equal(entry, path.join(packed.pkg, 'js', 'web.mjs'));
    const entryUrl = '/' + path.relative(packed.app, entry).split(path.sep).join('/');
    const workerSource = readFileSync(path.join(packed.app, 'web-worker.mjs'), 'utf8');
    const rewritten = workerSource.replace(/from 'rustls-ssl';/, `from '${entryUrl}';`);
    assert.notEqual(rewritten, workerSource, 'the worker imports rustls-ssl by name');
    const js = 'text/javascript; charset=utf-8';
    const { origin, tunnelUrl, served } = await servePackedApp(t, {
      app: packed.app,
      index: () => '<!doctype html><meta charset="utf-8"><title>worker</title>',
      routes: {
        '/web-worker.mjs': () => ({ type: js, body: rewritten }),
        '/scenario.mjs': () => ({ type: js, body: readFileSync(path.join(packed.app, 'scenario.mjs')) }),
      },
      target: `127.0.0.1:${server.port}`,
    });

    const browser = await launchChromium();
    t.after(() => browser.close());
    const page = await browser.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${origin}/index.html`);
    const data = { tunnelUrl, caPem: CA_PEM, message };
    const out = await page.evaluate(
      (data) =>
        new Promise((resolve) => {
          const worker = new Worker('/web-worker.mjs', { type: 'module' });
          worker.onmessage = (e) => (e.data.ready ? worker.postMessage(data) : resolve(e.data));
          worker.onerror = (e) => resolve({ ok: false, error: `worker error: ${e.message}` });
        }),
      data,
    );
    assert.deepEqual(pageErrors, []);
    assert.equal(out.ok, true, out.error);
    assert.equal(out.scope, '[object DedicatedWorkerGlobalScope]');
    assert.equal(out.hasDocument, false);
    assertScenario(out.result, message, server.seen.slice(from), 1);
    // The worker loaded the web build and its wasm from the installed package.
    assert.ok(served.includes(`200 ${entryUrl}`), served.join(', '));
    assert.ok(served.includes('200 /node_modules/rustls-ssl/pkg/web/rustls_ssl_bg.wasm'), served.join(', '));
    t.diagnostic(`${await browser.version()}: ${out.result.protocol} ${out.result.cipher} ${out.result.group}, ALPN ${out.result.alpn}`);
  });

  test('workerd: the `workerd` entry with the wasm as a module, a verified handshake over cloudflare:sockets', { timeout: 30_000 }, async (t) => {
    const message = 'hello from workerd';
    const from = server.seen.length;
    const socketPath = path.join(tmp, 'workerd.sock');
    const { config, entry, modules, external } = writeWorkerdConfig({
      app: packed.app,
      worker: path.join(packed.app, 'workerd-worker.mjs'),
      extra: [path.join(packed.app, 'scenario.mjs')],
      socketPath,
    });
    assert.equal(entry, path.join(packed.pkg, 'js', 'workerd.mjs'));
    // What the entry reaches: the web glue, the wasm as a module, the web-safe JS; no Node
    // built-ins (there is no nodejs_compat to provide them) and no Node-only file.
    assert.deepEqual(external, [], 'the workerd entry imports nothing outside the package');
    assert.ok(modules.includes('node_modules/rustls-ssl/pkg/web/rustls_ssl_bg.wasm'), modules.join(', '));
    for (const nodeOnly of ['js/node.mjs', 'js/node-streams.js', 'js/deno.mjs', 'js/index.cjs']) {
      assert.ok(!modules.includes(`node_modules/rustls-ssl/${nodeOnly}`), `${nodeOnly} is not in the Worker`);
    }
    assert.doesNotMatch(readFileSync(config, 'utf8'), /nodejs_compat/);
    assert.ok(existsSync(path.join(BIN, 'workerd')), 'workerd is a devDependency: run npm install');
    const wd = await startWorkerd(path.join(BIN, 'workerd'), config, socketPath);
    t.after(() => wd.close());
    const res = await wd.post(JSON.stringify({ port: server.port, caPem: CA_PEM, message }));
    assert.equal(res.status, 200, `${res.body}\n${wd.output()}`);
    const out = JSON.parse(res.body);
    assert.equal(out.userAgent, 'Cloudflare-Workers');
    assert.equal(out.hasProcess, false, 'no Node globals in this Worker');
    assertScenario(out.result, message, server.seen.slice(from), 1);
    t.diagnostic(`workerd ${modules.length} modules: ${out.result.protocol} ${out.result.cipher} ${out.result.group}, ALPN ${out.result.alpn}`);
  });
});

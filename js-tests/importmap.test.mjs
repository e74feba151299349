// The package in a plain module page, the way a user without a bundler loads it (API.md §1,
// §8 "Runtimes"): the installed tarball's files served as they are (helpers/packed.mjs), an
// HTML page whose import map points the bare name `rustls-ssl` at the file the `browser`
// condition names, and a `<script type="module">` that imports the classes by name. In
// headless Chromium the page makes a verified TLS handshake through the demo's WebSocket
// tunnel (www/tunnel.mjs) to a node:tls server holding a chain of the test CA, exchanges a
// line each way, and a second connection with the wrong host name must fail verification.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { launchChromium } from './helpers/chromium.mjs';
import { packedApp } from './helpers/packed.mjs';
import { resolveExport } from './helpers/runtimes/resolve.mjs';
import { servePackedApp, startPongServer } from './helpers/runtimes/servers.mjs';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const CA_PEM = readFileSync(path.join(FIXTURES, 'ca.pem'), 'utf8');
const ENTRY = '/node_modules/rustls-ssl/js/web.mjs';
const TLS13_SUITE = /^(TLS_AES_128_GCM_SHA256|TLS_AES_256_GCM_SHA384|TLS_CHACHA20_POLY1305_SHA256)$/;

// What the page runs: nothing but the import map's name to reach the package.
const PAGE_SCRIPT = `
import {
  Connection,
  Context,
  SSLError,
  TLS_CLIENT_METHOD,
  ZeroReturnError,
  webSocketTransport,
} from 'rustls-ssl';

const { tunnelUrl, caPem, message } = JSON.parse(document.getElementById('config').textContent);
const ctx = new Context(TLS_CLIENT_METHOD);
ctx.loadVerifyLocations(null, null, caPem);

async function good() {
  const conn = new Connection(ctx, webSocketTransport(new WebSocket(tunnelUrl)));
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  conn.setAlpnProtos(['im-test']);
  await conn.doHandshake();
  await conn.sendall(new TextEncoder().encode(message + '\\n'));
  let reply = '';
  const decoder = new TextDecoder();
  for (;;) {
    try {
      reply += decoder.decode(await conn.recv(16384), { stream: true });
    } catch (err) {
      if (err instanceof ZeroReturnError) break;
      throw err;
    }
  }
  await conn.shutdown();
  const out = {
    protocol: conn.getProtocolVersionName(),
    cipher: conn.getCipherName(),
    alpn: conn.getAlpnProtoNegotiated(),
    verify: conn.getVerifyResult(),
    peer: conn.getPeerCertificate()?.getSubject().CN ?? null,
    reply,
  };
  conn.free();
  return out;
}

async function wrongHost() {
  const conn = new Connection(ctx, webSocketTransport(new WebSocket(tunnelUrl)));
  conn.setConnectState();
  conn.setTlsextHostName('wrong.example');
  try {
    await conn.doHandshake();
    return { failed: false };
  } catch (err) {
    return {
      failed: true,
      sslError: err instanceof SSLError,
      code: err.code,
      verifyResult: conn.getVerifyResult(),
      message: String(err.message),
    };
  } finally {
    conn.free();
  }
}

// No trust loaded: the page imports the bundled roots (pkg/web/roots.js) on first use.
async function defaultRoots() {
  const conn = new Connection(new Context(TLS_CLIENT_METHOD), webSocketTransport(new WebSocket(tunnelUrl)));
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  try {
    await conn.doHandshake();
    return { failed: false };
  } catch (err) {
    return { failed: true, verifyResult: conn.getVerifyResult(), message: String(err.message) };
  } finally {
    conn.free();
  }
}

window.result = (async () => {
  try {
    return {
      ok: true,
      resolved: import.meta.resolve('rustls-ssl'),
      good: await good(),
      wrongHost: await wrongHost(),
      defaultRoots: await defaultRoots(),
      roots: performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('/roots.js')),
    };
  } catch (err) {
    return { ok: false, error: err?.name + ': ' + err?.message + '\\n' + (err?.stack ?? '') };
  }
})();
`;

function page(config) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>rustls-ssl through an import map</title>
<script type="importmap">${JSON.stringify({ imports: { 'rustls-ssl': ENTRY } })}</script>
<script type="application/json" id="config">${JSON.stringify(config)}</script>
<script type="module">${PAGE_SCRIPT}</script>
</head><body></body></html>`;
}

describe('a plain module page with an import map, from the packed tarball', () => {
  /** @type {{ app: string, pkg: string }} */ let packed;
  /** @type {Awaited<ReturnType<typeof startPongServer>>} */ let server;

  before(async () => {
    packed = await packedApp();
    server = await startPongServer('im-test');
  });

  after(() => server?.close());

  test('the import map resolves `rustls-ssl`; a verified handshake, and a wrong host name refused', { timeout: 60_000 }, async (t) => {
    // The file the import map names is the one the `browser` condition resolves to.
    assert.equal(resolveExport(packed.pkg, ['browser', 'import']), path.join(packed.app, ...ENTRY.split('/')));

    const message = 'hello from an import map';
    const { origin, served } = await servePackedApp(t, {
      app: packed.app,
      index: (tunnelUrl) => page({ tunnelUrl, caPem: CA_PEM, message }),
      target: `127.0.0.1:${server.port}`,
    });

    const browser = await launchChromium();
    t.after(() => browser.close());
    const tab = await browser.newPage();
    const pageErrors = [];
    tab.on('pageerror', (e) => pageErrors.push(String(e)));
    await tab.goto(`${origin}/index.html`);
    await tab.waitForFunction(() => /** @type {any} */ (window).result !== undefined);
    const out = await tab.evaluate(() => /** @type {any} */ (window).result);
    const info = JSON.stringify(out);

    assert.deepEqual(pageErrors, []);
    assert.equal(out.ok, true, out.error);
    assert.equal(out.resolved, `${origin}${ENTRY}`, 'the import map is what resolved the name');
    // The package's own files, from the installed copy: the web entry and its one wasm.
    assert.ok(served.includes(`200 ${ENTRY}`), served.join(', '));
    assert.ok(served.includes('200 /node_modules/rustls-ssl/pkg/web/rustls_ssl_bg.wasm'), served.join(', '));

    const g = out.good;
    assert.equal(g.protocol, 'TLSv1.3', info);
    assert.match(g.cipher, TLS13_SUITE, info);
    assert.equal(g.verify, 0, info);
    assert.equal(g.peer, 'localhost', info);
    assert.equal(g.alpn, 'im-test', info);
    // node:tls's view of the same connection: the protocol and cipher both sides report.
    assert.equal(g.reply, `pong ${message} ${g.protocol} ${g.cipher}\n`, info);
    // The server completed the good handshake only (the refused client sent no Finished).
    assert.deepEqual(server.seen, [{ servername: 'localhost', alpn: 'im-test', protocol: 'TLSv1.3' }]);

    assert.deepEqual(
      { failed: out.wrongHost.failed, sslError: out.wrongHost.sslError, code: out.wrongHost.code, verifyResult: out.wrongHost.verifyResult },
      { failed: true, sslError: true, code: 'ERR_TLS_CERT_ALTNAME_INVALID', verifyResult: 62 },
      info,
    );
    assert.match(out.wrongHost.message, /^certificate verify failed: hostname mismatch \(certificate is valid for localhost.*, not wrong\.example\)$/, info);
    // The bundled roots came as their own file, after the page started, and do not trust the test CA.
    assert.deepEqual(out.defaultRoots.failed, true, info);
    assert.equal(out.defaultRoots.verifyResult, 20, info);
    assert.match(out.defaultRoots.message, /^certificate verify failed: unable to get local issuer certificate/, info);
    assert.equal(out.roots.length, 1, info);
    t.diagnostic(`${await browser.version()}: ${g.protocol} ${g.cipher}, ALPN ${g.alpn}; wrong host: ${out.wrongHost.message}`);
  });
});

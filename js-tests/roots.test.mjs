// The bundled Mozilla roots live in pkg/web/roots.js, beside the wasm and not in it
// (src/ssl/roots.rs, docs/size.md), and are imported the first time a connection verifies with
// them. These tests hold that to what a user sees: a default client really verifies with them,
// nothing else imports them, concurrent connections import them once, and a missing or damaged
// file is an error that never turns into trust.
//
// How a test can tell the roots were used: lookalike-leaf.pem is signed by a CA that copies ISRG
// Root X1's name (byte for byte) with a key of its own. With the roots, path building reaches
// the real ISRG Root X1 and its key did not sign the leaf: 7, "certificate signature failure".
// Without them the issuer is unknown: 20.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Context, SSLError, TLS_CLIENT_METHOD, TLS_SERVER_METHOD, VERIFY_NONE } from 'rustls-ssl';

import { fixture, memoryConnections } from './helpers/peers.mjs';

const T = { timeout: 60000 };
const ROOTS_MODULE = fileURLToPath(new URL('../pkg/web/roots.js', import.meta.url));

function lookalikeServer() {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateFile(fixture('lookalike-leaf.pem'));
  ctx.usePrivateKeyFile(fixture('lookalike-leaf.key'));
  return ctx;
}

async function clientResult(clientCtx) {
  const { client, server } = memoryConnections(clientCtx, lookalikeServer());
  server.doHandshake().catch(() => {});
  const err = await client.doHandshake().then(() => null, (e) => e);
  return { err, result: client.getVerifyResult() };
}

describe('the bundled roots', () => {
  test('a client with no trust loaded verifies with them: the ISRG Root X1 lookalike fails on the real key (7), not as unknown (20)', T, async () => {
    const { err, result } = await clientResult(new Context(TLS_CLIENT_METHOD));
    assert.ok(err instanceof SSLError, String(err));
    assert.match(err.message, /certificate signature failure/);
    assert.equal(result, 7);
  });

  test('setDefaultVerifyPaths() adds them to the loaded trust; without it a CA file is all a client trusts', T, async () => {
    const own = new Context(TLS_CLIENT_METHOD);
    own.loadVerifyLocations(fixture('ca.pem'));
    assert.equal((await clientResult(own)).result, 20);
    const both = new Context(TLS_CLIENT_METHOD);
    both.loadVerifyLocations(fixture('ca.pem'));
    both.setDefaultVerifyPaths();
    assert.equal((await clientResult(both)).result, 7);
  });

  test('VERIFY_NONE still reports the result the roots give, as OpenSSL does', T, async () => {
    const ctx = new Context(TLS_CLIENT_METHOD);
    ctx.setVerify(VERIFY_NONE);
    const { err, result } = await clientResult(ctx);
    assert.equal(err, null);
    assert.equal(result, 7);
  });

  test('the module is what webpki-roots holds: over a hundred anchors, ISRG Root X1 among them', async () => {
    const { default: b64 } = await import('../pkg/web/roots.js');
    const blob = Buffer.from(b64, 'base64');
    let anchors = 0;
    let isrg = false;
    for (let at = 0; at < blob.length; anchors++) {
      const fields = [];
      for (let f = 0; f < 3; f++) {
        const len = blob.readUInt16BE(at);
        fields.push(blob.subarray(at + 2, at + 2 + len));
        at += 2 + len;
      }
      isrg ||= fields[0].includes(Buffer.from('ISRG Root X1'));
    }
    assert.ok(anchors > 100, `${anchors} anchors`);
    assert.ok(isrg);
  });
});

// ---------------------------------------------------------------------------------------------
// In a fresh process each, with a module hook that logs (and can break) the import of roots.js.

const HOOKS = `
import { appendFileSync } from 'node:fs';
let opts;
let loads = 0;
export function initialize(data) { opts = data; }
export async function load(url, context, next) {
  if (!url.endsWith('/pkg/web/roots.js')) return next(url, context);
  loads++;
  appendFileSync(opts.log, 'roots.js\\n');
  if (opts.mode === 'fail-once' && loads === 1) throw new Error('injected: the file is gone');
  if (opts.mode === 'slow') await new Promise((r) => setTimeout(r, 400));
  if (opts.mode === 'damaged') return { format: 'module', source: "export default 'AAEB';", shortCircuit: true };
  if (opts.mode === 'empty') return { format: 'module', source: "export default '';", shortCircuit: true };
  return next(url, context);
}`;

/** Runs `body` (an async function's source, with the package's exports in scope as `ssl` and
 * helpers `mark(text)`, `server()`, `client(ctx)`) in a child process; returns the log lines. */
function inChild(mode, body) {
  const dir = mkdtempSync(join(tmpdir(), 'rustls-ssl-roots-'));
  const log = join(dir, 'log');
  const script = `
import { register } from 'node:module';
import { appendFileSync, writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(log)}, '');
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), {
  data: { log: ${JSON.stringify(log)}, mode: ${JSON.stringify(mode)} },
});
const ssl = await import('rustls-ssl');
const { fixture, memoryConnections } = await import(${JSON.stringify(new URL('./helpers/peers.mjs', import.meta.url).href)});
const mark = (t) => appendFileSync(${JSON.stringify(log)}, t + '\\n');
const server = () => {
  const ctx = new ssl.Context(ssl.TLS_SERVER_METHOD);
  ctx.useCertificateFile(fixture('lookalike-leaf.pem'));
  ctx.usePrivateKeyFile(fixture('lookalike-leaf.key'));
  return ctx;
};
const client = async (ctx) => {
  const { client, server: s } = memoryConnections(ctx, server());
  s.doHandshake().catch(() => {});
  const e = await client.doHandshake().then(() => null, (e) => e);
  return (e ? (e.constructor.name + ': ' + e.message) : 'ok') + ' / ' + client.getVerifyResult();
};
await (${body})();
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 50000,
  });
  const lines = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, `child failed: ${r.stderr}`);
  return lines;
}

describe('loading the bundled roots', () => {
  test('servers, clients with their own CA, certificates and keys never import them; the first default client does, once for three at a time', T, () => {
    const lines = inChild('normal', `async () => {
      const own = new ssl.Context(ssl.TLS_CLIENT_METHOD);
      own.loadVerifyLocations(fixture('ca.pem'));
      mark('own CA: ' + await client(own));
      ssl.loadCertificate(ssl.FILETYPE_PEM, (await import('node:fs')).readFileSync(fixture('ca.pem')));
      mark('three default clients');
      const results = await Promise.all([0, 1, 2].map(() => client(new ssl.Context(ssl.TLS_CLIENT_METHOD))));
      mark('results: ' + results.join(' | '));
      mark('a fourth: ' + await client(new ssl.Context(ssl.TLS_CLIENT_METHOD)));
    }`);
    assert.equal(lines[0], 'own CA: SSLError: certificate verify failed: unable to get local issuer certificate (the issuer of CN=localhost (CN=ISRG Root X1,O=Internet Security Research Group,C=US) is neither trusted nor sent by the peer) / 20');
    assert.equal(lines[1], 'three default clients');
    assert.equal(lines[2], 'roots.js', 'imported after the first default client started, not before');
    assert.match(lines[3], /^results: (SSLError: certificate verify failed: certificate signature failure.* \/ 7( \| |$)){3}/);
    assert.match(lines[4], /^a fourth: .* \/ 7$/);
    assert.equal(lines.filter((l) => l === 'roots.js').length, 1, lines.join('\n'));
  });

  test('a failed import rejects the handshake with SSLError and trusts nothing; own-CA clients go on working', T, () => {
    // Runtimes keep a failed module load (the module map), so a later connection may well
    // fail the same way; the loader still asks again rather than remembering the failure.
    const lines = inChild('fail-once', `async () => {
      mark('first: ' + await client(new ssl.Context(ssl.TLS_CLIENT_METHOD)));
      mark('second: ' + await client(new ssl.Context(ssl.TLS_CLIENT_METHOD)));
      const own = new ssl.Context(ssl.TLS_CLIENT_METHOD);
      own.loadVerifyLocations(fixture('ca.pem'));
      mark('own CA: ' + await client(own));
    }`);
    assert.match(
      lines.find((l) => l.startsWith('first: ')),
      /^first: SSLError: cannot load the bundled root certificates \(rustls-ssl\/pkg\/web\/roots\.js\): injected: the file is gone \/ 0$/,
    );
    assert.match(lines.find((l) => l.startsWith('second: ')), /^second: SSLError: cannot load the bundled root certificates .* \/ 0$/);
    assert.match(lines.find((l) => l.startsWith('own CA: ')), /unable to get local issuer certificate.* \/ 20$/);
  });

  test('an abort while the roots load rejects that handshake with the reason; the load goes on and the next client uses it', T, () => {
    const lines = inChild('slow', `async () => {
      const ac = new AbortController();
      const { client: c, server: s } = memoryConnections(new ssl.Context(ssl.TLS_CLIENT_METHOD), server());
      s.doHandshake().catch(() => {});
      setTimeout(() => ac.abort(new Error('given up')), 50);
      mark('aborted: ' + await c.doHandshake({ signal: ac.signal }).then(() => 'completed', (e) => e.message));
      mark('next: ' + await client(new ssl.Context(ssl.TLS_CLIENT_METHOD)));
    }`);
    assert.equal(lines.filter((l) => l === 'roots.js').length, 1, lines.join('\n'));
    assert.equal(lines.find((l) => l.startsWith('aborted: ')), 'aborted: given up');
    assert.match(lines.find((l) => l.startsWith('next: ')), /certificate signature failure.* \/ 7$/);
  });

  for (const [mode, why] of [['damaged', /damaged/], ['empty', /empty/]]) {
    test(`a ${mode} roots file is an SSLError on every default client, never a success or a trap`, T, () => {
      const lines = inChild(mode, `async () => {
        for (let i = 0; i < 2; i++) mark('client: ' + await client(new ssl.Context(ssl.TLS_CLIENT_METHOD)));
        const own = new ssl.Context(ssl.TLS_CLIENT_METHOD);
        own.loadVerifyLocations(fixture('ca.pem'));
        mark('own CA still works: ' + await client(own));
      }`);
      const clients = lines.filter((l) => l.startsWith('client: '));
      assert.equal(clients.length, 2);
      for (const l of clients) assert.match(l, new RegExp('^client: SSLError: .*' + why.source));
      assert.match(lines.find((l) => l.startsWith('own CA')), /unable to get local issuer certificate.* \/ 20$/);
    });
  }
});

test('roots.js is generated beside the wasm and shipped', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.ok(pkg.files.includes('pkg/web/roots.js'));
  assert.match(readFileSync(ROOTS_MODULE, 'utf8'), /^\/\/ Generated by examples\/roots_js\.rs/);
});

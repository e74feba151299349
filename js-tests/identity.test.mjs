// The `conn` every callback receives is the very Connection object the caller created
// (API.md §5): code that keys a Map or WeakMap by connection, as pyOpenSSL programs do, finds it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as esm from 'rustls-ssl';

const fixture = (n) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url));
const require = createRequire(import.meta.url);

/** Runs one handshake with every callback set on both sides; records what each one saw. */
async function run(ssl, { switchContext = false } = {}) {
  const { Context, Connection, memoryPair, TLS_CLIENT_METHOD, TLS_SERVER_METHOD, VERIFY_PEER } = ssl;
  const seen = [];
  const note = (who, what) => (conn) => seen.push([who, what, conn]);

  const serverCtx = (chain, key) => {
    const ctx = new Context(TLS_SERVER_METHOD);
    ctx.useCertificateChain(fixture(chain));
    ctx.usePrivateKey(fixture(key));
    ctx.loadVerifyLocations(null, null, fixture('ca.pem'));
    ctx.setVerify(VERIFY_PEER, (conn, _x509, _errno, _depth, ok) => (note('server', 'verify')(conn), ok));
    ctx.setAlpnSelectCallback((conn, offered) => (note('server', 'alpn')(conn), offered[0]));
    ctx.setKeylogCallback((conn) => note('server', 'keylog')(conn));
    ctx.setInfoCallback((conn) => note('server', 'info')(conn));
    return ctx;
  };
  const first = serverCtx('server-ecdsa-chain.pem', 'server-ecdsa.key');
  const second = serverCtx('server-rsa-chain.pem', 'server-rsa.key');
  first.setTlsextServernameCallback((conn) => {
    note('server', 'servername')(conn);
    if (switchContext) conn.setContext(second);
  });

  const clientCtx = new Context(TLS_CLIENT_METHOD);
  clientCtx.loadVerifyLocations(null, null, fixture('ca.pem'));
  clientCtx.useCertificateChain(fixture('client-chain.pem'));
  clientCtx.usePrivateKey(fixture('client.key'));
  clientCtx.setAlpnProtos(['h2']);
  clientCtx.setVerify(VERIFY_PEER, (conn, _x509, _errno, _depth, ok) => (note('client', 'verify')(conn), ok));
  clientCtx.setKeylogCallback((conn) => note('client', 'keylog')(conn));
  clientCtx.setInfoCallback((conn) => note('client', 'info')(conn));

  const [a, b] = memoryPair();
  const client = new Connection(clientCtx, a);
  client.setTlsextHostName('localhost');
  const server = new Connection(first, b);
  await Promise.all([client.doHandshake(), server.doHandshake()]);
  return { seen, client, server, Connection };
}

function assertIdentity({ seen, client, server, Connection }, expectedKinds) {
  const byWho = { client, server };
  const kinds = new Set();
  for (const [who, what, conn] of seen) {
    kinds.add(`${who} ${what}`);
    assert.ok(conn === byWho[who], `${who} ${what} callback: conn === the ${who} Connection`);
    assert.ok(conn instanceof Connection);
  }
  for (const k of expectedKinds) assert.ok(kinds.has(k), `the ${k} callback ran`);
}

const ALL = [
  'client verify', 'client keylog', 'client info',
  'server verify', 'server alpn', 'server servername', 'server keylog', 'server info',
];

test('every callback, on both roles, receives the Connection object itself (ESM)', async () => {
  const r = await run(esm);
  assertIdentity(r, ALL);
  // And so a WeakMap keyed by connection finds it.
  const tags = new WeakMap([[r.client, 'mine']]);
  assert.equal(tags.get(r.seen.find(([who]) => who === 'client')[2]), 'mine');
});

test('identity holds after the servername callback switches the Context', async () => {
  const r = await run(esm, { switchContext: true });
  assertIdentity(r, ALL);
  assert.equal(r.client.getPeerCertificate().getSubject().CN, 'localhost');
});

test('identity holds through the CommonJS entry (one instance with ESM)', async () => {
  const cjs = require('rustls-ssl');
  assert.equal(cjs.Connection, esm.Connection);
  assertIdentity(await run(cjs), ALL);
});

// Server callbacks on the ClientHello (servername, ALPN select) and what they throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  Context,
  Connection,
  memoryPair,
  SSLError,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  NO_OVERLAPPING_PROTOCOLS,
} from 'rustls-ssl';

const fixture = (n) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url));

function serverContext(chain = 'server-ecdsa-chain.pem', key = 'server-ecdsa.key') {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChain(fixture(chain));
  ctx.usePrivateKey(fixture(key));
  return ctx;
}

function pair(serverCtx, { host = 'localhost', alpn } = {}) {
  const client = new Context(TLS_CLIENT_METHOD);
  client.loadVerifyLocations(null, null, fixture('ca.pem'));
  if (alpn) client.setAlpnProtos(alpn);
  const [a, b] = memoryPair();
  const c = new Connection(client, a);
  c.setTlsextHostName(host);
  return [c, new Connection(serverCtx, b), a];
}

test('the servername callback sees the SNI and can switch certificates with setContext', async () => {
  const ecdsa = serverContext();
  const rsa = serverContext('server-rsa-chain.pem', 'server-rsa.key');
  const seen = [];
  ecdsa.setTlsextServernameCallback((conn) => {
    seen.push(conn.getServername());
    conn.setContext(rsa);
  });
  const [c, s] = pair(ecdsa);
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  assert.deepEqual(seen, ['localhost']);
  assert.deepEqual(c.getPeerCertificate().toDer(), new Uint8Array(fixture('server-rsa.der')));
  assert.equal(s.getContext(), rsa);
});

test('the ALPN select callback gets the offered list and picks', async () => {
  const ctx = serverContext();
  let offered;
  ctx.setAlpnSelectCallback((conn, protos) => {
    offered = protos;
    return 'http/1.1';
  });
  const [c, s] = pair(ctx, { alpn: ['h2', 'http/1.1'] });
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  assert.deepEqual(offered, ['h2', 'http/1.1']);
  assert.equal(c.getAlpnProtoNegotiated(), 'http/1.1');
  assert.equal(s.getAlpnProtoNegotiated(), 'http/1.1');
});

test('NO_OVERLAPPING_PROTOCOLS goes on without ALPN', async () => {
  const ctx = serverContext();
  ctx.setAlpnSelectCallback(() => NO_OVERLAPPING_PROTOCOLS);
  const [c, s] = pair(ctx, { alpn: ['h2'] });
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  assert.equal(c.getAlpnProtoNegotiated(), '');
});

test('an empty answer aborts with no_application_protocol', async () => {
  const ctx = serverContext();
  ctx.setAlpnSelectCallback(() => '');
  const [c, s] = pair(ctx, { alpn: ['h2'] });
  const [rc, rs] = await Promise.allSettled([c.doHandshake(), s.doHandshake()]);
  assert.ok(rs.reason instanceof SSLError);
  assert.match(rs.reason.message, /no application protocol/);
  assert.match(rc.reason.message, /no application protocol/);
});

test('a wrong answer type is a TypeError from the handshake, and sticks', async () => {
  const ctx = serverContext();
  ctx.setAlpnSelectCallback(() => 42);
  const [c, s] = pair(ctx, { alpn: ['h2'] });
  const [rc, rs] = await Promise.allSettled([c.doHandshake(), s.doHandshake()]);
  assert.ok(rs.reason instanceof TypeError);
  await assert.rejects(s.doHandshake(), (e) => e === rs.reason);
  assert.match(rc.reason.message, /internal error/);
});

test('what a servername callback throws comes out of the handshake as the same object', async () => {
  const ctx = serverContext();
  const boom = new Error('no such virtual host');
  ctx.setTlsextServernameCallback(() => {
    throw boom;
  });
  const [c, s] = pair(ctx);
  const [, rs] = await Promise.allSettled([c.doHandshake(), s.doHandshake()]);
  assert.equal(rs.reason, boom);
  await assert.rejects(s.recv(10), (e) => e === boom);
  // The instance keeps working.
  const [c2, s2] = pair(serverContext());
  await Promise.all([c2.doHandshake(), s2.doHandshake()]);
  assert.equal(c2.getProtocolVersionName(), 'TLSv1.3');
});

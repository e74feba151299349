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
  VERIFY_PEER,
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

test('an async verify callback is a TypeError from the handshake, not an acceptance, and sticks', async () => {
  // A Promise is truthy: taken as an answer it would accept an untrusted server.
  const [c, s] = pair(serverContext('selfsigned.pem', 'selfsigned.key'));
  const client = new Context(TLS_CLIENT_METHOD);
  client.loadVerifyLocations(null, null, fixture('ca.pem'));
  let calls = 0;
  client.setVerify(VERIFY_PEER, async () => {
    calls += 1;
    return true;
  });
  c.setContext(client);
  const [rc] = await Promise.allSettled([c.doHandshake(), s.doHandshake()]);
  assert.ok(rc.reason instanceof TypeError, `a TypeError, got ${rc.reason}`);
  assert.match(rc.reason.message, /must return a boolean/);
  assert.equal(calls, 1, 'the first non-boolean answer ends the verification');
  assert.equal(c.isHandshakeDone(), false);
  await assert.rejects(c.doHandshake(), (e) => e === rc.reason);
});

test('what a verify callback throws comes out of the handshake as the same object', async () => {
  const [c, s] = pair(serverContext());
  const client = new Context(TLS_CLIENT_METHOD);
  client.loadVerifyLocations(null, null, fixture('ca.pem'));
  const boom = new RangeError('pin mismatch');
  client.setVerify(VERIFY_PEER, () => {
    throw boom;
  });
  c.setContext(client);
  const [rc] = await Promise.allSettled([c.doHandshake(), s.doHandshake()]);
  assert.equal(rc.reason, boom);
  await assert.rejects(c.doHandshake(), (e) => e === boom);
});

test('the keylog callback gets NSS key-log lines for both TLS 1.3 sides', async () => {
  const lines = { client: [], server: [] };
  const ctx = serverContext();
  ctx.setKeylogCallback((conn, line) => lines.server.push(new TextDecoder().decode(line)));
  const [c, s] = pair(ctx);
  c.getContext().setKeylogCallback(() => {}); // set after the Connection: its snapshot has none
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  const labels = lines.server.map((l) => l.split(' ')[0]).sort();
  assert.deepEqual(labels, [
    'CLIENT_HANDSHAKE_TRAFFIC_SECRET',
    'CLIENT_TRAFFIC_SECRET_0',
    'EXPORTER_SECRET',
    'SERVER_HANDSHAKE_TRAFFIC_SECRET',
    'SERVER_TRAFFIC_SECRET_0',
  ]);
  for (const l of lines.server) assert.match(l, /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]{64,96}$/);
  assert.deepEqual(lines.client, []);
});

test('a keylog callback that throws rejects the I/O call once; the connection goes on', async () => {
  const ctx = serverContext();
  const boom = new Error('disk full');
  ctx.setKeylogCallback(() => {
    throw boom;
  });
  const [c, s] = pair(ctx);
  const [rc, rs] = await Promise.allSettled([c.doHandshake(), s.doHandshake()]);
  assert.equal(rc.status, 'fulfilled');
  assert.equal(rs.reason, boom);
  await c.sendall('still here');
  assert.equal(new TextDecoder().decode(await s.recv(100)), 'still here');
});

test('the info callback reports the start and the end of the handshake', async () => {
  const { SSL_CB_HANDSHAKE_START, SSL_CB_HANDSHAKE_DONE, SSL_ST_CONNECT, SSL_ST_ACCEPT } = await import('rustls-ssl');
  const events = [];
  const ctx = serverContext();
  ctx.setInfoCallback((conn, where, ret) => events.push(['server', where, ret]));
  const [c, s] = pair(ctx);
  c.setInfoCallback((conn, where, ret) => events.push(['client', where, ret]));
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  const of = (side) => events.filter((e) => e[0] === side).map((e) => e[1]);
  assert.deepEqual(of('client'), [SSL_CB_HANDSHAKE_START | SSL_ST_CONNECT, SSL_CB_HANDSHAKE_DONE]);
  assert.deepEqual(of('server'), [SSL_CB_HANDSHAKE_START | SSL_ST_ACCEPT, SSL_CB_HANDSHAKE_DONE]);
});

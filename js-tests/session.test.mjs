// Client session resumption: getSession / setSession / isSessionReused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  Context,
  Connection,
  Session,
  memoryPair,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  OP_NO_TLSv1_3,
} from 'rustls-ssl';

const fixture = (n) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url));

function contexts(options = 0) {
  const server = new Context(TLS_SERVER_METHOD);
  server.useCertificateChain(fixture('server-ecdsa-chain.pem'));
  server.usePrivateKey(fixture('server-ecdsa.key'));
  const client = new Context(TLS_CLIENT_METHOD);
  client.loadVerifyLocations(null, null, fixture('ca.pem'));
  client.setOptions(options);
  return { server, client };
}

async function connect({ server, client }, session, host = 'localhost') {
  const [a, b] = memoryPair();
  const c = new Connection(client, a);
  c.setTlsextHostName(host);
  if (session) c.setSession(session);
  const s = new Connection(server, b);
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  // One exchange, so a TLS 1.3 client has read the server's tickets.
  await s.sendall('x');
  await c.recv(1);
  return [c, s];
}

for (const [name, options] of [['TLS 1.3', 0], ['TLS 1.2', OP_NO_TLSv1_3]]) {
  test(`${name}: a session from one connection resumes the next`, async () => {
    const ctx = contexts(options);
    const [c1] = await connect(ctx);
    assert.equal(c1.isSessionReused(), false);
    const session = c1.getSession();
    assert.ok(session instanceof Session);
    const [c2, s2] = await connect(ctx, session);
    assert.equal(c2.isSessionReused(), true);
    assert.equal(s2.isSessionReused(), true);
    assert.equal(c2.getPeerCertificate().getSubject().CN, 'localhost');
    // Without setSession, no resumption.
    const [c3] = await connect(ctx);
    assert.equal(c3.isSessionReused(), false);
  });
}

test('a TLS 1.3 session exists once the tickets were read, not right after the handshake', async () => {
  const { server, client } = contexts();
  const [a, b] = memoryPair();
  const c = new Connection(client, a);
  c.setTlsextHostName('localhost');
  const s = new Connection(server, b);
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  assert.equal(c.getSession(), null);
  await s.sendall('x');
  await c.recv(1);
  assert.ok(c.getSession() instanceof Session);
});

test('a session is not offered to another host name', async () => {
  const ctx = contexts();
  const [c1] = await connect(ctx);
  const [c2] = await connect(ctx, c1.getSession(), '127.0.0.1');
  assert.equal(c2.isSessionReused(), false);
});

test('sessions stay with their Context; wrong types are TypeErrors', async () => {
  const [c1] = await connect(contexts());
  const other = new Connection(contexts().client, null);
  assert.throws(() => other.setSession(c1.getSession()), RangeError);
  assert.throws(() => other.setSession(new Session()), RangeError);
  assert.throws(() => other.setSession('session'), TypeError);
});

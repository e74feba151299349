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
  SSLError,
  VERIFY_NONE,
  VERIFY_PEER,
  VERIFY_FAIL_IF_NO_PEER_CERT,
} from 'rustls-ssl';
import { connectTls, recvUntilClosed, socketOf, startSServer, withTimeout } from './helpers/peers.mjs';

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

// ---- sessions never widen trust (API.md §5) ----

const PROTOCOLS = [['TLS 1.3', 0], ['TLS 1.2', OP_NO_TLSv1_3]];
// untrusted-leaf-chain.pem is CN=localhost, issued by untrusted-ca, which no test trusts:
// OpenSSL says 19 (self-signed certificate in chain); 20 or 21 would be as honest a refusal.
const UNTRUSTED_CODES = [19, 20, 21];

function serverCtx(chain, key) {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChain(fixture(chain));
  ctx.usePrivateKey(fixture(key));
  return ctx;
}
const untrustedServer = () => serverCtx('untrusted-leaf-chain.pem', 'untrusted-leaf.key');
const goodServer = () => serverCtx('server-ecdsa-chain.pem', 'server-ecdsa.key');

function clientCtx(options, mode) {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, fixture('ca.pem'));
  ctx.setOptions(options);
  if (mode !== undefined) ctx.setVerify(mode);
  return ctx;
}

/**
 * One handshake, failures included: `{ c, s, client, server }` with each side's error or
 * null. When both succeed, one exchange lets a TLS 1.3 client read its tickets.
 */
async function attempt(client, server, session) {
  const [a, b] = memoryPair();
  const c = new Connection(client, a);
  c.setTlsextHostName('localhost');
  if (session) c.setSession(session);
  const s = new Connection(server, b);
  const sp = s.doHandshake().then(() => null, (e) => e);
  const ce = await c.doHandshake().then(() => null, (e) => e);
  const se = await withTimeout(sp, 5000, 'server handshake').catch(() => 'pending');
  let exchange = null;
  if (!ce && !se) {
    exchange = await Promise.all([s.sendall('x'), c.recv(1)]).then(() => null, (e) => e);
  }
  return { c, s, client: ce, server: se, exchange };
}

for (const [name, options] of PROTOCOLS) {
  test(`${name}: a VERIFY_NONE session does not let a VERIFY_PEER connection accept an untrusted server`, async () => {
    const ctx = clientCtx(options, VERIFY_NONE);
    const untrusted = untrustedServer();
    const made = await attempt(ctx, untrusted);
    assert.equal(made.client, null, `VERIFY_NONE accepts: ${made.client}`);
    assert.ok(UNTRUSTED_CODES.includes(made.c.getVerifyResult()), `recorded ${made.c.getVerifyResult()}`);
    const session = made.c.getSession();
    assert.ok(session instanceof Session);

    // Same Context, now verifying (a new snapshot).
    ctx.setVerify(VERIFY_PEER);
    for (const [where, server] of [
      ['the same server', untrusted],
      ['another server', untrustedServer()],
    ]) {
      const r = await attempt(ctx, server, session);
      assert.ok(r.client instanceof SSLError, `${where}: refused, not ${r.client}`);
      assert.match(r.client.message, /certificate verify failed/, where);
      assert.ok(UNTRUSTED_CODES.includes(r.c.getVerifyResult()), `${where}: result ${r.c.getVerifyResult()}`);
      assert.equal(r.c.isSessionReused(), false, where);
    }

    // The same holds per connection: Connection.setVerify(VERIFY_PEER) on a VERIFY_NONE Context.
    const lax = clientCtx(options, VERIFY_NONE);
    const first = await attempt(lax, untrusted);
    const [a, b] = memoryPair();
    const c = new Connection(lax, a);
    c.setTlsextHostName('localhost');
    c.setVerify(VERIFY_PEER);
    c.setSession(first.c.getSession());
    const s = new Connection(untrusted, b);
    s.doHandshake().catch(() => {});
    await assert.rejects(c.doHandshake(), /certificate verify failed/);
    assert.equal(c.isSessionReused(), false);
  });

  test(`${name}: an equal policy resumes and reports the original verify result`, async () => {
    // Not verifying: the recorded 19 is reported again, not a blanket 0.
    const lax = clientCtx(options, VERIFY_NONE);
    const untrusted = untrustedServer();
    const first = await attempt(lax, untrusted);
    const code = first.c.getVerifyResult();
    assert.ok(UNTRUSTED_CODES.includes(code), `recorded ${code}`);
    const again = await attempt(lax, untrusted, first.c.getSession());
    assert.equal(again.client, null, String(again.client));
    assert.equal(again.c.isSessionReused(), true);
    assert.equal(again.c.getVerifyResult(), code);
    assert.equal(again.c.getVerifiedChain(), null);
    assert.equal(again.c.getPeerCertificate().getSubject().CN, 'localhost');

    // Verifying: result 0, and the chain verified then is the verified chain now.
    const strict = clientCtx(options);
    const good = goodServer();
    const v1 = await attempt(strict, good);
    const chain = v1.c.getVerifiedChain().map((x) => x.getSubject().CN);
    const v2 = await attempt(strict, good, v1.c.getSession());
    assert.equal(v2.client, null, String(v2.client));
    assert.equal(v2.c.isSessionReused(), true);
    assert.equal(v2.c.getVerifyResult(), 0);
    assert.deepEqual(v2.c.getVerifiedChain()?.map((x) => x.getSubject().CN), chain);

    // A session made verifying may serve a connection that does not verify.
    strict.setVerify(VERIFY_NONE);
    const v3 = await attempt(strict, good, v2.c.getSession());
    assert.equal(v3.c.isSessionReused(), true);
    assert.equal(v3.c.getVerifyResult(), 0);
  });

  test(`${name}: what a verify callback let through does not outlive the callback`, async () => {
    const ctx = clientCtx(options);
    const untrusted = untrustedServer();
    ctx.setVerify(VERIFY_PEER, () => true);
    const first = await attempt(ctx, untrusted);
    assert.equal(first.client, null, `the callback accepts: ${first.client}`);
    ctx.setVerify(VERIFY_PEER);
    const r = await attempt(ctx, untrusted, first.c.getSession());
    assert.ok(r.client instanceof SSLError, `refused without the callback, not ${r.client}`);
    assert.equal(r.c.isSessionReused(), false);
    assert.ok(UNTRUSTED_CODES.includes(r.c.getVerifyResult()), `result ${r.c.getVerifyResult()}`);

    // The very same callback, on a clean chain, does resume.
    const good = goodServer();
    ctx.setVerify(VERIFY_PEER, (conn, x509, errno, depth, ok) => ok);
    const v1 = await attempt(ctx, good);
    const v2 = await attempt(ctx, good, v1.c.getSession());
    assert.equal(v2.c.isSessionReused(), true);
    assert.equal(v2.c.getVerifyResult(), 0);
  });

  test(`${name}: a server that now requires a client certificate does not resume a session made without one`, async () => {
    const server = goodServer();
    server.loadVerifyLocations(null, null, fixture('ca.pem'));
    const withCert = clientCtx(options);
    withCert.useCertificateChain(fixture('client-chain.pem'));
    withCert.usePrivateKey(fixture('client.key'));
    const bare = clientCtx(options);

    const a1 = await attempt(withCert, server);
    assert.equal(a1.s.getPeerCertificate(), null, 'no certificate asked for');
    const b1 = await attempt(bare, server);

    server.setVerify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
    // The client that has a certificate must show it: a full handshake.
    const a2 = await attempt(withCert, server, a1.c.getSession());
    assert.equal(a2.client, null, String(a2.client));
    assert.equal(a2.server, null, String(a2.server));
    assert.equal(a2.s.isSessionReused(), false);
    assert.equal(a2.s.getPeerCertificate()?.getSubject().CN, 'test client');
    assert.equal(a2.s.getVerifyResult(), 0);
    // The client without one is refused.
    const b2 = await attempt(bare, server, b1.c.getSession());
    assert.ok(b2.server instanceof Error, `the server refuses: ${b2.server}`);
    assert.equal(b2.s.isSessionReused(), false);

    // Under the stricter policy, sessions resume, reporting the certificate and its result.
    const a3 = await attempt(withCert, server, a2.c.getSession());
    assert.equal(a3.server, null, String(a3.server));
    assert.equal(a3.s.isSessionReused(), true);
    assert.equal(a3.s.getPeerCertificate()?.getSubject().CN, 'test client');
    assert.equal(a3.s.getVerifyResult(), 0);
  });

  test(`${name}: setSessionId separates the server's sessions`, async () => {
    const { server, client } = contexts(options);
    server.setSessionId('context A');
    const first = await attempt(client, server);
    const session = first.c.getSession();
    server.setSessionId(new TextEncoder().encode('context B'));
    const other = await attempt(client, server, session);
    assert.equal(other.client, null, String(other.client));
    assert.equal(other.s.isSessionReused(), false, 'not found under another id context');
    assert.equal(other.c.isSessionReused(), false);
    server.setSessionId('context A');
    const back = await attempt(client, server, session);
    assert.equal(back.s.isSessionReused(), true, 'found again under its own');
    assert.equal(back.c.isSessionReused(), true);
  });
}

for (const version of ['1.3', '1.2']) {
  test(`TLS ${version}, openssl s_server (which resumes whatever it is offered): a VERIFY_NONE session does not vouch for VERIFY_PEER`, { timeout: 30000 }, async (t) => {
    const server = await startSServer(t, {
      cert: 'untrusted-leaf.pem',
      key: 'untrusted-leaf.key',
      chain: 'untrusted-ca.pem',
      version,
      www: true,
    });
    const ctx = clientCtx(0, VERIFY_NONE);
    const visit = async (session) => {
      const conn = await connectTls(ctx, server.port, 'localhost', t);
      if (session) conn.setSession(session);
      const err = await conn.doHandshake().then(() => null, (e) => e);
      if (!err) {
        await conn.sendall('GET / HTTP/1.0\r\n\r\n');
        await recvUntilClosed(conn); // the TLS 1.3 tickets come with the page
        await conn.shutdown().catch(() => {});
      }
      // s_server serves one connection at a time: let it go on to the next.
      socketOf(conn)?.destroy();
      return { conn, err };
    };
    const first = await visit();
    assert.equal(first.err, null, String(first.err));
    const code = first.conn.getVerifyResult();
    assert.ok(UNTRUSTED_CODES.includes(code), `recorded ${code}`);
    const session = first.conn.getSession();
    // The same lax policy resumes: the server does take the session back.
    const lax = await visit(session);
    assert.equal(lax.conn.isSessionReused(), true);
    assert.equal(lax.conn.getVerifyResult(), code);

    ctx.setVerify(VERIFY_PEER);
    const strict = await visit(session);
    assert.ok(strict.err instanceof SSLError, `refused, not ${strict.err}`);
    assert.match(strict.err.message, /certificate verify failed/);
    assert.equal(strict.conn.isSessionReused(), false);
    assert.ok(UNTRUSTED_CODES.includes(strict.conn.getVerifyResult()));
  });
}

test('setSessionId takes up to 32 bytes, as pyOpenSSL', () => {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.setSessionId('');
  ctx.setSessionId(new Uint8Array(32));
  ctx.setSessionId('x'.repeat(32));
  assert.throws(() => ctx.setSessionId(new Uint8Array(33)), SSLError);
  assert.throws(() => ctx.setSessionId(42), TypeError);
});

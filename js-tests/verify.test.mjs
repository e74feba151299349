// Certificate verification is real: a verifying rustls-ssl client against servers presenting
// bad chains fails with "certificate verify failed" and the X509 verify code that
// `openssl verify` itself gives for that chain (js-tests/fixtures/expected-verify.json).
// Client and server are both rustls-ssl, joined in memory by memoryPair().

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import {
  Context,
  SSLError,
  SysCallError,
  TLS_CLIENT_METHOD,
  TLS_METHOD,
  TLS_SERVER_METHOD,
  VERIFY_NONE,
  VERIFY_PEER,
  WantReadError,
  X509,
  X509VerificationCodes,
  ZeroReturnError
} from 'rustls-ssl';

import { connectTls, expectedVerify, fixture, memoryConnections, readFixture, withTimeout } from './helpers/peers.mjs';

const EXPECTED = expectedVerify();
/** What `openssl verify -purpose sslserver` says about the chain fixtures (gen-verify-fixtures.sh). */
const CHAINS = JSON.parse(readFixture('expected-verify-chains.json', 'utf8'));
const T = { timeout: 20000 };

function serverContext(cert, key = cert.replace(/(-chain)?\.pem$/, '.key')) {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChainFile(fixture(cert));
  ctx.usePrivateKeyFile(fixture(key));
  return ctx;
}

function clientContext(cafile = 'ca.pem') {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(fixture(cafile));
  return ctx;
}

/**
 * Runs both handshakes. Resolves with what each side did: `{ client: Error | null, server:
 * Error | 'pending' | null }`. The server gets `ms` to settle once the client is done, since
 * after a client failure it should see the alert.
 */
async function handshake(client, server, ms = 5000) {
  const s = server.doHandshake().then(
    () => null,
    (e) => e
  );
  const c = await client.doHandshake().then(
    () => null,
    (e) => e
  );
  const sr = await withTimeout(s, ms, 'server handshake').catch(() => 'pending');
  return { client: c, server: sr };
}

/** The error-queue shape pyOpenSSL gives: [lib, func, reason] string triples. */
function assertErrorQueue(err) {
  assert.ok(Array.isArray(err.errors), 'err.errors is an array');
  assert.ok(err.errors.length >= 1, 'err.errors is not empty');
  for (const entry of err.errors) {
    assert.ok(Array.isArray(entry) && entry.length === 3, `a [lib, func, reason] triple: ${JSON.stringify(entry)}`);
    for (const part of entry) assert.equal(typeof part, 'string');
  }
}

/** After a failure the module must still work: a fresh good handshake, in memory. */
async function assertStillWorks() {
  const { client, server } = memoryConnections(clientContext(), serverContext('server-ecdsa-chain.pem'));
  const r = await handshake(client, server);
  assert.equal(r.client, null, `a good handshake after the failure: ${r.client}`);
  assert.equal(r.server, null, `a good handshake after the failure (server): ${r.server}`);
  assert.equal(client.isHandshakeDone(), true);
  assert.equal(client.getVerifyResult(), 0);
  await client.sendall('still alive');
  assert.equal(new TextDecoder().decode(await server.recv(100)), 'still alive');
}

const BAD = [
  { key: 'expired', cert: 'expired-chain.pem', cause: /expired/i },
  { key: 'notyet', cert: 'notyet-chain.pem', cause: /not yet valid/i },
  { key: 'wronghost', cert: 'wronghost-chain.pem', cause: /hostname mismatch|not valid for name/i },
  { key: 'selfsigned', cert: 'selfsigned.pem', cause: /self[- ]signed/i },
  { key: 'untrusted', cert: 'untrusted-leaf.pem', cause: /local issuer|unknown issuer/i },
  { key: 'untrusted-chain', cert: 'untrusted-leaf-chain.pem', key2: 'untrusted-leaf.key', cause: /self[- ]signed|unknown issuer/i }
];

describe('a verifying client rejects bad chains with OpenSSL\'s verify codes', () => {
  test('expected-verify.json holds what the fixtures are meant to show', () => {
    assert.equal(EXPECTED.expired.code, 10);
    assert.equal(EXPECTED.notyet.code, 9);
    assert.equal(EXPECTED.wronghost.code, 62);
    assert.equal(EXPECTED.selfsigned.code, 18);
    assert.equal(EXPECTED.untrusted.code, 20);
    assert.equal(EXPECTED['untrusted-chain'].code, 19);
    assert.equal(EXPECTED.wrongip.code, 64);
    assert.equal(X509VerificationCodes.ERR_CERT_HAS_EXPIRED, 10);
    assert.equal(X509VerificationCodes.ERR_HOSTNAME_MISMATCH, 62);
    assert.equal(X509VerificationCodes.OK, 0);
  });

  for (const { key, cert, key2, cause } of BAD) {
    const expected = EXPECTED[key];
    test(`${key}: ${expected.code} (${expected.text})`, T, async () => {
      const { client, server } = memoryConnections(clientContext(), serverContext(cert, key2));
      const r = await handshake(client, server);

      const err = r.client;
      assert.ok(err instanceof SSLError, `client handshake rejects with SSLError, got ${err}`);
      for (const cls of [WantReadError, ZeroReturnError, SysCallError]) {
        assert.ok(!(err instanceof cls), `not a ${cls.name}`);
      }
      assert.match(err.message, /certificate verify failed/);
      assert.match(err.message, cause, 'the message names the precise cause');
      assertErrorQueue(err);
      assert.ok(
        err.errors.some(([, , reason]) => reason.includes('certificate verify failed')),
        `a reason says certificate verify failed: ${JSON.stringify(err.errors)}`
      );
      assert.equal(client.getVerifyResult(), expected.code, `what ${expected.command} says`);
      assert.equal(client.isHandshakeDone(), false);

      // The connection is dead, with the same error, and the server heard an alert.
      const again = await client.doHandshake().then(
        () => null,
        (e) => e
      );
      assert.ok(again instanceof SSLError, 'a later doHandshake fails too');
      assert.equal(again.message, err.message, 'with the same error');
      await assert.rejects(client.send('x'), SSLError);
      assert.ok(r.server instanceof SSLError, `the server saw the client's alert: ${r.server}`);

      await assertStillWorks();
    });
  }

  test('a TLS_METHOD context never given a verify mode still verifies in the client role (expired: 10)', T, async () => {
    // A generic-method context never given a verify mode still verifies in the client role.
    const ctx = new Context(TLS_METHOD);
    ctx.loadVerifyLocations(fixture('ca.pem'));
    assert.equal(ctx.getVerifyMode(), VERIFY_NONE);
    const { client, server } = memoryConnections(ctx, serverContext('expired-chain.pem'));
    const r = await handshake(client, server);
    assert.ok(r.client instanceof SSLError, `rejected: ${r.client}`);
    assert.match(r.client.message, /certificate verify failed/);
    assert.equal(client.getVerifyResult(), EXPECTED.expired.code);
    await assertStillWorks();
  });
});

describe('verification that passes', () => {
  for (const cert of ['server-rsa-chain.pem', 'server-ecdsa-chain.pem', 'server-p384-chain.pem', 'server-ed25519-chain.pem']) {
    test(`good chain ${cert}: verify result 0`, T, async () => {
      const { client, server } = memoryConnections(clientContext(), serverContext(cert));
      const r = await handshake(client, server);
      assert.equal(r.client, null, String(r.client));
      assert.equal(r.server, null, String(r.server));
      assert.equal(client.getVerifyResult(), EXPECTED['good-rsa'].code);
      assert.equal(client.getVerifyResult(), 0);
      assert.equal(client.getPeerCertificate().getSubject().CN, 'localhost');
      const verified = client.getVerifiedChain();
      assert.ok(Array.isArray(verified));
      assert.equal(verified.at(-1).getSubject().CN, 'rustls-ssl Test Root CA', 'the verified chain ends at the root');
      assert.equal(verified[0].getSubject().CN, 'localhost');
    });
  }

  test('an IP address host matches the IP SAN (127.0.0.1)', T, async () => {
    const { client, server } = memoryConnections(clientContext(), serverContext('server-ecdsa-chain.pem'), '127.0.0.1');
    const r = await handshake(client, server);
    assert.equal(r.client, null, String(r.client));
    assert.equal(client.getVerifyResult(), EXPECTED['good-ip'].code);
    // An IP literal sends no SNI.
    assert.equal(server.getServername(), null);
  });

  test(`a wrong IP address fails with ${EXPECTED.wrongip.code} (${EXPECTED.wrongip.text})`, T, async () => {
    const { client, server } = memoryConnections(clientContext(), serverContext('server-ecdsa-chain.pem'), '127.0.0.2');
    const r = await handshake(client, server);
    assert.ok(r.client instanceof SSLError, `rejected: ${r.client}`);
    assert.match(r.client.message, /certificate verify failed/);
    assertErrorQueue(r.client);
    assert.equal(client.getVerifyResult(), EXPECTED.wrongip.code);
    await assertStillWorks();
  });

  test('pinning: loadVerifyLocations(selfsigned.pem) accepts the self-signed server', T, async () => {
    const { client, server } = memoryConnections(clientContext('selfsigned.pem'), serverContext('selfsigned.pem'));
    const r = await handshake(client, server);
    assert.equal(r.client, null, String(r.client));
    assert.equal(client.getVerifyResult(), EXPECTED['selfsigned-pinned'].code);
    assert.equal(client.getPeerCertificate().toPem().trim(), readFixture('selfsigned.pem', 'utf8').trim());
  });

  test('pinning still checks the name', T, async () => {
    const { client, server } = memoryConnections(clientContext('selfsigned.pem'), serverContext('selfsigned.pem'), 'example.com');
    const r = await handshake(client, server);
    assert.ok(r.client instanceof SSLError, `rejected: ${r.client}`);
    assert.equal(client.getVerifyResult(), 62);
    await assertStillWorks();
  });

  test('trust through getCertStore().addCert works like loadVerifyLocations', T, async () => {
    const ctx = new Context(TLS_CLIENT_METHOD);
    ctx.getCertStore().addCert(X509.fromPem(readFixture('ca.pem', 'utf8')));
    const { client, server } = memoryConnections(ctx, serverContext('server-rsa-chain.pem'));
    const r = await handshake(client, server);
    assert.equal(r.client, null, String(r.client));
    assert.equal(client.getVerifyResult(), 0);
  });
});

describe('host names and verify modes', () => {
  test('a verifying client without setTlsextHostName fails, pointing at setTlsextHostName, result 62', T, async () => {
    const { client, server } = memoryConnections(clientContext(), serverContext('server-ecdsa-chain.pem'), null);
    const r = await handshake(client, server);
    assert.ok(r.client instanceof SSLError, `rejected: ${r.client}`);
    assert.match(r.client.message, /setTlsextHostName/);
    assertErrorQueue(r.client);
    assert.equal(client.getVerifyResult(), 62);
    await assertStillWorks();
    assert.equal(client.getServername(), null, 'getServername() is null when no name was set');
  });

  test('a verify callback can accept the missing server name (depth 0, errno 62)', T, async () => {
    const ctx = clientContext();
    const calls = [];
    ctx.setVerify(VERIFY_PEER, (conn, x509, errno, depth, ok) => {
      calls.push({ cn: x509.getSubject().CN, errno, depth, ok: Boolean(ok) });
      return true;
    });
    const { client, server } = memoryConnections(ctx, serverContext('server-ecdsa-chain.pem'), null);
    const r = await handshake(client, server);
    assert.equal(r.client, null, String(r.client));
    assert.ok(
      calls.some((c) => c.depth === 0 && c.errno === 62 && c.ok === false && c.cn === 'localhost'),
      `the callback saw depth 0 errno 62: ${JSON.stringify(calls)}`
    );
  });

  test('setVerify(VERIFY_NONE): an expired chain is accepted, getVerifyResult() still reports 10', T, async () => {
    const ctx = clientContext();
    ctx.setVerify(VERIFY_NONE);
    assert.equal(ctx.getVerifyMode(), VERIFY_NONE);
    const { client, server } = memoryConnections(ctx, serverContext('expired-chain.pem'));
    const r = await handshake(client, server);
    assert.equal(r.client, null, String(r.client));
    assert.equal(client.isHandshakeDone(), true);
    // As OpenSSL: VERIFY_NONE ignores the result but still records it.
    assert.equal(client.getVerifyResult(), EXPECTED.expired.code);
    assert.equal(client.getPeerCertificate().getSubject().CN, 'localhost');
    await client.sendall('accepted anyway');
    assert.equal(new TextDecoder().decode(await server.recv(100)), 'accepted anyway');
  });

  test('setVerify(VERIFY_NONE): an untrusted chain is accepted, getVerifyResult() reports 20', T, async () => {
    const ctx = new Context(TLS_CLIENT_METHOD);
    ctx.loadVerifyLocations(fixture('ca.pem'));
    ctx.setVerify(VERIFY_NONE);
    const { client, server } = memoryConnections(ctx, serverContext('untrusted-leaf.pem'));
    const r = await handshake(client, server);
    assert.equal(r.client, null, String(r.client));
    assert.equal(client.getVerifyResult(), EXPECTED.untrusted.code);
  });

  test('TLS_CLIENT_METHOD defaults to VERIFY_PEER, TLS_SERVER_METHOD to VERIFY_NONE', () => {
    assert.equal(new Context(TLS_CLIENT_METHOD).getVerifyMode(), VERIFY_PEER);
    assert.equal(new Context(TLS_SERVER_METHOD).getVerifyMode(), VERIFY_NONE);
  });

  test('with no trust anchors loaded, the bundled roots do not trust the test CA (result 20)', T, async () => {
    const ctx = new Context(TLS_CLIENT_METHOD);
    const { client, server } = memoryConnections(ctx, serverContext('server-ecdsa-chain.pem'));
    const r = await handshake(client, server);
    assert.ok(r.client instanceof SSLError, `rejected: ${r.client}`);
    assert.match(r.client.message, /certificate verify failed/);
    assert.equal(client.getVerifyResult(), 20);
    await assertStillWorks();
  });
});

test('a rejected certificate can still be read from the connection, as with OpenSSL', T, async () => {
  const { client, server } = memoryConnections(clientContext(), serverContext('expired-chain.pem'));
  const r = await handshake(client, server);
  assert.match(r.client.message, /certificate has expired/);
  assert.equal(client.getVerifyResult(), 10);
  assert.equal(client.getPeerCertificate().getSubject().CN, 'localhost');
  assert.equal(client.getPeerCertificate().hasExpired(), true);
  assert.equal(client.getPeerCertChain().length, 2);
  assert.equal(client.getVerifiedChain(), null);
});

// ---------------------------------------------------------------------------------------------
// Chains built and checked as OpenSSL does, over real sockets: a node:tls server (OpenSSL)
// presents each chain, a rustls-ssl client verifies it.

/** A node:tls server on 127.0.0.1 presenting `chain` with `key`, closed in t.after. */
async function nodeServer(t, chain, key) {
  const sockets = new Set();
  const server = tls.createServer({
    cert: readFixture(chain),
    key: readFixture(key),
    // The RSA-1024 leaf must reach the client, whatever Node's default security level.
    ciphers: 'DEFAULT:@SECLEVEL=0'
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })
  );
  return server.address().port;
}

/** Handshakes a rustls-ssl client with `ctx` against `chain`; the error (or null) and the client. */
async function against(t, ctx, chain, key, host = 'localhost') {
  const port = await nodeServer(t, chain, key);
  const client = await connectTls(ctx, port, host, t);
  const err = await client.doHandshake().then(
    () => null,
    (e) => e
  );
  return { err, client };
}

/** A client context trusting ca.pem whose verify callback records (depth, errno, ok). */
function recordingContext(answer) {
  const ctx = clientContext();
  const calls = [];
  ctx.setVerify(VERIFY_PEER, (conn, x509, errno, depth, ok) => {
    calls.push([depth, errno, ok]);
    return answer(errno, depth, ok, x509);
  });
  return { ctx, calls };
}

const CHAIN_CASES = [
  { key: 'critical-ext', chain: 'critical-ext-chain.pem', leafKey: 'critical-ext.key', cause: /critical extension/ },
  { key: 'name-constraints', chain: 'nc-leaf-chain.pem', leafKey: 'nc-leaf.key', cause: /permitted/ },
  { key: 'non-ca', chain: 'nonca-leaf-chain.pem', leafKey: 'nonca-leaf.key', cause: /not a CA/ },
  { key: 'pathlen', chain: 'pathlen-leaf-chain.pem', leafKey: 'pathlen-leaf.key', cause: /intermediate CAs below it/ },
  { key: 'rsa1024', chain: 'rsa1024-chain.pem', leafKey: 'rsa1024.key', cause: /1024 bits/ },
  { key: 'weak-ca', chain: 'weak-ca-leaf-chain.pem', leafKey: 'weak-ca-leaf.key', cause: /1024 bits/ },
  { key: 'evil', chain: 'evil-chain.pem', leafKey: 'evil.key', cause: /self-signed/ },
  { key: 'exp-untrusted', chain: 'exp-untrusted.pem', leafKey: 'exp-untrusted.key', cause: /neither trusted nor sent/ },
  { key: 'exp-untrusted-chain', chain: 'exp-untrusted-chain.pem', leafKey: 'exp-untrusted.key', cause: /self-signed/ }
];

describe('chains from a node:tls server: every check, with OpenSSL\'s codes', () => {
  test('expected-verify-chains.json holds what the fixtures are meant to show', () => {
    const want = {
      'critical-ext': 34,
      'name-constraints': 47,
      'non-ca': 79,
      pathlen: 25,
      rsa1024: 66,
      'weak-ca': 67,
      evil: 18,
      'exp-untrusted': 20,
      'exp-untrusted-chain': 19,
      depth0: 22,
      'policies-critical': 0
    };
    for (const [key, code] of Object.entries(want)) assert.equal(CHAINS[key].code, code, key);
  });

  for (const { key, chain, leafKey, cause } of CHAIN_CASES) {
    const expected = CHAINS[key];
    test(`${key}: ${expected.code} at depth ${expected.depth} (${expected.text})`, T, async (t) => {
      const { err, client } = await against(t, clientContext(), chain, leafKey);
      assert.ok(err instanceof SSLError, `rejected with SSLError: ${err}`);
      assert.match(err.message, /certificate verify failed/);
      assert.ok(err.message.includes(expected.text), `names OpenSSL's reason: ${err.message}`);
      assert.match(err.message, cause, 'and says precisely why');
      assert.equal(client.getVerifyResult(), expected.code, expected.command);
    });
  }

  test('a callback accepting every error sees each one OpenSSL prints, at its depth', T, async (t) => {
    // openssl verify prints 79, 26 and 32 at depth 1 for a non-CA intermediate.
    const { ctx, calls } = recordingContext(() => true);
    const { err, client } = await against(t, ctx, 'nonca-leaf-chain.pem', 'nonca-leaf.key');
    assert.equal(err, null, String(err));
    const reported = calls.filter(([, , ok]) => !ok).map(([depth, errno]) => [errno, depth]);
    assert.deepEqual(reported, CHAINS['non-ca'].errors);
    assert.deepEqual(calls, [
      [2, 0, true],
      [1, 79, false],
      [1, 26, false],
      [1, 32, false],
      [1, 32, true],
      [0, 0, true]
    ]);
    assert.equal(client.getVerifyResult(), 0, 'every error was overridden');
  });

  test('the exact sequence of calls for a chain wrong at two depths', T, async (t) => {
    // Expired, for example.com, under an untrusted root the server sends.
    const { ctx, calls } = recordingContext(() => true);
    const { err } = await against(t, ctx, 'exp-untrusted-chain.pem', 'exp-untrusted.key');
    assert.equal(err, null, String(err));
    assert.deepEqual(calls, [
      [1, 19, false],
      [1, 19, true],
      [0, 62, false],
      [0, 10, false],
      [0, 10, true]
    ]);
  });

  test('accepting "expired" does not accept an untrusted issuer or a wrong host', T, async (t) => {
    const { ctx, calls } = recordingContext((errno, depth, ok) => ok || errno === 10);
    const { err, client } = await against(t, ctx, 'exp-untrusted.pem', 'exp-untrusted.key');
    assert.ok(err instanceof SSLError, `rejected: ${err}`);
    assert.equal(client.getVerifyResult(), 20);
    assert.deepEqual(calls, [[0, 20, false]]);

    const second = recordingContext((errno, depth, ok) => ok || [10, 20, 21].includes(errno));
    const r2 = await against(t, second.ctx, 'exp-untrusted.pem', 'exp-untrusted.key');
    assert.ok(r2.err instanceof SSLError, `rejected: ${r2.err}`);
    assert.equal(r2.client.getVerifyResult(), 62, 'the host name still counts');
    assert.match(r2.err.message, /hostname mismatch/);
  });

  test('a callback pinning the CA at depth 1 never sees a CA appended to a self-signed leaf', T, async (t) => {
    const pin = X509.fromPem(readFixture('ca.pem', 'utf8')).digest('sha256');
    let pinnedSeen = false;
    const { ctx, calls } = recordingContext((errno, depth, ok, x509) => {
      if (depth === 1 && x509.digest('sha256') === pin) pinnedSeen = true;
      return ok || pinnedSeen;
    });
    const { err, client } = await against(t, ctx, 'evil-chain.pem', 'evil.key', 'evil.example');
    assert.ok(err instanceof SSLError, `the attacker's leaf is refused: ${err}`);
    assert.equal(pinnedSeen, false);
    assert.deepEqual(calls, [[0, 18, false]], 'the appended CA is not part of the chain');
    assert.equal(client.getVerifyResult(), CHAINS.evil.code);
  });

  test(`setVerifyDepth(0): a chain with one intermediate is ${CHAINS.depth0.code} at depth ${CHAINS.depth0.depth}`, T, async (t) => {
    const ctx = clientContext();
    ctx.setVerifyDepth(0);
    const { err, client } = await against(t, ctx, 'server-ecdsa-chain.pem', 'server-ecdsa.key');
    assert.ok(err instanceof SSLError, `rejected: ${err}`);
    assert.equal(client.getVerifyResult(), CHAINS.depth0.code, CHAINS.depth0.command);
  });

  test('what rustls-webpki refuses does not pass, though OpenSSL would accept it', T, async (t) => {
    // OpenSSL understands the intermediate's critical certificatePolicies (result 0).
    assert.equal(CHAINS['policies-critical'].code, 0);
    const { err, client } = await against(t, clientContext(), 'policies-leaf-chain.pem', 'policies-leaf.key');
    assert.ok(err instanceof SSLError, `rejected: ${err}`);
    assert.match(err.message, /webpki/);
    assert.equal(client.getVerifyResult(), 34);
  });

  test('an async verify callback fails the handshake with a TypeError', T, async (t) => {
    const ctx = clientContext();
    ctx.setVerify(VERIFY_PEER, async () => true);
    const { err } = await against(t, ctx, 'exp-untrusted.pem', 'exp-untrusted.key');
    assert.ok(err instanceof TypeError, `a TypeError, got ${err}`);
    assert.match(err.message, /boolean/);
    assert.match(err.message, /Promise/);
  });

  for (const [label, answer] of [
    ['a number', () => 1],
    ['undefined', () => undefined],
    ['a string', () => 'yes'],
    ['an object', () => ({})]
  ]) {
    test(`a verify callback returning ${label} fails the handshake with a TypeError, even on a good chain`, T, async (t) => {
      const ctx = clientContext();
      ctx.setVerify(VERIFY_PEER, answer);
      const { err } = await against(t, ctx, 'server-ecdsa-chain.pem', 'server-ecdsa.key');
      assert.ok(err instanceof TypeError, `a TypeError, got ${err}`);
    });
  }
});

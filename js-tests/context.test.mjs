// Context: methods, identity, trust, verification, policy, the snapshot rule, passphrases.
// API.md §5 (and §3 for the error shapes). Handshakes run in memory over memoryPair().

import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, copyFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
  Context,
  Connection,
  Method,
  VerifyMode,
  FileType,
  Options,
  Version,
  SSLError,
  WantReadError,
  X509,
  X509Store,
  PKey,
  memoryPair,
  OP_ALL,
  OP_NO_TLSv1_2,
  OP_NO_TLSv1_3,
  TLS1_1_VERSION,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  VERIFY_NONE,
  VERIFY_PEER,
  VERIFY_FAIL_IF_NO_PEER_CERT,
  FILETYPE_PEM,
  FILETYPE_ASN1,
} from 'rustls-ssl';

import { fx, fxText, fxBytes, bytes, text, serverContext, clientContext, transportPair, withTimeout } from './unit-helpers.mjs';

/** Runs a handshake over memoryPair and returns { c, s } or throws the client's error. */
async function handshake(client, server, { host = 'localhost', clientSetup, serverSetup } = {}) {
  const [ta, tb] = memoryPair();
  const c = new Connection(client, ta);
  const s = new Connection(server, tb);
  c.setConnectState();
  s.setAcceptState();
  if (host != null) c.setTlsextHostName(host);
  clientSetup?.(c);
  serverSetup?.(s);
  // When one side fails, it sends an alert, so the other side fails too instead of hanging;
  // a side that fails without sending anything would leave its peer waiting: close the pipes.
  const results = await withTimeout(
    Promise.allSettled([
      c.doHandshake().catch((e) => {
        ta.close();
        throw e;
      }),
      s.doHandshake().catch((e) => {
        tb.close();
        throw e;
      }),
    ]),
    10000,
    'handshake',
  );
  return { c, s, clientResult: results[0], serverResult: results[1] };
}

/** Handshake that must succeed on both sides. */
async function handshakeOk(client, server, opts) {
  const r = await handshake(client, server, opts);
  if (r.clientResult.status === 'rejected') throw r.clientResult.reason;
  if (r.serverResult.status === 'rejected') throw r.serverResult.reason;
  return r;
}

/** Asserts that `fn()` throws an SSLError (exact class or subclass) whose message matches. */
function throwsSSL(fn, re) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof SSLError, `expected SSLError, got ${e?.constructor?.name}: ${e?.message}`);
    if (re) assert.match(e.message, re);
    assert.ok(Array.isArray(e.errors), 'errors is an array');
    return true;
  });
}

const rsaLeafDer = () => X509.fromPem(fxText('server-rsa.pem')).toDer();

// ---------------------------------------------------------------------------------------
describe('new Context(method)', () => {
  test('obsolete methods throw SSLError "unsupported protocol" with an errors triple', () => {
    for (const m of [Method.SSLv2, Method.SSLv3, Method.TLSv1, Method.TLSv1_1, 1, 2, 4, 5]) {
      assert.throws(
        () => new Context(m),
        (e) => {
          assert.ok(e instanceof SSLError, `method ${m}: ${e}`);
          assert.match(e.message, /unsupported protocol/);
          assert.ok(Array.isArray(e.errors) && e.errors.length >= 1);
          const triple = e.errors[0];
          assert.equal(triple.length, 3);
          assert.ok(triple.every((x) => typeof x === 'string'));
          assert.match(triple[2], /unsupported protocol/);
          return true;
        },
      );
    }
  });

  test('unknown number → RangeError; non-number → TypeError', () => {
    assert.throws(() => new Context(13), RangeError);
    assert.throws(() => new Context(0), RangeError);
    assert.throws(() => new Context('x'), TypeError);
    assert.throws(() => new Context(), TypeError);
    assert.throws(() => new Context({}), TypeError);
  });

  test('numbers in range messages are written as JS writes them', () => {
    // The wasm formats them through JS's Number#toString (Rust's f64 Display is not linked).
    assert.throws(() => new Context(1e21), { name: 'RangeError', message: 'method out of range: 1e+21' });
    assert.throws(() => new Context(-5), { name: 'RangeError', message: 'method out of range: -5' });
    assert.throws(() => new Context(2 ** 32), { name: 'RangeError', message: 'method out of range: 4294967296' });
  });

  test('SSLv23, TLS, TLS_CLIENT, TLS_SERVER negotiate TLS 1.3; TLSv1_2 pins 1.2', async () => {
    for (const m of [Method.SSLv23, Method.TLS, Method.TLS_CLIENT]) {
      const client = clientContext({ method: m });
      const { c } = await handshakeOk(client, serverContext());
      assert.equal(c.getProtocolVersionName(), 'TLSv1.3', `client method ${m}`);
    }
    for (const m of [Method.SSLv23, Method.TLS, Method.TLS_SERVER]) {
      const { s } = await handshakeOk(clientContext(), serverContext({ method: m }));
      assert.equal(s.getProtocolVersionName(), 'TLSv1.3', `server method ${m}`);
    }
    const { c } = await handshakeOk(clientContext({ method: Method.TLSv1_2 }), serverContext());
    assert.equal(c.getProtocolVersionName(), 'TLSv1.2');
    const r = await handshakeOk(clientContext(), serverContext({ method: Method.TLSv1_2_METHOD ?? 6 }));
    assert.equal(r.s.getProtocolVersionName(), 'TLSv1.2');
  });
});

// ---------------------------------------------------------------------------------------
describe('identity: certificates and keys', () => {
  /** A server context from a leaf + key in the given forms, plus the intermediate. */
  async function serveWith(cert, key, { int = 'int.pem', clientMethod } = {}) {
    const ctx = new Context(Method.TLS_SERVER);
    ctx.useCertificate(cert);
    if (int) ctx.addExtraChainCert(X509.fromPem(fxText(int)));
    ctx.usePrivateKey(key);
    ctx.checkPrivateKey();
    const { c } = await handshakeOk(clientContext(clientMethod ? { method: clientMethod } : undefined), ctx);
    return c;
  }

  test('useCertificate with X509 / PEM text / DER bytes; usePrivateKey with PKey / PEM / DER', async () => {
    const expected = rsaLeafDer();
    const forms = [
      [X509.fromPem(fxText('server-rsa.pem')), PKey.fromPem(fxText('server-rsa.key'))],
      [fxText('server-rsa.pem'), fxText('server-rsa.key')],
      [fxBytes('server-rsa.der'), fxBytes('server-rsa-key.der')],
    ];
    for (const [cert, key] of forms) {
      const c = await serveWith(cert, key);
      assert.deepEqual(c.getPeerCertificate().toDer(), expected);
    }
  });

  test('RSA key formats: PKCS#1 and PKCS#8, PEM and DER', async () => {
    for (const key of [
      fxText('server-rsa-pkcs1.key'),
      fxText('server-rsa-pkcs8.key'),
      fxBytes('server-rsa-pkcs1-key.der'),
      fxBytes('server-rsa-key.der'),
    ]) {
      const c = await serveWith(fxText('server-rsa.pem'), key);
      assert.equal(c.getPeerCertificate().getSubject().CN, 'localhost');
    }
  });

  test('ECDSA P-256 (PKCS#8 and SEC1, PEM and DER), P-384, Ed25519', async () => {
    const ecdsaDer = X509.fromPem(fxText('server-ecdsa.pem')).toDer();
    for (const key of [
      fxText('server-ecdsa.key'),
      fxText('server-ecdsa-pkcs8.key'),
      fxText('server-ecdsa-sec1.key'),
      fxBytes('server-ecdsa-key.der'),
      fxBytes('server-ecdsa-sec1-key.der'),
    ]) {
      const c = await serveWith(fxText('server-ecdsa.pem'), key);
      assert.deepEqual(c.getPeerCertificate().toDer(), ecdsaDer);
    }
    // and on TLS 1.2 an ECDSA suite is chosen
    const c12 = await serveWith(fxText('server-ecdsa.pem'), fxText('server-ecdsa.key'), { clientMethod: Method.TLSv1_2 });
    assert.match(c12.getCipherName(), /^ECDHE-ECDSA-/);

    const p384 = await serveWith(fxText('server-p384.pem'), fxText('server-p384.key'));
    assert.deepEqual(p384.getPeerCertificate().toDer(), X509.fromPem(fxText('server-p384.pem')).toDer());

    // Ed25519 is signed by the root directly: no intermediate
    const ed = await serveWith(fxText('server-ed25519.pem'), fxText('server-ed25519.key'), { int: null });
    assert.deepEqual(ed.getPeerCertificate().toDer(), X509.fromPem(fxText('server-ed25519.pem')).toDer());
  });

  test('a key that does not match the certificate throws SSLError at once', () => {
    const ctx = new Context(Method.TLS_SERVER);
    ctx.useCertificate(fxText('server-rsa.pem'));
    throwsSSL(() => ctx.usePrivateKey(fxText('server-ecdsa.key')));
    throwsSSL(() => ctx.usePrivateKey(fxText('client.key')));
    // the right one is still accepted afterwards
    ctx.usePrivateKey(fxText('server-rsa.key'));
    ctx.checkPrivateKey();
  });

  test('checkPrivateKey: SSLError without a key; passes with the matching key', () => {
    const ctx = new Context(Method.TLS_SERVER);
    ctx.useCertificate(fxText('server-ecdsa.pem'));
    throwsSSL(() => ctx.checkPrivateKey());
    ctx.usePrivateKey(fxText('server-ecdsa.key'));
    assert.equal(ctx.checkPrivateKey(), undefined);
  });

  test('*File variants: PEM default, ASN1, chain file; missing file → SSLError', async () => {
    const ctx = new Context(Method.TLS_SERVER);
    ctx.useCertificateFile(fx('server-ecdsa.der'), FILETYPE_ASN1);
    ctx.usePrivateKeyFile(fx('server-ecdsa-key.der'), FileType.ASN1);
    ctx.addExtraChainCert(fxText('int.pem'));
    ctx.checkPrivateKey();
    const { c } = await handshakeOk(clientContext(), ctx);
    assert.equal(c.getPeerCertificate().getSubject().CN, 'localhost');
    assert.equal(c.getPeerCertChain().length, 2);

    const ctx2 = new Context(Method.TLS_SERVER);
    ctx2.useCertificateFile(fx('server-rsa.pem')); // PEM is the default
    ctx2.usePrivateKeyFile(fx('server-rsa.key'), FILETYPE_PEM);
    ctx2.checkPrivateKey();

    const ctx3 = new Context(Method.TLS_SERVER);
    ctx3.useCertificateChainFile(fx('server-p384-chain.pem'));
    ctx3.usePrivateKeyFile(fx('server-p384.key'));
    const r3 = await handshakeOk(clientContext(), ctx3);
    assert.equal(r3.c.getPeerCertChain().length, 2);

    const ctx4 = new Context(Method.TLS_SERVER);
    ctx4.useCertificateChain(fxText('server-rsa-chain.pem'));
    ctx4.usePrivateKey(fxText('server-rsa.key'));
    const r4 = await handshakeOk(clientContext(), ctx4);
    assert.equal(r4.c.getPeerCertChain().length, 2);

    const missing = fx('does-not-exist.pem');
    throwsSSL(() => new Context(Method.TLS).useCertificateFile(missing));
    throwsSSL(() => new Context(Method.TLS).usePrivateKeyFile(missing));
    throwsSSL(() => new Context(Method.TLS).useCertificateChainFile(missing));
    throwsSSL(() => new Context(Method.TLS).loadVerifyLocations(missing));
    // a file of the wrong kind
    throwsSSL(() => new Context(Method.TLS).useCertificateFile(fx('server-rsa.key')));
    throwsSSL(() => new Context(Method.TLS).useCertificateFile(fx('server-rsa.pem'), FILETYPE_ASN1));
  });

  test('garbage certificates and keys → SSLError', () => {
    const ctx = new Context(Method.TLS_SERVER);
    throwsSSL(() => ctx.useCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'));
    throwsSSL(() => ctx.useCertificate(new Uint8Array([0x30, 0x82, 0x01])));
    throwsSSL(() => ctx.usePrivateKey('not a key'));
    throwsSSL(() => ctx.usePrivateKey(new Uint8Array(10)));
  });

  test(
    'usePrivateKey(an X509) → TypeError',
    () => {
      const ctx = new Context(Method.TLS_SERVER);
      assert.throws(() => ctx.usePrivateKey(X509.fromPem(fxText('server-rsa.pem'))), TypeError);
    },
  );

  test('wrong argument types → TypeError', () => {
    const ctx = new Context(Method.TLS_SERVER);
    assert.throws(() => ctx.useCertificate(42), TypeError);
    assert.throws(() => ctx.useCertificate({}), TypeError);
    assert.throws(() => ctx.usePrivateKey(42), TypeError);
    assert.throws(() => ctx.useCertificateFile(42), TypeError);
    assert.throws(() => ctx.useCertificateFile(fx('server-rsa.pem'), 'PEM'), TypeError);
    assert.throws(() => ctx.usePrivateKeyFile(fx('server-rsa.key'), 'PEM'), TypeError);
    assert.throws(() => ctx.loadVerifyLocations(42), TypeError);
    assert.throws(() => ctx.setVerify('peer'), TypeError);
    assert.throws(() => ctx.setVerify(VERIFY_PEER, 'not a function'), TypeError);
    assert.throws(() => ctx.setOptions('x'), TypeError);
    assert.throws(() => ctx.addExtraChainCert(42), TypeError);
    assert.throws(() => ctx.getCertStore().addCert(42), TypeError);
    throwsSSL(() => ctx.getCertStore().addCert('nope'), /certificate/); // text is PEM: garbage PEM
    assert.throws(() => ctx.setAlpnProtos('h2'), TypeError);
    assert.throws(() => ctx.setCipherList(42), TypeError);
    assert.throws(() => ctx.setPasswdCb(42), TypeError);
    assert.throws(() => ctx.setMaxProtoVersion('x'), TypeError);
  });
});

// ---------------------------------------------------------------------------------------
describe('trust and verification', () => {
  const dirs = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  test('client default: TLS_CLIENT with no trust loaded fails "certificate verify failed"', async () => {
    const client = new Context(Method.TLS_CLIENT);
    assert.equal(client.getVerifyMode(), VERIFY_PEER);
    const r = await handshake(client, serverContext());
    assert.equal(r.clientResult.status, 'rejected');
    const e = r.clientResult.reason;
    assert.ok(e instanceof SSLError, String(e));
    assert.match(e.message, /certificate verify failed/);
    assert.equal(r.c.getVerifyResult(), 20, 'unable to get local issuer certificate');
  });

  test('generic TLS context in the client role still verifies when the mode was never set', async () => {
    const client = new Context(Method.TLS);
    assert.equal(client.getVerifyMode(), VERIFY_NONE);
    const r = await handshake(client, serverContext());
    assert.equal(r.clientResult.status, 'rejected');
    assert.match(r.clientResult.reason.message, /certificate verify failed/);
  });

  test('setVerify(VERIFY_NONE) turns client verification off', async () => {
    const client = new Context(Method.TLS_CLIENT);
    client.setVerify(VERIFY_NONE);
    assert.equal(client.getVerifyMode(), VERIFY_NONE);
    const { c } = await handshakeOk(client, serverContext());
    assert.equal(c.getPeerCertificate().getSubject().CN, 'localhost');
  });

  test('loadVerifyLocations(cafile) → verifies', async () => {
    const client = new Context(Method.TLS_CLIENT);
    client.loadVerifyLocations(fx('ca.pem'));
    const { c } = await handshakeOk(client, serverContext());
    assert.equal(c.getVerifyResult(), 0);
  });

  test('loadVerifyLocations(null, capath) reads the directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rustls-ssl-capath-'));
    dirs.push(dir);
    copyFileSync(fx('ca.pem'), path.join(dir, 'ca.pem'));
    const client = new Context(Method.TLS_CLIENT);
    client.loadVerifyLocations(null, dir);
    const { c } = await handshakeOk(client, serverContext());
    assert.equal(c.getVerifyResult(), 0);

    // a directory holding only an unrelated CA does not make the server trusted
    const other = mkdtempSync(path.join(tmpdir(), 'rustls-ssl-capath-'));
    dirs.push(other);
    copyFileSync(fx('untrusted-ca.pem'), path.join(other, 'untrusted-ca.pem'));
    const client2 = new Context(Method.TLS_CLIENT);
    client2.loadVerifyLocations(undefined, other);
    const r2 = await handshake(client2, serverContext());
    assert.equal(r2.clientResult.status, 'rejected');
    assert.match(r2.clientResult.reason.message, /certificate verify failed/);
  });

  test('loadVerifyLocations(null, null, cadata) with PEM text and DER bytes', async () => {
    for (const cadata of [fxText('ca.pem'), fxBytes('ca.der'), bytes(fxText('ca.pem'))]) {
      const client = new Context(Method.TLS_CLIENT);
      client.loadVerifyLocations(null, null, cadata);
      const { c } = await handshakeOk(client, serverContext());
      assert.equal(c.getVerifyResult(), 0);
    }
  });

  test('getCertStore().addCert(x509) adds a trust anchor', async () => {
    const client = new Context(Method.TLS_CLIENT);
    const store = client.getCertStore();
    assert.ok(store instanceof X509Store);
    store.addCert(X509.fromPem(fxText('ca.pem')));
    const { c } = await handshakeOk(client, serverContext());
    assert.equal(c.getVerifyResult(), 0);
  });

  test('setVerify modes and getVerifyMode defaults', () => {
    assert.equal(new Context(Method.TLS_CLIENT).getVerifyMode(), VERIFY_PEER);
    assert.equal(new Context(Method.TLS_SERVER).getVerifyMode(), VERIFY_NONE);
    assert.equal(new Context(Method.TLS).getVerifyMode(), VERIFY_NONE);
    assert.equal(new Context(Method.SSLv23).getVerifyMode(), VERIFY_NONE);
    assert.equal(new Context(Method.TLSv1_2).getVerifyMode(), VERIFY_NONE);
    const ctx = new Context(Method.TLS_SERVER);
    ctx.setVerify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
    assert.equal(ctx.getVerifyMode(), 3);
    ctx.setVerify(VerifyMode.PEER);
    assert.equal(ctx.getVerifyMode(), 1);
    ctx.setVerify(VerifyMode.NONE);
    assert.equal(ctx.getVerifyMode(), 0);
  });

  test(
    'setVerify(mode, callback): the callback runs and can accept a failing chain',
    async () => {
      const client = new Context(Method.TLS_CLIENT); // no trust: errno 20 at some depth
      const calls = [];
      client.setVerify(VERIFY_PEER, (conn, x509, errno, depth, ok) => {
        calls.push({ errno, depth, ok });
        assert.ok(conn instanceof Connection);
        assert.ok(x509 instanceof X509);
        return true;
      });
      assert.equal(client.getVerifyMode(), VERIFY_PEER);
      const { c } = await handshakeOk(client, serverContext());
      assert.ok(calls.length > 0);
      assert.ok(calls.some((x) => x.depth === 0));
      assert.ok(calls.some((x) => !x.ok && x.errno === 20));
      assert.equal(c.getPeerCertificate().getSubject().CN, 'localhost');
    },
  );

  test('server requiring a client certificate: none sent → handshake fails', async () => {
    const server = serverContext();
    server.loadVerifyLocations(fx('ca.pem'));
    server.setVerify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
    const r = await handshake(clientContext(), server);
    assert.equal(r.serverResult.status, 'rejected');
    assert.ok(r.serverResult.reason instanceof SSLError);
    assert.match(r.serverResult.reason.message, /certificate/i);
    // the client learns about it too (TLS 1.3: at its first read at the latest)
    if (r.clientResult.status === 'fulfilled') {
      await assert.rejects(withTimeout(r.c.recv(10), 5000, 'client recv'), SSLError);
    }
  });

  test('server with client certificate: getPeerCertificate on the server is the client\'s', async () => {
    const server = serverContext();
    server.loadVerifyLocations(fx('ca.pem'));
    server.setVerify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
    const client = clientContext();
    client.useCertificateChainFile(fx('client-chain.pem'));
    client.usePrivateKeyFile(fx('client.key'));
    const { s } = await handshakeOk(client, server);
    const peer = s.getPeerCertificate();
    assert.equal(peer.getSubject().CN, 'test client');
    assert.deepEqual(peer.toDer(), X509.fromPem(fxText('client.pem')).toDer());
    assert.equal(s.getVerifyResult(), 0);
  });

  test('server with VERIFY_PEER only: a client without certificate is accepted', async () => {
    const server = serverContext();
    server.loadVerifyLocations(fx('ca.pem'));
    server.setVerify(VERIFY_PEER);
    const { s } = await handshakeOk(clientContext(), server);
    assert.equal(s.getPeerCertChain(), null);
  });
});

// ---------------------------------------------------------------------------------------
describe('policy: options, versions, ciphers, ALPN', () => {
  test('setOptions returns the OR\'d mask; OP_ALL stays positive', () => {
    const ctx = new Context(Method.TLS);
    const before = ctx.getOptions();
    assert.equal(typeof before, 'number');
    const m1 = ctx.setOptions(OP_ALL);
    assert.equal(OP_ALL, 0x80000850);
    assert.equal(m1, (before | 0x80000850) >>> 0);
    assert.ok(m1 > 0, 'unsigned');
    const m2 = ctx.setOptions(Options.OP_NO_TICKET);
    assert.equal(m2, (m1 | Options.OP_NO_TICKET) >>> 0);
    assert.equal(ctx.getOptions(), m2);
    // negative input (a sign-extended mask) is normalised with >>> 0
    const ctx2 = new Context(Method.TLS);
    assert.equal(ctx2.setOptions(0x80000850 | 0), (ctx2.getOptions() | 0x80000850) >>> 0);
    assert.ok(ctx2.getOptions() >= 0x80000850);
  });

  test('OP_NO_TLSv1_3 → TLS 1.2; OP_NO_TLSv1_2 → TLS 1.3', async () => {
    const c13off = clientContext();
    c13off.setOptions(OP_NO_TLSv1_3);
    assert.equal((await handshakeOk(c13off, serverContext())).c.getProtocolVersionName(), 'TLSv1.2');
    const s13off = serverContext();
    s13off.setOptions(OP_NO_TLSv1_3);
    assert.equal((await handshakeOk(clientContext(), s13off)).c.getProtocolVersionName(), 'TLSv1.2');
    const c12off = clientContext();
    c12off.setOptions(OP_NO_TLSv1_2);
    assert.equal((await handshakeOk(c12off, serverContext())).c.getProtocolVersionName(), 'TLSv1.3');
    // client only 1.3, server only 1.2 → no common version
    const s12 = serverContext({ method: Method.TLSv1_2 });
    const r = await handshake(c12off, s12);
    assert.equal(r.clientResult.status, 'rejected');
    assert.equal(r.serverResult.status, 'rejected');
  });

  test('OP_NO_TLSv1_2 | OP_NO_TLSv1_3 → the handshake fails "unsupported protocol"', async () => {
    const client = clientContext();
    client.setOptions(OP_NO_TLSv1_2 | OP_NO_TLSv1_3);
    const r = await handshake(client, serverContext());
    assert.equal(r.clientResult.status, 'rejected');
    assert.ok(r.clientResult.reason instanceof SSLError);
    assert.match(r.clientResult.reason.message, /unsupported protocol/);
  });

  test('setMinProtoVersion / setMaxProtoVersion', async () => {
    const max12 = clientContext();
    max12.setMaxProtoVersion(TLS1_2_VERSION);
    assert.equal((await handshakeOk(max12, serverContext())).c.getProtocolVersionName(), 'TLSv1.2');

    const min13 = clientContext();
    min13.setMinProtoVersion(Version.TLS1_3_VERSION);
    assert.equal((await handshakeOk(min13, serverContext())).s.getProtocolVersionName(), 'TLSv1.3');

    const serverMax12 = serverContext();
    serverMax12.setMaxProtoVersion(TLS1_2_VERSION);
    const r = await handshake(min13, serverMax12);
    assert.equal(r.clientResult.status, 'rejected');

    const max11 = clientContext();
    max11.setMaxProtoVersion(TLS1_1_VERSION);
    const r2 = await handshake(max11, serverContext());
    assert.equal(r2.clientResult.status, 'rejected');
    assert.match(r2.clientResult.reason.message, /unsupported protocol/);

    // 0 means "no limit"
    const any = clientContext();
    any.setMinProtoVersion(0);
    any.setMaxProtoVersion(0);
    assert.equal((await handshakeOk(any, serverContext())).c.getProtocolVersion(), TLS1_3_VERSION);
  });

  test("setCipherList('ECDHE-RSA-AES128-GCM-SHA256') with OP_NO_TLSv1_3 → that cipher", async () => {
    const client = clientContext();
    client.setCipherList('ECDHE-RSA-AES128-GCM-SHA256');
    client.setOptions(OP_NO_TLSv1_3);
    const { c, s } = await handshakeOk(client, serverContext());
    assert.equal(c.getCipherName(), 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal(s.getCipherName(), 'ECDHE-RSA-AES128-GCM-SHA256');
    assert.equal(c.getCipherBits(), 128);
    // bytes are accepted too
    const client2 = clientContext();
    client2.setCipherList(bytes('ECDHE-RSA-CHACHA20-POLY1305'));
    client2.setOptions(OP_NO_TLSv1_3);
    assert.equal((await handshakeOk(client2, serverContext())).c.getCipherName(), 'ECDHE-RSA-CHACHA20-POLY1305');
  });

  test("setCipherList('AES128-SHA') → SSLError 'no cipher match'", () => {
    const ctx = new Context(Method.TLS);
    assert.throws(
      () => ctx.setCipherList('AES128-SHA'),
      (e) => e instanceof SSLError && /no cipher match/.test(e.message) && e.errors[0][2] === 'no cipher match',
    );
  });

  test('setAlpnProtos([]) → RangeError; setAlpnProtos with strings and bytes', () => {
    const ctx = new Context(Method.TLS_CLIENT);
    assert.throws(() => ctx.setAlpnProtos([]), RangeError);
    ctx.setAlpnProtos(['h2', bytes('http/1.1')]);
  });
});

// ---------------------------------------------------------------------------------------
describe('data and the snapshot rule', () => {
  test('setAppData / getAppData', () => {
    const ctx = new Context(Method.TLS);
    assert.equal(ctx.getAppData(), null);
    const obj = { a: 1 };
    ctx.setAppData(obj);
    assert.equal(ctx.getAppData(), obj);
  });

  test('changing a Context after creating a Connection does not affect that Connection', async () => {
    const client = clientContext();
    const [ta, tb] = memoryPair();
    const early = new Connection(client, ta);
    early.setConnectState();
    early.setTlsextHostName('localhost');
    // changed after `early` was created: must not throw, and must not affect it
    client.setOptions(OP_NO_TLSv1_3);
    client.setAlpnProtos(['late']);
    const s1 = new Connection(serverContext(), tb);
    s1.setAcceptState();
    await Promise.all([early.doHandshake(), s1.doHandshake()]);
    assert.equal(early.getProtocolVersionName(), 'TLSv1.3');

    const server = serverContext();
    server.setAlpnProtos(['late']);
    const { c: late } = await handshakeOk(client, server);
    assert.equal(late.getProtocolVersionName(), 'TLSv1.2');
    assert.equal(late.getAlpnProtoNegotiated(), 'late');
  });

  test('setVerify(VERIFY_NONE) after creating a Connection: the old one still verifies', async () => {
    const client = new Context(Method.TLS_CLIENT); // no trust loaded
    const [ta, tb] = memoryPair();
    const early = new Connection(client, ta);
    early.setConnectState();
    early.setTlsextHostName('localhost');
    client.setVerify(VERIFY_NONE);
    const s1 = new Connection(serverContext(), tb);
    s1.setAcceptState();
    const [cr] = await Promise.allSettled([
      early.doHandshake().catch((e) => {
        ta.close();
        throw e;
      }),
      s1.doHandshake().catch(() => tb.close()),
    ]);
    assert.equal(cr.status, 'rejected');
    assert.match(cr.reason.message, /certificate verify failed/);
    // a new connection uses the new mode
    await handshakeOk(client, serverContext());
  });
});

// ---------------------------------------------------------------------------------------
describe('setPasswdCb and encrypted keys', () => {
  const ENC = 'server-ecdsa-encrypted.key';

  test('the right passphrase loads the key (string and Uint8Array returns)', async () => {
    let args;
    const ctx = new Context(Method.TLS_SERVER);
    ctx.setPasswdCb((maxLength, verify, userdata) => {
      args = [maxLength, verify, userdata];
      return 'secret';
    }, 'my-userdata');
    ctx.useCertificateChainFile(fx('server-ecdsa-chain.pem'));
    ctx.usePrivateKeyFile(fx(ENC));
    ctx.checkPrivateKey();
    assert.ok(args, 'the callback ran');
    assert.equal(typeof args[0], 'number');
    assert.ok(args[0] > 0);
    assert.equal(typeof args[1], 'boolean');
    assert.equal(args[2], 'my-userdata');
    const { c } = await handshakeOk(clientContext(), ctx);
    assert.equal(c.getPeerCertificate().getSubject().CN, 'localhost');

    const ctx2 = new Context(Method.TLS_SERVER);
    ctx2.setPasswdCb(() => bytes('secret'));
    ctx2.useCertificate(fxText('server-ecdsa.pem'));
    ctx2.usePrivateKey(fxText(ENC));
    ctx2.checkPrivateKey();
  });

  test('a wrong passphrase → SSLError', () => {
    const ctx = new Context(Method.TLS_SERVER);
    ctx.setPasswdCb(() => 'wrong');
    throwsSSL(() => ctx.usePrivateKeyFile(fx(ENC)));
  });

  test('a throwing callback: the same object comes out of the loading call', () => {
    const ctx = new Context(Method.TLS_SERVER);
    const boom = new Error('no passphrase for you');
    ctx.setPasswdCb(() => {
      throw boom;
    });
    assert.throws(
      () => ctx.usePrivateKeyFile(fx(ENC)),
      (e) => e === boom,
    );
  });

  test('a callback returning a number → TypeError', () => {
    const ctx = new Context(Method.TLS_SERVER);
    ctx.setPasswdCb(() => 1234);
    assert.throws(() => ctx.usePrivateKeyFile(fx(ENC)), TypeError);
  });

  test('an encrypted key without a callback → SSLError', () => {
    const ctx = new Context(Method.TLS_SERVER);
    throwsSSL(() => ctx.usePrivateKey(fxText(ENC)));
  });
});

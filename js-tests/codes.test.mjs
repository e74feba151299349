// Error codes (API.md §8): every error the package throws has a string `code` in Node's
// vocabulary. Each class of error is triggered for real, and wherever Node can meet the same
// peer, the code is compared with the `err.code` Node's own `tls` reports for it.

import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import {
  Connection,
  Context,
  FILETYPE_PEM,
  SSLError,
  SysCallError,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  VERIFY_PEER,
  WantReadError,
  WantWriteError,
  WantX509LookupError,
  ZeroReturnError,
  loadCertificate,
  socketTransport
} from 'rustls-ssl';

import {
  connectTls,
  expectedVerify,
  fixture,
  memoryConnections,
  readFixture,
  socketOf,
  startLibraryServer,
  withTimeout
} from './helpers/peers.mjs';

const T = { timeout: 20000 };
const EXPECTED = expectedVerify();
const CHAINS = JSON.parse(readFixture('expected-verify-chains.json', 'utf8'));

function serverContext(cert = 'server-ecdsa-chain.pem', key = cert.replace(/(-chain)?\.pem$/, '.key'), { min, max } = {}) {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChainFile(fixture(cert));
  ctx.usePrivateKeyFile(fixture(key));
  if (min) ctx.setMinProtoVersion(min);
  if (max) ctx.setMaxProtoVersion(max);
  return ctx;
}

function clientContext({ min, max } = {}) {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(fixture('ca.pem'));
  if (min) ctx.setMinProtoVersion(min);
  if (max) ctx.setMaxProtoVersion(max);
  return ctx;
}

/** The rejection of `p`, failing the test if it resolves. */
async function failure(p, what = 'the call') {
  return p.then(
    (v) => assert.fail(`${what} should have failed, got ${v}`),
    (e) => e
  );
}

/** What Node's tls.connect reports for 127.0.0.1:`port`: its error, or null when it connected. */
function nodeClient(t, port, options = {}) {
  const sock = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFixture('ca.pem'), ...options });
  t.after(() => sock.destroy());
  return withTimeout(
    new Promise((resolve) => {
      sock.once('error', resolve);
      sock.once('secureConnect', () => resolve(null));
    }),
    10000,
    'node tls.connect'
  );
}

/** A Node TLS server; resolves to its port and the first `tlsClientError`. */
async function nodeServer(t, options) {
  const server = tls.createServer({ cert: readFixture('server-ecdsa-chain.pem'), key: readFixture('server-ecdsa.key'), ...options });
  const clientError = new Promise((resolve) => server.once('tlsClientError', resolve));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => server.close());
  return { port: /** @type {net.AddressInfo} */ (server.address()).port, clientError };
}

/** A plain TCP server that writes `bytes` to each client, then (optionally) ends. */
async function rawServer(t, bytes, { end = false } = {}) {
  const server = net.createServer((sock) => {
    sock.on('error', () => {});
    t.after(() => sock.destroy());
    if (bytes.length) sock.write(bytes);
    if (end) sock.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  t.after(() => server.close());
  return /** @type {net.AddressInfo} */ (server.address()).port;
}

/** An SSLError subclass with a non-empty string code, as the error hierarchy promises. */
function assertCoded(err, cls, code) {
  assert.ok(err instanceof cls, `a ${cls.name}, got ${err}`);
  assert.equal(typeof err.code, 'string');
  assert.equal(err.code, code, `code of: ${err.message}`);
}

describe('verification failures: Node\'s X509 names, the number as verifyResult', () => {
  // Each row: the server's chain, and what both this package's client and Node's tls.connect
  // say about it, as the same server on the same port answers both.
  const SAME = [
    { name: 'expired', cert: 'expired-chain.pem', code: 'CERT_HAS_EXPIRED', result: EXPECTED.expired.code },
    { name: 'not yet valid', cert: 'notyet-chain.pem', code: 'CERT_NOT_YET_VALID', result: EXPECTED.notyet.code },
    { name: 'wrong host', cert: 'wronghost-chain.pem', code: 'ERR_TLS_CERT_ALTNAME_INVALID', result: EXPECTED.wronghost.code },
    { name: 'self-signed', cert: 'selfsigned.pem', code: 'DEPTH_ZERO_SELF_SIGNED_CERT', result: EXPECTED.selfsigned.code },
    {
      name: 'untrusted root sent in the chain',
      cert: 'untrusted-leaf-chain.pem',
      key: 'untrusted-leaf.key',
      code: 'SELF_SIGNED_CERT_IN_CHAIN',
      result: EXPECTED['untrusted-chain'].code
    },
    { name: 'path length exceeded', cert: 'pathlen-leaf-chain.pem', code: 'PATH_LENGTH_EXCEEDED', result: CHAINS.pathlen.code },
    {
      name: 'wrong IP address',
      cert: 'server-ecdsa-chain.pem',
      host: '127.0.0.2',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      result: EXPECTED.wrongip.code
    }
  ];

  for (const { name, cert, key, host = 'localhost', code, result } of SAME) {
    test(`${name}: ${code} (${result}), as node:tls says`, T, async (t) => {
      const lib = await startLibraryServer(t, serverContext(cert, key), (conn) => conn.doHandshake());
      const conn = await connectTls(clientContext(), lib.port, host, t);
      const err = await failure(conn.doHandshake(), 'a verifying handshake');
      assertCoded(err, SSLError, code);
      assert.equal(err.verifyResult, result);
      assert.equal(err.verifyResult, conn.getVerifyResult(), 'the number getVerifyResult() gives');
      assert.match(err.message, /certificate verify failed/);
      // A dead connection says it again, code and all.
      const again = await failure(conn.doHandshake(), 'a second handshake');
      assert.equal(again.code, code);
      assert.equal(again.verifyResult, result);

      const isIp = net.isIP(host) !== 0;
      const nodeErr = await nodeClient(t, lib.port, {
        servername: isIp ? undefined : host,
        checkServerIdentity: (_name, peer) => tls.checkServerIdentity(host, peer)
      });
      assert.ok(nodeErr, 'node:tls refuses the same server');
      assert.equal(err.code, nodeErr.code, `node says: ${nodeErr.message}`);
    });
  }

  // Where this package's answer is OpenSSL's first verdict and Node's differs, for reasons
  // written beside each; the Node answer is checked too, so a change on either side shows.
  const DIFFERENT = [
    {
      // OpenSSL stops at its first error (20, as `openssl s_client -verify_return_error` and
      // pyOpenSSL report); Node lets verification go on past each error and reports the last.
      name: 'a leaf without its issuer',
      cert: 'untrusted-leaf.pem',
      code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      result: EXPECTED.untrusted.code,
      node: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
    },
    {
      // Node's name table ends at the codes OpenSSL 1.0 had and says UNSPECIFIED beyond it;
      // API.md §8 goes on with OpenSSL's own name.
      name: 'an unknown critical extension',
      cert: 'critical-ext-chain.pem',
      code: 'UNHANDLED_CRITICAL_EXTENSION',
      result: CHAINS['critical-ext'].code,
      node: 'UNSPECIFIED',
      nodeMessage: /unhandled critical extension/
    },
    {
      name: 'a name outside the CA\'s constraints',
      cert: 'nc-leaf-chain.pem',
      code: 'PERMITTED_VIOLATION',
      result: CHAINS['name-constraints'].code,
      node: 'UNSPECIFIED',
      nodeMessage: /permitted subtree violation/
    },
    {
      // OpenSSL's first error is INVALID_CA (79); Node's last is 32, which it has no name for.
      name: 'an intermediate that is not a CA',
      cert: 'nonca-leaf-chain.pem',
      code: 'INVALID_CA',
      result: CHAINS['non-ca'].code,
      node: 'UNSPECIFIED'
    }
  ];

  for (const { name, cert, code, result, node, nodeMessage } of DIFFERENT) {
    test(`${name}: ${code} (${result}); node:tls says ${node}`, T, async (t) => {
      // A node:tls server: this package's server cannot present a certificate with an
      // unknown critical extension (webpki refuses to parse it as its own end entity).
      const server = await nodeServer(t, { cert: readFixture(cert), key: readFixture(cert.replace(/(-chain)?\.pem$/, '.key')) });
      const conn = await connectTls(clientContext(), server.port, 'localhost', t);
      const err = await failure(conn.doHandshake());
      assertCoded(err, SSLError, code);
      assert.equal(err.verifyResult, result);
      assert.equal(conn.getVerifyResult(), result);
      const nodeErr = await nodeClient(t, server.port);
      assert.equal(nodeErr?.code, node, String(nodeErr));
      if (nodeMessage) assert.match(nodeErr.message, nodeMessage);
    });
  }

  test('a chain longer than setVerifyDepth allows: CERT_CHAIN_TOO_LONG (22)', T, async () => {
    const ctx = clientContext();
    ctx.setVerifyDepth(0);
    const { client, server } = memoryConnections(ctx, serverContext());
    server.doHandshake().catch(() => {});
    const err = await failure(client.doHandshake());
    assertCoded(err, SSLError, 'CERT_CHAIN_TOO_LONG');
    assert.equal(err.verifyResult, CHAINS.depth0.code);
  });

  test('only verification failures carry verifyResult', T, async () => {
    const { client, server } = memoryConnections(clientContext({ max: TLS1_2_VERSION }), serverContext(undefined, undefined, { min: TLS1_3_VERSION }));
    const [ce, se] = await Promise.all([failure(client.doHandshake()), failure(server.doHandshake())]);
    for (const e of [ce, se]) assert.equal('verifyResult' in e, false, e.code);
  });
});

describe('other TLS failures: ERR_SSL_<REASON> in OpenSSL\'s words, as Node derives them', () => {
  test('a version mismatch, this package on both ends', T, async () => {
    const { client, server } = memoryConnections(clientContext({ max: TLS1_2_VERSION }), serverContext(undefined, undefined, { min: TLS1_3_VERSION }));
    const [ce, se] = await Promise.all([failure(client.doHandshake()), failure(server.doHandshake())]);
    assertCoded(se, SSLError, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
    assertCoded(ce, SSLError, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
  });

  test('a version mismatch against node:tls: the same code on the same side (this server, Node client)', T, async (t) => {
    const lib = await startLibraryServer(t, serverContext(undefined, undefined, { min: TLS1_3_VERSION }), (conn) => conn.doHandshake());
    const nodeErr = await nodeClient(t, lib.port, { maxVersion: 'TLSv1.2' });
    const se = await failure(withTimeout(lib.first, 10000, 'library server'));
    assertCoded(se, SSLError, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
    assert.equal(nodeErr?.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', String(nodeErr));
  });

  test('a version mismatch against node:tls: the same code on the same side (Node server, this client)', T, async (t) => {
    const node = await nodeServer(t, { minVersion: 'TLSv1.3' });
    const conn = await connectTls(clientContext({ max: TLS1_2_VERSION }), node.port, 'localhost', t);
    const ce = await failure(conn.doHandshake());
    assertCoded(ce, SSLError, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    const ne = /** @type {any} */ (await withTimeout(node.clientError, 10000, 'tlsClientError'));
    assert.equal(ne.code, 'ERR_SSL_UNSUPPORTED_PROTOCOL');
  });

  // Bytes that are not TLS, sent to a client: what this package and Node each make of them.
  for (const { what, bytes, code } of [
    { what: 'an HTTP response', bytes: 'HTTP/1.1 400 Bad Request\r\n\r\n', code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
    { what: 'a record longer than TLS allows', bytes: '\x17\x03\x03\xff\xff' + 'x'.repeat(64), code: 'ERR_SSL_PACKET_LENGTH_TOO_LONG' }
  ]) {
    test(`a client given ${what}: ${code}, as node:tls says`, T, async (t) => {
      const port = await rawServer(t, Buffer.from(bytes, 'latin1'));
      const conn = await connectTls(clientContext(), port, 'localhost', t);
      const err = await failure(conn.doHandshake());
      assertCoded(err, SSLError, code);
      const nodeErr = await nodeClient(t, port);
      assert.equal(nodeErr?.code, code, String(nodeErr));
    });
  }

  test('a server given a banner that is not TLS: ERR_SSL_WRONG_VERSION_NUMBER, as node:tls says', T, async (t) => {
    const junk = 'hello, this is not TLS\r\n';
    const lib = await startLibraryServer(t, serverContext(), (conn) => conn.doHandshake());
    const sock = net.connect(lib.port, '127.0.0.1', () => sock.write(junk));
    sock.on('error', () => {});
    t.after(() => sock.destroy());
    const err = await failure(withTimeout(lib.first, 10000, 'library server'));
    assertCoded(err, SSLError, 'ERR_SSL_WRONG_VERSION_NUMBER');

    const node = await nodeServer(t, {});
    const raw = net.connect(node.port, '127.0.0.1', () => raw.write(junk));
    raw.on('error', () => {});
    t.after(() => raw.destroy());
    const ne = /** @type {any} */ (await withTimeout(node.clientError, 10000, 'tlsClientError'));
    assert.equal(ne.code, 'ERR_SSL_WRONG_VERSION_NUMBER');
  });

  test('a cipher string that selects nothing: ERR_SSL_NO_CIPHER_MATCH, as node:tls says', () => {
    const ctx = new Context(TLS_CLIENT_METHOD);
    const err = (() => {
      try {
        ctx.setCipherList('NOT-A-CIPHER');
      } catch (e) {
        return e;
      }
      return assert.fail('setCipherList accepted nothing');
    })();
    assertCoded(err, SSLError, 'ERR_SSL_NO_CIPHER_MATCH');
    assert.throws(() => tls.createSecureContext({ ciphers: 'NOT-A-CIPHER' }), { code: 'ERR_SSL_NO_CIPHER_MATCH' });
  });

  test('PEM without a PEM block: ERR_OSSL_PEM_NO_START_LINE, as node:tls says', () => {
    assert.throws(() => loadCertificate(FILETYPE_PEM, 'garbage'), (e) => {
      assertCoded(e, SSLError, 'ERR_OSSL_PEM_NO_START_LINE');
      return true;
    });
    assert.throws(() => tls.createSecureContext({ cert: 'garbage' }), { code: 'ERR_OSSL_PEM_NO_START_LINE' });
  });
});

describe('transport conditions', () => {
  test('WantReadError: ERR_SSL_WANT_READ', async () => {
    const conn = new Connection(serverContext(), null);
    conn.setAcceptState();
    assertCoded(await failure(conn.doHandshake()), WantReadError, 'ERR_SSL_WANT_READ');
    // The synchronous throw of bioRead on an empty BIO too.
    assert.throws(() => conn.bioRead(100), (e) => {
      assertCoded(e, WantReadError, 'ERR_SSL_WANT_READ');
      return true;
    });
  });

  test('WantWriteError: ERR_SSL_WANT_WRITE', async () => {
    const conn = new Connection(clientContext(), { send: () => 0, recv: () => null });
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    assertCoded(await failure(conn.doHandshake()), WantWriteError, 'ERR_SSL_WANT_WRITE');
  });

  test('ZeroReturnError: ERR_SSL_ZERO_RETURN', T, async () => {
    const { client, server } = memoryConnections(clientContext(), serverContext());
    await Promise.all([client.doHandshake(), server.doHandshake()]);
    await client.shutdown();
    assertCoded(await failure(server.recv(10)), ZeroReturnError, 'ERR_SSL_ZERO_RETURN');
  });

  test('an EOF without close_notify: SysCallError ECONNRESET, as node:tls says', T, async (t) => {
    const port = await rawServer(t, Buffer.alloc(0), { end: true });
    const conn = await connectTls(clientContext(), port, 'localhost', t);
    const err = await failure(conn.doHandshake());
    assertCoded(err, SysCallError, 'ECONNRESET');
    assert.equal(err.errno, -1);
    const nodeErr = await nodeClient(t, port);
    assert.equal(nodeErr?.code, 'ECONNRESET', String(nodeErr));
  });

  test('an EOF into a BIO-mode handshake (bioShutdown): ECONNRESET', async () => {
    const bio = new Connection(serverContext(), null);
    bio.setAcceptState();
    bio.bioShutdown();
    assertCoded(await failure(bio.doHandshake()), SysCallError, 'ECONNRESET');
  });

  test('a transport failure keeps the transport\'s own code (EPIPE from a closed socket)', T, async (t) => {
    const lib = await startLibraryServer(t, serverContext(), (conn) => conn.doHandshake());
    const conn = await connectTls(clientContext(), lib.port, 'localhost', t);
    await conn.doHandshake();
    const sock = /** @type {net.Socket} */ (socketOf(conn));
    sock.destroy();
    const err = await failure(conn.send(new Uint8Array([1, 2, 3])));
    assertCoded(err, SysCallError, 'EPIPE');
    assert.ok(err.cause, 'with what the transport threw');
  });

  test('a transport error with a code: that code, and the error as cause', async () => {
    const thrown = Object.assign(new Error('the line dropped'), { code: 'ECONNABORTED' });
    const conn = new Connection(clientContext(), {
      send: () => {
        throw thrown;
      },
      recv: () => null
    });
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    const err = await failure(conn.doHandshake());
    assertCoded(err, SysCallError, 'ECONNABORTED');
    assert.equal(err.cause, thrown);
  });

  test('a transport error without a code: EIO; a return value outside the contract: ERR_INVALID_RETURN_VALUE', async () => {
    const conn = new Connection(clientContext(), {
      send: () => {
        throw new Error('no reason given');
      },
      recv: () => null
    });
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    assertCoded(await failure(conn.doHandshake()), SysCallError, 'EIO');

    const server = new Connection(serverContext(), { send: () => undefined, recv: () => 'not bytes' });
    server.setAcceptState();
    assertCoded(await failure(server.doHandshake()), SysCallError, 'ERR_INVALID_RETURN_VALUE');
  });
});

describe('caller mistakes', () => {
  test('bad arguments: ERR_INVALID_ARG_TYPE (TypeError) and ERR_OUT_OF_RANGE (RangeError)', () => {
    assert.throws(() => new Context(/** @type {any} */ ('x')), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Context(13), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    const ctx = new Context(TLS_CLIENT_METHOD);
    assert.throws(() => ctx.setAlpnProtos([]), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => ctx.setVerify(/** @type {any} */ ('peer')), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => socketTransport(/** @type {any} */ (42)), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('a bad argument to a promise method: a rejection with the code', async () => {
    const { client } = memoryConnections(clientContext(), serverContext());
    const err = await failure(client.recvInto(/** @type {any} */ ('not a buffer')));
    assert.ok(err instanceof TypeError);
    assert.equal(err.code, 'ERR_INVALID_ARG_TYPE');
  });

  test('a call on a freed object: ERR_USE_AFTER_FREE (a rejection, for promise methods)', async () => {
    const ctx = new Context(TLS_CLIENT_METHOD);
    const conn = new Connection(ctx, null);
    conn.free();
    assert.throws(() => conn.pending(), { name: 'TypeError', code: 'ERR_USE_AFTER_FREE' });
    const err = await failure(conn.doHandshake());
    assert.equal(err.code, 'ERR_USE_AFTER_FREE');
    ctx.free();
    assert.throws(() => ctx.setVerify(VERIFY_PEER), { code: 'ERR_USE_AFTER_FREE' });
  });

  test('a callback\'s throw is rethrown as the very object, with no code added', T, async () => {
    const ctx = clientContext();
    const thrown = { mine: true };
    ctx.setVerify(VERIFY_PEER, () => {
      throw thrown;
    });
    const { client, server } = memoryConnections(ctx, serverContext('expired-chain.pem'));
    server.doHandshake().catch(() => {});
    const err = await failure(client.doHandshake());
    assert.equal(err, thrown);
    assert.deepEqual(Object.keys(thrown), ['mine']);
  });
});

test('the classes give their own instances a code too', () => {
  assert.equal(new WantReadError().code, 'ERR_SSL_WANT_READ');
  assert.equal(new WantWriteError().code, 'ERR_SSL_WANT_WRITE');
  assert.equal(new ZeroReturnError().code, 'ERR_SSL_ZERO_RETURN');
  assert.equal(new WantX509LookupError().code, 'ERR_SSL_WANT_X509_LOOKUP');
  assert.equal(new SysCallError().code, 'ECONNRESET');
  const cause = Object.assign(new Error('x'), { code: 'EPIPE' });
  assert.equal(new SysCallError(-1, 'x', { cause }).code, 'EPIPE');
  assert.equal(typeof new SSLError().code, 'string');
});

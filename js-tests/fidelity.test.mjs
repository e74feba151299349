// pyOpenSSL fidelity on the wire (issue 7): a client's getClientCaList() is what the server's
// CertificateRequest listed, and a version mismatch reads as OpenSSL words it on each side
// ("unsupported protocol" where it was found, "tlsv1 alert protocol version" where the alert
// arrived). Peers: this package, `openssl s_server` / `s_client` and Node's `tls`.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import {
  Connection,
  Context,
  SSLError,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  VERIFY_PEER,
  X509,
  socketTransport
} from 'rustls-ssl';

import {
  connectTls,
  fixture,
  memoryConnections,
  readFixture,
  startLibraryServer,
  startSClient,
  startSServer,
  withTimeout
} from './helpers/peers.mjs';

const T = { timeout: 20000 };

// Three CA names in an order that is neither sorted nor the order of any other list here,
// so that a client reporting its own Context's names, or sorting, is caught. ca.pem is
// among them because it is what the client certificate chains to.
const ASKED = ['untrusted-ca.pem', 'ca.pem', 'nc-ca.pem'];
const ASKED_CN = ['rustls-ssl Untrusted Root CA', 'rustls-ssl Test Root CA', 'rustls-ssl Constrained CA'];
const ASKED_PEM = ASKED.map((f) => readFixture(f, 'utf8')).join('');

/** A file holding ASKED_PEM, for `loadClientCa` and `s_server -CAfile`; removed in t.after. */
function askedFile(t) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rustls-ssl-fidelity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'asked.pem');
  writeFileSync(file, ASKED_PEM);
  return file;
}

function serverContext({ min, max } = {}) {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChainFile(fixture('server-ecdsa-chain.pem'));
  ctx.usePrivateKeyFile(fixture('server-ecdsa.key'));
  if (min) ctx.setMinProtoVersion(min);
  if (max) ctx.setMaxProtoVersion(max);
  return ctx;
}

/**
 * A client with the test client certificate, whose own Context also has a client CA list
 * (the wrong answer a client used to give).
 */
function clientContext({ min, max, cert = true } = {}) {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(fixture('ca.pem'));
  if (cert) {
    ctx.useCertificateChainFile(fixture('client-chain.pem'));
    ctx.usePrivateKeyFile(fixture('client.key'));
  }
  ctx.setClientCaList([X509.fromPem(readFixture('sub-ca.pem', 'utf8')).getSubject()]);
  if (min) ctx.setMinProtoVersion(min);
  if (max) ctx.setMaxProtoVersion(max);
  return ctx;
}

const VERSIONS = [
  { name: 'TLSv1.3', v: TLS1_3_VERSION, flag: '1.3', node: 'TLSv1.3' },
  { name: 'TLSv1.2', v: TLS1_2_VERSION, flag: '1.2', node: 'TLSv1.2' }
];

/** The CNs of a getClientCaList() answer, checking each entry is an X509Name. */
function cns(list) {
  assert.ok(Array.isArray(list));
  return list.map((n) => {
    assert.equal(typeof n.getComponents, 'function', 'an X509Name');
    return n.CN;
  });
}

describe('getClientCaList() on a client: the names the server asked for', () => {
  test('before the handshake, and on a server: as OpenSSL', () => {
    const { client, server } = memoryConnections(clientContext(), serverContext());
    assert.deepEqual(cns(client.getClientCaList()), [], 'a client has received nothing yet');
    const sctx = serverContext();
    sctx.setClientCaList(ASKED.map((f) => X509.fromPem(readFixture(f, 'utf8'))));
    assert.deepEqual(cns(new Connection(sctx, null).getClientCaList()), ASKED_CN, 'a server: its own list');
    assert.deepEqual(cns(server.getClientCaList()), [], 'a server that has none');
  });

  for (const { name, v } of VERSIONS) {
    test(`${name}: this package's server (setClientCaList, then loadClientCa)`, T, async (t) => {
      for (const how of ['setClientCaList', 'loadClientCa']) {
        const sctx = serverContext({ max: v, min: v });
        sctx.loadVerifyLocations(fixture('ca.pem'));
        sctx.setVerify(VERIFY_PEER);
        if (how === 'setClientCaList') {
          sctx.setClientCaList(ASKED.map((f) => X509.fromPem(readFixture(f, 'utf8')).getSubject()));
        } else {
          sctx.loadClientCa(askedFile(t));
        }
        const { client, server } = memoryConnections(clientContext(), sctx);
        await Promise.all([client.doHandshake(), server.doHandshake()]);
        assert.equal(client.getProtocolVersionName(), name);
        assert.deepEqual(cns(client.getClientCaList()), ASKED_CN, how);
        assert.deepEqual(cns(server.getClientCaList()), ASKED_CN, `${how}: the server's own list`);
        assert.equal(server.getPeerCertificate()?.getSubject().CN, 'test client');
      }
    });

    test(`${name}: a client without a certificate still sees what was asked`, T, async () => {
      const sctx = serverContext({ max: v, min: v });
      sctx.loadVerifyLocations(fixture('ca.pem'));
      sctx.setVerify(VERIFY_PEER);
      sctx.setClientCaList(ASKED.map((f) => X509.fromPem(readFixture(f, 'utf8'))));
      const { client, server } = memoryConnections(clientContext({ cert: false }), sctx);
      await Promise.all([client.doHandshake(), server.doHandshake()]);
      assert.deepEqual(cns(client.getClientCaList()), ASKED_CN);
      assert.equal(server.getPeerCertificate(), null);
    });

    test(`${name}: a server that requests no certificate: an empty list`, T, async () => {
      const sctx = serverContext({ max: v, min: v });
      sctx.setClientCaList(ASKED.map((f) => X509.fromPem(readFixture(f, 'utf8'))));
      const { client, server } = memoryConnections(clientContext(), sctx);
      await Promise.all([client.doHandshake(), server.doHandshake()]);
      assert.deepEqual(cns(client.getClientCaList()), []);
    });

    test(`${name}: openssl s_server -Verify 1 -CAfile`, T, async (t) => {
      const server = await startSServer(t, {
        cert: 'server-ecdsa.pem',
        version: /** @type {'1.2' | '1.3'} */ (name === 'TLSv1.3' ? '1.3' : '1.2'),
        extra: ['-Verify', '1', '-CAfile', askedFile(t)]
      });
      const conn = await connectTls(clientContext(), server.port, 'localhost', t);
      await conn.doHandshake();
      assert.equal(conn.getProtocolVersionName(), name);
      assert.deepEqual(cns(conn.getClientCaList()), ASKED_CN);
      await server.waitFor(/CN = test client/);
    });

    test(`${name}: Node's tls.createServer({ requestCert: true, ca })`, T, async (t) => {
      const server = tls.createServer({
        cert: readFixture('server-ecdsa-chain.pem'),
        key: readFixture('server-ecdsa.key'),
        requestCert: true,
        rejectUnauthorized: true,
        ca: ASKED.map((f) => readFixture(f, 'utf8')),
        minVersion: /** @type {import('node:tls').SecureVersion} */ (name),
        maxVersion: /** @type {import('node:tls').SecureVersion} */ (name)
      });
      const authorized = new Promise((resolve) => server.once('secureConnection', (s) => resolve(s.authorized)));
      server.on('tlsClientError', () => {});
      await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
      t.after(() => server.close());
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      const conn = await connectTls(clientContext(), port, 'localhost', t);
      await conn.doHandshake();
      assert.equal(conn.getProtocolVersionName(), name);
      assert.deepEqual(cns(conn.getClientCaList()), ASKED_CN);
      assert.equal(await withTimeout(authorized, 10000, 'node secureConnection'), true);
    });
  }
});

// ---- version mismatches ----

const UNSUPPORTED = /^unsupported protocol\b/;
const ALERT_PROTOCOL_VERSION = /^tlsv1 alert protocol version\b/;

/** The rejection of `p`, which must be an SSLError. */
async function failure(p, what) {
  const e = await p.then(
    () => assert.fail(`${what}: the handshake succeeded`),
    (err) => err
  );
  assert.ok(e instanceof SSLError, `${what}: expected an SSLError, got ${e}`);
  return e;
}

/** The reason of an SSLError's (only) error triple, which its message also starts with. */
function reason(e) {
  assert.equal(e.errors.length, 1, JSON.stringify(e.errors));
  const [lib, func, why] = e.errors[0];
  assert.equal(lib, 'SSL routines');
  assert.equal(func, '');
  assert.ok(e.message.startsWith(why));
  return why;
}

describe('version mismatch: "unsupported protocol" where found, the alert where received', () => {
  for (const { what, client, server } of [
    { what: 'TLS 1.3-only client, TLS 1.2-only server', client: { min: TLS1_3_VERSION }, server: { max: TLS1_2_VERSION } },
    { what: 'TLS 1.2-only client, TLS 1.3-only server', client: { max: TLS1_2_VERSION }, server: { min: TLS1_3_VERSION } }
  ]) {
    test(`this package on both ends: ${what}`, T, async () => {
      const { client: c, server: s } = memoryConnections(clientContext(client), serverContext(server));
      const [ce, se] = await Promise.all([failure(c.doHandshake(), 'client'), failure(s.doHandshake(), 'server')]);
      assert.match(reason(se), UNSUPPORTED);
      assert.match(reason(ce), ALERT_PROTOCOL_VERSION);
      // The failure is sticky, and says the same thing again.
      assert.match(reason(await failure(s.doHandshake(), 'server again')), UNSUPPORTED);
    });
  }

  for (const { what, sclient, server, heard } of [
    { what: 's_client -tls1_3 to a TLS 1.2-only server', sclient: ['-tls1_3'], server: { max: TLS1_2_VERSION } },
    { what: 's_client -tls1_2 to a TLS 1.3-only server', sclient: ['-tls1_2'], server: { min: TLS1_3_VERSION } },
    // rustls refuses a ClientHello without signature_algorithms (every TLS 1.0/1.1 one)
    // before it looks at versions, with a handshake_failure alert where OpenSSL would send
    // protocol_version; this package still reports the cause as OpenSSL does.
    {
      what: 's_client -tls1_1',
      sclient: ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'],
      server: {},
      heard: /sslv3 alert handshake failure/
    }
  ]) {
    test(`openssl ${what}`, T, async (t) => {
      const lib = await startLibraryServer(t, serverContext(server), (conn) => conn.doHandshake());
      const client = startSClient(t, lib.port, sclient);
      const e = await failure(withTimeout(lib.first, 10000, 'library server'), 'server');
      assert.match(reason(e), UNSUPPORTED);
      // What OpenSSL says on receiving the alert rustls sent.
      await client.waitFor(heard ?? /tlsv1 alert protocol version/);
    });
  }

  for (const { what, sserver, client } of [
    { what: 's_server -tls1_3, TLS 1.2-only client', sserver: ['-tls1_3'], client: { max: TLS1_2_VERSION } },
    { what: 's_server -tls1_2, TLS 1.3-only client', sserver: ['-tls1_2'], client: { min: TLS1_3_VERSION } },
    { what: 's_server -tls1_1, default client', sserver: ['-tls1_1', '-cipher', 'DEFAULT@SECLEVEL=0'], client: {} }
  ]) {
    test(`openssl ${what}`, T, async (t) => {
      const server = await startSServer(t, { cert: 'server-ecdsa.pem', extra: sserver });
      const conn = await connectTls(clientContext(client), server.port, 'localhost', t);
      const e = await failure(conn.doHandshake(), 'client');
      assert.match(reason(e), ALERT_PROTOCOL_VERSION);
      await server.waitFor(/unsupported protocol/);
    });
  }

  for (const { what, node, server } of [
    { what: 'minVersion TLSv1.3 to a TLS 1.2-only server', node: { minVersion: 'TLSv1.3' }, server: { max: TLS1_2_VERSION } },
    { what: 'maxVersion TLSv1.2 to a TLS 1.3-only server', node: { maxVersion: 'TLSv1.2' }, server: { min: TLS1_3_VERSION } }
  ]) {
    test(`node:tls client, ${what}`, T, async (t) => {
      const lib = await startLibraryServer(t, serverContext(server), (conn) => conn.doHandshake());
      const sock = tls.connect({ host: '127.0.0.1', port: lib.port, servername: 'localhost', ca: readFixture('ca.pem'), ...node });
      t.after(() => sock.destroy());
      const nodeErr = await withTimeout(
        new Promise((resolve) => {
          sock.once('error', resolve);
          sock.once('secureConnect', () => resolve(null));
        }),
        10000,
        'node client'
      );
      const e = await failure(withTimeout(lib.first, 10000, 'library server'), 'server');
      assert.match(reason(e), UNSUPPORTED);
      assert.equal(nodeErr?.code, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION', String(nodeErr));
    });
  }

  for (const { what, node, client } of [
    { what: 'maxVersion TLSv1.2, TLS 1.3-only client', node: { maxVersion: 'TLSv1.2' }, client: { min: TLS1_3_VERSION } },
    { what: 'minVersion TLSv1.3, TLS 1.2-only client', node: { minVersion: 'TLSv1.3' }, client: { max: TLS1_2_VERSION } }
  ]) {
    test(`node:tls server, ${what}`, T, async (t) => {
      const server = tls.createServer({
        cert: readFixture('server-ecdsa-chain.pem'),
        key: readFixture('server-ecdsa.key'),
        ...node
      });
      const nodeErr = new Promise((resolve) => server.once('tlsClientError', resolve));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
      t.after(() => server.close());
      const { port } = /** @type {net.AddressInfo} */ (server.address());
      const conn = await connectTls(clientContext(client), port, 'localhost', t);
      const e = await failure(conn.doHandshake(), 'client');
      assert.match(reason(e), ALERT_PROTOCOL_VERSION);
      const ne = /** @type {any} */ (await withTimeout(nodeErr, 10000, 'node tlsClientError'));
      assert.equal(ne.code, 'ERR_SSL_UNSUPPORTED_PROTOCOL', String(ne));
    });
  }

  test('a server that answers with TLS 1.0 (no supported_versions): "unsupported protocol", and a protocol_version alert', T, async (t) => {
    // A pre-TLS 1.3 server whose highest version is 1.0 answers any ClientHello with a
    // TLS 1.0 ServerHello; no OpenSSL here can be made to, so this one is written by hand.
    let answered = false;
    let got = Buffer.alloc(0);
    /** @type {(rec: Buffer) => void} */
    let onAlert = () => {};
    const alert = new Promise((resolve) => (onAlert = resolve));
    const srv = net.createServer((sock) => {
      sock.on('error', () => {});
      sock.on('data', (d) => {
        got = Buffer.concat([got, d]);
        if (!answered && got.length >= 5 && got.length >= 5 + got.readUInt16BE(3)) {
          answered = true;
          got = Buffer.alloc(0);
          sock.write(tls10ServerHello());
        } else if (answered && got.length >= 7) {
          onAlert(got.subarray(0, 7));
          sock.destroy();
        }
      });
    });
    await new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(undefined)));
    t.after(() => srv.close());
    const { port } = /** @type {net.AddressInfo} */ (srv.address());
    const conn = await connectTls(clientContext(), port, 'localhost', t);
    const e = await failure(conn.doHandshake(), 'client');
    assert.match(reason(e), UNSUPPORTED);
    // alert record: fatal (2), protocol_version (70)
    const rec = await withTimeout(alert, 10000, 'alert');
    assert.equal(rec[0], 21, 'an alert record');
    assert.deepEqual([rec[5], rec[6]], [2, 70]);
  });
});

/** A TLS 1.0 ServerHello record, as a server that knows nothing newer sends it. */
function tls10ServerHello() {
  const body = Buffer.concat([
    Buffer.from([0x03, 0x01]), // server_version TLS 1.0
    Buffer.alloc(32, 0x5a), // random
    Buffer.from([0x00]), // empty session id
    Buffer.from([0xc0, 0x13]), // ECDHE-RSA-AES128-SHA
    Buffer.from([0x00]) // no compression; no extensions
  ]);
  const hs = Buffer.concat([Buffer.from([0x02, 0x00, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
  return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, (hs.length >> 8) & 0xff, hs.length & 0xff]), hs]);
}

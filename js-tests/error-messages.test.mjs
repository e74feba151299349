// Error messages a user reads: every error-producing scenario reachable in memory (each kind
// of verification failure the fixtures hold, version and cipher mismatches, bad records,
// bytes that are not TLS, alerts of each side, PEM that does not parse) must say what went
// wrong in words, OpenSSL's first, with no Rust `Debug` output in them (struct braces,
// `Variant(…)`, CamelCase variant names, byte arrays, `Some(…)`). The host-name mismatch
// must name both the certificate's names and the one asked for.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  Connection,
  Context,
  FILETYPE_PEM,
  SSLError,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  VERIFY_FAIL_IF_NO_PEER_CERT,
  VERIFY_PEER,
  WantReadError,
  loadCertificate,
  loadPrivateKey,
  memoryPair,
} from 'rustls-ssl';

import { fixture, readFixture } from './helpers/peers.mjs';

/** What a Rust `Debug` rendering leaves in text, and what each pattern would catch. */
const ARTEFACTS = [
  [/\{ |\{\s*\w+:/, 'struct braces'],
  [/\(\s*[A-Z][a-z0-9]+[A-Z]/, '"(" and a CamelCase name'],
  [/\b[A-Z][a-z0-9]*[a-z0-9][A-Z]\w*\(/, 'a CamelCase tuple variant'],
  [/\b(Some|Ok|Err)\(|\bNone\b/, 'an Option or Result'],
  [/InvalidNameContext|DnsName|IpAddress|UnixTime|ServerName|Context\b/, 'a rustls or webpki type name'],
  [/\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b/, 'a CamelCase identifier'],
  [/\[\d+(, \d+)+\]/, 'a byte array'],
  [/::/, 'a Rust path'],
  [/\\"|\\u\{/, 'Debug string escapes'],
];

/** The probe's own check of the patterns: each catches what it is for. */
const DEBUG_SAMPLES = [
  'certificate is not valid for wrong.example: CertNotValidForName(InvalidNameContext { expected: DnsName("wrong.example"), presented: ["DnsName(\\"localhost\\")"] })',
  'sslv3 alert handshake failure (peer sent HandshakeFailure)',
  'bad packet: received corrupt message of type InvalidContentType',
  'bad base64 decode or malformed PEM: IllegalSectionStart { line: [45, 45, 45] }',
  'peer misbehaved: peer misbehaved: SelectedUnofferedCipherSuite',
  'something: Some(3)',
];

/** Every text of an error a user can read: its message and the triples of `errors`. */
function texts(err) {
  const out = [String(err?.message ?? err)];
  for (const triple of err?.errors ?? []) out.push(...triple.map(String));
  return out;
}

function assertReadable(what, err) {
  assert.ok(err, `${what}: an error`);
  for (const t of texts(err)) {
    for (const [re, name] of ARTEFACTS) assert.doesNotMatch(t, re, `${what}: ${name} in ${JSON.stringify(t)}`);
  }
}

function serverContext(cert = 'server-ecdsa-chain.pem', key = cert.replace(/(-chain)?\.pem$/, '.key')) {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChainFile(fixture(cert));
  ctx.usePrivateKeyFile(fixture(key));
  return ctx;
}

function clientContext() {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(fixture('ca.pem'));
  return ctx;
}

/**
 * A handshake in memory; each side that fails closes its transport, so the other sees the
 * alert (or the end) rather than waiting. A side whose handshake succeeds reads once, which
 * is where a TLS 1.3 client meets the server's verdict on its certificate.
 * @returns {Promise<{ client: any, server: any }>} each side's error, or null
 */
async function handshake(clientCtx, serverCtx, { host = 'localhost', setup = () => {} } = {}) {
  const [a, b] = memoryPair();
  const c = new Connection(clientCtx, a);
  c.setConnectState();
  if (host != null) c.setTlsextHostName(host);
  const s = new Connection(serverCtx, b);
  s.setAcceptState();
  setup(c, s);
  const side = async (conn, transport) => {
    try {
      await conn.doHandshake();
      await conn.recv(1);
      return null;
    } catch (e) {
      transport.close();
      return e;
    } finally {
      // Whichever way it went, the other side must not wait for more.
      setTimeout(() => transport.close(), 50);
    }
  };
  const [client, server] = await Promise.all([side(c, a), side(s, b)]);
  return { client, server };
}

/** A memory-BIO connection given `bytes` from its "peer": what it makes of them. */
async function fedBytes(role, bytes) {
  const conn = new Connection(role === 'client' ? clientContext() : serverContext(), null);
  if (role === 'client') {
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
  } else conn.setAcceptState();
  await conn.doHandshake().catch((e) => assert.ok(e instanceof WantReadError, String(e)));
  conn.bioWrite(Buffer.from(bytes, 'latin1'));
  return conn.doHandshake().then(
    () => assert.fail(`${role}: the handshake should fail`),
    (e) => e,
  );
}

describe('error messages are words, not Rust Debug output', () => {
  test('the probe catches Debug output', () => {
    for (const sample of DEBUG_SAMPLES) {
      assert.ok(
        ARTEFACTS.some(([re]) => re.test(sample)),
        `no pattern catches ${sample}`,
      );
    }
  });

  test('a host-name mismatch names what the certificate is valid for and what was asked', async () => {
    const { client } = await handshake(clientContext(), serverContext(), { host: 'wrong.example' });
    assert.ok(client instanceof SSLError, String(client));
    assert.equal(client.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(client.verifyResult, 62);
    assert.equal(
      client.message,
      'certificate verify failed: hostname mismatch (certificate is valid for localhost, 127.0.0.1, not wrong.example)',
    );
    assertReadable('wrong host', client);

    const ip = await handshake(clientContext(), serverContext(), { host: '127.0.0.2' });
    assert.equal(ip.client.verifyResult, 64);
    assert.equal(
      ip.client.message,
      'certificate verify failed: IP address mismatch (certificate is valid for localhost, 127.0.0.1, not 127.0.0.2)',
    );
    assertReadable('wrong IP', ip.client);
  });

  // Each fixture chain the client must refuse, as the server presents it.
  const REFUSED = [
    'expired-chain.pem',
    'notyet-chain.pem',
    'wronghost-chain.pem',
    'selfsigned.pem',
    'untrusted-leaf.pem',
    'untrusted-leaf-chain.pem',
    'pathlen-leaf-chain.pem',
    'nonca-leaf-chain.pem',
    'nc-leaf-chain.pem',
    'rsa1024-chain.pem',
    'weak-ca-leaf-chain.pem',
    'evil-chain.pem',
    'exp-untrusted.pem',
    'exp-untrusted-chain.pem',
  ];
  for (const cert of REFUSED) {
    test(`verification failure: ${cert}, and the alert the server gets`, async () => {
      let ctx;
      try {
        ctx = serverContext(cert);
      } catch (e) {
        // A server that cannot even load it: that message is a user's to read too.
        assertReadable(`${cert} as a server certificate`, e);
        return;
      }
      const { client, server } = await handshake(clientContext(), ctx);
      assert.ok(client instanceof SSLError, `${cert}: ${client}`);
      assert.match(client.message, /^certificate verify failed: /);
      assert.equal(typeof client.verifyResult, 'number');
      assertReadable(`${cert}, client`, client);
      assertReadable(`${cert}, server`, server);
    });
  }

  test('a server that cannot use its certificate (an unknown critical extension)', async () => {
    // rustls-webpki will not parse it as an end entity, so the server fails, not the client.
    const { client, server } = await handshake(clientContext(), serverContext('critical-ext-chain.pem'));
    assert.ok(server instanceof SSLError, String(server));
    assertReadable('critical extension, server', server);
    assertReadable('critical extension, client', client);
  });

  test('verification failures without a bad certificate: no host name, depth, the callback', async () => {
    const none = await handshake(clientContext(), serverContext(), { host: null });
    assertReadable('no host name', none.client);
    const shallow = clientContext();
    shallow.setVerifyDepth(0);
    assertReadable('verify depth 0', (await handshake(shallow, serverContext())).client);
    const refusing = clientContext();
    refusing.setVerify(VERIFY_PEER, () => false);
    const r = await handshake(refusing, serverContext());
    assertReadable('the callback refuses, client', r.client);
    assertReadable('the callback refuses, server', r.server);
  });

  test('client certificates: none sent, an untrusted one', async () => {
    const requiring = () => {
      const ctx = serverContext();
      ctx.loadVerifyLocations(fixture('ca.pem'));
      ctx.setVerify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
      return ctx;
    };
    const none = await handshake(clientContext(), requiring());
    assert.ok(none.server && none.client, 'both sides fail');
    assertReadable('no client certificate, server', none.server);
    assertReadable('no client certificate, client', none.client);

    const untrusted = clientContext();
    untrusted.useCertificateChainFile(fixture('untrusted-leaf-chain.pem'));
    untrusted.usePrivateKeyFile(fixture('untrusted-leaf.key'));
    const bad = await handshake(untrusted, requiring());
    assert.ok(bad.server && bad.client, 'both sides fail');
    assertReadable('untrusted client certificate, server', bad.server);
    assertReadable('untrusted client certificate, client', bad.client);
  });

  test('protocol version, cipher and ALPN mismatches, both sides', async () => {
    const ranged = (ctx, min, max) => {
      if (min) ctx.setMinProtoVersion(min);
      if (max) ctx.setMaxProtoVersion(max);
      return ctx;
    };
    for (const [what, c, s] of [
      ['client 1.2, server 1.3', ranged(clientContext(), 0, TLS1_2_VERSION), ranged(serverContext(), TLS1_3_VERSION, 0)],
      ['client 1.3, server 1.2', ranged(clientContext(), TLS1_3_VERSION, 0), ranged(serverContext(), 0, TLS1_2_VERSION)],
    ]) {
      const r = await handshake(c, s);
      assert.ok(r.client && r.server, `${what}: both sides fail`);
      assertReadable(`${what}, client`, r.client);
      assertReadable(`${what}, server`, r.server);
    }

    const c = ranged(clientContext(), 0, TLS1_2_VERSION);
    c.setCipherList('ECDHE-ECDSA-AES128-GCM-SHA256');
    const s = ranged(serverContext(), 0, TLS1_2_VERSION);
    s.setCipherList('ECDHE-ECDSA-CHACHA20-POLY1305');
    const ciphers = await handshake(c, s);
    assert.ok(ciphers.client && ciphers.server, 'no shared cipher: both sides fail');
    assertReadable('no shared cipher, client', ciphers.client);
    assertReadable('no shared cipher, server', ciphers.server);

    const alpnServer = serverContext();
    alpnServer.setAlpnSelectCallback(() => '');
    const alpn = await handshake(clientContext(), alpnServer, { setup: (conn) => conn.setAlpnProtos(['h2']) });
    assertReadable('no ALPN overlap, client', alpn.client);
    assertReadable('no ALPN overlap, server', alpn.server);
  });

  test('a corrupted record, and the alert the sender gets back', async () => {
    const c = new Connection(clientContext(), null);
    const s = new Connection(serverContext(), null);
    c.setConnectState();
    c.setTlsextHostName('localhost');
    s.setAcceptState();
    const move = (from, to) => {
      for (;;) {
        let chunk;
        try {
          chunk = from.bioRead(65536);
        } catch {
          return;
        }
        to.bioWrite(chunk);
      }
    };
    for (let i = 0; i < 10 && !(c.isHandshakeDone() && s.isHandshakeDone()); i++) {
      await c.doHandshake().catch(() => {});
      move(c, s);
      await s.doHandshake().catch(() => {});
      move(s, c);
    }
    assert.ok(c.isHandshakeDone() && s.isHandshakeDone());
    await c.send(new TextEncoder().encode('to be corrupted'));
    const record = c.bioRead(65536);
    record[record.length - 3] ^= 1;
    s.bioWrite(record);
    const se = await s.recv(100).then(() => assert.fail('the server reads a corrupted record'), (e) => e);
    assertReadable('bad record mac, receiver', se);
    move(s, c);
    const ce = await c.recv(100).then(() => assert.fail('the client gets an alert'), (e) => e);
    assertReadable('bad record mac, sender', ce);
  });

  // Bytes no TLS peer would send, or records out of place, fed to each side.
  const FED = [
    ['server', 'an HTTP request', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['client', 'an HTTP response', 'HTTP/1.1 400 Bad Request\r\n\r\n'],
    ['client', 'an oversized record', '\x16\x03\x03\xff\xff' + 'x'.repeat(64)],
    ['client', 'application data before the handshake', '\x17\x03\x03\x00\x05hello'],
    ['server', 'a change_cipher_spec first', '\x14\x03\x03\x00\x01\x01'],
    ['client', 'a malformed ServerHello', '\x16\x03\x03\x00\x05\x02\x00\x00\x01\x00'],
    ['client', 'a handshake_failure alert', '\x15\x03\x03\x00\x02\x02\x28'],
    ['client', 'an alert of an unknown number', '\x15\x03\x03\x00\x02\x02\xc8'],
    ['server', 'an internal_error alert', '\x15\x03\x01\x00\x02\x02\x50'],
    ['server', 'a ClientHello of garbage', '\x16\x03\x01\x00\x08\x01\x00\x00\x04\xde\xad\xbe\xef'],
  ];
  for (const [role, what, bytes] of FED) {
    test(`a ${role} given ${what}`, async () => {
      const err = await fedBytes(role, bytes);
      assert.ok(err instanceof SSLError, `${what}: ${err}`);
      assertReadable(`${role} given ${what}`, err);
    });
  }

  test('an alert says its OpenSSL name and number', async () => {
    const err = await fedBytes('client', '\x15\x03\x03\x00\x02\x02\x28');
    assert.equal(err.code, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE');
    assert.match(err.message, /^sslv3 alert handshake failure \(SSL alert number 40\)$/);
  });

  test('PEM that does not parse', () => {
    const body = readFixture('server-ecdsa.pem', 'utf8');
    const cases = [
      ['bad base64', '-----BEGIN CERTIFICATE-----\n!!!!not base64!!!!\n-----END CERTIFICATE-----\n'],
      ['no end line', body.replace(/-----END CERTIFICATE-----\s*$/, '')],
      ['a section inside a section', body.replace('-----END CERTIFICATE-----', '-----BEGIN CERTIFICATE-----')],
    ];
    for (const [what, pem] of cases) {
      assert.throws(() => loadCertificate(FILETYPE_PEM, pem), (e) => {
        assertReadable(`certificate, ${what}`, e);
        return true;
      });
      const key = pem.replaceAll('CERTIFICATE', 'PRIVATE KEY');
      assert.throws(() => loadPrivateKey(FILETYPE_PEM, key), (e) => {
        assertReadable(`private key, ${what}`, e);
        return true;
      });
    }
  });
});

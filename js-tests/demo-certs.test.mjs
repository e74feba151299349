// The demo's throwaway PKI (www/certs.mjs): made without the `openssl` CLI, so `npm start`
// works on a machine that lacks it, and shaped so that real `node:tls` peers accept the trusted
// chain (by name and by IP) and reject the untrusted one.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const CERTS = new URL('../www/certs.mjs', import.meta.url).href;
const DAY_MS = 24 * 60 * 60 * 1000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';

/** @type {import('../www/certs.mjs').DemoCerts} */
let certs;

describe('the demo certificates', () => {
  before(async () => {
    // An empty PATH: if certs.mjs ran any program (openssl), it could not find it and throw.
    const script = `import { makeDemoCerts } from ${JSON.stringify(CERTS)};
      process.stdout.write(JSON.stringify(await makeDemoCerts()));`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--input-type=module', '--eval', script],
      { env: { PATH: '' }, cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    certs = JSON.parse(stdout);
  });

  test('are made with no program on PATH', () => {
    for (const pem of [certs.caPem, certs.trusted.cert, certs.untrustedCaPem, certs.untrusted.cert]) {
      assert.match(pem, /^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
    }
    for (const { key } of [certs.trusted, certs.untrusted]) {
      assert.match(key, /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8 PEM');
      const k = createPrivateKey(key);
      assert.equal(k.asymmetricKeyType, 'ec');
      assert.equal(k.asymmetricKeyDetails?.namedCurve, 'prime256v1');
    }
  });

  test('the CAs are CAs, the leaves are serverAuth leaves, valid from a day ago for 30 days', () => {
    const now = Date.now();
    /** @type {Array<[string, { cert: string, key: string }]>} */
    const chains = [
      [certs.caPem, certs.trusted],
      [certs.untrustedCaPem, certs.untrusted],
    ];
    for (const [caPem, pair] of chains) {
      const ca = new X509Certificate(caPem);
      const leaf = new X509Certificate(pair.cert);
      assert.equal(ca.ca, true);
      assert.ok(ca.verify(ca.publicKey), 'the CA is self-signed');
      assert.equal(leaf.ca, false);
      assert.ok(leaf.checkIssued(ca) && leaf.verify(ca.publicKey), 'the leaf is signed by its CA');
      assert.ok(leaf.checkPrivateKey(createPrivateKey(pair.key)), 'the key belongs to the leaf');
      assert.equal(leaf.subject, 'CN=localhost');
      assert.equal(leaf.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1');
      assert.deepEqual(leaf.keyUsage, [SERVER_AUTH]);
      assert.notEqual(leaf.serialNumber, ca.serialNumber);
      for (const cert of [ca, leaf]) {
        const from = Date.parse(cert.validFrom);
        const to = Date.parse(cert.validTo);
        assert.ok(Math.abs(now - DAY_MS - from) < 10 * 60 * 1000, `valid from a day ago: ${cert.validFrom}`);
        assert.ok(Math.abs(now + 30 * DAY_MS - to) < 10 * 60 * 1000, `valid for 30 days: ${cert.validTo}`);
      }
    }
    assert.notEqual(certs.caPem, certs.untrustedCaPem);
  });

  test('node:tls accepts the trusted server by name and by IP, and rejects the untrusted one', async () => {
    assert.equal(await handshake(certs.trusted, certs.caPem, 'localhost'), 'ok');
    assert.equal(await handshake(certs.trusted, certs.caPem, '127.0.0.1'), 'ok');
    assert.equal(await handshake(certs.trusted, certs.caPem, 'example.com'), 'ERR_TLS_CERT_ALTNAME_INVALID');
    // The server sends its leaf alone, so OpenSSL says "leaf signature", not "issuer cert".
    assert.equal(await handshake(certs.untrusted, certs.caPem, 'localhost'), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    assert.equal(await handshake(certs.untrusted, certs.untrustedCaPem, 'localhost'), 'ok');
  });
});

/**
 * A real handshake over loopback: 'ok' when the client verified the server, else the error code.
 * @param {{ cert: string, key: string }} pair @param {string} ca @param {string} name
 */
async function handshake(pair, ca, name) {
  const server = tls.createServer(pair, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  try {
    return await new Promise((resolve) => {
      const socket = tls.connect({
        host: '127.0.0.1',
        port,
        ca,
        servername: net.isIP(name) ? undefined : name, // SNI carries host names only
        checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
      });
      socket.once('secureConnect', () => {
        socket.destroy();
        resolve('ok');
      });
      socket.once('error', (err) => {
        socket.destroy();
        resolve(/** @type {NodeJS.ErrnoException} */ (err).code);
      });
    });
  } finally {
    server.close();
  }
}

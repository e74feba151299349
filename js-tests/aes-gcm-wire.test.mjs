// Every AES-GCM suite on the wire against OpenSSL (Node's tls), both directions, both ends.
// In wasm these records are sealed and opened by src/crypto/fast_gcm.rs on its portable code
// (fixsliced AES, 64-bit GHASH), which the native `cargo test` run does not reach: natively the
// same crates use the CPU's AES instructions. Several records each way, so sequence numbers
// past the first are used.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import { Context, TLS_CLIENT_METHOD, TLS_SERVER_METHOD } from 'rustls-ssl';

import { connectTls, fixture, readFixture, startLibraryServer } from './helpers/peers.mjs';

const T = { timeout: 20000 };
const CA = readFixture('ca.pem', 'utf8');
const SIZE = 3 * 16384 + 100;

/** [name rustls-ssl reports, Node options that allow only that suite, certificate] */
const SUITES = [
  ['TLS_AES_128_GCM_SHA256', { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' }, 'server-ecdsa'],
  ['TLS_AES_256_GCM_SHA384', { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_256_GCM_SHA384' }, 'server-ecdsa'],
  ['ECDHE-ECDSA-AES128-GCM-SHA256', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, 'server-ecdsa'],
  ['ECDHE-ECDSA-AES256-GCM-SHA384', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' }, 'server-ecdsa'],
  ['ECDHE-RSA-AES128-GCM-SHA256', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, 'server-rsa'],
  ['ECDHE-RSA-AES256-GCM-SHA384', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES256-GCM-SHA384' }, 'server-rsa'],
];

/** Reads exactly `n` bytes from a rustls-ssl connection. */
async function recvExactly(conn, n) {
  const parts = [];
  let got = 0;
  while (got < n) {
    const b = await conn.recv(n - got);
    parts.push(b);
    got += b.length;
  }
  return Buffer.concat(parts);
}

describe('AES-GCM records against OpenSSL', () => {
  for (const [name, nodeOptions, cert] of SUITES) {
    test(`${name}: rustls-ssl client, node:tls echo server`, T, async (t) => {
      const server = tls.createServer({
        cert: readFixture(`${cert}-chain.pem`),
        key: readFixture(`${cert}.key`),
        ...nodeOptions,
      }, (s) => s.on('error', () => {}).pipe(s));
      await new Promise((r) => server.listen(0, '127.0.0.1', r));
      t.after(() => server.close());

      const ctx = new Context(TLS_CLIENT_METHOD);
      ctx.loadVerifyLocations(fixture('ca.pem'));
      const conn = await connectTls(ctx, server.address().port, 'localhost', t);
      await conn.doHandshake();
      assert.equal(conn.getCipherName(), name);

      const data = randomBytes(SIZE);
      await conn.sendall(data);
      assert.ok((await recvExactly(conn, SIZE)).equals(data), 'echoed intact');
    });

    test(`${name}: node:tls client, rustls-ssl echo server`, T, async (t) => {
      const ctx = new Context(TLS_SERVER_METHOD);
      ctx.useCertificateChainFile(fixture(`${cert}-chain.pem`));
      ctx.usePrivateKeyFile(fixture(`${cert}.key`));
      const server = await startLibraryServer(t, ctx, async (conn) => {
        await conn.doHandshake();
        await conn.sendall(await recvExactly(conn, SIZE));
        return conn.getCipherName();
      });

      const sock = tls.connect({ host: '127.0.0.1', port: server.port, ca: CA, servername: 'localhost', ...nodeOptions });
      t.after(() => sock.destroy());
      sock.on('error', () => {});
      await new Promise((resolve, reject) => sock.once('secureConnect', resolve).once('error', reject));
      const data = randomBytes(SIZE);
      sock.write(data);
      const chunks = [];
      let got = 0;
      for await (const d of sock) {
        chunks.push(d);
        got += d.length;
        if (got >= SIZE) break;
      }
      assert.ok(Buffer.concat(chunks).equals(data), 'echoed intact');
      assert.equal(await server.first, name);
    });
  }
});

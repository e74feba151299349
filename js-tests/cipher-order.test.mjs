// Where AES-GCM runs in wasm (browsers, or Node with RUSTLS_SSL_CRYPTO=ring) it has no
// hardware help and stays about 3x slower than ChaCha20-Poly1305 even on the faster code of
// docs/wasm-aes.md, so ChaCha20 is offered first. With node:crypto (the Node entry's default)
// AES-GCM is native and fast, so the provider's own order stands: AES-256-GCM first, as
// OpenSSL and rustls order it. An explicit suite list decides in both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Context, Connection, memoryPair, cryptoProvider, TLS_CLIENT_METHOD, TLS_SERVER_METHOD, OP_NO_TLSv1_3 } from 'rustls-ssl';

const aesInWasm = cryptoProvider() === 'ring';

const fixture = (n) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url));

async function negotiate(configure = () => {}) {
  const server = new Context(TLS_SERVER_METHOD);
  server.useCertificateChain(fixture('server-rsa-chain.pem'));
  server.usePrivateKey(fixture('server-rsa.key'));
  const client = new Context(TLS_CLIENT_METHOD);
  client.loadVerifyLocations(null, null, fixture('ca.pem'));
  configure(client);
  const [a, b] = memoryPair();
  const c = new Connection(client, a);
  c.setTlsextHostName('localhost');
  const s = new Connection(server, b);
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  return c;
}

test('TLS 1.3 defaults to ChaCha20-Poly1305 where AES runs in wasm, AES-256-GCM otherwise', async () => {
  const c = await negotiate();
  const want = aesInWasm ? 'TLS_CHACHA20_POLY1305_SHA256' : 'TLS_AES_256_GCM_SHA384';
  assert.equal(c.getCipherName(), want);
  assert.equal(c.getCipherList()[0], want);
});

test('TLS 1.2 defaults to ChaCha20-Poly1305 where AES runs in wasm, AES-256-GCM otherwise', async () => {
  const c = await negotiate((ctx) => ctx.setOptions(OP_NO_TLSv1_3));
  assert.equal(c.getCipherName(), aesInWasm ? 'ECDHE-RSA-CHACHA20-POLY1305' : 'ECDHE-RSA-AES256-GCM-SHA384');
});

test('an explicit TLS 1.3 suite list is honoured', async () => {
  const c = await negotiate((ctx) => ctx.setTls13Ciphersuites('TLS_AES_128_GCM_SHA256'));
  assert.equal(c.getCipherName(), 'TLS_AES_128_GCM_SHA256');
});

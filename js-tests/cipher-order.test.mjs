// In wasm, ChaCha20-Poly1305 is offered first: AES-GCM has no hardware help there and stays
// about 3x slower even on the faster code of docs/wasm-aes.md. An explicit suite list still decides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Context, Connection, memoryPair, TLS_CLIENT_METHOD, TLS_SERVER_METHOD, OP_NO_TLSv1_3 } from 'rustls-ssl';

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

test('TLS 1.3 defaults to ChaCha20-Poly1305 in wasm', async () => {
  const c = await negotiate();
  assert.equal(c.getCipherName(), 'TLS_CHACHA20_POLY1305_SHA256');
  assert.equal(c.getCipherList()[0], 'TLS_CHACHA20_POLY1305_SHA256');
});

test('TLS 1.2 defaults to ECDHE-RSA-CHACHA20-POLY1305 in wasm', async () => {
  const c = await negotiate((ctx) => ctx.setOptions(OP_NO_TLSv1_3));
  assert.equal(c.getCipherName(), 'ECDHE-RSA-CHACHA20-POLY1305');
});

test('an explicit TLS 1.3 suite list is honoured', async () => {
  const c = await negotiate((ctx) => ctx.setTls13Ciphersuites('TLS_AES_128_GCM_SHA256'));
  assert.equal(c.getCipherName(), 'TLS_AES_128_GCM_SHA256');
});

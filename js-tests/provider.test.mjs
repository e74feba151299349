// Which crypto runs where (README "Crypto providers"): node:crypto in the Node entry unless
// RUSTLS_SSL_CRYPTO=ring, ring in the web entry; and node:crypto's side of the HostCrypto
// interface (js/host-crypto.js) against published test vectors, wrong tags, bad key shares
// and the signature limits ring enforces. The Rust side of the interface is tested natively
// (src/crypto/tests.rs) against ring's own provider.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { launchChromium } from './helpers/chromium.mjs';
import { nodeHostCrypto } from '../js/host-crypto.js';

const hex = (s) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b) => Buffer.from(b).toString('hex');

/** `cryptoProvider()` in a fresh Node process with `env` (RUSTLS_SSL_CRYPTO unset otherwise). */
function providerInChild(env = {}) {
  const clean = { ...process.env };
  delete clean.RUSTLS_SSL_CRYPTO;
  const code = "const m = await import('rustls-ssl'); process.stdout.write(m.cryptoProvider())";
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: new URL('.', import.meta.url),
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
}

test('the Node entry uses node:crypto by default, and ring when RUSTLS_SSL_CRYPTO=ring', () => {
  assert.equal(providerInChild(), 'node:crypto');
  assert.equal(providerInChild({ RUSTLS_SSL_CRYPTO: 'ring' }), 'ring');
});

test('the CommonJS entry is the same module, with the same provider', () => {
  const code = "process.stdout.write(require('rustls-ssl').cryptoProvider())";
  const clean = { ...process.env };
  delete clean.RUSTLS_SSL_CRYPTO;
  const out = execFileSync(process.execPath, ['-e', code], { cwd: new URL('.', import.meta.url), env: clean, encoding: 'utf8' });
  assert.equal(out, 'node:crypto');
});

test('the web entry uses ring (Chromium)', { timeout: 60000 }, async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const root = new URL('../', import.meta.url);
    // Served straight from disk: the page imports js/web.mjs, which fetches the one wasm.
    await page.route('http://pkg.test/**', async (route) => {
      const path = new URL(route.request().url()).pathname;
      const type = path.endsWith('.wasm') ? 'application/wasm' : path.endsWith('.html') ? 'text/html' : 'text/javascript';
      const body = path === '/' ? '<!doctype html><title>t</title>' : await readFile(new URL(`.${path}`, root));
      await route.fulfill({ status: 200, contentType: type, body });
    });
    await page.goto('http://pkg.test/');
    const got = await page.evaluate(async () => (await import('/js/web.mjs')).cryptoProvider());
    assert.equal(got, 'ring');
  } finally {
    await browser.close();
  }
});

// ---- node:crypto behind the interface ----

const host = nodeHostCrypto();

/** Seals `plain` under the vector's key; the ciphertext and tag as hex. */
function seal(alg, key, nonce, aad, plain) {
  host.aeadKey(1, alg, key);
  const data = Uint8Array.from(plain);
  const tag = new Uint8Array(16);
  host.seal(1, nonce, aad, data, tag);
  host.aeadFree(1);
  return [toHex(data), toHex(tag)];
}

test('AES-GCM matches the GCM specification test cases', () => {
  const zero12 = new Uint8Array(12);
  // McGrew & Viega, "The GCM mode of operation", test cases 1, 2, 13 and 14.
  assert.deepEqual(seal(0, new Uint8Array(16), zero12, new Uint8Array(0), new Uint8Array(0)), ['', '58e2fccefa7e3061367f1d57a4e7455a']);
  assert.deepEqual(seal(0, new Uint8Array(16), zero12, new Uint8Array(0), new Uint8Array(16)), [
    '0388dace60b6a392f328c2b971b2fe78',
    'ab6e47d42cec13bdf53a67b21257bddf',
  ]);
  assert.deepEqual(seal(1, new Uint8Array(32), zero12, new Uint8Array(0), new Uint8Array(0)), ['', '530f8afbc74536b9a963b4f1c4cb738b']);
  assert.deepEqual(seal(1, new Uint8Array(32), zero12, new Uint8Array(0), new Uint8Array(16)), [
    'cea7403d4d606b6e074ec5d3baf39d18',
    'd0d1c8a799996bf0265b98b5d48ab919',
  ]);
});

test('ChaCha20-Poly1305 matches RFC 8439 §2.8.2', () => {
  const key = hex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = hex('070000004041424344454647');
  const aad = hex('50515253c0c1c2c3c4c5c6c7');
  const plain = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const [ct, tag] = seal(2, key, nonce, aad, plain);
  assert.equal(ct.slice(0, 32), 'd31a8d34648e60db7b86afbc53ef7ec2');
  assert.equal(tag, '1ae10b594f09e26a7e902ecbd0600691');
});

test('open decrypts in place, and a wrong tag, nonce or AAD leaves the buffer untouched', () => {
  for (const alg of [0, 1, 2]) {
    const key = new Uint8Array(alg === 0 ? 16 : 32).fill(7);
    const nonce = hex('000102030405060708090a0b');
    const aad = hex('1703030020');
    const [ct, tag] = seal(alg, key, nonce, aad, Buffer.from('attack at dawn, bring snacks'));
    host.aeadKey(5, alg, key);
    const attempts = [
      [nonce, aad, hex(tag).map((b, i) => (i === 0 ? b ^ 1 : b))],
      [hex('000102030405060708090a0c'), aad, hex(tag)],
      [nonce, hex('1703030021'), hex(tag)],
    ];
    for (const [n, a, t] of attempts) {
      const data = hex(ct);
      assert.equal(host.open(5, n, a, data, t), false, `alg ${alg}`);
      assert.equal(toHex(data), ct, 'nothing unauthenticated is written');
    }
    // A truncated tag (its first 12 bytes) is refused, never checked as a shorter GCM tag.
    assert.throws(() => host.open(5, nonce, aad, hex(ct), hex(tag).subarray(0, 12)), `alg ${alg}`);
    const data = hex(ct);
    assert.equal(host.open(5, nonce, aad, data, hex(tag)), true);
    assert.equal(Buffer.from(data).toString(), 'attack at dawn, bring snacks');
    host.aeadFree(5);
    assert.throws(() => host.open(5, nonce, aad, hex(ct), hex(tag)), /unknown AEAD key/);
  }
  assert.throws(() => host.aeadKey(9, 0, new Uint8Array(32)), RangeError, 'AES-128 with a 32-byte key');
  assert.throws(() => host.aeadKey(9, 3, new Uint8Array(32)), RangeError, 'no such AEAD');
});

test('key exchange agrees in every group, and refuses bad or small-order key shares', () => {
  for (const [group, len, secretLen] of [[0, 32, 32], [1, 65, 32], [2, 97, 48]]) {
    const a = host.kxStart(10, group);
    const b = host.kxStart(11, group);
    assert.equal(a.length, len);
    if (group !== 0) assert.equal(a[0], 4, 'uncompressed point');
    const s1 = host.kxComplete(10, b);
    const s2 = host.kxComplete(11, a);
    assert.equal(s1.length, secretLen);
    assert.equal(toHex(s1), toHex(s2));
    assert.throws(() => host.kxComplete(10, b), /unknown key exchange/, 'a key pair is used once');
  }
  host.kxStart(12, 0);
  assert.throws(() => host.kxComplete(12, new Uint8Array(32)), 'X25519 small-order point (all-zero secret)');
  host.kxStart(13, 1);
  const offCurve = new Uint8Array(65).fill(1);
  offCurve[0] = 4;
  assert.throws(() => host.kxComplete(13, offCurve), 'a P-256 point off the curve');
});

test('verify: every kind, with ring’s limits on RSA', () => {
  const msg = Buffer.from('TLS 1.3, server CertificateVerify');
  const spki = (k) => k.export({ format: 'der', type: 'spki' });
  const ec256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ec384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const ed = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pss = (hash, saltLength) => sign(hash, msg, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
  const cases = [
    [0, ec256, sign('sha256', msg, ec256.privateKey)],
    [1, ec256, sign('sha384', msg, ec256.privateKey)],
    [1, ec384, sign('sha384', msg, ec384.privateKey)],
    [0, ec384, sign('sha256', msg, ec384.privateKey)],
    [2, ed, sign(null, msg, ed.privateKey)],
    [3, rsa, sign('sha256', msg, rsa.privateKey)],
    [4, rsa, sign('sha384', msg, rsa.privateKey)],
    [5, rsa, sign('sha512', msg, rsa.privateKey)],
    [6, rsa, pss('sha256', 32)],
    [7, rsa, pss('sha384', 48)],
    [8, rsa, pss('sha512', 64)],
  ];
  for (const [alg, pair, sig] of cases) {
    assert.equal(host.verify(alg, spki(pair.publicKey), msg, sig), true, `alg ${alg}`);
    assert.equal(host.verify(alg, spki(pair.publicKey), Buffer.from('other'), sig), false, `alg ${alg}: other message`);
    const bad = Buffer.from(sig);
    bad[bad.length - 1] ^= 1;
    assert.equal(host.verify(alg, spki(pair.publicKey), msg, bad), false, `alg ${alg}: flipped bit`);
  }
  // Wrong kind of key for the algorithm, PKCS#1 where PSS is asked and the reverse.
  assert.equal(host.verify(0, spki(ed.publicKey), msg, sign(null, msg, ed.privateKey)), false);
  assert.equal(host.verify(6, spki(rsa.publicKey), msg, sign('sha256', msg, rsa.privateKey)), false);
  assert.equal(host.verify(3, spki(rsa.publicKey), msg, pss('sha256', 32)), false);
  // PSS salt must be as long as the hash (ring's rule), not merely "any".
  assert.equal(host.verify(6, spki(rsa.publicKey), msg, pss('sha256', 20)), false);
  // Outside 2048..8192 bits: refused even when the signature is right.
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
  assert.equal(host.verify(3, spki(small.publicKey), msg, sign('sha256', msg, small.privateKey)), false);
  assert.throws(() => host.verify(0, new Uint8Array([0x30, 0x00]), msg, new Uint8Array(8)), 'not an SPKI');
});

test('verify: a remembered success answers only for exactly the same inputs', () => {
  const msg = Buffer.from('a certificate body, checked again on every connection');
  const spki = (k) => k.export({ format: 'der', type: 'spki' });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sig = sign('sha256', msg, ec.privateKey);
  for (let i = 0; i < 3; i++) assert.equal(host.verify(0, spki(ec.publicKey), msg, sig), true, `round ${i}`);
  // Each input still counts once the success is remembered: the algorithm, the key, the
  // message, the signature, and where one ends and the next begins.
  assert.equal(host.verify(1, spki(ec.publicKey), msg, sig), false, 'another hash');
  assert.equal(host.verify(0, spki(other.publicKey), msg, sig), false, 'another key');
  assert.equal(host.verify(0, spki(ec.publicKey), msg.subarray(1), sig), false, 'another message');
  assert.equal(host.verify(0, spki(ec.publicKey), Buffer.concat([msg, sig.subarray(0, 1)]), sig.subarray(1)), false, 'a byte moved across the boundary');
  // More distinct successes than the cache keeps: the first is checked afresh, still true.
  for (let i = 0; i < 300; i++) {
    const m = Buffer.from(`message ${i}`);
    assert.equal(host.verify(0, spki(ec.publicKey), m, sign('sha256', m, ec.privateKey)), true);
  }
  assert.equal(host.verify(0, spki(ec.publicKey), msg, sig), true);
});

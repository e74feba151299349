// X509, X509Name, PKey and the load/dump helpers (API.md §7), checked against what the
// `openssl` command line prints for the same fixture files.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

import {
  X509,
  X509Name,
  PKey,
  SSLError,
  loadCertificate,
  dumpCertificate,
  loadPrivateKey,
  FILETYPE_PEM,
  FILETYPE_ASN1,
  Context,
  Method,
} from 'rustls-ssl';

import { fx, fxText, fxBytes, text, pattern, bioPair, bioHandshake } from './unit-helpers.mjs';

const CERTS = [
  'ca',
  'int',
  'server-rsa',
  'server-ecdsa',
  'server-p384',
  'server-ed25519',
  'client',
  'expired',
  'notyet',
  'wronghost',
  'selfsigned',
  'untrusted-ca',
  'untrusted-leaf',
  'rsa1024',
];

/** Runs openssl and returns stdout (stderr appended, since some notes go there). */
function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8', timeout: 10000 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout + r.stderr;
}

const MONTHS = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };
/** 'Jan  1 00:00:00 2020 GMT' → '20200101000000Z' */
function asn1Time(s) {
  const m = s.trim().match(/^(\w{3})\s+(\d+)\s+(\d\d):(\d\d):(\d\d)\s+(\d{4})\s+GMT$/);
  assert.ok(m, `unexpected openssl date ${s}`);
  const p2 = (n) => String(n).padStart(2, '0');
  return `${m[6]}${p2(MONTHS[m[1]])}${p2(m[2])}${m[3]}${m[4]}${m[5]}Z`;
}

/** What `openssl x509 -noout -subject -issuer -serial -dates -fingerprint -sha256 -ext subjectAltName` says. */
function opensslFacts(name) {
  const file = fx(`${name}.pem`);
  const out = openssl([
    'x509', '-noout', '-subject', '-issuer', '-serial', '-dates', '-fingerprint', '-sha256',
    '-ext', 'subjectAltName', '-nameopt', 'RFC2253', '-in', file,
  ]);
  const line = (key) => {
    const m = out.match(new RegExp(`^${key}=(.*)$`, 'mi'));
    assert.ok(m, `openssl printed no ${key} for ${name}:\n${out}`);
    return m[1].trim();
  };
  const sanMatch = out.match(/X509v3 Subject Alternative Name:\s*(?:critical)?\s*\n\s*(.+)/);
  const fp = out.match(/^sha256 Fingerprint=(.*)$/im);
  // default (one-line) subject for the component order
  const oneline = openssl(['x509', '-noout', '-subject', '-nameopt', 'sep_comma_plus_space,space_eq', '-in', file]);
  const components = oneline
    .replace(/^subject=/, '')
    .trim()
    .split(', ')
    .map((kv) => kv.split(' = '));
  const textOut = openssl(['x509', '-noout', '-text', '-in', file]);
  const sig = textOut.match(/Signature Algorithm:\s*(\S+)/);
  return {
    subject: line('subject'),
    issuer: line('issuer'),
    serial: BigInt('0x' + line('serial')),
    notBefore: asn1Time(line('notBefore')),
    notAfter: asn1Time(line('notAfter')),
    sha256: fp[1].trim(),
    san: sanMatch ? sanMatch[1].trim().split(', ') : [],
    components,
    signatureAlgorithm: sig[1],
  };
}

// ---------------------------------------------------------------------------------------
describe('X509 getters agree with the openssl CLI', () => {
  for (const name of CERTS) {
    test(name, () => {
      const want = opensslFacts(name);
      const x = X509.fromPem(fxText(`${name}.pem`));
      assert.equal(x.getSubject().toString(), want.subject, 'subject (RFC 4514)');
      assert.equal(x.getIssuer().toString(), want.issuer, 'issuer (RFC 4514)');
      assert.equal(typeof x.getSerialNumber(), 'bigint');
      assert.equal(x.getSerialNumber(), want.serial, 'serial');
      assert.equal(x.getNotBefore(), want.notBefore, 'notBefore');
      assert.equal(x.getNotAfter(), want.notAfter, 'notAfter');
      assert.equal(x.digest('sha256'), want.sha256, 'sha256 fingerprint');
      assert.deepEqual(x.getSubjectAltNames(), want.san, 'subjectAltName');
      assert.deepEqual(x.getSubject().getComponents(), want.components, 'components in DER order');
      assert.equal(x.getSignatureAlgorithm(), want.signatureAlgorithm, 'signature algorithm');
      // the DER twin is the same certificate
      assert.deepEqual(X509.fromDer(fxBytes(`${name}.der`)).toDer(), x.toDer());
    });
  }

  test('digest with other names; unknown digest is an error', () => {
    const x = X509.fromPem(fxText('server-rsa.pem'));
    const sha1 = openssl(['x509', '-noout', '-fingerprint', '-sha1', '-in', fx('server-rsa.pem')]).match(/=(.*)/)[1].trim();
    assert.equal(x.digest('sha1'), sha1);
    const sha512 = openssl(['x509', '-noout', '-fingerprint', '-sha512', '-in', fx('server-rsa.pem')]).match(/=(.*)/)[1].trim();
    assert.equal(x.digest('sha512'), sha512);
    assert.equal(x.digest('SHA256'), x.digest('sha256'));
    assert.match(x.digest('sha256'), /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.throws(() => x.digest('nope'));
  });

  test('hasExpired', () => {
    assert.equal(X509.fromPem(fxText('expired.pem')).hasExpired(), true);
    assert.equal(X509.fromPem(fxText('server-rsa.pem')).hasExpired(), false);
    assert.equal(X509.fromPem(fxText('notyet.pem')).hasExpired(), false);
  });
});

// ---------------------------------------------------------------------------------------
describe('X509Name', () => {
  test('attributes .CN, .O, .C; absent ones are null', () => {
    const subj = X509.fromPem(fxText('server-rsa.pem')).getSubject();
    assert.ok(subj instanceof X509Name);
    assert.equal(subj.CN, 'localhost');
    assert.equal(subj.O, 'rustls-ssl');
    assert.equal(subj.C, 'US');
    assert.equal(subj.OU, null);
    assert.equal(subj.emailAddress, null);
    const issuer = X509.fromPem(fxText('server-rsa.pem')).getIssuer();
    assert.equal(issuer.CN, 'rustls-ssl Test Intermediate CA');
  });

  test('toString() is RFC 4514 (most specific first)', () => {
    const root = X509.fromPem(fxText('ca.pem'));
    assert.equal(root.getSubject().toString(), 'CN=rustls-ssl Test Root CA,O=rustls-ssl,C=US');
    assert.equal(String(root.getIssuer()), 'CN=rustls-ssl Test Root CA,O=rustls-ssl,C=US');
  });

  test('getComponents() gives [name, value] pairs in certificate order', () => {
    const c = X509.fromPem(fxText('client.pem')).getSubject().getComponents();
    assert.deepEqual(c, [
      ['C', 'US'],
      ['O', 'rustls-ssl'],
      ['CN', 'test client'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------
describe('loadCertificate / dumpCertificate / toPem / toDer', () => {
  test('PEM round trip', () => {
    const pem = fxText('server-ecdsa.pem');
    const x = loadCertificate(FILETYPE_PEM, pem);
    assert.ok(x instanceof X509);
    const dumped = dumpCertificate(FILETYPE_PEM, x);
    const dumpedText = typeof dumped === 'string' ? dumped : text(dumped);
    assert.equal(dumpedText.trim(), pem.trim());
    assert.equal(x.toPem().trim(), pem.trim());
    // PEM as bytes is accepted too
    const x2 = loadCertificate(FILETYPE_PEM, new TextEncoder().encode(pem));
    assert.deepEqual(x2.toDer(), x.toDer());
  });

  test('ASN1 round trip', () => {
    const der = fxBytes('server-rsa.der');
    const x = loadCertificate(FILETYPE_ASN1, der);
    const dumped = dumpCertificate(FILETYPE_ASN1, x);
    assert.ok(dumped instanceof Uint8Array);
    assert.deepEqual(new Uint8Array(dumped), der);
    assert.deepEqual(x.toDer(), der);
    // PEM ↔ DER
    assert.deepEqual(loadCertificate(FILETYPE_PEM, x.toPem()).toDer(), der);
    assert.equal(X509.fromDer(der).toPem().trim(), fxText('server-rsa.pem').trim());
  });

  test('bad fileType: RangeError for an unknown number, TypeError for a non-number', () => {
    assert.throws(() => loadCertificate(3, fxText('ca.pem')), RangeError);
    assert.throws(() => loadCertificate('PEM', fxText('ca.pem')), TypeError);
    assert.throws(() => X509.fromPem(42), TypeError);
  });
});

// ---------------------------------------------------------------------------------------
describe('PKey', () => {
  /** Bits as `openssl pkey -text` reports them (null when it does not print a size). */
  function opensslBits(file) {
    const out = openssl(['pkey', '-noout', '-text', '-in', fx(file)]);
    const m = out.match(/Private-Key: \((\d+) bit/);
    return m ? Number(m[1]) : null;
  }

  test('getType / getBits agree with openssl pkey', () => {
    for (const [file, type] of [
      ['server-rsa.key', 'RSA'],
      ['server-rsa-pkcs1.key', 'RSA'],
      ['rsa1024.key', 'RSA'],
      ['ca.key', 'RSA'],
      ['server-ecdsa.key', 'EC'],
      ['server-ecdsa-sec1.key', 'EC'],
      ['server-p384.key', 'EC'],
      ['int.key', 'EC'],
    ]) {
      const k = PKey.fromPem(fxText(file));
      assert.equal(k.getType(), type, file);
      assert.equal(k.getBits(), opensslBits(file), `${file} bits`);
    }
    const ed = PKey.fromPem(fxText('server-ed25519.key'));
    assert.equal(ed.getType(), 'Ed25519');
    assert.ok([253, 256].includes(ed.getBits()), `Ed25519 bits ${ed.getBits()}`);
  });

  test('fromDer and loadPrivateKey (PEM, ASN1)', () => {
    const a = PKey.fromDer(fxBytes('server-rsa-key.der'));
    assert.equal(a.getType(), 'RSA');
    assert.equal(a.getBits(), 2048);
    const b = loadPrivateKey(FILETYPE_ASN1, fxBytes('server-ecdsa-sec1-key.der'));
    assert.equal(b.getType(), 'EC');
    assert.equal(b.getBits(), 256);
    const c = loadPrivateKey(FILETYPE_PEM, fxText('server-p384.key'));
    assert.equal(c.getBits(), 384);
    // a PKey object works in a Context and matches its certificate
    const ctx = new Context(Method.TLS_SERVER);
    ctx.useCertificate(X509.fromPem(fxText('server-rsa.pem')));
    ctx.usePrivateKey(a);
    ctx.checkPrivateKey();
  });

  test('encrypted PKCS#8: passphrase right, wrong, absent', () => {
    const enc = fxText('server-ecdsa-encrypted.key');
    const k = PKey.fromPem(enc, 'secret');
    assert.equal(k.getType(), 'EC');
    assert.equal(k.getBits(), 256);
    assert.equal(loadPrivateKey(FILETYPE_PEM, enc, 'secret').getType(), 'EC');
    assert.throws(() => PKey.fromPem(enc, 'wrong'), SSLError);
    assert.throws(() => loadPrivateKey(FILETYPE_PEM, enc, 'wrong'), SSLError);
    assert.throws(() => PKey.fromPem(enc), SSLError);
  });
});

// ---------------------------------------------------------------------------------------
describe('garbage input is an SSLError, never a crash', () => {
  test('certificates', () => {
    const bad = [
      () => X509.fromPem('garbage'),
      () => X509.fromPem('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'),
      () => X509.fromPem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'),
      () => X509.fromDer(new Uint8Array([1, 2, 3])),
      () => X509.fromDer(new Uint8Array(0)),
      () => loadCertificate(FILETYPE_PEM, 'xx'),
      () => loadCertificate(FILETYPE_ASN1, pattern(300, 9)),
      () => loadCertificate(FILETYPE_PEM, fxText('server-rsa.key')),
    ];
    for (const f of bad) assert.throws(f, (e) => e instanceof SSLError && Array.isArray(e.errors), String(f));
  });

  test('every truncation of a real certificate', () => {
    const der = fxBytes('server-ecdsa.der');
    for (let n = 0; n < der.length; n += 7) {
      assert.throws(() => X509.fromDer(der.subarray(0, n)), SSLError, `truncated at ${n}`);
    }
    // single-byte corruptions either parse (a value byte) or fail with SSLError
    for (let i = 0; i < der.length; i += 11) {
      const copy = new Uint8Array(der);
      copy[i] ^= 0xff;
      try {
        const x = X509.fromDer(copy);
        x.getSubject().toString();
        x.getSubjectAltNames();
        x.getNotAfter();
      } catch (e) {
        assert.ok(e instanceof SSLError, `corrupted at ${i}: ${e}`);
      }
    }
  });

  test('keys', () => {
    const bad = [
      () => PKey.fromPem('xx'),
      () => PKey.fromPem('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'),
      () => PKey.fromDer(new Uint8Array(5)),
      () => PKey.fromDer(pattern(200, 4)),
      () => loadPrivateKey(FILETYPE_PEM, fxText('server-rsa.pem')),
      () => loadPrivateKey(FILETYPE_ASN1, fxBytes('server-rsa.der')),
    ];
    for (const f of bad) assert.throws(f, SSLError, String(f));
  });

  test('the module still works afterwards', async () => {
    const { c, s } = bioPair();
    await bioHandshake(c, s);
    assert.equal(c.getPeerCertificate().getSubject().CN, 'localhost');
  });
});

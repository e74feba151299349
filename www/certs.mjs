// @ts-check
// Throwaway certificates for the demo, made in memory with WebCrypto and @peculiar/x509 (so
// `npm start` needs no `openssl` CLI): a trusted test CA with a server certificate for
// localhost / 127.0.0.1, and a second CA, trusted by nobody, with its own server certificate
// for the "untrusted" error demo. ECDSA P-256, valid from a day ago (clock skew) for thirty days.
// tsyringe, under @peculiar/x509, refuses to load without a Reflect metadata polyfill; ESM
// evaluates imports in order, so this one must stay first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

const DAY_MS = 24 * 60 * 60 * 1000;
const VALID_DAYS = 30;
const EC = /** @type {const} */ ({ name: 'ECDSA', namedCurve: 'P-256' });
const SIGNING = /** @type {const} */ ({ name: 'ECDSA', hash: 'SHA-256' });

x509.cryptoProvider.set(globalThis.crypto);

/**
 * @typedef {object} Pair PEM text of a certificate and its private key
 * @property {string} cert
 * @property {string} key PKCS#8
 */

/**
 * @typedef {object} DemoCerts
 * @property {string} caPem the trusted demo CA (what clients load as trust)
 * @property {Pair} trusted server certificate issued by the demo CA
 * @property {string} untrustedCaPem the CA nobody trusts
 * @property {Pair} untrusted server certificate issued by the untrusted CA
 */

/**
 * Generates both CAs and both server certificates.
 * @returns {Promise<DemoCerts>}
 */
export async function makeDemoCerts() {
  const now = Date.now();
  const validity = { notBefore: new Date(now - DAY_MS), notAfter: new Date(now + VALID_DAYS * DAY_MS) };
  const trustedCa = await makeCa('rustls-ssl demo CA', validity);
  const untrustedCa = await makeCa('rustls-ssl untrusted demo CA', validity);
  return {
    caPem: pem(trustedCa.cert),
    trusted: await makeServerCert(trustedCa, 'localhost', validity),
    untrustedCaPem: pem(untrustedCa.cert),
    untrusted: await makeServerCert(untrustedCa, 'localhost', validity),
  };
}

/**
 * @typedef {object} Validity
 * @property {Date} notBefore
 * @property {Date} notAfter
 */

/**
 * @typedef {object} Ca
 * @property {x509.X509Certificate} cert
 * @property {CryptoKeyPair} keys
 */

/**
 * A self-signed CA that may sign end-entity certificates only (pathlen 0).
 * @param {string} commonName @param {Validity} validity
 * @returns {Promise<Ca>}
 */
async function makeCa(commonName, validity) {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: dn(commonName),
    ...validity,
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys };
}

/**
 * A server certificate for DNS:localhost and IP:127.0.0.1, issued by `ca`.
 * @param {Ca} ca @param {string} commonName @param {Validity} validity
 * @returns {Promise<Pair>}
 */
async function makeServerCert(ca, commonName, validity) {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: dn(commonName),
    issuer: ca.cert.subject,
    ...validity,
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  const pkcs8 = await globalThis.crypto.subtle.exportKey('pkcs8', keys.privateKey);
  return {
    cert: pem(cert),
    key: `${x509.PemConverter.encode(pkcs8, x509.PemConverter.PrivateKeyTag)}\n`,
  };
}

/**
 * PEM with the final newline a file would have, so PEMs concatenate into a valid bundle.
 * @param {x509.X509Certificate} cert
 */
function pem(cert) {
  return `${cert.toString('pem')}\n`;
}

/** Extractable, so the server's key can be handed to `node:tls` as PKCS#8. */
function newKeys() {
  return /** @type {Promise<CryptoKeyPair>} */ (
    globalThis.crypto.subtle.generateKey(EC, true, ['sign', 'verify'])
  );
}

/** `CN=…`, escaped so a comma or plus in the name cannot add attributes. @param {string} cn */
function dn(cn) {
  return `CN=${cn.replace(/[\\,+"<>;=#]/g, '\\$&')}`;
}

/**
 * 16 random bytes as hex, the top bit cleared so the DER INTEGER stays positive (RFC 5280
 * §4.1.2.2) and the first byte non-zero so it is not re-encoded shorter.
 */
function randomSerial() {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return Buffer.from(bytes).toString('hex');
}

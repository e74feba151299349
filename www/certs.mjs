// @ts-check
// Throwaway certificates for the demo, made with the `openssl` CLI in a fresh temp folder:
// a trusted test CA with a server certificate for localhost / 127.0.0.1, and a second CA,
// trusted by nobody, with its own server certificate for the "untrusted" error demo.
// ECDSA P-256, valid from a day ago (clock skew) for thirty days.
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const DAY_MS = 24 * 60 * 60 * 1000;
const VALID_DAYS = 30;

/**
 * @typedef {object} Pair PEM text of a certificate and its private key
 * @property {string} cert
 * @property {string} key
 */

/**
 * @typedef {object} DemoCerts
 * @property {string} dir the temp folder holding every file
 * @property {string} caPem the trusted demo CA (what clients load as trust)
 * @property {Pair} trusted server certificate issued by the demo CA
 * @property {string} untrustedCaPem the CA nobody trusts
 * @property {Pair} untrusted server certificate issued by the untrusted CA
 * @property {() => Promise<void>} remove deletes the temp folder
 */

/**
 * Generates both CAs and both server certificates.
 * @returns {Promise<DemoCerts>}
 */
export async function makeDemoCerts() {
  const dir = await mkdtemp(path.join(tmpdir(), 'rustls-ssl-demo-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const trustedCa = await makeCa(dir, 'trusted-ca', 'rustls-ssl demo CA');
    const untrustedCa = await makeCa(dir, 'untrusted-ca', 'rustls-ssl untrusted demo CA');
    const trusted = await makeServerCert(trustedCa, 'localhost');
    const untrusted = await makeServerCert(untrustedCa, 'localhost');
    return {
      dir,
      caPem: trustedCa.cert,
      trusted,
      untrustedCaPem: untrustedCa.cert,
      untrusted,
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}

/**
 * @typedef {object} Ca
 * @property {string} dir its own folder: config, database, serial
 * @property {string} config path of its openssl.cnf
 * @property {string} keyFile
 * @property {string} certFile
 * @property {string} cert PEM
 */

/**
 * A self-signed CA, issued through `openssl ca` (the only OpenSSL 3.0 command that takes an
 * explicit start date).
 * @param {string} parent @param {string} name folder name @param {string} commonName
 * @returns {Promise<Ca>}
 */
async function makeCa(parent, name, commonName) {
  const dir = path.join(parent, name);
  await mkdir(path.join(dir, 'issued'), { recursive: true });
  await writeFile(path.join(dir, 'index.txt'), '');
  const config = path.join(dir, 'openssl.cnf');
  await writeFile(config, caConfig(dir));
  const keyFile = path.join(dir, 'ca.key');
  const csrFile = path.join(dir, 'ca.csr');
  const certFile = path.join(dir, 'ca.pem');
  await newKey(keyFile);
  await openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${commonName}`, '-out', csrFile]);
  await sign(config, ['-selfsign', '-keyfile', keyFile, '-extensions', 'v3_ca'], csrFile, certFile);
  return { dir, config, keyFile, certFile, cert: await readFile(certFile, 'utf8') };
}

/**
 * A server certificate for DNS:localhost and IP:127.0.0.1, issued by `ca`.
 * @param {Ca} ca @param {string} commonName
 * @returns {Promise<Pair>}
 */
async function makeServerCert(ca, commonName) {
  const keyFile = path.join(ca.dir, 'server.key');
  const csrFile = path.join(ca.dir, 'server.csr');
  const certFile = path.join(ca.dir, 'server.pem');
  await newKey(keyFile);
  await openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${commonName}`, '-out', csrFile]);
  const issuer = ['-cert', ca.certFile, '-keyfile', ca.keyFile, '-extensions', 'v3_server'];
  await sign(ca.config, issuer, csrFile, certFile);
  return { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
}

/** @param {string} keyFile an ECDSA P-256 key, PKCS#8 PEM */
function newKey(keyFile) {
  return openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
}

/**
 * `openssl ca` with the demo's validity window; `-notext` keeps the file plain PEM.
 * @param {string} config @param {string[]} args @param {string} csrFile @param {string} certFile
 */
function sign(config, args, csrFile, certFile) {
  const now = Date.now();
  return openssl([
    'ca', '-batch', '-notext', '-config', config, ...args,
    '-startdate', asn1Time(new Date(now - DAY_MS)),
    '-enddate', asn1Time(new Date(now + VALID_DAYS * DAY_MS)),
    '-in', csrFile, '-out', certFile,
  ]);
}

/** @param {string[]} args */
async function openssl(args) {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = /** @type {Error & { stderr?: string, code?: string }} */ (err);
    const why = e.code === 'ENOENT' ? 'the openssl command is not installed' : (e.stderr || e.message).trim();
    throw new Error(`openssl ${args[0]} failed: ${why}`, { cause: err });
  }
}

/** `YYYYMMDDhhmmssZ`, the GeneralizedTime form `openssl ca -startdate` accepts. */
function asn1Time(/** @type {Date} */ date) {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** A minimal `openssl ca` configuration rooted at `dir`. @param {string} dir */
function caConfig(dir) {
  return `
[ ca ]
default_ca = demo

[ demo ]
dir = ${dir}
database = $dir/index.txt
new_certs_dir = $dir/issued
rand_serial = yes
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
email_in_dn = no

[ policy_any ]
commonName = supplied

[ v3_ca ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ v3_server ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
`;
}

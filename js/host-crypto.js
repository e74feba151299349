// @ts-check
// node:crypto behind the wasm's HostCrypto interface (src/crypto/host.rs; bound in
// src/wasm/host_crypto.rs). The Rust side frames records (nonces, AADs) and falls back to
// *ring* whenever a method here throws; these functions only run OpenSSL's primitives, on
// views of wasm memory, synchronously. Handles are numbered by the wasm side.
import {
  constants,
  createCipheriv,
  createHash,
  createDecipheriv,
  createECDH,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  generateKeyPairSync,
  verify as verifySignature,
} from 'node:crypto';

const AEADS = ['aes-128-gcm', 'aes-256-gcm', 'chacha20-poly1305'];
const KEY_LENGTHS = [16, 32, 32];
const CURVES = [null, 'prime256v1', 'secp384r1'];
// A raw X25519 key becomes a KeyObject through its SubjectPublicKeyInfo: this fixed prefix
// (RFC 8410) then the 32 bytes.
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const HASHES = ['sha256', 'sha384', null, 'sha256', 'sha384', 'sha512', 'sha256', 'sha384', 'sha512'];
const TAG_LENGTH = 16;
/**
 * Entries kept by each of verify's two caches. The same few chains come back on every
 * connection to a server: parsing their keys and checking their signatures again each time
 * was most of a handshake's time in node:crypto.
 */
const CACHE_ENTRIES = 256;

/** A Map that forgets its oldest entry past `CACHE_ENTRIES`. @template V */
class Bounded extends Map {
  /** @param {string} k @param {V} v */
  set(k, v) {
    if (!this.has(k) && this.size >= CACHE_ENTRIES) this.delete(this.keys().next().value);
    return super.set(k, v);
  }
}

/** The `HostCrypto` object the Node entry installs. */
export function nodeHostCrypto() {
  /** @type {Map<number, { name: any, key: import('node:crypto').KeyObject }>} */
  const keys = new Map();
  /** @type {Map<number, any>} */
  const exchanges = new Map();
  /** @type {Bounded<import('node:crypto').KeyObject>} */
  const publicKeys = new Bounded();
  /** @type {Bounded<true>} */
  const verified = new Bounded();
  return {
    name: 'node:crypto',

    /** @param {number} id @param {number} alg @param {Uint8Array} raw */
    aeadKey(id, alg, raw) {
      const name = AEADS[alg];
      if (!name || raw.length !== KEY_LENGTHS[alg]) throw new RangeError('bad AEAD key');
      // One KeyObject per record key: each record still needs its own Cipher (no re-IV in
      // node:crypto), but not a fresh key schedule copy from JS.
      keys.set(id, { name, key: createSecretKey(raw) });
    },

    /** @param {number} id */
    aeadFree(id) {
      keys.delete(id);
    },

    /**
     * Encrypts `data` in place and writes the tag.
     * @param {number} id @param {Uint8Array} nonce @param {Uint8Array} aad
     * @param {Uint8Array} data @param {Uint8Array} tag
     */
    seal(id, nonce, aad, data, tag) {
      const k = keys.get(id);
      if (!k) throw new Error('unknown AEAD key');
      // No authTagLength option: 16 is every AEAD's default, and the options object cost a
      // tenth of a record's time in node:crypto.
      const c = createCipheriv(k.name, k.key, nonce);
      c.setAAD(aad);
      const out = c.update(data);
      c.final();
      data.set(out);
      tag.set(c.getAuthTag());
    },

    /**
     * Decrypts `data` in place if `tag` authenticates it; nothing is written otherwise.
     * @param {number} id @param {Uint8Array} nonce @param {Uint8Array} aad
     * @param {Uint8Array} data @param {Uint8Array} tag
     */
    open(id, nonce, aad, data, tag) {
      const k = keys.get(id);
      if (!k) throw new Error('unknown AEAD key');
      // Without authTagLength, GCM would take a shorter tag: the length is checked here.
      if (tag.length !== TAG_LENGTH) throw new RangeError('bad AEAD tag length');
      const d = createDecipheriv(k.name, k.key, nonce);
      d.setAAD(aad);
      d.setAuthTag(tag);
      const out = d.update(data);
      try {
        d.final();
      } catch {
        return false;
      }
      data.set(out);
      return true;
    },

    /** A key pair for `group`; its public key in TLS form. @param {number} id @param {number} group */
    kxStart(id, group) {
      if (group === 0) {
        const { privateKey, publicKey } = generateKeyPairSync('x25519');
        exchanges.set(id, privateKey);
        return publicKey.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_PREFIX.length);
      }
      const curve = CURVES[group];
      if (!curve) throw new RangeError('unknown group');
      const ecdh = createECDH(curve);
      const pub = ecdh.generateKeys();
      exchanges.set(id, ecdh);
      return pub;
    },

    /** The shared secret with `peer`; forgets the key pair. @param {number} id @param {Uint8Array} peer */
    kxComplete(id, peer) {
      const mine = exchanges.get(id);
      exchanges.delete(id);
      if (!mine) throw new Error('unknown key exchange');
      if (typeof mine.computeSecret === 'function') return mine.computeSecret(peer);
      const publicKey = createPublicKey({
        key: Buffer.concat([X25519_SPKI_PREFIX, peer]),
        format: 'der',
        type: 'spki',
      });
      // OpenSSL refuses an all-zero X25519 result (a small-order peer key) by throwing.
      return diffieHellman({ privateKey: mine, publicKey });
    },

    /** @param {number} id */
    kxFree(id) {
      exchanges.delete(id);
    },

    /**
     * Whether `sig` signs `msg` under the key in `spki`, with *ring*'s limits.
     * @param {number} alg @param {Uint8Array} spki @param {Uint8Array} msg @param {Uint8Array} sig
     */
    verify(alg, spki, msg, sig) {
      // Only successes are remembered, under a SHA-256 of everything the verdict depends on
      // (each part length-prefixed, so no two inputs share a key): a forged signature is
      // checked every time, and an entry can only repeat a verdict OpenSSL gave.
      const digest = createHash('sha256').update(Uint8Array.of(alg));
      for (const part of [spki, msg, sig]) {
        const length = Buffer.alloc(4);
        length.writeUInt32BE(part.length);
        digest.update(length).update(part);
      }
      const id = digest.digest('base64');
      if (verified.has(id)) return true;
      const valid = check(alg, spki, msg, sig);
      if (valid) verified.set(id, true);
      return valid;
    },
  };

  /** @param {number} alg @param {Uint8Array} spki @param {Uint8Array} msg @param {Uint8Array} sig */
  function check(alg, spki, msg, sig) {
    const spkiId = Buffer.from(spki).toString('base64');
    let key = publicKeys.get(spkiId);
    if (!key) {
      key = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
      publicKeys.set(spkiId, key);
    }
    if (alg >= 3) {
      // *ring* takes RSA moduli of 2048 to 8192 bits only: smaller is forgeable in
      // principle, larger is a denial-of-service lever.
      const d = key.asymmetricKeyDetails;
      if (key.asymmetricKeyType !== 'rsa' || !d?.modulusLength) return false;
      if (d.modulusLength < 2048 || d.modulusLength > 8192) return false;
      const pss = alg >= 6;
      return verifySignature(HASHES[alg], msg, {
        key,
        padding: pss ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING,
        // RFC 8446 §4.2.3: the salt is as long as the hash; *ring* insists, and so does this.
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      }, sig);
    }
    if (alg === 2) return key.asymmetricKeyType === 'ed25519' && verifySignature(null, msg, key, sig);
    if (key.asymmetricKeyType !== 'ec') return false;
    return verifySignature(HASHES[alg], msg, { key, dsaEncoding: 'der' }, sig);
  }
}

// @ts-check
// Reads the TLS record layer of one direction of a connection, as it passes through the
// transport, and names what it can see: record types, and the handshake messages that are
// still in the clear (ClientHello, ServerHello, TLS 1.2's Certificate …). Everything after
// the keys are in place is just "encrypted". Used only to label the page's timeline.

const CHANGE_CIPHER_SPEC = 20;
const ALERT = 21;
const HANDSHAKE = 22;
const APPLICATION_DATA = 23;

/** Handshake message names by type (RFC 8446 §4, RFC 5246 §7.4). */
const HANDSHAKE_NAMES = /** @type {Record<number, string>} */ ({
  0: 'HelloRequest',
  1: 'ClientHello',
  2: 'ServerHello',
  4: 'NewSessionTicket',
  5: 'EndOfEarlyData',
  8: 'EncryptedExtensions',
  11: 'Certificate',
  12: 'ServerKeyExchange',
  13: 'CertificateRequest',
  14: 'ServerHelloDone',
  15: 'CertificateVerify',
  16: 'ClientKeyExchange',
  20: 'Finished',
  24: 'KeyUpdate',
});

/** Alert descriptions (RFC 8446 §6). */
const ALERT_NAMES = /** @type {Record<number, string>} */ ({
  0: 'close_notify',
  10: 'unexpected_message',
  20: 'bad_record_mac',
  22: 'record_overflow',
  40: 'handshake_failure',
  42: 'bad_certificate',
  43: 'unsupported_certificate',
  44: 'certificate_revoked',
  45: 'certificate_expired',
  46: 'certificate_unknown',
  47: 'illegal_parameter',
  48: 'unknown_ca',
  50: 'decode_error',
  51: 'decrypt_error',
  70: 'protocol_version',
  71: 'insufficient_security',
  80: 'internal_error',
  86: 'inappropriate_fallback',
  109: 'missing_extension',
  110: 'unsupported_extension',
  112: 'unrecognized_name',
  116: 'certificate_required',
  120: 'no_application_protocol',
});

/** Plaintext handshake records are kept whole to name their messages; this caps that. */
const MAX_KEPT = 64 * 1024;

/** Splits one direction's bytes into TLS records, across any chunking. */
export class RecordScanner {
  constructor() {
    this.header = new Uint8Array(5);
    this.headerLength = 0;
    this.remaining = 0;
    /** @type {Uint8Array[] | null} body chunks of a plaintext record being kept */
    this.kept = null;
    /** Set by ChangeCipherSpec: in TLS 1.2 what follows it in this direction is encrypted. */
    this.encrypted = false;
  }

  /**
   * Reads `bytes` and returns a label for every record that ends inside them.
   * @param {Uint8Array} bytes
   * @returns {string[]}
   */
  feed(bytes) {
    /** @type {string[]} */
    const labels = [];
    let at = 0;
    while (at < bytes.length) {
      if (this.headerLength < 5) {
        const n = Math.min(5 - this.headerLength, bytes.length - at);
        this.header.set(bytes.subarray(at, at + n), this.headerLength);
        this.headerLength += n;
        at += n;
        if (this.headerLength < 5) break;
        this.remaining = (this.header[3] << 8) | this.header[4];
        const plain = !this.encrypted && (this.type === HANDSHAKE || this.type === ALERT);
        this.kept = plain && this.remaining <= MAX_KEPT ? [] : null;
      }
      const n = Math.min(this.remaining, bytes.length - at);
      if (this.kept && n) this.kept.push(bytes.slice(at, at + n));
      this.remaining -= n;
      at += n;
      if (this.remaining === 0) {
        labels.push(...this.finish());
        this.headerLength = 0;
      }
    }
    return labels;
  }

  get type() {
    return this.header[0];
  }

  /** Labels for the record just completed. */
  finish() {
    const body = this.kept ? concat(this.kept) : null;
    this.kept = null;
    switch (this.type) {
      case CHANGE_CIPHER_SPEC:
        this.encrypted = true;
        return ['ChangeCipherSpec'];
      case ALERT:
        if (body && body.length >= 2) {
          const level = body[0] === 2 ? 'fatal alert' : 'alert';
          return [`${level} ${ALERT_NAMES[body[1]] ?? body[1]}`];
        }
        return ['encrypted alert'];
      case HANDSHAKE:
        return body ? handshakeNames(body) : ['encrypted handshake message'];
      case APPLICATION_DATA:
        return ['encrypted record'];
      default:
        return [`record of type ${this.type}`];
    }
  }
}

/**
 * Names of the handshake messages in a plaintext handshake record (a message split across
 * records is named by its first part).
 * @param {Uint8Array} body
 */
function handshakeNames(body) {
  const names = [];
  let at = 0;
  while (at + 4 <= body.length) {
    const type = body[at];
    const length = (body[at + 1] << 16) | (body[at + 2] << 8) | body[at + 3];
    names.push(HANDSHAKE_NAMES[type] ?? `handshake message ${type}`);
    at += 4 + length;
  }
  return names.length ? names : ['handshake fragment'];
}

/** @param {Uint8Array[]} parts */
function concat(parts) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A short summary of a flight's labels: runs of the same label are counted
 * (`ServerHello, ChangeCipherSpec, 3 encrypted records`).
 * @param {string[]} labels
 */
export function summarize(labels) {
  /** @type {Array<[string, number]>} */
  const runs = [];
  for (const label of labels) {
    const last = runs[runs.length - 1];
    if (last && last[0] === label) last[1]++;
    else runs.push([label, 1]);
  }
  return runs.map(([label, n]) => (n === 1 ? label : `${n} ${plural(label)}`)).join(', ');
}

/** @param {string} label */
function plural(label) {
  if (label.endsWith('message') || label.endsWith('record') || label.endsWith('alert')) return label + 's';
  return `× ${label}`;
}

// What the Node harness (bench/run.mjs), the server child and the browser page share: the
// server profiles, the rows of the table, the byte pattern the server sends and the
// statistics. No Node imports: the browser page loads this file too.

/**
 * One listening server each. `cipher`/`serverCiphers`: the only suite the server may pick
 * (the bulk rows force it; Node's default server would pick AES-256-GCM).
 */
export const PROFILES = {
  ecdsa13: { cert: 'ecdsa', version: 'TLSv1.3' },
  rsa13: { cert: 'rsa', version: 'TLSv1.3' },
  ecdsa12: { cert: 'ecdsa', version: 'TLSv1.2' },
  'aes128-13': { cert: 'ecdsa', version: 'TLSv1.3', cipher: 'AES-128-GCM', serverCiphers: 'TLS_AES_128_GCM_SHA256' },
  'aes128-12': { cert: 'ecdsa', version: 'TLSv1.2', cipher: 'AES-128-GCM', serverCiphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
  'aes256-13': { cert: 'ecdsa', version: 'TLSv1.3', cipher: 'AES-256-GCM', serverCiphers: 'TLS_AES_256_GCM_SHA384' },
  'aes256-12': { cert: 'ecdsa', version: 'TLSv1.2', cipher: 'AES-256-GCM', serverCiphers: 'ECDHE-ECDSA-AES256-GCM-SHA384' },
  'chacha-13': { cert: 'ecdsa', version: 'TLSv1.3', cipher: 'CHACHA20-POLY1305', serverCiphers: 'TLS_CHACHA20_POLY1305_SHA256' },
  'chacha-12': { cert: 'ecdsa', version: 'TLSv1.2', cipher: 'CHACHA20-POLY1305', serverCiphers: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
};

/** The interleaved rows. `extra` rows run only with --all-rows. */
export const ROWS = [
  { id: 'hs-13-ecdsa', kind: 'handshake', profile: 'ecdsa13', label: 'handshake TLS 1.3 ECDSA P-256' },
  { id: 'hs-13-rsa', kind: 'handshake', profile: 'rsa13', label: 'handshake TLS 1.3 RSA-2048' },
  { id: 'hs-12-ecdsa', kind: 'handshake', profile: 'ecdsa12', label: 'handshake TLS 1.2 ECDSA P-256' },
  { id: 'bulk-13-aes128', kind: 'bulk', profile: 'aes128-13', label: 'bulk TLS 1.3 AES-128-GCM' },
  { id: 'bulk-12-aes128', kind: 'bulk', profile: 'aes128-12', label: 'bulk TLS 1.2 AES-128-GCM' },
  { id: 'bulk-13-aes256', kind: 'bulk', profile: 'aes256-13', label: 'bulk TLS 1.3 AES-256-GCM' },
  { id: 'bulk-13-chacha', kind: 'bulk', profile: 'chacha-13', label: 'bulk TLS 1.3 ChaCha20-Poly1305' },
  { id: 'bulk-12-aes256', kind: 'bulk', profile: 'aes256-12', label: 'bulk TLS 1.2 AES-256-GCM', extra: true },
  { id: 'bulk-12-chacha', kind: 'bulk', profile: 'chacha-12', label: 'bulk TLS 1.2 ChaCha20-Poly1305', extra: true },
];

/** A prime, so the pattern never lines up with records (16 KiB) or reads. */
export const PATTERN_PERIOD = 65521;

/** The byte at stream position `p` of every answer. */
export function patternByte(p) {
  const i = p % PATTERN_PERIOD;
  return (Math.imul(i, 167) ^ (i >>> 7) ^ (i >>> 13)) & 255;
}

/** Two periods of the pattern: any position's next PERIOD bytes are one contiguous slice. */
export function patternBlock() {
  const block = new Uint8Array(2 * PATTERN_PERIOD);
  for (let i = 0; i < block.length; i++) block[i] = patternByte(i);
  return block;
}

/**
 * Checks received bytes against the pattern, byte for byte, from where the connection's
 * stream stands. `bad` is the first stream position that differed (or -1).
 */
export class PatternCheck {
  static block = null;
  constructor(position = 0) {
    PatternCheck.block ??= patternBlock();
    this.position = position;
    this.bad = -1;
  }
  /** @param {Uint8Array} chunk */
  update(chunk) {
    const block = PatternCheck.block;
    let at = this.position % PATTERN_PERIOD;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== block[at] && this.bad < 0) this.bad = this.position + i;
      if (++at === PATTERN_PERIOD) at = 0;
    }
    this.position += chunk.length;
  }
}

/** Nearest-rank percentile of an unsorted array (q in 0..1). */
export function percentile(values, q) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
export const median = (v) => percentile(v, 0.5);

/** `order` rotated by `round`, so no library always goes first (or last). */
export function rotate(order, round) {
  const k = round % order.length;
  return [...order.slice(k), ...order.slice(0, k)];
}

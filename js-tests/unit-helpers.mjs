// Small helpers shared by the unit tests (connection/context/errors/x509). In-memory only:
// no sockets, no child processes (x509.test.mjs spawns openssl itself).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';

import { Context, Connection, Method, VerifyMode, WantReadError, memoryPair } from 'rustls-ssl';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/** Absolute path of a fixture. */
export const fx = (name) => path.join(FIXTURES, name);
/** A fixture as text. */
export const fxText = (name) => readFileSync(fx(name), 'utf8');
/** A fixture as bytes (a plain Uint8Array, not a Buffer). */
export const fxBytes = (name) => new Uint8Array(readFileSync(fx(name)));

export const enc = new TextEncoder();
export const dec = new TextDecoder();
export const bytes = (s) => enc.encode(s);
export const text = (b) => dec.decode(b);

export function sha256(u8) {
  return createHash('sha256').update(u8).digest('hex');
}

/** Deterministic pseudo-random bytes (xorshift), so a mismatch is reproducible. */
export function pattern(n, seed = 1) {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * A server Context with a certificate chain and key from the fixtures.
 * @param {{ method?: number, cert?: string, key?: string }} [o]
 */
export function serverContext({ method = Method.TLS_SERVER, cert = 'server-rsa-chain.pem', key = 'server-rsa.key' } = {}) {
  const ctx = new Context(method);
  ctx.useCertificateChainFile(fx(cert));
  ctx.usePrivateKeyFile(fx(key));
  return ctx;
}

/**
 * A client Context trusting ca.pem (verifying).
 * @param {{ method?: number, verify?: boolean }} [o]
 */
export function clientContext({ method = Method.TLS_CLIENT, verify = true } = {}) {
  const ctx = new Context(method);
  ctx.loadVerifyLocations(fx('ca.pem'));
  if (!verify) ctx.setVerify(VerifyMode.NONE);
  return ctx;
}

/**
 * A client and a server Connection in memory-BIO mode (transport null).
 * @param {{ client?: Context, server?: Context, host?: string | null }} [o]
 */
export function bioPair({ client = clientContext(), server = serverContext(), host = 'localhost' } = {}) {
  const c = new Connection(client, null);
  const s = new Connection(server, null);
  c.setConnectState();
  s.setAcceptState();
  if (host != null) c.setTlsextHostName(host);
  return { c, s };
}

/** Moves every pending ciphertext byte from `from` to `to`; returns how many moved. */
export function pumpOnce(from, to) {
  let moved = 0;
  for (;;) {
    let chunk;
    try {
      chunk = from.bioRead(65536);
    } catch (e) {
      if (e instanceof WantReadError) return moved;
      throw e;
    }
    if (chunk.length === 0) return moved;
    to.bioWrite(chunk);
    moved += chunk.length;
  }
}

/** Pumps both directions until nothing moves. */
export function pump(a, b) {
  let total = 0;
  for (let i = 0; i < 1000; i++) {
    const n = pumpOnce(a, b) + pumpOnce(b, a);
    total += n;
    if (n === 0) return total;
  }
  throw new Error('pump did not settle');
}

/**
 * Drives a memory-BIO handshake: calls doHandshake() on both, pumping ciphertext between
 * them, until both resolve. WantReadError is the expected "call again" signal; any other
 * error is thrown (with the side that raised it in `side`).
 */
export async function bioHandshake(c, s, { maxRounds = 50 } = {}) {
  let cDone = false;
  let sDone = false;
  for (let round = 0; round < maxRounds; round++) {
    for (const [conn, side] of [
      [c, 'client'],
      [s, 'server'],
    ]) {
      if (side === 'client' ? cDone : sDone) continue;
      try {
        await conn.doHandshake();
        if (side === 'client') cDone = true;
        else sDone = true;
      } catch (e) {
        if (!(e instanceof WantReadError)) {
          e.side ??= side;
          throw e;
        }
      }
    }
    const moved = pump(c, s);
    if (cDone && sDone && moved === 0) return;
  }
  throw new Error(`handshake did not finish (client done: ${cDone}, server done: ${sDone})`);
}

/**
 * Reads from a memory-BIO connection until `n` bytes arrived, pumping from `peer`.
 */
export async function bioRecvExactly(conn, peer, n) {
  const parts = [];
  let got = 0;
  for (let i = 0; got < n && i < 100000; i++) {
    pump(peer, conn);
    try {
      const chunk = await conn.recv(n - got);
      parts.push(chunk);
      got += chunk.length;
    } catch (e) {
      if (!(e instanceof WantReadError)) throw e;
      if (pump(peer, conn) === 0) throw new Error(`stalled after ${got} of ${n} bytes`);
    }
  }
  return concat(parts);
}

export function concat(parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A client and a server Connection over memoryPair() (or the transports in `pair`), handshake
 * done unless `handshake: false`.
 */
export async function transportPair({
  client = clientContext(),
  server = serverContext(),
  host = 'localhost',
  handshake = true,
  pairOptions,
  pair = memoryPair(pairOptions),
} = {}) {
  const [ta, tb] = pair;
  const c = new Connection(client, ta);
  const s = new Connection(server, tb);
  c.setConnectState();
  s.setAcceptState();
  if (host != null) c.setTlsextHostName(host);
  if (handshake) await Promise.all([c.doHandshake(), s.doHandshake()]);
  return { c, s, ta, tb };
}

/** Reads from a transport connection until `n` bytes arrived. */
export async function recvExactly(conn, n) {
  const parts = [];
  let got = 0;
  while (got < n) {
    const chunk = await conn.recv(Math.min(n - got, 1 << 20));
    if (chunk.length === 0) throw new Error(`empty recv after ${got} of ${n}`);
    parts.push(chunk);
    got += chunk.length;
  }
  return concat(parts);
}

/** Resolves to 'pending' if `p` has not settled after a few macrotask turns. */
export async function settledState(p, turns = 5) {
  let state = 'pending';
  p.then(
    () => (state = 'fulfilled'),
    () => (state = 'rejected'),
  );
  for (let i = 0; i < turns; i++) await new Promise((r) => setImmediate(r));
  return state;
}

/** Rejects after `ms` so a hang is a failure, not a stuck run. */
export function withTimeout(p, ms, what = 'operation') {
  let timer;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

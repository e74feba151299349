// @ts-check
// What toDuplex (js/node-streams.js) and toWebStreams (js/web-streams.js) share. Plain JS
// with no Node imports: the web entry loads it too.

import { ZeroReturnError } from './errors.js';

/**
 * The transport each Connection was created with (api.js records it at construction): the
 * adapters end it after close_notify, and a Connection has no getter for it.
 * @type {WeakMap<object, any>}
 */
export const transportOf = new WeakMap();

/** @type {WeakMap<object, Promise<void>>} */
const handshakes = new WeakMap();

/**
 * The handshake of `conn`, run once however many readers and writers ask for it (a Duplex's
 * first `_read` and `_write` can both arrive before it is done).
 * @param {any} conn
 * @param {AbortSignal} [signal] aborts the handshake (`connect({ signal })`); only the first
 *   caller's counts, as the handshake is run once
 * @returns {Promise<void>}
 */
export function handshakeOnce(conn, signal) {
  let p = handshakes.get(conn);
  if (!p) {
    p = conn.isHandshakeDone() ? Promise.resolve() : conn.doHandshake({ signal }).then(() => undefined);
    handshakes.set(conn, /** @type {Promise<void>} */ (p));
  }
  return /** @type {Promise<void>} */ (p);
}

/**
 * Sends close_notify, then ends the outgoing stream of the transport when it has `close()`.
 * @param {any} conn
 */
export async function closeNotify(conn) {
  await handshakeOnce(conn);
  await conn.shutdown();
  const transport = transportOf.get(conn);
  if (transport && typeof transport.close === 'function') await transport.close();
}

/** One TLS record's plaintext: what a read asks `recv` for at most. */
export const RECORD = 16384;

/**
 * Up to `size` bytes of plaintext, or `null` once the peer's close_notify has arrived.
 * @param {any} conn @param {number} size
 * @returns {Promise<Uint8Array | null>}
 */
export async function recvOrEnd(conn, size) {
  try {
    return await conn.recv(Math.max(1, Math.min(size, RECORD)));
  } catch (err) {
    if (err instanceof ZeroReturnError) return null;
    throw err;
  }
}

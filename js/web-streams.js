// @ts-check
// toWebStreams (docs/api.md): a Connection as a WHATWG { readable, writable } pair, in every
// runtime.

import { closeNotify, handshakeOnce, recvOrEnd, RECORD, transportOf } from './stream-common.js';

/**
 * `{ readable, writable }` over `conn`. The first read or write runs the handshake; the
 * readable pulls one `recv` per read it is asked for (a high-water mark of 0: nothing is read
 * before the consumer asks), and ends at the peer's close_notify; each chunk written goes
 * through `sendall`; closing the writable sends close_notify and then closes the transport.
 * Any other failure errors both streams with the package's own error.
 * @param {any} conn a Connection of either role
 */
export function toWebStreams(conn) {
  if (!conn || typeof conn.recv !== 'function' || typeof conn.sendall !== 'function') {
    throw new TypeError('toWebStreams needs a Connection');
  }
  /** @type {ReadableStreamDefaultController<Uint8Array> | null} */
  let readCtl = null;
  /** @type {WritableStreamDefaultController | null} */
  let writeCtl = null;
  let readDone = false;
  let writeDone = false;

  /** Errors whichever side is still open: one failure of the connection is both sides' end. */
  const fail = (/** @type {unknown} */ err) => {
    if (!readDone) {
      readDone = true;
      try {
        readCtl?.error(err);
      } catch {}
    }
    if (!writeDone) {
      writeDone = true;
      try {
        writeCtl?.error(err);
      } catch {}
    }
  };

  const readable = new ReadableStream(
    {
      start(c) {
        readCtl = c;
      },
      async pull(c) {
        try {
          await handshakeOnce(conn);
          const data = await recvOrEnd(conn, c.desiredSize && c.desiredSize > 0 ? c.desiredSize : RECORD);
          if (readDone) return;
          if (data === null) {
            readDone = true;
            c.close();
          } else if (data.length) {
            c.enqueue(data);
          }
        } catch (err) {
          fail(err);
          throw err;
        }
      },
      cancel() {
        // The consumer wants no more plaintext; the writable side stays usable.
        readDone = true;
      },
    },
    { highWaterMark: 0 },
  );

  const writable = new WritableStream({
    start(c) {
      writeCtl = c;
    },
    async write(chunk) {
      try {
        await handshakeOnce(conn);
        await conn.sendall(chunk);
      } catch (err) {
        fail(err);
        throw err;
      }
    },
    async close() {
      try {
        await closeNotify(conn);
        writeDone = true;
      } catch (err) {
        fail(err);
        throw err;
      }
    },
    async abort(reason) {
      // No close_notify: the peer sees the transport end without one (a truncation, as an
      // abort is). The readable ends with the same reason.
      writeDone = true;
      fail(reason);
      const transport = transportOf.get(conn);
      if (transport && typeof transport.close === 'function') await transport.close();
    },
  });

  return { readable, writable };
}

// @ts-check
// Ready-made transports (API.md §4): objects with `send(data)` and `recv(maxBytes)` in the
// shape of a socket. Plain JS with no Node imports, so the file loads in browsers too;
// `socketTransport` only needs the object it is given to behave like a Node Duplex.

const EMPTY = new Uint8Array(0);

/** A byte queue with awaiting readers: what one side sends, the other receives. */
class Pipe {
  constructor() {
    /** @type {Uint8Array[]} */
    this.chunks = [];
    /** @type {Array<() => void>} */
    this.waiters = [];
    this.ended = false;
  }

  /**
   * @param {Uint8Array} bytes
   * @param {boolean} [copy] a transport's view is only valid during the call (and a Node
   *   Buffer's `slice` is no copy), so memory pipes copy; socket chunks are already fresh
   */
  push(bytes, copy = true) {
    if (this.ended) throw new Error('the other side of this memory pipe was closed');
    if (bytes.length) this.chunks.push(copy ? new Uint8Array(bytes) : bytes);
    this.wake();
  }

  end() {
    this.ended = true;
    this.wake();
  }

  wake() {
    for (const w of this.waiters.splice(0)) w();
  }

  /** @param {number} max */
  take(max) {
    const first = this.chunks[0];
    if (first.length <= max) return /** @type {Uint8Array} */ (this.chunks.shift());
    this.chunks[0] = first.subarray(max);
    return first.subarray(0, max);
  }

  /** @param {number} max @param {boolean} blocking */
  pull(max, blocking) {
    if (this.chunks.length) return this.take(max);
    if (this.ended) return EMPTY;
    if (!blocking) return null;
    return new Promise((resolve) => this.waiters.push(() => resolve(this.pull(max, true))));
  }
}

/**
 * Two connected in-memory transports `[a, b]`. `recv` waits for data (blocking-socket
 * semantics) unless `{ blocking: false }`, when it returns `null` (→ `WantReadError`).
 * `close()` on one side is end of stream for the other.
 * @param {{ blocking?: boolean }} [options]
 */
export function memoryPair({ blocking = true } = {}) {
  const ab = new Pipe();
  const ba = new Pipe();
  /** @param {Pipe} out @param {Pipe} inbox */
  const side = (out, inbox) => ({
    /** @param {Uint8Array} data */
    send(data) {
      out.push(data);
      return data.length;
    },
    /** @param {number} max */
    recv(max) {
      return inbox.pull(max, blocking);
    },
    close() {
      out.end();
    },
  });
  return [side(ab, ba), side(ba, ab)];
}

/** Incoming bytes buffered before the socket is paused (backpressure towards the peer). */
const SOCKET_HIGH_WATER = 256 * 1024;

/**
 * A transport over a Node `net.Socket` (or any Node `Duplex`). `recv` waits for data; end
 * of stream is an empty array; a socket error is thrown from `recv`/`send` (→ SysCallError
 * with the error as `cause`). `send` resolves once the socket accepted the bytes, waiting
 * for 'drain' when its buffer is full.
 * @param {import('node:stream').Duplex} socket
 */
export function socketTransport(socket) {
  if (!socket || typeof socket.on !== 'function' || typeof socket.write !== 'function') {
    throw new TypeError('socketTransport needs a Node net.Socket or Duplex stream');
  }
  const inbox = new Pipe();
  let buffered = 0;
  /** @type {Error | null} */
  let failure = null;
  socket.on('data', (/** @type {Uint8Array} */ chunk) => {
    inbox.push(chunk, false);
    buffered += chunk.length;
    if (buffered > SOCKET_HIGH_WATER) socket.pause();
  });
  socket.on('end', () => inbox.end());
  socket.on('close', () => inbox.ended || inbox.end());
  socket.on('error', (/** @type {Error} */ err) => {
    failure = err;
    inbox.end();
  });
  return {
    socket,
    /** @param {Uint8Array} data */
    send(data) {
      if (failure) throw failure;
      if (socket.destroyed || socket.writableEnded) throw new Error('socket is closed');
      const ok = socket.write(new Uint8Array(data));
      if (ok) return data.length;
      return new Promise((resolve, reject) => {
        const done = (/** @type {Error | undefined} */ err) => {
          socket.off('drain', onDrain);
          socket.off('close', onClose);
          err ? reject(err) : resolve(data.length);
        };
        const onDrain = () => done(undefined);
        const onClose = () => done(failure ?? new Error('socket closed before the data was sent'));
        socket.on('drain', onDrain);
        socket.on('close', onClose);
      });
    },
    /** @param {number} max */
    async recv(max) {
      const out = await inbox.pull(max, true);
      if (out && out.length === 0 && failure) throw failure;
      if (out) buffered -= out.length;
      if (buffered <= SOCKET_HIGH_WATER && socket.isPaused()) socket.resume();
      return out;
    },
    close() {
      socket.end();
    },
  };
}

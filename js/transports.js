// @ts-check
// Ready-made transports (docs/api.md): objects with `send(data)` and `recv(maxBytes)` in the
// shape of a socket. Plain JS with no Node imports, so the file loads in browsers too;
// `socketTransport` only needs the object it is given to behave like a Node Duplex.

const EMPTY = new Uint8Array(0);

/**
 * An error with Node's `code` (docs/api.md); a connection's `SysCallError` takes the code of
 * what its transport threw.
 * @template {Error} E @param {E} err @param {string} code @returns {E & { code: string }}
 */
function coded(err, code) {
  return Object.assign(err, { code });
}

/** A byte queue with awaiting readers: what one side sends, the other receives. */
class Pipe {
  constructor() {
    /** @type {Uint8Array[]} */
    this.chunks = [];
    /** index of the first chunk not yet taken */
    this.head = 0;
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
    if (this.ended) throw coded(new Error('the other side of this memory pipe was closed'), 'EPIPE');
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

  /**
   * Reads from `head` rather than `shift()`ing, which moves every queued chunk: with a
   * sender of one byte per call that made each call cost more than the last.
   * @param {number} max
   */
  take(max) {
    const first = this.chunks[this.head];
    if (first.length > max) {
      this.chunks[this.head] = first.subarray(max);
      return first.subarray(0, max);
    }
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head); // amortised: each chunk moves once at most
      this.head = 0;
    }
    return first;
  }

  /** @param {number} max @param {boolean} blocking */
  pull(max, blocking) {
    if (this.head < this.chunks.length) return this.take(max);
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
    throw coded(new TypeError('socketTransport needs a Node net.Socket or Duplex stream'), 'ERR_INVALID_ARG_TYPE');
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
      if (socket.destroyed || socket.writableEnded) throw coded(new Error('socket is closed'), 'EPIPE');
      const ok = socket.write(new Uint8Array(data));
      if (ok) return data.length;
      return new Promise((resolve, reject) => {
        const done = (/** @type {Error | undefined} */ err) => {
          socket.off('drain', onDrain);
          socket.off('close', onClose);
          err ? reject(err) : resolve(data.length);
        };
        const onDrain = () => done(undefined);
        const onClose = () => done(failure ?? coded(new Error('socket closed before the data was sent'), 'EPIPE'));
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

/**
 * Bytes `streamTransport` lets the other side leave unread before `send` waits, as a socket's
 * buffers would. A stream's own `writer.ready` is no use here: a TransformStream's default
 * queue holds one chunk, so a send would wait for the peer to read the previous one, and a
 * peer that sends before it reads (a server's session tickets, then its reply) deadlocks.
 */
const STREAM_HIGH_WATER = 1024 * 1024;
/**
 * …and at most this many writes: a WritableStream's queue of pending writes costs more per
 * write the longer it is, so a sender of tiny chunks would otherwise slow every call.
 */
const STREAM_MAX_WRITES = 1024;

/**
 * A transport over a pair of WHATWG streams: bytes come from `readable` (chunks must be
 * `Uint8Array`s) and go to `writable`. `recv` waits for the next chunk and returns up to
 * `maxBytes` of it, keeping the rest for the next call; the end of `readable` is an empty
 * array, and an error from it is thrown (→ SysCallError with the error as `cause`). `send`
 * copies the data, writes it and resolves with its length; once more than 1 MiB written is
 * still unread (writes not settled), it waits for the other side to read first. A write that
 * fails is thrown by the next `send`. `close()` closes `writable` after the sends before it,
 * which is end of stream for the reader on the other side.
 * @param {{ readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array> }} streams
 */
export function streamTransport({ readable, writable } = /** @type {any} */ ({})) {
  if (!readable || typeof readable.getReader !== 'function' || !writable || typeof writable.getWriter !== 'function') {
    throw coded(
      new TypeError('streamTransport needs { readable, writable }: a ReadableStream and a WritableStream'),
      'ERR_INVALID_ARG_TYPE',
    );
  }
  const reader = readable.getReader();
  const writer = writable.getWriter();
  /** @type {Uint8Array | null} bytes of the last chunk that recv has not returned yet */
  let leftover = null;
  let ended = false;
  let closed = false;
  /** Bytes written whose write() has not settled: not yet taken by the other side. */
  let unsettled = 0;
  /** How many writes have not settled. */
  let writes = 0;
  /** @type {Array<() => void>} sends waiting for `unsettled` to drop */
  const waiters = [];
  /** @type {Promise<unknown>} the last send or close, so each goes after the ones before */
  let tail = Promise.resolve();
  /** @type {{ error: unknown } | null} the first failed write, thrown by every later send */
  let failure = null;

  /** @param {number} max */
  const takeLeftover = (max) => {
    const chunk = /** @type {Uint8Array} */ (leftover);
    if (chunk.length <= max) {
      leftover = null;
      return chunk;
    }
    leftover = chunk.subarray(max);
    return chunk.subarray(0, max);
  };

  /** @param {number} max */
  const readMore = async (max) => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        ended = true;
        return EMPTY;
      }
      if (!ArrayBuffer.isView(value)) {
        throw coded(
          new TypeError(`streamTransport: the readable gave a ${typeof value} chunk; it must give Uint8Arrays`),
          'ERR_INVALID_ARG_TYPE',
        );
      }
      if (value.byteLength === 0) continue; // an empty array would read as end of stream
      leftover = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      return takeLeftover(max);
    }
  };

  /** @param {Uint8Array} copy */
  const write = async (copy) => {
    while ((unsettled > STREAM_HIGH_WATER || writes >= STREAM_MAX_WRITES) && !failure) {
      await new Promise((r) => waiters.push(() => r(undefined)));
    }
    if (failure) throw failure.error;
    unsettled += copy.length;
    writes++;
    const settle = () => {
      unsettled -= copy.length;
      writes--;
      for (const wake of waiters.splice(0)) wake();
    };
    writer.write(copy).then(settle, (/** @type {unknown} */ error) => {
      failure ??= { error };
      settle();
    });
    return copy.length;
  };

  return {
    readable,
    writable,
    /** @param {Uint8Array} data */
    send(data) {
      if (failure) throw failure.error;
      if (closed) throw coded(new Error('streamTransport: the transport was closed'), 'EPIPE');
      const copy = new Uint8Array(data); // now: the view is only valid during the call
      const turn = tail.then(() => write(copy));
      tail = turn.catch(() => {});
      return turn;
    },
    /** @param {number} max */
    recv(max) {
      if (leftover) return takeLeftover(max);
      if (ended) return EMPTY;
      return readMore(max);
    },
    /** @returns {Promise<void>} */
    close() {
      if (!closed) {
        closed = true;
        tail = tail.then(() => writer.close()).catch(() => {});
      }
      return /** @type {Promise<void>} */ (tail);
    },
  };
}

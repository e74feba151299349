// @ts-check
// `wispClient(ws)` (docs/api.md): many TCP streams over one WebSocket, in the Wisp protocol that
// browser TCP tunnels use (wisp-server-node, @mercuryworkshop/wisp-js, epoxy). Each stream is a
// transport, so each carries one TLS connection. Plain JS with no imports beyond the error
// classes: it runs wherever a WebSocket does (browsers, Node with the `ws` package, Deno, Bun).
//
// The wire format (MercuryWorkshop/wisp-protocol, v1): every binary message is one packet,
// `type u8 | stream id u32 LE | payload`. The client opens a stream with CONNECT (stream type
// u8, port u16 LE, host name in UTF-8), both sides send DATA, the server grants the client
// CONTINUE credit (a number of DATA *packets* it can buffer for the stream; stream 0 gives the
// initial amount for every stream, once, when the socket opens), and either side ends a stream
// with CLOSE (a reason byte).
//
// Flow control only runs one way: CONTINUE limits what the client sends. Nothing in Wisp lets
// the client slow the server down for one stream, and pausing the socket would stall every
// other stream behind the one that is not reading (one connection that waits for another
// would never get its data). So each stream's queue of received bytes is capped instead, as
// webSocketTransport caps a browser WebSocket's: past RECV_LIMIT unread, that stream (only)
// fails, and the client tells the server with CLOSE 0x81.

import { SysCallError } from './errors.js';

const EMPTY = new Uint8Array(0);

/** Packet types. INFO is Wisp v2's: a v2 server sends it first and waits for the client's. */
const CONNECT = 0x01;
const DATA = 0x02;
const CONTINUE = 0x03;
const CLOSE = 0x04;
const INFO = 0x05;
const STREAM_TCP = 0x01;
const HEADER = 5;

/** Close reasons this client sends: a voluntary close, and "cannot take more data". */
const REASON_VOLUNTARY = 0x02;
const REASON_CLIENT_ERROR = 0x81;

/**
 * The protocol's close reasons, in words, with the Node error code each maps to.
 * @type {Map<number, [string, string]>}
 */
const REASONS = new Map([
  [0x01, ['unknown reason', 'ECONNRESET']],
  [0x02, ['voluntary close', 'ECONNRESET']],
  [0x03, ['network error', 'ECONNRESET']],
  [0x04, ['incompatible extensions', 'ERR_WISP_INCOMPATIBLE_EXTENSIONS']],
  [0x41, ['invalid stream information', 'ERR_WISP_INVALID_INFO']],
  [0x42, ['destination host unreachable', 'EHOSTUNREACH']],
  [0x43, ['connection timed out', 'ETIMEDOUT']],
  [0x44, ['connection refused', 'ECONNREFUSED']],
  [0x47, ['data transfer timed out', 'ETIMEDOUT']],
  [0x48, ['destination blocked by the server', 'ERR_WISP_HOST_BLOCKED']],
  [0x49, ['connection throttled by the server', 'ERR_WISP_THROTTLED']],
  [0x81, ['client error', 'ECONNRESET']],
  [0xc0, ['authentication failed: bad password', 'ERR_WISP_AUTH']],
  [0xc1, ['authentication failed: bad signature', 'ERR_WISP_AUTH']],
  [0xc2, ['authentication failed: missing credentials', 'ERR_WISP_AUTH']],
]);

/**
 * The largest DATA payload sent. Credit counts packets, not bytes, so a server's buffer holds
 * credit × this at most; TLS hands over a record or a few at a time, well under it.
 */
const MAX_DATA = 64 * 1024;

/** As webSocketTransport: above this many bytes in the socket's own buffer, sends wait. */
const HIGH_WATER = 1024 * 1024;
/** Neither browsers nor `ws` say when `bufferedAmount` drops: look again this often. */
const DRAIN_POLL_MS = 10;

/** At most this many received bytes wait unread per stream (webSocketTransport's limit). */
const RECV_LIMIT = 4 * 1024 * 1024;
/** What holding one packet's bytes costs beyond them, counted against RECV_LIMIT. */
const MESSAGE_OVERHEAD = 256;
/** Payloads shorter than this are packed into shared buffers of COALESCE_BUFFER bytes… */
const SMALL_MESSAGE = 512;
/** …so a peer of one-byte packets costs its bytes, not MESSAGE_OVERHEAD each. */
const COALESCE_BUFFER = 4096;

/** The highest stream id: ids are u32 and 0 is the connection's own. */
const MAX_STREAM_ID = 0xffffffff;
/** Host names longer than DNS allows are refused before anything is sent. */
const MAX_HOST_BYTES = 255;

const encoder = new TextEncoder();

/**
 * A SysCallError carrying `code` (and `extra` fields): what every failure here is, so a
 * caller using a transport directly sees the same class the Connection would give.
 * @param {string} message @param {string} code @param {Record<string, unknown>} [extra]
 */
function wispError(message, code, extra = {}) {
  const err = new SysCallError(-1, message);
  return Object.assign(err, { code }, extra);
}

/** @param {number} n */
const hex = (n) => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * The error a CLOSE with `reason` (other than a voluntary one) becomes.
 * @param {number} reason @param {string} [what] what was closed
 */
function closeReasonError(reason, what = 'Wisp stream closed') {
  const [words, code] = REASONS.get(reason) ?? ['unknown reason', 'ECONNRESET'];
  return wispError(`${what}: ${hex(reason)} ${words}`, code, { wispReason: reason });
}

/** What a value is, for messages. @param {unknown} v */
function typeName(v) {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return Object.prototype.toString.call(v).slice(8, -1);
}

/** @param {unknown} v */
const isArrayBuffer = (v) => Object.prototype.toString.call(v) === '[object ArrayBuffer]';

/**
 * Received bytes of one stream, in order, with what holding them costs (webSocketTransport's
 * accounting): each chunk counts its bytes plus MESSAGE_OVERHEAD, small payloads share
 * COALESCE_BUFFER-byte buffers, and the total never passes RECV_LIMIT.
 */
class ByteQueue {
  constructor() {
    /** @type {Array<{ bytes: Uint8Array, charge: number }>} */
    this.chunks = [];
    /** index of the first chunk not yet read: no shift() per read */
    this.head = 0;
    /** bytes not yet read */
    this.queued = 0;
    /** what the chunks count against RECV_LIMIT */
    this.held = 0;
    /** @type {{ buffer: Uint8Array, end: number } | null} the buffer small payloads go into */
    this.open = null;
  }

  /**
   * Queues a copy of `view` (not empty; only valid during the call). `false`, queueing
   * nothing, when that would hold more than RECV_LIMIT.
   * @param {Uint8Array} view
   */
  push(view) {
    const len = view.length;
    const small = len < SMALL_MESSAGE;
    const last = this.chunks.length > this.head ? this.chunks[this.chunks.length - 1] : null;
    if (small && this.open && last && this.open.end + len <= this.open.buffer.length) {
      // The last chunk is a view on the open buffer from its first unread byte.
      this.open.buffer.set(view, this.open.end);
      this.open.end += len;
      last.bytes = this.open.buffer.subarray(last.bytes.byteOffset, this.open.end);
      this.queued += len;
      return true;
    }
    let chunk;
    let charge;
    /** @type {{ buffer: Uint8Array, end: number } | null} */
    let open = null;
    if (small) {
      const buffer = new Uint8Array(COALESCE_BUFFER);
      buffer.set(view, 0);
      chunk = buffer.subarray(0, len);
      charge = COALESCE_BUFFER + MESSAGE_OVERHEAD;
      open = { buffer, end: len };
    } else {
      chunk = view.slice();
      charge = len + MESSAGE_OVERHEAD;
    }
    if (this.held + charge > RECV_LIMIT) return false;
    if (!small) this.seal();
    this.chunks.push({ bytes: chunk, charge });
    this.held += charge;
    this.queued += len;
    this.open = open;
    return true;
  }

  /** Ends the open buffer: its unread bytes are copied out, so its spare room is not held. */
  seal() {
    const last = this.chunks.length > this.head ? this.chunks[this.chunks.length - 1] : null;
    if (this.open && last) {
      last.bytes = last.bytes.slice();
      const charge = last.bytes.length + MESSAGE_OVERHEAD;
      this.held += charge - last.charge;
      last.charge = charge;
    }
    this.open = null;
  }

  /** Drops the front chunk, read to its end. */
  shift() {
    const chunk = this.chunks[this.head++];
    this.held -= chunk.charge;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
      this.open = null; // its view was the last chunk
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /** Up to `max` bytes from the front; the queue must not be empty. @param {number} max */
  take(max) {
    const first = this.chunks[this.head];
    if (first.bytes.length >= max) {
      const out = first.bytes.subarray(0, max);
      if (first.bytes.length === max) this.shift();
      else first.bytes = first.bytes.subarray(max);
      this.queued -= max;
      return out;
    }
    const out = new Uint8Array(Math.min(max, this.queued));
    let at = 0;
    while (at < out.length) {
      const chunk = this.chunks[this.head];
      const n = Math.min(chunk.bytes.length, out.length - at);
      out.set(chunk.bytes.subarray(0, n), at);
      if (n < chunk.bytes.length) chunk.bytes = chunk.bytes.subarray(n);
      else this.shift();
      at += n;
    }
    this.queued -= at;
    return out;
  }

  clear() {
    this.chunks = [];
    this.head = 0;
    this.queued = 0;
    this.held = 0;
    this.open = null;
  }
}

/**
 * Resolves on the next `wake`: the one way anything here waits for an event.
 * @param {Array<() => void>} waiters
 * @returns {Promise<void>}
 */
function nextWake(waiters) {
  return new Promise((resolve) => waiters.push(resolve));
}

/** @param {Array<() => void>} waiters */
function wakeAll(waiters) {
  for (const w of waiters.splice(0)) w();
}

/**
 * One Wisp stream: the state behind a `WispTransport`. CONNECT goes out on the first `send`
 * or `recv`.
 */
class Stream {
  /** @param {Tunnel} client @param {string} host @param {Uint8Array} hostBytes @param {number} port */
  constructor(client, host, hostBytes, port) {
    this.client = client;
    /** @readonly */
    this.host = host;
    /** @readonly */
    this.port = port;
    this.hostBytes = hostBytes;
    /** The stream id, once CONNECT was sent; 0 before. */
    this.streamId = 0;
    /** DATA packets the server can take now */
    this.credit = 0;
    this.queue = new ByteQueue();
    /**
     * What `recv` gives once the queue is read: end of stream, or an error.
     * @type {null | { eof: true } | { error: Error }}
     */
    this.readEnd = null;
    /** @type {Error | null} what every send throws from now on */
    this.writeError = null;
    /** close() was called */
    this.closing = false;
    /** @type {Promise<void> | null} CONNECT sent (or the stream failed) */
    this.opening = null;
    /** sends not finished: a new send waits behind them */
    this.pendingSends = 0;
    /** @type {Promise<unknown>} the last send, so each goes after the ones before */
    this.tail = Promise.resolve();
    /** @type {Promise<void> | null} */
    this.closed = null;
    /** @type {Array<() => void>} */
    this.waiters = [];
  }

  /** Received bytes `recv` has not returned yet. */
  get queued() {
    return this.queue.queued;
  }

  /**
   * Sends `data` (copied now) as DATA packets, each spending one packet of the server's
   * credit. Returns `data.length` when it all went at once, or a promise of it when it has to
   * wait: for the tunnel to open, for CONTINUE credit, or for the socket's buffer to drain.
   * @param {Uint8Array} data
   * @returns {number | Promise<number>}
   */
  send(data) {
    this.checkWritable();
    const packets = this.packetsOf(data);
    if (this.pendingSends === 0 && this.streamId !== 0 && this.trySendNow(packets)) return data.length;
    this.pendingSends++;
    const turn = this.tail.then(() => this.sendLater(packets, data.length));
    this.tail = turn.then(
      () => this.pendingSends--,
      () => this.pendingSends--,
    );
    return turn;
  }

  /**
   * Up to `maxBytes` received bytes; waits while none are queued. After the server's
   * voluntary CLOSE (or `close()`) the queue is read, then an empty array; after any other
   * CLOSE, or the tunnel failing, the queue is read, then it throws.
   * @param {number} maxBytes
   * @returns {Uint8Array | Promise<Uint8Array>}
   */
  recv(maxBytes) {
    if (!(maxBytes >= 1)) {
      throw Object.assign(new RangeError(`maxBytes must be at least 1, not ${maxBytes}`), { code: 'ERR_OUT_OF_RANGE' });
    }
    if (!this.closing) this.open();
    const ready = this.pollRecv(maxBytes);
    if (ready) return ready;
    return (async () => {
      for (;;) {
        await nextWake(this.waiters);
        const out = this.pollRecv(maxBytes);
        if (out) return out;
      }
    })();
  }

  /**
   * Ends the stream after the sends before it: CLOSE (reason 0x02) goes to the server, which
   * closes its TCP connection (Wisp has no half-close). Bytes already received can still be
   * read, then `recv` gives end of stream; `send` throws from now on.
   * @returns {Promise<void>}
   */
  close() {
    if (this.closed) return this.closed;
    this.closing = true;
    this.endRead({ eof: true });
    this.closed = (async () => {
      await this.tail;
      if (this.opening) await this.opening;
      this.client.closeStream(this, REASON_VOLUNTARY);
    })().catch(() => {});
    return this.closed;
  }

  // ---- the client calls these ----

  /** @internal Data from the server. @param {Uint8Array} payload */
  onData(payload) {
    if (this.readEnd || payload.length === 0) return;
    if (!this.queue.push(payload)) {
      this.queue.clear();
      const err = wispError(
        `Wisp stream receive queue over ${RECV_LIMIT / (1024 * 1024)} MiB unread: the server sent more ` +
          'than the connection read (wispClient\'s limit; Wisp has no flow control towards the client)',
        'ERR_WISP_RECV_LIMIT',
        { limit: RECV_LIMIT },
      );
      this.fail(err);
      this.client.closeStream(this, REASON_CLIENT_ERROR);
      return;
    }
    wakeAll(this.waiters);
  }

  /** @internal CONTINUE from the server. @param {number} credit */
  onContinue(credit) {
    this.credit = credit;
    wakeAll(this.waiters);
  }

  /** @internal CLOSE from the server. @param {number | null} reason null when the packet had none */
  onClose(reason) {
    if (reason === REASON_VOLUNTARY) {
      this.endRead({ eof: true });
      this.writeError ??= wispError('the server closed the Wisp stream (0x02 voluntary close)', 'EPIPE', { wispReason: reason });
    } else if (reason === null) {
      this.fail(wispError('Wisp protocol error: a CLOSE packet without a reason byte', 'ERR_WISP_PROTOCOL'));
    } else {
      this.fail(closeReasonError(reason));
    }
    wakeAll(this.waiters);
  }

  /** @internal The stream failed: reads drain the queue, then throw `err`; sends throw it. @param {Error} err */
  fail(err) {
    this.endRead({ error: err });
    this.writeError ??= err;
    wakeAll(this.waiters);
  }

  /** @internal */
  wake() {
    wakeAll(this.waiters);
  }

  // ---- inside ----

  /** @param {{ eof: true } | { error: Error }} end */
  endRead(end) {
    this.readEnd ??= end;
    wakeAll(this.waiters);
  }

  checkWritable() {
    if (this.writeError) throw this.writeError;
    if (this.closing) throw wispError('the Wisp stream was closed (close() was called)', 'ERR_TRANSPORT_CLOSED');
  }

  /** Sends CONNECT once; settles when it went or the stream failed. */
  open() {
    this.opening ??= this.client.connectStream(this).then(
      () => this.wake(),
      (/** @type {Error} */ err) => this.fail(err),
    );
    return this.opening;
  }

  /** @param {number} max */
  pollRecv(max) {
    if (this.queue.queued > 0) return this.queue.take(max);
    if (!this.readEnd) return null;
    if ('error' in this.readEnd) throw this.readEnd.error;
    return EMPTY;
  }

  /**
   * The DATA packets for `data`, built now (the view is only valid during the call); the
   * stream id is written when they go.
   * @param {Uint8Array} data
   */
  packetsOf(data) {
    /** @type {Uint8Array[]} */
    const packets = [];
    for (let at = 0; at < data.length; at += MAX_DATA) {
      const part = data.subarray(at, Math.min(at + MAX_DATA, data.length));
      const packet = new Uint8Array(HEADER + part.length);
      packet[0] = DATA;
      packet.set(part, HEADER);
      packets.push(packet);
    }
    return packets;
  }

  /** All of `packets` now, if credit and the socket allow; otherwise none. @param {Uint8Array[]} packets */
  trySendNow(packets) {
    const client = this.client;
    if (this.credit < packets.length || !client.canSend()) return false;
    for (const packet of packets) this.sendPacket(packet);
    return true;
  }

  /** @param {Uint8Array} packet */
  sendPacket(packet) {
    new DataView(packet.buffer, packet.byteOffset, HEADER).setUint32(1, this.streamId, true);
    this.client.sendRaw(packet);
    this.credit--;
  }

  /** @param {Uint8Array[]} packets @param {number} length */
  async sendLater(packets, length) {
    // Not checkWritable: a send made before close() still goes, ahead of the CLOSE.
    if (this.writeError) throw this.writeError;
    await this.open();
    for (const packet of packets) {
      for (;;) {
        if (this.writeError) throw this.writeError;
        if (this.credit > 0 && this.client.canSend()) break;
        if (this.credit > 0) await this.client.drained();
        else await nextWake(this.waiters);
      }
      this.sendPacket(packet);
    }
    await this.client.drained();
    if (this.writeError) throw this.writeError;
    return length;
  }
}

/** The state behind a `WispClient`: the socket, the streams by id, the handshake. */
class Tunnel {
  /** @param {any} ws */
  constructor(ws) {
    for (const method of ['addEventListener', 'removeEventListener', 'send', 'close']) {
      if (typeof ws?.[method] !== 'function') {
        throw Object.assign(
          new TypeError(`wispClient needs a WebSocket (a browser one or the ws package's); ${method} is missing from ${typeName(ws)}`),
          { code: 'ERR_INVALID_ARG_TYPE' },
        );
      }
    }
    this.ws = ws;
    ws.binaryType = 'arraybuffer';
    /** the server's initial CONTINUE arrived: streams can open */
    this.ready = false;
    /** packets of credit each new stream starts with */
    this.initialCredit = 0;
    /** the client answered a v2 server's INFO */
    this.infoSent = false;
    /** @type {Error | null} */
    this.failure = null;
    /** close() was called */
    this.closedByUser = false;
    this.nextId = 1;
    /** @type {Map<number, Stream>} open streams by id */
    this.streams = new Map();
    /** @type {Array<() => void>} streams waiting for the tunnel to be ready */
    this.waiters = [];

    // Listening now, before anything can be awaited: the server's first CONTINUE may come
    // with the very first message event. The listeners stay for the socket's life (a `ws`
    // socket emits 'error' with nobody listening otherwise, which throws).
    ws.addEventListener('open', () => wakeAll(this.waiters));
    ws.addEventListener('message', (/** @type {any} */ e) => this.onMessage(e));
    ws.addEventListener('close', (/** @type {any} */ e) => this.onSocketClose(e));
    ws.addEventListener('error', (/** @type {any} */ e) => this.onSocketError(e));
    if (ws.readyState === 2 || ws.readyState === 3) {
      this.fail(wispError('the Wisp WebSocket is already closing or closed', 'ERR_WEBSOCKET_CLOSED'));
    }
  }

  /** The WebSocket this client runs over. */
  get socket() {
    return this.ws;
  }

  /**
   * A transport for one TCP stream to `host:port` through the server. Nothing is sent until
   * its first `send` or `recv`.
   * @param {string} host @param {number} port
   */
  transport(host, port) {
    if (typeof host !== 'string') {
      throw Object.assign(new TypeError(`host must be a string, not ${typeName(host)}`), { code: 'ERR_INVALID_ARG_TYPE' });
    }
    const hostBytes = encoder.encode(host);
    if (hostBytes.length === 0 || hostBytes.length > MAX_HOST_BYTES || host.includes('\0')) {
      throw Object.assign(new RangeError(`host must be 1 to ${MAX_HOST_BYTES} bytes of UTF-8 with no NUL: ${JSON.stringify(host.slice(0, 64))}`), {
        code: 'ERR_INVALID_ARG_VALUE',
      });
    }
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw Object.assign(new RangeError(`port must be an integer from 1 to 65535, not ${String(port)}`), { code: 'ERR_OUT_OF_RANGE' });
    }
    return new Stream(this, host, hostBytes, port);
  }

  /**
   * Closes the WebSocket (code 1000). Every stream ends: bytes already received can still be
   * read, then `recv` gives end of stream; sends throw.
   */
  close() {
    if (!this.closedByUser) {
      this.closedByUser = true;
      const err = wispError('the Wisp client was closed (close() was called)', 'ERR_TRANSPORT_CLOSED');
      for (const stream of this.streams.values()) {
        stream.writeError ??= err;
        stream.close();
      }
      this.failure ??= err;
      wakeAll(this.waiters);
    }
    if (this.ws.readyState === 0 || this.ws.readyState === 1) this.ws.close(1000);
  }

  // ---- for Stream ----

  /** @internal */
  canSend() {
    return !this.failure && this.ws.readyState === 1 && this.ws.bufferedAmount <= HIGH_WATER;
  }

  /** @internal @param {Uint8Array} packet */
  sendRaw(packet) {
    this.ws.send(packet);
  }

  /** @internal Resolves once the socket's buffer is at most HIGH_WATER; throws if it failed. */
  async drained() {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.ws.readyState === 1 && this.ws.bufferedAmount <= HIGH_WATER) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** @internal Gives `stream` an id and sends its CONNECT, once the server is ready. @param {Stream} stream */
  async connectStream(stream) {
    while (!this.ready || this.ws.readyState !== 1) {
      if (this.failure) throw this.failure;
      await nextWake(this.waiters);
    }
    if (this.failure) throw this.failure;
    if (this.nextId > MAX_STREAM_ID) throw wispError('this Wisp client has used every stream id', 'ERR_WISP_STREAM_IDS');
    const id = this.nextId++;
    const packet = new Uint8Array(HEADER + 3 + stream.hostBytes.length);
    const view = new DataView(packet.buffer);
    packet[0] = CONNECT;
    view.setUint32(1, id, true);
    packet[5] = STREAM_TCP;
    view.setUint16(6, stream.port, true);
    packet.set(stream.hostBytes, HEADER + 3);
    this.ws.send(packet);
    stream.streamId = id;
    stream.credit = this.initialCredit;
    this.streams.set(id, stream);
  }

  /** @internal Sends CLOSE for `stream` if it is still open, and forgets it. @param {Stream} stream @param {number} reason */
  closeStream(stream, reason) {
    if (stream.streamId === 0 || this.streams.get(stream.streamId) !== stream) return;
    this.streams.delete(stream.streamId);
    if (this.failure || this.ws.readyState !== 1) return;
    const packet = new Uint8Array(HEADER + 1);
    packet[0] = CLOSE;
    new DataView(packet.buffer).setUint32(1, stream.streamId, true);
    packet[5] = reason;
    try {
      this.ws.send(packet);
    } catch {
      // the socket is going; its close event fails what is left
    }
  }

  // ---- events ----

  /** Never throws: a malformed packet fails the client instead. @param {any} event */
  onMessage(event) {
    try {
      this.route(event?.data);
    } catch (err) {
      this.protocolError(`a packet could not be handled: ${/** @type {Error} */ (err)?.message ?? err}`);
    }
  }

  /** @param {unknown} data */
  route(data) {
    if (this.failure) return;
    /** @type {Uint8Array} */
    let bytes;
    if (isArrayBuffer(data)) bytes = new Uint8Array(/** @type {ArrayBuffer} */ (data));
    else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    else {
      const what = typeof data === 'string' ? 'a text message' : `a message of type ${typeName(data)}`;
      return this.protocolError(`the server sent ${what}; Wisp packets are binary messages (binaryType must stay 'arraybuffer')`);
    }
    if (bytes.length < HEADER) {
      return this.protocolError(`the server sent a ${bytes.length}-byte message; a packet has a 5-byte header`);
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const type = bytes[0];
    const id = view.getUint32(1, true);
    const payload = bytes.subarray(HEADER);
    if (type === INFO) return this.onInfo(id, payload);
    if (type !== DATA && type !== CONTINUE && type !== CLOSE) {
      return this.protocolError(`the server sent a packet of unknown type ${hex(type)} (stream ${id})`);
    }
    if (id === 0) return this.onConnectionPacket(type, payload);
    const stream = this.streams.get(id);
    if (!stream) {
      // A stream this client closed can still have packets on the way: those are dropped.
      if (id < this.nextId) return;
      return this.protocolError(`the server sent ${packetName(type)} for stream ${id}, which this client never opened`);
    }
    if (type === DATA) return stream.onData(payload);
    if (type === CONTINUE) {
      if (payload.length < 4) return this.protocolError(`a CONTINUE packet of ${payload.length} payload bytes (it needs 4), stream ${id}`);
      return stream.onContinue(view.getUint32(HEADER, true));
    }
    this.streams.delete(id);
    stream.onClose(payload.length >= 1 ? payload[0] : null);
  }

  /** A packet for stream 0: the initial CONTINUE, or the server closing everything. @param {number} type @param {Uint8Array} payload */
  onConnectionPacket(type, payload) {
    if (type === CONTINUE) {
      if (payload.length < 4) return this.protocolError(`the initial CONTINUE packet has ${payload.length} payload bytes (it needs 4)`);
      this.initialCredit = new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true);
      this.ready = true;
      wakeAll(this.waiters);
      return;
    }
    if (type === CLOSE) {
      const reason = payload.length >= 1 ? payload[0] : 0x01;
      return this.fail(closeReasonError(reason, 'the Wisp server closed the connection'), true);
    }
    this.protocolError('the server sent DATA on stream 0, which carries no data');
  }

  /**
   * INFO is Wisp v2's handshake. A v2 server (wisp-js's default) sends it first and waits for
   * the client's before its CONTINUE: the answer is version 2.0 with no extensions, which is
   * v1's behaviour under v2's handshake. After that, INFO packets are ignored.
   * @param {number} id @param {Uint8Array} payload
   */
  onInfo(id, payload) {
    if (id !== 0 || this.ready || this.infoSent || payload.length < 2) return;
    this.infoSent = true;
    this.sendRaw(new Uint8Array([INFO, 0, 0, 0, 0, 2, 0]));
  }

  /** @param {any} event */
  onSocketClose(event) {
    const code = typeof event?.code === 'number' ? event.code : 1005;
    const reason = typeof event?.reason === 'string' && event.reason ? `: ${event.reason}` : '';
    this.fail(wispError(`the Wisp WebSocket closed with code ${code}${reason}`, 'ERR_WEBSOCKET_CLOSED', { closeCode: code }));
  }

  /** @param {any} event */
  onSocketError(event) {
    // The ws package's ErrorEvent says what went wrong; a browser's says nothing.
    const detail = typeof event?.message === 'string' && event.message ? `: ${event.message}` : '';
    const err = wispError(`Wisp WebSocket error${detail}`, 'ERR_WEBSOCKET_ERROR');
    err.cause = event?.error ?? event;
    this.fail(err);
  }

  /** The server broke the protocol: nothing after this can be trusted. @param {string} message */
  protocolError(message) {
    this.fail(wispError(`Wisp protocol error: ${message}`, 'ERR_WISP_PROTOCOL'), true);
  }

  /**
   * Fails every stream with `err` (the first failure stays) and, when `closeSocket`, closes
   * the socket: 1002 (protocol error) where allowed, a plain close in browsers, which only
   * let a page send 1000 or 3000–4999.
   * @param {Error} err @param {boolean} [closeSocket]
   */
  fail(err, closeSocket = false) {
    if (!this.failure) {
      this.failure = err;
      const streams = [...this.streams.values()];
      this.streams.clear();
      for (const stream of streams) stream.fail(err);
      wakeAll(this.waiters);
    }
    if (closeSocket && (this.ws.readyState === 0 || this.ws.readyState === 1)) {
      try {
        this.ws.close(1002, 'Wisp protocol error');
      } catch {
        try {
          this.ws.close();
        } catch {
          // already closing
        }
      }
    }
  }
}

/** @param {number} type */
function packetName(type) {
  return type === DATA ? 'DATA' : type === CONTINUE ? 'CONTINUE' : 'CLOSE';
}

// The public objects hold their state in a private field: what a caller sees (and what
// index.d.ts declares) is the transport's methods and a few getters, nothing to tamper with.

/** One TCP stream through the Wisp server, as a transport (docs/api.md). */
class WispTransport {
  #s;
  /** @param {Stream} stream */
  constructor(stream) {
    this.#s = stream;
  }

  /** @param {Uint8Array} data */
  send(data) {
    return this.#s.send(data);
  }

  /** @param {number} maxBytes */
  recv(maxBytes) {
    return this.#s.recv(maxBytes);
  }

  close() {
    return this.#s.close();
  }

  get host() {
    return this.#s.host;
  }

  get port() {
    return this.#s.port;
  }

  /** The Wisp stream id: 0 until the first `send` or `recv` sent CONNECT. */
  get streamId() {
    return this.#s.streamId;
  }

  /** Received bytes `recv` has not returned yet. */
  get queued() {
    return this.#s.queued;
  }
}

/** Many TCP streams over one WebSocket (docs/api.md). */
class WispClient {
  #t;
  /** @param {any} ws */
  constructor(ws) {
    this.#t = new Tunnel(ws);
  }

  /**
   * A transport for one TCP stream to `host:port` through the server; CONNECT goes out on
   * its first `send` or `recv`.
   * @param {string} host @param {number} port
   */
  transport(host, port) {
    return new WispTransport(this.#t.transport(host, port));
  }

  /** Closes the WebSocket (code 1000); every stream ends. */
  close() {
    this.#t.close();
  }

  /** The WebSocket this client runs over. */
  get socket() {
    return this.#t.socket;
  }
}

/**
 * A Wisp client over `ws` (a browser `WebSocket` or the `ws` package's, open or still
 * connecting). Sets `ws.binaryType = 'arraybuffer'` and listens at once, so pass it the
 * socket right after creating it: the server's first packet says how much the client may send.
 * @param {any} ws
 */
export function wispClient(ws) {
  return new WispClient(ws);
}

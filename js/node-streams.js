// @ts-check
// toDuplex and connect (docs/api.md): a Connection where Node expects a socket. Node only
// (node:net, node:stream); js/node.mjs exports these, js/web.mjs never imports this file.

import net from 'node:net';
import { Duplex } from 'node:stream';

import { Connection, Context, SSLError, TLS_CLIENT_METHOD, VERIFY_NONE, VERIFY_PEER, X509VerificationCodes } from './api.js';
import { socketTransport } from './transports.js';
import { closeNotify, handshakeOnce, recvOrEnd, transportOf } from './stream-common.js';

/**
 * A Duplex over a Connection. Reads happen only when the stream asks (`_read`), one `recv`
 * at a time, so at most the readable high-water mark plus one record is buffered here; a
 * write completes when `sendall` has handed the ciphertext to the transport, so a slow peer
 * makes `write()` return false.
 */
class TLSDuplex extends Duplex {
  /** @param {any} conn @param {import('node:stream').DuplexOptions} [options] */
  constructor(conn, options) {
    // Like a net.Socket: the peer's close_notify ends our side too, unless asked otherwise.
    super({ allowHalfOpen: false, ...options });
    this.connection = conn;
    /** The transport's socket when there is one: the timeouts, keep-alive and refs go to it. */
    this.socket = transportOf.get(conn)?.socket ?? null;
    this.encrypted = true;
    /** @type {Promise<void> | null} */
    this._secured = null;
    /** @type {AbortSignal | undefined} `connect({ signal })`'s, for the handshake */
    this._signal = undefined;
    this._reading = false;
    if (this.socket) {
      this.socket.on('timeout', () => this.emit('timeout'));
      // The socket closing is news only once read: the plaintext before the peer's
      // close_notify (or the truncation error) comes first, so ask for a read, not destroy().
      this.socket.on('close', () => {
        if (!this.destroyed && !this.readableEnded) this.read(0);
      });
    }
  }

  /** Runs the handshake once and emits 'secure' (then 'secureConnect' for `connect`). */
  _secure() {
    this._secured ??= handshakeOnce(this.connection, this._signal).then(
      () => {
        if (this.destroyed) return;
        this.emit('secure');
        this._onSecure();
      },
      (err) => {
        this.destroy(tagVerifyFailure(err, this.connection));
        throw err;
      },
    );
    return this._secured;
  }

  _onSecure() {}

  /** @param {number} size */
  _read(size) {
    if (this._reading) return;
    this._reading = true;
    this._secure()
      .then(() => recvOrEnd(this.connection, size))
      .then(
        (data) => {
          this._reading = false;
          if (this.destroyed) return;
          if (data === null) this.push(null);
          else if (data.length) this.push(data);
          else this._read(size); // nothing decrypted yet: ask again, still one at a time
        },
        (err) => {
          this._reading = false;
          this.destroy(err);
        },
      );
  }

  /** @param {Uint8Array} chunk @param {BufferEncoding} _enc @param {(err?: Error | null) => void} cb */
  _write(chunk, _enc, cb) {
    this._secure()
      .then(() => this.connection.sendall(chunk))
      .then(() => cb(), cb);
  }

  /** Coalesces what queued up during one write (headers, then body) into one sendall. */
  /** @param {Array<{ chunk: Uint8Array }>} chunks @param {(err?: Error | null) => void} cb */
  _writev(chunks, cb) {
    this._write(Buffer.concat(chunks.map((c) => c.chunk)), 'buffer', cb);
  }

  /** `end()`: close_notify, then the end of the transport. */
  /** @param {(err?: Error | null) => void} cb */
  _final(cb) {
    this._secure()
      .then(() => closeNotify(this.connection))
      .then(() => cb(), cb);
  }

  /** @param {Error | null} err @param {(err?: Error | null) => void} cb */
  _destroy(err, cb) {
    if (this.socket) this.socket.destroy();
    else {
      try {
        transportOf.get(this.connection)?.close?.();
      } catch {}
    }
    cb(err);
  }

  // What http, undici and ws call on a socket: forwarded to the transport's socket if any.
  /** @param {number} ms @param {() => void} [cb] */
  setTimeout(ms, cb) {
    if (cb) ms ? this.once('timeout', cb) : this.off('timeout', cb);
    this.socket?.setTimeout?.(ms);
    return this;
  }
  /** @param {boolean} [noDelay] */
  setNoDelay(noDelay) {
    this.socket?.setNoDelay?.(noDelay);
    return this;
  }
  /** @param {boolean} [enable] @param {number} [delay] */
  setKeepAlive(enable, delay) {
    this.socket?.setKeepAlive?.(enable, delay);
    return this;
  }
  ref() {
    this.socket?.ref?.();
    return this;
  }
  unref() {
    this.socket?.unref?.();
    return this;
  }
  address() {
    return this.socket?.address?.() ?? {};
  }
  get remoteAddress() {
    return this.socket?.remoteAddress;
  }
  get remotePort() {
    return this.socket?.remotePort;
  }
  get remoteFamily() {
    return this.socket?.remoteFamily;
  }
  get localAddress() {
    return this.socket?.localAddress;
  }
  get localPort() {
    return this.socket?.localPort;
  }
  /** Until the handshake is done, like a TLSSocket whose secureConnect has not fired. */
  get connecting() {
    return !this.connection.isHandshakeDone() && !this.destroyed;
  }
}

/**
 * A `stream.Duplex` over `conn` (docs/api.md).
 * @param {any} conn a Connection of either role, over any transport
 * @param {import('node:stream').DuplexOptions} [options] stream options (highWaterMark, …)
 */
export function toDuplex(conn, options) {
  if (!(conn instanceof Connection)) throw new TypeError('toDuplex needs a Connection');
  return new TLSDuplex(conn, options);
}

/** Node's name for a verify result, as a TLSSocket's `authorizationError` says it. */
function verifyErrorName(/** @type {number} */ code) {
  // Node checks the host name itself and calls a mismatch by its own code.
  if (code === X509VerificationCodes.ERR_HOSTNAME_MISMATCH || code === X509VerificationCodes.ERR_IP_ADDRESS_MISMATCH) {
    return 'ERR_TLS_CERT_ALTNAME_INVALID';
  }
  const entry = Object.entries(X509VerificationCodes).find(([, v]) => v === code);
  return entry ? entry[0].replace(/^ERR_/, '') : `X509_V_ERR_${code}`;
}

/**
 * A verification failure carries its verify result as `verifyResult` and Node's name for it
 * as `code`, as a TLSSocket's error does (unless the error already has them).
 * @param {any} err @param {any} conn
 */
function tagVerifyFailure(err, conn) {
  const verifying = err instanceof SSLError && err.errors.some((e) => String(e[2]).startsWith('certificate verify failed'));
  const result = verifying ? conn.getVerifyResult() : 0;
  if (result !== 0) {
    err.verifyResult ??= result;
    err.code ??= verifyErrorName(result);
  }
  return err;
}

/**
 * tls.connect's `ALPNProtocols`: an array of strings or byte arrays, or the wire format
 * (each name prefixed by its length) in one Uint8Array.
 * @param {any} protos
 */
function alpnList(protos) {
  if (!ArrayBuffer.isView(protos)) return [...protos].map((p) => (typeof p === 'string' ? p : new Uint8Array(p)));
  const bytes = new Uint8Array(protos.buffer, protos.byteOffset, protos.byteLength);
  const out = [];
  for (let i = 0; i < bytes.length; ) {
    const len = bytes[i];
    if (len === 0 || i + 1 + len > bytes.length) throw new RangeError('connect: malformed ALPNProtocols');
    out.push(bytes.slice(i + 1, i + 1 + len));
    i += 1 + len;
  }
  return out;
}

/** What `{ signal }` accepts: an AbortSignal, or anything shaped like one. */
function isAbortSignal(/** @type {any} */ s) {
  return (
    typeof s === 'object' && s !== null && 'aborted' in s &&
    typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function'
  );
}

/** The `connect` Duplex: a TLSSocket's fields, filled at 'secureConnect'. */
class TLSClientDuplex extends TLSDuplex {
  /** @param {any} conn @param {any} options */
  constructor(conn, options) {
    super(conn, options);
    this.authorized = false;
    /** @type {string | null} */
    this.authorizationError = null;
    /** @type {string | false} */
    this.alpnProtocol = false;
    this.servername = conn.getServername();
  }

  _onSecure() {
    const conn = this.connection;
    const result = conn.getVerifyResult();
    this.authorized = result === 0;
    this.authorizationError = result === 0 ? null : verifyErrorName(result);
    this.alpnProtocol = conn.getAlpnProtoNegotiated() || false;
    this.emit('secureConnect');
  }

  getProtocol() {
    return this.connection.isHandshakeDone() ? this.connection.getProtocolVersionName() : null;
  }
  getPeerCertificate() {
    return this.connection.getPeerCertificate();
  }
  getCipher() {
    const c = this.connection;
    return c.isHandshakeDone() ? { name: c.getCipherName(), standardName: c.getCipherName(), version: c.getCipherVersion() } : null;
  }
}

/**
 * A TLS client connection shaped like `tls.connect` (docs/api.md), usable as `createConnection`
 * for http/https and ws, and as undici's `connect`.
 * @param {any} options
 * @param {() => void} [onSecureConnect] a 'secureConnect' listener
 */
export function connect(options, onSecureConnect) {
  if (!options || typeof options !== 'object') throw new TypeError('connect needs an options object');
  const host = options.host ?? options.hostname ?? 'localhost';
  const servername = options.servername || host;
  let context = options.context;
  if (context === undefined || context === null) {
    context = new Context(TLS_CLIENT_METHOD);
    if (options.ca !== undefined && options.ca !== null) {
      for (const ca of Array.isArray(options.ca) ? options.ca : [options.ca]) {
        context.loadVerifyLocations(null, null, ca);
      }
    } else {
      context.setDefaultVerifyPaths();
    }
    // Verification still runs and is reported (authorized, authorizationError); only the
    // failure stops being fatal.
    context.setVerify(options.rejectUnauthorized === false ? VERIFY_NONE : VERIFY_PEER);
  } else if (!(context instanceof Context)) {
    throw new TypeError('connect: options.context must be a Context');
  }
  const signal = options.signal ?? undefined;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw Object.assign(new TypeError('connect: options.signal must be an AbortSignal'), { code: 'ERR_INVALID_ARG_TYPE' });
  }
  const socket = options.socket ?? net.connect(Number(options.port ?? 443), host);
  const conn = new Connection(context, socketTransport(socket));
  conn.setConnectState();
  conn.setTlsextHostName(servername);
  if (options.ALPNProtocols) {
    conn.setAlpnProtos(alpnList(options.ALPNProtocols));
  }
  const duplex = new TLSClientDuplex(conn, options.highWaterMark ? { highWaterMark: options.highWaterMark } : undefined);
  if (onSecureConnect) duplex.once('secureConnect', onSecureConnect);
  if (signal) {
    // As tls.connect's: the signal cancels the connection at any point. A pending handshake
    // rejects at once with the reason (doHandshake's own `{ signal }`); at any time the
    // Duplex is destroyed with it, which closes the socket.
    duplex._signal = signal;
    const onAbort = () => duplex.destroy(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
    if (!signal.aborted) {
      signal.addEventListener('abort', onAbort, { once: true });
      duplex.once('close', () => signal.removeEventListener('abort', onAbort));
    }
  }
  // A tls.connect socket handshakes without waiting for a read or write: undici and ws wait
  // for 'secureConnect' before they do anything.
  duplex._secure().catch(() => {});
  return duplex;
}

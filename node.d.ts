// Type declarations for rustls-ssl under the `node` and `deno` export conditions (js/node.mjs,
// js/index.cjs, js/deno.mjs): everything of index.d.ts, plus the two Node idioms those entries
// alone export, `toDuplex` and `connect` (docs/api.md), which are typed with Node's own stream
// and socket types (`@types/node`). The other entries are typed by web.d.ts.

import type { Duplex, DuplexOptions } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';

import type { BytesLike, Connection, Context, X509 } from './index.js';

export * from './index.js';

/** The Duplex of `toDuplex`: a Node stream over a Connection. */
export interface TLSDuplex extends Duplex {
  /** The Connection underneath. */
  readonly connection: Connection;
  /** The transport's socket, for `socketTransport` (and `connect`); otherwise `null`. */
  readonly socket: Socket | null;
  readonly encrypted: true;
  /** `true` until the handshake is done. */
  readonly connecting: boolean;
  setTimeout(ms: number, callback?: () => void): this;
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  ref(): this;
  unref(): this;
  address(): AddressInfo | {};
  readonly remoteAddress: string | undefined;
  readonly remotePort: number | undefined;
  readonly remoteFamily: string | undefined;
  readonly localAddress: string | undefined;
  readonly localPort: number | undefined;
  /** After the handshake. */
  on(event: 'secure', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'secure', listener: () => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * Node only. A `stream.Duplex` over `conn` (either role, any transport): the first read or
 * write runs the handshake, `end()` sends close_notify and then ends the transport, the peer's
 * close_notify is `'end'`, any other failure an `'error'` with the package's error. Reads only
 * when the stream asks, so a fast peer is held back rather than buffered.
 */
export declare function toDuplex(conn: Connection, options?: DuplexOptions): TLSDuplex;

/** `connect`'s options, as `tls.connect`'s. */
export interface ConnectOptions {
  /** Default `"localhost"` (`hostname` is read too, as http passes both). */
  host?: string | null;
  hostname?: string | null;
  /** Default 443. */
  port?: number | string | null;
  /** SNI and the name checked against the certificate; default `host`. */
  servername?: string | null;
  /** Wins over `ca` and `rejectUnauthorized`. */
  context?: Context | null;
  /** Trust anchors (PEM/DER) instead of the bundled roots. */
  ca?: BytesLike | ReadonlyArray<BytesLike> | null;
  /** Strings, byte arrays, or the wire format in one buffer. */
  ALPNProtocols?: ReadonlyArray<string | Uint8Array> | Uint8Array | null;
  /** Default `true`; `false` completes the handshake and reports `authorized: false`. */
  rejectUnauthorized?: boolean;
  /** An already connected socket (or any Duplex) to run TLS over, instead of a new one. */
  socket?: Duplex | null;
  /** The readable side's high-water mark. */
  highWaterMark?: number;
  /** Cancels the connection: a pending handshake rejects, and the Duplex is destroyed with `signal.reason`. */
  signal?: AbortSignal | null;
}

/** The Duplex of `connect`: a `tls.TLSSocket`'s fields, set at `'secureConnect'`. */
export interface TLSClientDuplex extends TLSDuplex {
  authorized: boolean;
  /** Node's name for the verify result (`"CERT_HAS_EXPIRED"`, …), `null` when verified. */
  authorizationError: string | null;
  alpnProtocol: string | false;
  readonly servername: string | null;
  /** `"TLSv1.3"`, `"TLSv1.2"`, or `null` before the handshake. */
  getProtocol(): string | null;
  getPeerCertificate(): X509 | null;
  getCipher(): { name: string | null; standardName: string | null; version: string | null } | null;
  on(event: 'secureConnect' | 'secure', listener: () => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
  once(event: 'secureConnect' | 'secure', listener: () => void): this;
  once(event: string | symbol, listener: (...args: any[]) => void): this;
}

/**
 * Node only. A TLS client shaped like `tls.connect`: fits `createConnection` of
 * `http.request` / `https.Agent` and of the `ws` package, and undici's `connect`. The
 * handshake starts at once; a verification failure is an `'error'` (an `SSLError` with
 * `code` and `verifyResult`).
 */
export declare function connect(options: ConnectOptions, onSecureConnect?: () => void): TLSClientDuplex;

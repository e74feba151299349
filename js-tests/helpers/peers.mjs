// Node-only test helpers for talking TLS between rustls-ssl and real peers over 127.0.0.1:
// library connections over sockets, a library server, and reading helpers. The openssl
// process helpers live in openssl.mjs and are re-exported from here.

import { once } from 'node:events';
import net from 'node:net';

import { Connection, SysCallError, ZeroReturnError, memoryPair, socketTransport } from 'rustls-ssl';

export * from './openssl.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** @param {Uint8Array} bytes */
export function text(bytes) {
  return decoder.decode(bytes);
}

/**
 * Opens a TCP connection to 127.0.0.1:`port` and wraps it in a client `Connection` with
 * `setConnectState()` and, unless `host` is null, `setTlsextHostName(host)`. With a `t` the
 * socket is destroyed in `t.after`.
 * @param {import('rustls-ssl').Context} ctx
 * @param {number} port
 * @param {string | null} [host]
 * @param {{ after: (fn: () => any) => void }} [t]
 * @returns {Promise<import('rustls-ssl').Connection>}
 */
export async function connectTls(ctx, port, host = 'localhost', t) {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.on('error', () => {}); // reported through the transport instead
  if (t) t.after(() => sock.destroy());
  await once(sock, 'connect');
  const conn = new Connection(ctx, socketTransport(sock));
  sockets.set(conn, sock);
  conn.setConnectState();
  if (host != null) conn.setTlsextHostName(host);
  return conn;
}

/** The socket under a connection made by connectTls. */
const sockets = new WeakMap();

/**
 * @param {import('rustls-ssl').Connection} conn a connection made by connectTls
 * @returns {net.Socket | undefined}
 */
export function socketOf(conn) {
  return sockets.get(conn);
}

/**
 * A rustls-ssl server on 127.0.0.1 (port 0): each accepted socket becomes
 * `new Connection(ctx, socketTransport(sock))` with `setAcceptState()`, handed to
 * `handler(conn, sock)`. `first` settles with the first handler's result (or its error).
 * With a `t` the server and its sockets are closed in `t.after`.
 * @template R
 * @param {{ after: (fn: () => any) => void } | undefined} t
 * @param {import('rustls-ssl').Context} ctx
 * @param {(conn: import('rustls-ssl').Connection, sock: net.Socket) => Promise<R>} handler
 * @returns {Promise<{ port: number, first: Promise<R>, close: () => Promise<void> }>}
 */
export async function startLibraryServer(t, ctx, handler) {
  const open = new Set();
  let settleFirst;
  const first = new Promise((resolve, reject) => {
    settleFirst = { resolve, reject };
  });
  first.catch(() => {}); // a test that never looks at it must not see an unhandled rejection
  let seen = false;
  const server = net.createServer((sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
    sock.on('error', () => {});
    const isFirst = !seen;
    seen = true;
    const result = (async () => {
      const conn = new Connection(ctx, socketTransport(sock));
      conn.setAcceptState();
      return handler(conn, sock);
    })();
    result.then(
      (v) => isFirst && settleFirst.resolve(v),
      (e) => isFirst && settleFirst.reject(e)
    );
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const s of open) s.destroy();
    await new Promise((resolve) => server.close(() => resolve()));
  };
  if (t) t.after(close);
  return { port, first, close };
}

/**
 * Reads plaintext until the peer closes. `how` says how it closed: 'close_notify'
 * (ZeroReturnError), 'eof' (SysCallError -1, no close_notify) or 'empty' (recv gave 0 bytes).
 * @param {import('rustls-ssl').Connection} conn
 * @param {number} [limit] stop once this many bytes arrived (how = 'limit')
 * @returns {Promise<{ data: Buffer, how: string }>}
 */
export async function recvUntilClosed(conn, limit = Infinity) {
  const chunks = [];
  let total = 0;
  for (;;) {
    let bytes;
    try {
      bytes = await conn.recv(16384);
    } catch (e) {
      if (e instanceof ZeroReturnError) return { data: Buffer.concat(chunks), how: 'close_notify' };
      if (e instanceof SysCallError && e.errno === -1) return { data: Buffer.concat(chunks), how: 'eof' };
      throw e;
    }
    if (bytes.length === 0) return { data: Buffer.concat(chunks), how: 'empty' };
    chunks.push(Buffer.from(bytes));
    total += bytes.length;
    if (total >= limit) return { data: Buffer.concat(chunks), how: 'limit' };
  }
}

/**
 * Reads plaintext until a newline and returns the line without it. Bytes after the newline in
 * the same record are kept for the next call on the same connection.
 * @param {import('rustls-ssl').Connection} conn
 * @returns {Promise<string>}
 */
export async function recvLine(conn) {
  let buf = leftovers.get(conn) ?? Buffer.alloc(0);
  for (;;) {
    const nl = buf.indexOf(0x0a);
    if (nl >= 0) {
      leftovers.set(conn, buf.subarray(nl + 1));
      return buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
    }
    const bytes = await conn.recv(16384);
    if (bytes.length === 0) throw new Error(`stream ended before a newline; got ${JSON.stringify(buf.toString())}`);
    buf = Buffer.concat([buf, bytes]);
  }
}

const leftovers = new WeakMap();

/**
 * Sends a string (UTF-8) with sendall and returns the count sendall reported.
 * @param {import('rustls-ssl').Connection} conn
 * @param {string} s
 */
export function sendText(conn, s) {
  return conn.sendall(encoder.encode(s));
}

/**
 * A client and a server Connection joined by `memoryPair()`. The client gets
 * `setTlsextHostName(host)` unless host is null.
 * @param {import('rustls-ssl').Context} clientCtx
 * @param {import('rustls-ssl').Context} serverCtx
 * @param {string | null} [host]
 */
export function memoryConnections(clientCtx, serverCtx, host = 'localhost') {
  const [a, b] = memoryPair();
  const client = new Connection(clientCtx, a);
  client.setConnectState();
  if (host != null) client.setTlsextHostName(host);
  const server = new Connection(serverCtx, b);
  server.setAcceptState();
  return { client, server };
}

// @ts-check
// A WebSocket → TCP tunnel in websockify's convention: `/tunnel?target=HOST:PORT` opens a TCP
// connection to the target and copies raw bytes both ways, one binary message per chunk. Only
// targets on the allow list are reachable; anything else is closed with 1008 (policy
// violation), so the demo server cannot be used to reach arbitrary hosts.
import net from 'node:net';
import { WebSocketServer } from 'ws';

/** Close codes (RFC 6455 §7.4.1). */
const NORMAL = 1000;
const POLICY_VIOLATION = 1008;
const INTERNAL_ERROR = 1011;

/** TCP → WebSocket backpressure: pause the target above this many unsent bytes… */
const HIGH_WATER = 1024 * 1024;
/** …and resume once the WebSocket has written its queue down to this. */
const LOW_WATER = 256 * 1024;
/** After the client closed, how long the target gets to finish before it is destroyed. */
const LINGER_MS = 5000;
/** The largest message the tunnel accepts from a client; a TLS record is at most ~16 KiB. */
const MAX_MESSAGE = 1024 * 1024;

/**
 * @typedef {object} Tunnel
 * @property {(req: import('node:http').IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void} handleUpgrade
 *   for an HTTP server's 'upgrade' event on the tunnel path
 * @property {() => void} close drops every open tunnel
 */

/**
 * @param {object} options
 * @param {Iterable<string>} options.allowed `HOST:PORT` strings the tunnel may connect to
 * @param {(line: string) => void} [options.log]
 * @returns {Tunnel}
 */
export function createTunnel({ allowed, log = () => {} }) {
  const allow = new Set(allowed);
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE });
  /** @type {Set<net.Socket>} */
  const targets = new Set();

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        const target = new URL(req.url ?? '/', 'http://tunnel').searchParams.get('target') ?? '';
        const to = parseTarget(target);
        if (!to || !allow.has(target)) {
          log(`tunnel: refused target ${JSON.stringify(target)}`);
          ws.close(POLICY_VIOLATION, 'target not allowed');
          return;
        }
        log(`tunnel: ${req.socket.remoteAddress}:${req.socket.remotePort} → ${target}`);
        const tcp = forward(ws, to.host, to.port, log);
        targets.add(tcp);
        tcp.on('close', () => targets.delete(tcp));
      });
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      for (const tcp of targets) tcp.destroy();
      wss.close();
    },
  };
}

/**
 * Copies bytes between `ws` and a new TCP connection to `host:port`, with backpressure both
 * ways, and closes each side when the other closes.
 * @param {import('ws').WebSocket} ws @param {string} host @param {number} port
 * @param {(line: string) => void} log
 */
function forward(ws, host, port, log) {
  const tcp = net.connect({ host, port });
  tcp.setNoDelay(true);
  let connected = false;

  // WebSocket → TCP: stop reading the WebSocket while the TCP socket's buffer is full.
  ws.on('message', (/** @type {Buffer} */ data) => {
    if (!tcp.write(data)) ws.pause();
  });
  tcp.on('drain', () => ws.resume());

  // TCP → WebSocket: stop reading the target while the WebSocket has too much unsent.
  const onSent = () => {
    if (tcp.isPaused() && ws.bufferedAmount <= LOW_WATER) tcp.resume();
  };
  tcp.on('data', (chunk) => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(chunk, { binary: true }, onSent);
    if (ws.bufferedAmount > HIGH_WATER) tcp.pause();
  });

  tcp.on('connect', () => {
    connected = true;
  });
  tcp.on('end', () => closeWs(NORMAL, 'target closed the connection'));
  tcp.on('error', (err) => {
    log(`tunnel: ${host}:${port}: ${err.message}`);
    closeWs(INTERNAL_ERROR, connected ? 'target connection failed' : 'could not connect to target');
  });
  tcp.on('close', () => closeWs(NORMAL, 'target closed the connection'));

  ws.on('close', () => {
    if (tcp.destroyed) return;
    tcp.end();
    setTimeout(() => tcp.destroy(), LINGER_MS).unref();
  });
  ws.on('error', () => tcp.destroy());

  /** @param {number} code @param {string} reason */
  function closeWs(code, reason) {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason);
  }
  return tcp;
}

/**
 * `HOST:PORT` → parts, or null when malformed (`[::1]:443` is accepted for IPv6).
 * @param {string} target
 */
function parseTarget(target) {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(target);
  if (!m) return null;
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: m[1] ?? m[2], port };
}

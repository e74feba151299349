// @ts-check
// The demo's Wisp endpoint: wisp-server-node (a Wisp server nobody here wrote) behind a gate.
// wisp-server-node has no way to restrict where streams go (its only options are logLevel and
// pingInterval), and an unrestricted Wisp server is an open TCP proxy, so every CONNECT is
// checked against the same allow list as the WebSocket tunnel before wisp-server-node sees it:
// anything else (another host or port, a UDP stream, a malformed CONNECT) is answered with
// CLOSE 0x48, "blocked by the proxy server", and never reaches it.
import wisp from 'wisp-server-node';
import { WebSocketServer } from 'ws';

const CONNECT = 0x01;
const CLOSE = 0x04;
const STREAM_TCP = 0x01;
const REASON_BLOCKED = 0x48;
/** wisp-server-node's levels: 3 is errors only. */
const LOG_ERRORS = 3;
/** The largest message accepted from a client; a TLS record is at most ~16 KiB. */
const MAX_MESSAGE = 1024 * 1024;

/**
 * @param {object} options
 * @param {Iterable<string>} options.allowed `HOST:PORT` strings streams may connect to
 * @param {(line: string) => void} [options.log]
 */
export function createWispEndpoint({ allowed, log = () => {} }) {
  const allow = new Set(allowed);
  // Our own server, not wisp-server-node's: it would also serve wsproxy (any host:port in the
  // URL, unchecked) for paths without a trailing slash.
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE });

  return {
    /**
     * @param {import('node:http').IncomingMessage} req
     * @param {import('node:stream').Duplex} socket
     * @param {Buffer} head
     */
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        log(`wisp: ${req.socket.remoteAddress}:${req.socket.remotePort} connected`);
        gate(ws, allow, log);
        void wisp.routeRequest(ws, undefined, undefined, { logLevel: LOG_ERRORS });
      });
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}

/**
 * Drops every CONNECT to a destination not on the allow list before any listener sees it.
 * Wrapping `emit` is the only way in front of wisp-server-node: it listens to 'message' itself.
 * @param {import('ws').WebSocket} ws @param {Set<string>} allow @param {(line: string) => void} log
 */
function gate(ws, allow, log) {
  const emit = ws.emit;
  ws.emit = /** @type {any} */ (
    function (/** @type {string | symbol} */ event, /** @type {any[]} */ ...args) {
      if (event === 'message' && isRefused(toBuffer(args[0]), allow, ws, log)) return true;
      return emit.call(this, event, ...args);
    }
  );
}

/** @param {Buffer | ArrayBuffer | Buffer[]} data */
function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** @param {Buffer} data @param {Set<string>} allow @param {import('ws').WebSocket} ws @param {(line: string) => void} log */
function isRefused(data, allow, ws, log) {
  if (data.length < 1 || data[0] !== CONNECT) return false;
  const id = data.length >= 5 ? data.readUInt32LE(1) : 0;
  const target = data.length >= 8 ? `${data.subarray(8).toString('utf8')}:${data.readUInt16LE(6)}` : '';
  if (data.length >= 8 && data[5] === STREAM_TCP && allow.has(target)) return false;
  log(`wisp: refused stream ${id} to ${JSON.stringify(target)}`);
  const close = Buffer.alloc(6);
  close[0] = CLOSE;
  close.writeUInt32LE(id, 1);
  close[5] = REASON_BLOCKED;
  ws.send(close);
  return true;
}

// The browser half of `npm run bench:browser`: rustls-ssl's web build and subtls, both in
// this page, each over a WebSocket tunnel (websockify's convention) to the benchmark's
// node:tls servers. bench/browser.mjs drives it through `window.bench` and does the
// interleaving; this file only opens, measures and checks.
import * as ssl from '/js/web.mjs';
import { startTls, TrustedCert, WebSocketReadQueue } from '/node_modules/subtls/index.js';
import { PatternCheck } from '/bench/lib/common.mjs';
import { rustlsDownload, subtlsDownload } from '/bench/lib/download.mjs';

let tunnel = '';
let ctx = null;
let roots = null;
const open = new Map();
let nextId = 1;

function webSocket(port) {
  const ws = new WebSocket(`${tunnel}?target=127.0.0.1:${port}`);
  ws.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve(ws), { once: true });
    ws.addEventListener('error', () => reject(new Error('WebSocket failed')), { once: true });
  });
}

const libs = {
  async 'rustls-ssl'(port) {
    const ws = await webSocket(port);
    const conn = new ssl.Connection(ctx, ssl.webSocketTransport(ws));
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    await conn.doHandshake();
    return {
      download: rustlsDownload(conn),
      close() {
        ws.close();
        conn.free?.();
      },
    };
  },
  async subtls(port) {
    const ws = await webSocket(port);
    const queue = new WebSocketReadQueue(ws);
    const tls = await startTls('localhost', roots, queue.read.bind(queue), (d) => ws.send(d));
    return {
      download: subtlsDownload(tls),
      close: () => ws.close(),
    };
  },
};

window.bench = {
  async init(caPem, tunnelUrl) {
    tunnel = tunnelUrl;
    ctx = new ssl.Context(ssl.TLS_CLIENT_METHOD);
    ctx.loadVerifyLocations(null, null, caPem);
    roots = await TrustedCert.databaseFromPEM(caPem);
    return { provider: typeof ssl.cryptoProvider === 'function' ? String(ssl.cryptoProvider()) : null, userAgent: navigator.userAgent };
  },
  /** Handshake latency in ms (WebSocket open + TCP through the tunnel + TLS); optionally a checked 100-byte answer. */
  async handshake(lib, port, verify) {
    const t0 = performance.now();
    const c = await libs[lib](port);
    const ms = performance.now() - t0;
    try {
      if (verify) {
        const check = new PatternCheck();
        await c.download(100, check);
        if (check.bad >= 0 || check.position !== 100) throw new Error(`bytes differ at ${check.bad}`);
      }
    } finally {
      c.close();
    }
    return ms;
  },
  async open(lib, port) {
    const c = await libs[lib](port);
    const id = nextId++;
    open.set(id, { c, position: 0 });
    return id;
  },
  /** Downloads n bytes on connection `id`; ms, with every byte checked when `verify`. */
  async download(id, n, verify) {
    const o = open.get(id);
    const check = verify ? new PatternCheck(o.position) : null;
    const t0 = performance.now();
    await o.c.download(n, check);
    const ms = performance.now() - t0;
    o.position += n;
    if (check && (check.bad >= 0 || check.position !== o.position)) throw new Error(`bytes differ at ${check.bad}`);
    return ms;
  },
  close(id) {
    open.get(id)?.c.close();
    open.delete(id);
  },
};
document.querySelector('#state').textContent = 'ready';
document.body.dataset.ready = '1';

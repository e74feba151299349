// The servers of the tests that run the packed package somewhere else (importmap.test.mjs,
// runtimes.test.mjs): the node:tls peer the package connects to, and the web server that hands
// a browser a page, the installed package's files and the WebSocket tunnel (www/tunnel.mjs) to
// that peer. All on 127.0.0.1.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';

import { fixture } from '../openssl.mjs';
import { createStaticHandler } from '../../../www/static.mjs';
import { createTunnel } from '../../../www/tunnel.mjs';

/**
 * The peer: node:tls with the RSA leaf and its intermediate (the CA is the test root),
 * offering ALPN `alpn`. For each connection it reads one line and answers
 * `pong <line> <protocol> <cipher>`, then ends with close_notify. `seen` lists what the server
 * saw of each completed handshake; `close()` also ends the connections still open.
 * @param {string} alpn
 */
export async function startPongServer(alpn) {
  /** @type {Array<{ servername: string | false, alpn: string | false, protocol: string | null }>} */
  const seen = [];
  const server = tls.createServer(
    {
      key: readFileSync(fixture('server-rsa.key')),
      cert: readFileSync(fixture('server-rsa-chain.pem')),
      ALPNProtocols: [alpn],
    },
    (sock) => {
      sock.on('error', () => {});
      seen.push({ servername: sock.servername, alpn: sock.alpnProtocol, protocol: sock.getProtocol() });
      let line = '';
      sock.setEncoding('utf8');
      sock.on('data', (d) => {
        line += d;
        const nl = line.indexOf('\n');
        if (nl === -1) return;
        sock.end(`pong ${line.slice(0, nl)} ${sock.getProtocol()} ${sock.getCipher().standardName}\n`);
      });
    },
  );
  // A wrong-host client aborts its handshake with an alert: expected, not a failure.
  server.on('tlsClientError', () => {});
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const sockets = new Set();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    port: /** @type {import('node:net').AddressInfo} */ (server.address()).port,
    seen,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}

/**
 * An HTTP server for the packed app's folder `app`: `/index.html` is what `index(tunnelUrl)`
 * returns when it is asked for, `routes` adds to it (www/static.mjs routes), and of the files
 * only node_modules/rustls-ssl/ is served. Its WebSocket upgrades go through the tunnel, which
 * may reach `target` ("host:port") only; `tunnelUrl` is the tunnel to it. Closed in `t.after`.
 * `served` lists "<status> <url>" of every answered request.
 * @param {{ after: (fn: () => any) => void }} t
 * @param {{ app: string, index: (tunnelUrl: string) => string, routes?: Record<string, () => { type: string, body: string | Uint8Array }>, target: string }} o
 */
export async function servePackedApp(t, { app, index, routes = {}, target }) {
  const serve = createStaticHandler({
    root: app,
    folders: ['node_modules/rustls-ssl'],
    index: '/index.html',
    routes: {
      '/index.html': () => ({ type: 'text/html; charset=utf-8', body: index(tunnelUrl) }),
      '/favicon.ico': () => ({ type: 'image/x-icon', body: '' }),
      ...routes,
    },
  });
  const tunnel = createTunnel({ allowed: [target] });
  /** @type {string[]} */
  const served = [];
  const web = http.createServer((req, res) => {
    res.on('finish', () => served.push(`${res.statusCode} ${req.url}`));
    void serve(req, res);
  });
  web.on('upgrade', (req, socket, head) => tunnel.handleUpgrade(req, socket, head));
  web.listen(0, '127.0.0.1');
  await once(web, 'listening');
  t.after(() => {
    tunnel.close();
    web.closeAllConnections();
    return new Promise((resolve) => web.close(() => resolve(undefined)));
  });
  const origin = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (web.address()).port}`;
  const tunnelUrl = `${origin.replace('http:', 'ws:')}/tunnel?target=${target}`;
  return { origin, tunnelUrl, served };
}

// The servers of the tests that run the packed package somewhere else (importmap.test.mjs,
// runtimes.test.mjs): the node:tls peer the package connects to, and the web server that hands
// a browser its page and the WebSocket tunnel (www/tunnel.mjs) to that peer. All on 127.0.0.1.

import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';

import { fixture } from '../openssl.mjs';
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
 * An HTTP server for `serve` (a www/static.mjs handler) whose WebSocket upgrades go through
 * the tunnel, which may reach `target` ("host:port") only; closed in `t.after`. `served`
 * lists "<status> <url>" of every answered request; `tunnelUrl` is the tunnel to `target`.
 * @param {{ after: (fn: () => any) => void }} t
 * @param {(req: http.IncomingMessage, res: http.ServerResponse) => unknown} serve
 * @param {string} target
 */
export async function startPageServer(t, serve, target) {
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
  return { origin, tunnelUrl: `${origin.replace('http:', 'ws:')}/tunnel?target=${target}`, served };
}

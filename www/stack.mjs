// @ts-check
// Everything the demo needs, on 127.0.0.1 only: fresh certificates, two TLS servers (one whose
// certificate the demo CA vouches for, one from a CA nobody trusts), and one HTTP server that
// serves the page and carries the WebSocket → TCP tunnel and a Wisp endpoint to those two servers.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { makeDemoCerts } from './certs.mjs';
import { startOrigin } from './origin.mjs';
import { createStaticHandler } from './static.mjs';
import { createTunnel } from './tunnel.mjs';
import { createWispEndpoint } from './wisp.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const TUNNEL_PATH = '/tunnel';
/** Wisp endpoints end with a slash (the protocol's rule, so they differ from wsproxy's). */
const WISP_PATH = '/wisp/';

/**
 * @typedef {object} Stack
 * @property {string} pageUrl the demo page
 * @property {string} tunnelUrl `ws://127.0.0.1:PORT/tunnel`; add `?target=` one of `targets`
 * @property {string} wispUrl `ws://127.0.0.1:PORT/wisp/`, a Wisp server that reaches `targets` only
 * @property {{ trusted: string, untrusted: string }} targets `127.0.0.1:PORT` of each TLS server
 * @property {string} caPem the demo CA that clients should trust
 * @property {() => Promise<void>} close stops every server
 */

/**
 * Starts the demo stack.
 * @param {object} [options]
 * @param {number} [options.port=0] the page and tunnel server's port (0: any free port);
 *   an `EADDRINUSE` rejection (with `code`) when it is taken
 * @param {(line: string) => void} [options.log=console.log]
 * @returns {Promise<Stack>}
 */
export async function startStack({ port = 0, log = console.log } = {}) {
  /** @type {Array<() => unknown>} run in reverse on close, or when starting fails */
  const cleanups = [];
  const close = async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  };
  try {
    const certs = await makeDemoCerts();
    const trusted = await startOrigin({ name: 'trusted', ...certs.trusted, log });
    cleanups.push(trusted.close);
    const untrusted = await startOrigin({ name: 'untrusted', ...certs.untrusted, log });
    cleanups.push(untrusted.close);
    const targets = { trusted: trusted.address, untrusted: untrusted.address };

    const tunnel = createTunnel({ allowed: Object.values(targets), log });
    const wisp = createWispEndpoint({ allowed: Object.values(targets), log });
    /** @type {{ tunnel: string, wisp: string, targets: typeof targets }} */
    const config = { tunnel: '', wisp: '', targets };
    const serve = createStaticHandler({
      root: ROOT,
      folders: ['www', 'js', 'pkg/web'],
      index: '/www/index.html',
      routes: {
        '/ca.pem': () => ({ type: 'application/x-pem-file', body: certs.caPem }),
        '/config.json': () => ({
          type: 'application/json; charset=utf-8',
          body: JSON.stringify(config, null, 2) + '\n',
        }),
      },
    });

    const server = http.createServer((req, res) => void serve(req, res));
    server.on('upgrade', (req, socket, head) => {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      if (pathname === TUNNEL_PATH) {
        tunnel.handleUpgrade(req, socket, head);
      } else if (pathname === WISP_PATH) {
        wisp.handleUpgrade(req, socket, head);
      } else {
        socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      }
    });
    await listen(server, port);
    cleanups.push(
      () =>
        new Promise((resolve) => {
          server.close(resolve);
          server.closeAllConnections();
        }),
    );
    // Upgraded sockets still count as the server's connections: end the tunnels first.
    cleanups.push(tunnel.close, wisp.close);
    const { port: actual } = /** @type {import('node:net').AddressInfo} */ (server.address());
    const origin = `http://${HOST}:${actual}`;
    config.tunnel = `ws://${HOST}:${actual}${TUNNEL_PATH}`;
    config.wisp = `ws://${HOST}:${actual}${WISP_PATH}`;

    return {
      pageUrl: `${origin}/www/index.html`,
      tunnelUrl: config.tunnel,
      wispUrl: config.wisp,
      targets,
      caPem: certs.caPem,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/** @param {http.Server} server @param {number} port */
function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
}

// @ts-check
// The demo's destination: a TLS server on loopback (node:tls, through node:https for the
// HTTP/1.1 parsing) that answers every request with a short text saying what was negotiated.
import https from 'node:https';

/**
 * @typedef {object} Origin
 * @property {string} address `127.0.0.1:PORT`, the tunnel target
 * @property {() => Promise<void>} close stops listening and drops open connections
 */

/**
 * Starts one TLS server on 127.0.0.1 (a free port), ALPN `http/1.1`.
 * @param {object} options
 * @param {string} options.name shown in the response body and the log ("trusted", …)
 * @param {string} options.cert PEM, the server certificate
 * @param {string} options.key PEM, its private key
 * @param {(line: string) => void} [options.log]
 * @returns {Promise<Origin>}
 */
export async function startOrigin({ name, cert, key, log = () => {} }) {
  const server = https.createServer({ cert, key, ALPNProtocols: ['http/1.1'] }, (req, res) => {
    const socket = /** @type {import('node:tls').TLSSocket} */ (req.socket);
    const cipher = socket.getCipher();
    const body = [
      `Hello from the ${name} node:tls server on ${address}.`,
      '',
      `You asked for ${req.method} ${req.url} with Host: ${req.headers.host ?? '(none)'}.`,
      `This reply travelled over ${socket.getProtocol()} (${cipher.standardName ?? cipher.name}),`,
      `ALPN ${socket.alpnProtocol || '(none)'}, encrypted by rustls-ssl in your client`,
      'and carried as raw TCP bytes inside WebSocket binary messages.',
      '',
    ].join('\n');
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  server.on('tlsClientError', (err) => log(`${name} TLS server: ${err.message.trim()}`));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(undefined);
    });
  });
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  const address = `127.0.0.1:${port}`;
  return {
    address,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

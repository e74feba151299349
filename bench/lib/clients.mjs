// The four TLS clients the Node benchmark compares, each behind the same small interface, all
// over a plain net.Socket to 127.0.0.1:
//
//   const lib = await loadLibrary(name);   // the import, and trust loaded once (a real app's
//                                           // setup; never counted per connection)
//   const conn = await lib.open(port);      // TCP connect + TLS handshake, verified
//   await conn.download(n, check?);         // asks the server for n bytes and reads them all
//   conn.close();
//
// Every client verifies the server's chain against the test root and the name "localhost".
// `supports(name, profile)` says whether a library can talk to a server profile at all, and
// if not, why (the row prints n/a with that reason).
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import net from 'node:net';

import { request, rustlsDownload, subtlsDownload } from './download.mjs';

export const LIBRARIES = ['node:tls', 'rustls-ssl', 'subtls', 'reclaim'];
export const LABELS = {
  'node:tls': "Node's tls",
  'rustls-ssl': 'rustls-ssl',
  subtls: 'subtls 0.5',
  reclaim: '@reclaimprotocol/tls 0.1.2',
};

const CA = readFileSync(new URL('../../js-tests/fixtures/ca.pem', import.meta.url), 'latin1');
const HOST = '127.0.0.1';
const NAME = 'localhost';

/** @returns {string | null} why `name` cannot talk to a server with `profile`, or null */
export function supports(name, profile) {
  if (name === 'subtls') {
    if (profile.version !== 'TLSv1.3') return 'TLS 1.3 only';
    if (profile.cipher && profile.cipher !== 'AES-128-GCM') return 'AES-128-GCM only';
  }
  return null;
}

/** A receiver for libraries that push plaintext at us (events or callbacks). */
class Sink {
  want = 0;
  check = null;
  settle = null;
  push(chunk) {
    if (!this.settle) return;
    this.check?.update(chunk);
    this.want -= chunk.length;
    if (this.want <= 0) {
      const { resolve } = this.settle;
      this.settle = null;
      resolve();
    }
  }
  fail(err) {
    const s = this.settle;
    this.settle = null;
    s?.reject(err ?? new Error('connection ended'));
  }
  expect(n, check) {
    this.want = n;
    this.check = check ?? null;
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
  }
}

function socket(port) {
  const sock = net.connect({ port, host: HOST });
  sock.setNoDelay(true);
  return sock;
}

const loaders = {
  async 'node:tls'() {
    const tls = await import('node:tls');
    // One secure context for every connection, as an app that connects often would keep one
    // (passing `ca` to each tls.connect would parse the root every time).
    const secureContext = tls.createSecureContext({ ca: CA });
    return {
      async open(port) {
        const sock = tls.connect({ port, host: HOST, servername: NAME, secureContext });
        sock.setNoDelay(true);
        const sink = new Sink();
        sock.on('data', (d) => sink.push(d));
        sock.on('error', (e) => sink.fail(e));
        sock.on('close', () => sink.fail());
        await once(sock, 'secureConnect');
        return {
          download(n, check) {
            const done = sink.expect(n, check);
            sock.write(request(n));
            return done;
          },
          close: () => sock.destroy(),
        };
      },
    };
  },

  async 'rustls-ssl'() {
    const pkg = await import('rustls-ssl');
    const { Context, Connection, socketTransport, TLS_CLIENT_METHOD } = pkg;
    const ctx = new Context(TLS_CLIENT_METHOD);
    ctx.loadVerifyLocations(null, null, CA);
    return {
      provider: typeof pkg.cryptoProvider === 'function' ? String(pkg.cryptoProvider()) : null,
      async open(port) {
        const sock = socket(port);
        sock.on('error', () => {}); // reported through the transport
        const conn = new Connection(ctx, socketTransport(sock));
        conn.setConnectState();
        conn.setTlsextHostName(NAME);
        try {
          await conn.doHandshake();
        } catch (e) {
          sock.destroy();
          throw e;
        }
        return {
          download: rustlsDownload(conn),
          close() {
            sock.destroy();
            conn.free?.();
          },
        };
      },
    };
  },

  async subtls() {
    const { startTls, SocketReadQueue, TrustedCert } = await import('subtls/index.js');
    const roots = await TrustedCert.databaseFromPEM(CA);
    return {
      async open(port) {
        const sock = socket(port);
        sock.on('error', () => {});
        const queue = new SocketReadQueue(sock);
        let tls;
        try {
          // read(bytes, mode): subtls peeks with the second argument.
          tls = await startTls(NAME, roots, queue.read.bind(queue), (d) => void sock.write(d));
        } catch (e) {
          sock.destroy();
          throw e;
        }
        return {
          download: subtlsDownload(tls),
          close: () => sock.destroy(),
        };
      },
    };
  },

  async reclaim() {
    const { makeTLSClient, setCryptoImplementation, loadX509FromPem } = await import('@reclaimprotocol/tls');
    const { webcryptoCrypto } = await import('@reclaimprotocol/tls/webcrypto');
    // Its README: webcrypto is "the most performant way to use this library" in Node.
    setCryptoImplementation(webcryptoCrypto);
    const rootCAs = [loadX509FromPem(CA)];
    const quiet = { info() {}, debug() {}, trace() {}, warn() {}, error() {} };
    return {
      async open(port) {
        const sock = socket(port);
        const sink = new Sink();
        let handshake;
        const done = new Promise((resolve, reject) => {
          handshake = { resolve, reject };
        });
        const client = makeTLSClient({
          host: NAME,
          verifyServerCertificate: true,
          rootCAs,
          logger: quiet,
          write({ header, content }) {
            sock.cork();
            sock.write(header);
            sock.write(content);
            sock.uncork();
          },
          onHandshake: () => handshake.resolve(),
          onApplicationData: (d) => sink.push(d),
          onTlsEnd: (err) => {
            handshake.reject(err ?? new Error('connection ended'));
            sink.fail(err);
          },
        });
        sock.on('data', (d) => client.handleReceivedBytes(d));
        sock.on('error', (e) => {
          handshake.reject(e);
          sink.fail(e);
        });
        sock.on('close', () => {
          handshake.reject(new Error('socket closed'));
          sink.fail();
        });
        sock.once('connect', () => client.startHandshake().catch((e) => handshake.reject(e)));
        try {
          await done;
        } catch (e) {
          sock.destroy();
          throw e;
        }
        return {
          download(n, check) {
            const got = sink.expect(n, check);
            client.write(request(n)).catch((e) => sink.fail(e));
            return got;
          },
          close: () => sock.destroy(),
        };
      },
    };
  },
};

/** Imports library `name` and loads the test root into it (once per process). */
export function loadLibrary(name) {
  const load = loaders[name];
  if (!load) throw new Error(`unknown library ${name}`);
  return load();
}

// API.md §8's Node idioms against real peers over loopback: `connect` as the socket of
// http.request / https.Agent, undici and ws; `toDuplex` of either role with backpressure both
// ways; `toWebStreams` against a node:tls echo server.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import https from 'node:https';
import net from 'node:net';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import { Client } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';

import {
  Connection,
  Context,
  SSLError,
  SysCallError,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  X509,
  X509VerificationCodes,
  connect,
  memoryPair,
  socketTransport,
  toDuplex,
  toWebStreams,
} from 'rustls-ssl';

import { readFixture, withTimeout } from './helpers/peers.mjs';

const T = { timeout: 30000 };
const MiB = 1024 * 1024;
const CA = readFixture('ca.pem');
const CERT = readFixture('server-rsa-chain.pem');
const KEY = readFixture('server-rsa.key');

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

/** An https server on 127.0.0.1 (name: localhost); every connection destroyed in t.after. */
async function httpsServer(t, handler, extra = {}) {
  const server = https.createServer({ cert: CERT, key: KEY, ...extra }, handler);
  const sockets = new Set();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { server, port: server.address().port };
}

/** A node:tls server running `onSocket` for each connection; closed in t.after. */
async function tlsServer(t, onSocket) {
  const sockets = new Set();
  const server = tls.createServer({ cert: CERT, key: KEY }, (s) => {
    sockets.add(s);
    s.on('error', () => {});
    onSocket(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return server.address().port;
}

/**
 * Reads a Node readable to its end. Not with `for await`, which destroys a Duplex whose
 * writable side is still open once the readable ends.
 */
async function collect(readable) {
  const chunks = [];
  for await (const c of readable.iterator({ destroyOnReturn: false })) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function serverContext() {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChain(CERT);
  ctx.usePrivateKey(KEY);
  return ctx;
}

function clientContext() {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, CA);
  return ctx;
}

describe('entries', () => {
  test('toWebStreams is in every entry; toDuplex and connect only in the Node ones', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('rustls-ssl');
    for (const name of ['toDuplex', 'connect', 'toWebStreams']) assert.equal(cjs[name], { toDuplex, connect, toWebStreams }[name]);
    // js/web.mjs exports api.js's names (`export *`) and nothing else; loading it here would
    // fetch the wasm by URL, so its source and api.js's names are checked instead.
    const web = readFileSync(new URL('../js/web.mjs', import.meta.url), 'utf8');
    assert.deepEqual(web.match(/^export .*$/gm), ["export * from './api.js';"]);
    const api = Object.keys(await import('../js/api.js')).sort();
    const node = Object.keys(await import('rustls-ssl')).sort();
    assert.ok(api.includes('toWebStreams'));
    assert.deepEqual(node.filter((n) => !api.includes(n)), ['connect', 'toDuplex']);
    // Nothing the web entry loads imports node: modules or node-streams.js.
    const seen = new Set();
    const walk = (url) => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const src = readFileSync(url, 'utf8');
      const specs = src.matchAll(/^\s*(?:import\s+(?:[^'";]*?\sfrom\s*)?|export\s+[^'";]*?\sfrom\s*)['"]([^'"]+)['"]/gm);
      for (const [, spec] of specs) {
        assert.ok(!spec.startsWith('node:') && !spec.includes('node-streams'), `${url.pathname} imports ${spec}`);
        if (spec.startsWith('.') && !spec.includes('/pkg/')) walk(new URL(spec, url));
      }
    };
    walk(new URL('../js/web.mjs', import.meta.url));
    assert.ok([...seen].some((u) => u.endsWith('/js/web-streams.js')));
  });
});

describe('connect as the socket of http, undici and ws', () => {
  test('https.request({ createConnection }) GETs a body from an https server', T, async (t) => {
    const body = randomBytes(200 * 1024).toString('hex');
    const { port } = await httpsServer(t, (req, res) => res.end(`${req.method} ${req.url} ${body}`));
    let sock;
    const req = https.request({
      host: 'localhost',
      port,
      path: '/hello?x=1',
      createConnection: (opts) => {
        sock = connect({ ...opts, ca: CA });
        return sock;
      },
    });
    req.end();
    const [res] = await withTimeout(once(req, 'response'), 20000, 'response');
    assert.equal(res.statusCode, 200);
    assert.equal((await collect(res)).toString(), `GET /hello?x=1 ${body}`);
    // The socket http used is ours, and it says what a TLSSocket says.
    assert.equal(sock.authorized, true);
    assert.equal(sock.authorizationError, null);
    assert.equal(sock.getProtocol(), 'TLSv1.3');
    assert.ok(sock.getPeerCertificate() instanceof X509);
    assert.equal(sock.getPeerCertificate().getSubject().CN, 'localhost');
    assert.ok(sock.connection instanceof Connection);
  });

  test('an https.Agent whose createConnection is connect: two requests, one kept-alive socket', T, async (t) => {
    const { server, port } = await httpsServer(t, (req, res) => res.end(`you asked for ${req.url}`));
    let made = 0;
    class RustlsAgent extends https.Agent {
      createConnection(opts, cb) {
        made++;
        const s = connect({ ...opts, ca: CA });
        s.once('secureConnect', () => cb(null, s));
        s.once('error', cb);
        return undefined;
      }
    }
    const agent = new RustlsAgent({ keepAlive: true });
    t.after(() => agent.destroy());
    const get = async (path) => {
      const req = https.request({ host: 'localhost', port, path, agent });
      req.end();
      const [res] = await withTimeout(once(req, 'response'), 20000, path);
      return (await collect(res)).toString();
    };
    assert.equal(await get('/one'), 'you asked for /one');
    assert.equal(await get('/two'), 'you asked for /two');
    assert.equal(made, 1, 'the second request reused the kept-alive TLS connection');
    // The server drops the idle connection (Node's server does so without close_notify, a
    // truncation: an 'error' on the free socket, which the agent handles); the agent hears
    // 'close' and the next request makes a new connection.
    const [idle] = Object.values(agent.freeSockets).flat();
    const errors = [];
    idle.on('error', (e) => errors.push(e));
    const closed = new Promise((resolve) => idle.once('close', resolve));
    server.closeIdleConnections();
    await withTimeout(closed, 20000, 'idle close');
    assert.ok(errors.every((e) => e instanceof SysCallError), `${errors}`);
    assert.equal(Object.values(agent.freeSockets).flat().length, 0);
    assert.equal(await get('/three'), 'you asked for /three');
    assert.equal(made, 2);
  });

  test("undici's Client with connect: a POST and its echoed body", T, async (t) => {
    const { port } = await httpsServer(t, async (req, res) => {
      const got = await collect(req);
      res.setHeader('x-sha', sha256(got));
      res.end(got);
    });
    const payload = randomBytes(3 * MiB);
    let sock;
    const client = new Client(`https://localhost:${port}`, {
      connect: (opts, cb) => {
        sock = connect({ host: opts.hostname, port: opts.port, servername: opts.servername, ca: CA });
        sock.once('secureConnect', () => cb(null, sock));
        sock.once('error', (err) => cb(err, null));
      },
    });
    t.after(() => client.destroy());
    const res = await withTimeout(client.request({ path: '/echo', method: 'POST', body: payload }), 20000, 'undici');
    assert.equal(res.statusCode, 200);
    const got = Buffer.from(await res.body.arrayBuffer());
    assert.equal(res.headers['x-sha'], sha256(payload));
    assert.equal(sha256(got), sha256(payload));
    assert.equal(sock.authorized, true);
  });

  test("ws's WebSocket with createConnection: echo through a wss server", T, async (t) => {
    const { server, port } = await httpsServer(t, (_req, res) => res.end());
    const wss = new WebSocketServer({ server });
    wss.on('connection', (peer) => peer.on('message', (m, isBinary) => peer.send(m, { binary: isBinary })));
    t.after(() => wss.close());
    let sock;
    const ws = new WebSocket(`wss://localhost:${port}/`, {
      createConnection: (opts) => {
        sock = connect({ ...opts, ca: CA });
        return sock;
      },
    });
    t.after(() => ws.terminate());
    await withTimeout(once(ws, 'open'), 20000, 'ws open');
    const big = randomBytes(1 * MiB);
    ws.send('hello over rustls');
    ws.send(big);
    const [[first], [second]] = [await once(ws, 'message'), await once(ws, 'message')];
    assert.equal(first.toString(), 'hello over rustls');
    assert.equal(sha256(second), sha256(big));
    assert.equal(sock.authorized, true);
    ws.close(1000, 'bye');
    const [code] = await withTimeout(once(ws, 'close'), 20000, 'ws close');
    assert.equal(code, 1000);
  });
});

describe('connect: verification', () => {
  test('a failed verification is an error event with the SSLError, its code and verify result', T, async (t) => {
    const { port } = await httpsServer(t, (_req, res) => res.end());
    // The right chain for the wrong name, then the right name without the test CA.
    const wrongName = connect({ host: '127.0.0.1', port, servername: 'wrong.example', ca: CA });
    const [err] = await withTimeout(once(wrongName, 'error'), 20000, 'error');
    assert.ok(err instanceof SSLError, `${err}`);
    assert.equal(err.verifyResult, X509VerificationCodes.ERR_HOSTNAME_MISMATCH);
    assert.equal(err.code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(wrongName.authorized, false);
    assert.ok(wrongName.destroyed);

    const noCa = connect({ host: 'localhost', port }); // the bundled roots only
    let secured = false;
    noCa.on('secureConnect', () => (secured = true));
    const [err2] = await withTimeout(once(noCa, 'error'), 20000, 'error');
    assert.ok(err2 instanceof SSLError);
    assert.equal(err2.verifyResult, X509VerificationCodes.ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    assert.equal(err2.code, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.equal(secured, false);
  });

  test('rejectUnauthorized: false connects, and reports authorized=false with the reason', T, async (t) => {
    const { port } = await httpsServer(t, (_req, res) => res.end());
    const sock = connect({ host: 'localhost', port, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    await withTimeout(once(sock, 'secureConnect'), 20000, 'secureConnect');
    assert.equal(sock.authorized, false);
    assert.equal(sock.authorizationError, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
    assert.equal(sock.alpnProtocol, 'http/1.1');
    sock.end('GET / HTTP/1.0\r\n\r\n');
    assert.match((await collect(sock)).toString(), /^HTTP\/1\.1 200/);
  });

  test('a given context wins over ca and rejectUnauthorized', T, async (t) => {
    const { port } = await httpsServer(t, (_req, res) => res.end());
    // ca.pem is right but the context trusts nothing: verification must fail.
    const empty = new Context(TLS_CLIENT_METHOD);
    const sock = connect({ host: 'localhost', port, context: empty, ca: CA, rejectUnauthorized: false });
    const [err] = await withTimeout(once(sock, 'error'), 20000, 'error');
    assert.ok(err instanceof SSLError);
    // …and the other way round: a context that trusts the CA, with a ca that does not.
    const ok = connect({ host: 'localhost', port, context: clientContext(), ca: readFixture('untrusted-ca.pem') });
    await withTimeout(once(ok, 'secureConnect'), 20000, 'secureConnect');
    assert.equal(ok.authorized, true);
    ok.destroy();
  });
});

describe('toDuplex', () => {
  test('both roles over a memory pair: secure, data both ways, close_notify is end', T, async () => {
    const [a, b] = memoryPair();
    const client = new Connection(clientContext(), a);
    client.setConnectState();
    client.setTlsextHostName('localhost');
    const server = new Connection(serverContext(), b);
    server.setAcceptState();
    const cd = toDuplex(client);
    // Half-open, so the server can answer after the client's close_notify.
    const sd = toDuplex(server, { allowHalfOpen: true });
    assert.equal(cd.connection, client);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(client.isHandshakeDone(), false, 'nothing happens before the first read or write');
    const secure = Promise.all([once(cd, 'secure'), once(sd, 'secure')]);
    const up = randomBytes(300 * 1024);
    const down = randomBytes(200 * 1024);
    // The server echoes the reverse direction's data after reading the client's whole stream.
    const serverGot = collect(sd);
    cd.end(up);
    await withTimeout(secure, 20000, 'secure');
    assert.equal(sha256(await withTimeout(serverGot, 20000, 'server end')), sha256(up));
    // The client's close_notify ended the server's readable; the server can still write.
    sd.end(down);
    assert.equal(sha256(await withTimeout(collect(cd), 20000, 'client end')), sha256(down));
  });

  test('the socket closing does not lose plaintext not read yet', T, async (t) => {
    // More than the Duplex's high-water mark, less than socketTransport's buffer: the raw
    // socket reads it all, and the FIN after it.
    const payload = randomBytes(200 * 1024);
    const port = await tlsServer(t, (s) => s.end(payload));
    const raw = net.connect(port, '127.0.0.1');
    const sock = connect({ host: 'localhost', socket: raw, ca: CA });
    await withTimeout(once(sock, 'secureConnect'), 20000, 'secureConnect');
    sock.end();
    // Both directions are over on the wire long before anyone reads.
    await withTimeout(once(raw, 'close'), 20000, 'raw close');
    assert.equal(sha256(await withTimeout(collect(sock), 20000, 'read')), sha256(payload));
  });

  test("a peer that closes first: 'end', then our close_notify has nowhere to go, and no error", T, async (t) => {
    // The peer is this package (node:tls's end() sends no close_notify): close_notify, FIN.
    const server = net.createServer((raw) => {
      raw.on('error', () => {});
      const conn = new Connection(serverContext(), socketTransport(raw));
      conn.setAcceptState();
      toDuplex(conn).on('error', () => {}).end('bye');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    t.after(() => server.close());
    const sock = connect({ host: 'localhost', port: server.address().port, ca: CA });
    const errors = [];
    sock.on('error', (e) => errors.push(e));
    assert.equal((await withTimeout(collect(sock), 20000, 'read')).toString(), 'bye');
    if (!sock.destroyed) await withTimeout(once(sock, 'close'), 20000, 'close');
    assert.deepEqual(errors, []);
    assert.ok(sock.connection.getShutdown() & 2, "the peer's close_notify arrived");
  });

  test('an unexpected EOF is an error event with a SysCallError', T, async (t) => {
    const port = await tlsServer(t, (s) => {
      s.write('partial');
      // A TCP reset: no close_notify.
      setTimeout(() => s.destroy(), 100);
    });
    const sock = connect({ host: 'localhost', port, ca: CA });
    const chunks = [];
    sock.on('data', (c) => chunks.push(c));
    const [err] = await withTimeout(once(sock, 'error'), 20000, 'error');
    assert.ok(err instanceof SysCallError, `${err}`);
    assert.equal(Buffer.concat(chunks).toString(), 'partial');
  });

  test('reading: a peer writing 32 MiB to a slow reader is held back, not buffered', T, async (t) => {
    const total = 32 * MiB;
    const block = randomBytes(MiB);
    let serverWrote = 0;
    const port = await tlsServer(t, async (s) => {
      while (serverWrote < total) {
        serverWrote += block.length;
        if (!s.write(block)) await once(s, 'drain');
      }
      s.end();
    });
    const raw = net.connect(port, '127.0.0.1');
    const sock = connect({ host: 'localhost', socket: raw, ca: CA });
    await withTimeout(once(sock, 'secureConnect'), 20000, 'secureConnect');
    // Read one 16 KiB chunk now and then: everything else must stay in the kernel or unsent.
    let consumed = 0;
    let maxAhead = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 25));
      const c = sock.read(16384);
      if (c) consumed += c.length;
      maxAhead = Math.max(maxAhead, raw.bytesRead - consumed);
    }
    // Bounded by the readable's high-water mark, one record, socketTransport's 256 KiB and
    // the net.Socket's own buffer — not by what the peer sent.
    assert.ok(maxAhead < 2 * MiB, `read ahead ${maxAhead} bytes of ciphertext`);
    assert.ok(serverWrote < total, 'the server was held back by TCP');
    // Then everything arrives, intact and in order.
    const rest = await withTimeout(collect(sock), 20000, 'rest');
    assert.equal(consumed + rest.length, total);
    assert.equal(sha256(rest.subarray(rest.length - MiB)), sha256(block));
  });

  test('writing: write() waits for a peer that does not read', T, async (t) => {
    let peer;
    const port = await tlsServer(t, (s) => {
      peer = s;
      s.pause();
    });
    const sock = connect({ host: 'localhost', port, ca: CA });
    await withTimeout(once(sock, 'secureConnect'), 20000, 'secureConnect');
    const chunk = randomBytes(64 * 1024);
    // Write as a well-behaved producer does: stop when write() says so.
    let accepted = 0;
    const pump = async () => {
      while (accepted < 32 * MiB) {
        accepted += chunk.length;
        if (!sock.write(chunk)) await once(sock, 'drain');
      }
    };
    const pumping = pump();
    await new Promise((r) => setTimeout(r, 500));
    const stalledAt = accepted;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(accepted, stalledAt, 'no progress while the peer reads nothing');
    assert.ok(accepted < 24 * MiB, `accepted ${accepted} bytes`);
    assert.ok(sock.writableLength <= sock.writableHighWaterMark + chunk.length);
    // The peer reads: everything flows.
    let got = 0;
    peer.on('data', (d) => (got += d.length));
    peer.resume();
    await withTimeout(pumping, 20000, 'pump');
    sock.end();
    await withTimeout(once(peer, 'end'), 20000, 'peer end');
    assert.equal(got, 32 * MiB);
  });
});

describe('toWebStreams', () => {
  test('both directions with a node:tls echo server; closing the writable is close_notify', T, async (t) => {
    let serverSawEnd = false;
    const port = await tlsServer(t, (s) => {
      s.on('end', () => (serverSawEnd = true));
      s.pipe(s); // echo, and end (close_notify) when the client's close_notify arrives
    });
    const raw = net.connect(port, '127.0.0.1');
    await once(raw, 'connect');
    const conn = new Connection(clientContext(), socketTransport(raw));
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    const { readable, writable } = toWebStreams(conn);
    assert.equal(conn.isHandshakeDone(), false, 'nothing happens before the first read or write');
    const payload = randomBytes(2 * MiB);
    const writing = (async () => {
      const w = writable.getWriter();
      for (let i = 0; i < payload.length; i += 100000) await w.write(payload.subarray(i, i + 100000));
      await w.close();
    })();
    const chunks = [];
    for await (const c of readable) chunks.push(c);
    await withTimeout(writing, 20000, 'writing');
    assert.equal(sha256(Buffer.concat(chunks)), sha256(payload));
    assert.ok(serverSawEnd, "node saw the client's close_notify as 'end'");
    assert.equal(conn.getShutdown(), 3, 'close_notify sent and received');
    assert.equal(raw.writableEnded, true, 'then the transport was ended');
  });

  test('an unexpected EOF errors both streams with a SysCallError', T, async (t) => {
    const port = await tlsServer(t, (s) => {
      s.write('x');
      setTimeout(() => s.destroy(), 100);
    });
    const raw = net.connect(port, '127.0.0.1');
    const conn = new Connection(clientContext(), socketTransport(raw));
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    const { readable, writable } = toWebStreams(conn);
    const reader = readable.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), 'x');
    const err = await reader.read().then(
      () => null,
      (e) => e,
    );
    assert.ok(err instanceof SysCallError, `${err}`);
    const writer = writable.getWriter();
    await assert.rejects(writer.write(new Uint8Array(1)), (e) => e === err);
  });

  test('a failed handshake errors both streams with the SSLError', T, async (t) => {
    const port = await tlsServer(t, () => {});
    const raw = net.connect(port, '127.0.0.1');
    const conn = new Connection(new Context(TLS_CLIENT_METHOD), socketTransport(raw)); // no roots
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    conn.setVerify(1);
    const { readable, writable } = toWebStreams(conn);
    const writer = writable.getWriter();
    const werr = await writer.write(new TextEncoder().encode('hi')).then(() => null, (e) => e);
    assert.ok(werr instanceof SSLError, `${werr}`);
    await assert.rejects(readable.getReader().read(), (e) => e === werr);
  });
});

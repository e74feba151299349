// The ready-made transports of API.md §4 that are not about Node sockets: webSocketTransport
// over the `ws` package's WebSocket through a websockify-style tunnel (a WebSocket server on
// 127.0.0.1 that bridges binary messages to a TCP connection to a Node TLS server), and
// streamTransport over WHATWG streams between a library client and a library server.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import { WebSocket, WebSocketServer } from 'ws';

import {
  Connection,
  SysCallError,
  ZeroReturnError,
  streamTransport,
  webSocketTransport
} from 'rustls-ssl';

import { bytes, clientContext, fxText, pattern, serverContext, text } from './unit-helpers.mjs';

const T = { timeout: 20000 };
const MiB = 1024 * 1024;

const sha256 = (b) => createHash('sha256').update(b).digest('hex');

/**
 * Listens on 127.0.0.1:0 and resolves with the port. In t.after the accepted sockets are
 * destroyed (a half-closed one would keep close() waiting) and the server is closed.
 */
async function listen(t, server) {
  const open = new Set();
  server.on('connection', (sock) => {
    open.add(sock);
    sock.on('close', () => open.delete(sock));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  t.after(() => {
    for (const s of open) s.destroy();
    return new Promise((r) => server.close(() => r()));
  });
  return server.address().port;
}

/**
 * A Node TLS server (OpenSSL) on 127.0.0.1 with the server-rsa fixture; `onSocket` gets each
 * secure socket. Sockets are destroyed and the server closed in t.after.
 */
async function startTlsServer(t, onSocket) {
  const server = tls.createServer({ cert: fxText('server-rsa-chain.pem'), key: fxText('server-rsa.key') }, (sock) => {
    sock.on('error', () => {});
    onSocket(sock);
  });
  server.on('tlsClientError', () => {});
  return listen(t, server);
}

/**
 * A websockify-style tunnel: each WebSocket on 127.0.0.1 gets a TCP connection to
 * 127.0.0.1:`target`; binary messages carry the raw bytes both ways and either side closing
 * closes the other (the WebSocket with 1000). `onConnection(ws)` may refuse by returning false.
 */
async function startTunnel(t, target, onConnection = () => true) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  t.after(() => {
    for (const c of wss.clients) c.terminate();
    return new Promise((r) => wss.close(() => r()));
  });
  const tunnel = { messages: 0, url: `ws://127.0.0.1:${wss.address().port}/` };
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    if (!onConnection(ws)) return;
    const tcp = net.connect({ host: '127.0.0.1', port: target });
    tcp.on('error', () => ws.terminate());
    ws.on('message', (data, isBinary) => {
      tunnel.messages++;
      if (isBinary) tcp.write(data);
    });
    ws.on('close', () => tcp.end());
    tcp.on('data', (d) => ws.send(d));
    tcp.on('close', () => ws.close(1000, 'target closed'));
  });
  return tunnel;
}

/** A library client over webSocketTransport(new WebSocket(url)), not yet connected. */
function wsClient(t, url) {
  const ws = new WebSocket(url);
  t.after(() => ws.terminate());
  const transport = webSocketTransport(ws);
  const conn = new Connection(clientContext(), transport);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  return { ws, transport, conn };
}

/** Reads plaintext until `n` bytes arrived. */
async function recvExactly(conn, n) {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const b = await conn.recv(Math.min(65536, n - at));
    assert.ok(b.length > 0, `stream ended after ${at} of ${n} bytes`);
    out.set(b, at);
    at += b.length;
  }
  return out;
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

describe('webSocketTransport through a websockify-style tunnel to a Node TLS server', () => {
  test('handshake, then an echo', T, async (t) => {
    const port = await startTlsServer(t, (sock) => sock.pipe(sock));
    const tunnel = await startTunnel(t, port);
    const { conn, transport } = wsClient(t, tunnel.url);
    assert.equal(transport.readyState, 0, 'still connecting: the first send waits for open');
    await conn.doHandshake();
    assert.equal(transport.readyState, 1);
    assert.equal(conn.getProtocolVersionName(), 'TLSv1.3');
    await conn.sendall(bytes('hello over a websocket\n'));
    assert.equal(text(await recvExactly(conn, 23)), 'hello over a websocket\n');
    assert.ok(tunnel.messages >= 2, 'the tunnel saw binary messages');
  });

  test('1 MiB each way arrives intact', T, async (t) => {
    const upload = pattern(MiB, 7);
    const download = pattern(MiB, 11);
    const port = await startTlsServer(t, (sock) => {
      const chunks = [];
      let got = 0;
      sock.on('data', (d) => {
        chunks.push(d);
        got += d.length;
        if (got === MiB) {
          sock.write(sha256(Buffer.concat(chunks)) + '\n');
          sock.write(download);
        }
      });
    });
    const tunnel = await startTunnel(t, port);
    const { conn, transport } = wsClient(t, tunnel.url);
    await conn.doHandshake();
    assert.equal(await conn.sendall(upload), MiB);
    const digest = text(await recvExactly(conn, 65));
    assert.equal(digest, sha256(upload) + '\n', 'the server got the upload byte for byte');
    const got = await recvExactly(conn, MiB);
    assert.equal(sha256(got), sha256(download), 'the download arrived byte for byte');
    assert.equal(transport.queued, 0);
  });

  test('the server closing with close_notify gives ZeroReturnError, then the socket ends', T, async (t) => {
    // Node skips close_notify when end() comes straight after the handshake, so the server
    // answers a first message instead.
    const port = await startTlsServer(t, (sock) => sock.once('data', () => sock.end('bye\n')));
    const tunnel = await startTunnel(t, port);
    const { conn, transport, ws } = wsClient(t, tunnel.url);
    await conn.doHandshake();
    await conn.sendall(bytes('hi\n'));
    assert.equal(text(await recvExactly(conn, 4)), 'bye\n');
    const err = await rejection(conn.recv(100));
    assert.ok(err instanceof ZeroReturnError, `got ${err}`);
    if (ws.readyState !== WebSocket.CLOSED) await once(ws, 'close');
    const eof = await transport.recv(100);
    assert.equal(eof.length, 0, 'a clean WebSocket close is end of stream');
    assert.throws(() => transport.send(new Uint8Array(1)), /not open/);
  });

  test('the server dropping TCP without close_notify gives SysCallError(-1, Unexpected EOF)', T, async (t) => {
    const port = await startTlsServer(t, (sock) => sock.write('partial\n', () => sock.destroy()));
    const tunnel = await startTunnel(t, port);
    const { conn } = wsClient(t, tunnel.url);
    await conn.doHandshake();
    assert.equal(text(await recvExactly(conn, 8)), 'partial\n');
    const err = await rejection(conn.recv(100));
    assert.ok(err instanceof SysCallError, `got ${err}`);
    assert.equal(err.errno, -1);
    assert.equal(err.errstr, 'Unexpected EOF');
  });

  test('a tunnel that refuses with a close code gives SysCallError naming the code', T, async (t) => {
    const tunnel = await startTunnel(t, 1, (ws) => {
      ws.close(4001, 'target refused');
      return false;
    });
    const { conn } = wsClient(t, tunnel.url);
    const err = await rejection(conn.doHandshake());
    assert.ok(err instanceof SysCallError, `got ${err}`);
    assert.equal(err.cause?.code, 'ERR_WEBSOCKET_CLOSED');
    assert.match(err.cause.message, /code 4001: target refused/);
    assert.equal(err.cause.closeCode, 4001);
  });

  test('a tunnel that closes cleanly before any byte gives SysCallError (the socket is not open)', T, async (t) => {
    const tunnel = await startTunnel(t, 1, (ws) => {
      ws.close(1000);
      return false;
    });
    const { conn } = wsClient(t, tunnel.url);
    const err = await rejection(conn.doHandshake());
    assert.ok(err instanceof SysCallError, `got ${err}`);
    assert.equal(err.errno, -1);
    assert.match(err.cause?.message ?? '', /not open: readyState 3 \(CLOSED\)/);
  });

  test('a failed WebSocket upgrade gives SysCallError with the error event as cause', T, async (t) => {
    const http = net.createServer((s) => s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'));
    const port = await listen(t, http);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    t.after(() => ws.terminate());
    const transport = webSocketTransport(ws);
    const conn = new Connection(clientContext(), transport);
    conn.setConnectState();
    const err = await rejection(conn.doHandshake());
    assert.ok(err instanceof SysCallError, `got ${err}`);
    assert.equal(err.cause?.code, 'ERR_WEBSOCKET_ERROR');
    assert.match(err.cause.message, /403/);
    assert.throws(() => transport.send(new Uint8Array(1)), /403/, 'send throws the same error');
  });

  test('a text message fails the transport', T, async (t) => {
    const tunnel = await startTunnel(t, 1, (ws) => {
      ws.send('not bytes');
      return false;
    });
    const { conn } = wsClient(t, tunnel.url);
    const err = await rejection(conn.doHandshake());
    assert.ok(err instanceof SysCallError, `got ${err}`);
    assert.equal(err.cause?.code, 'ERR_WEBSOCKET_NOT_BINARY');
  });

  test('recv reads across message boundaries; close() ends the stream and refuses sends', T, async (t) => {
    let peer;
    const tunnel = await startTunnel(t, 1, (ws) => {
      peer = ws;
      ws.send(new Uint8Array([1, 2, 3]));
      ws.send(new Uint8Array([4, 5]));
      ws.send(new Uint8Array([6, 7, 8, 9]));
      return false;
    });
    const ws = new WebSocket(tunnel.url);
    t.after(() => ws.terminate());
    const transport = webSocketTransport(ws);
    assert.equal(ws.binaryType, 'arraybuffer');
    assert.equal(transport.socket, ws);
    assert.deepEqual([...(await transport.recv(2))], [1, 2]);
    while (transport.queued < 7) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual([...(await transport.recv(4))], [3, 4, 5, 6], 'one read spans three messages');
    assert.deepEqual([...(await transport.recv(100))], [7, 8, 9]);
    assert.equal(await transport.send(new Uint8Array([42])), 1);
    const [echoed] = await once(peer, 'message');
    assert.deepEqual([...echoed], [42], 'one send is one binary message');
    const waiting = transport.recv(100);
    assert.ok(waiting instanceof Promise, 'recv waits while the socket is open');
    transport.close();
    assert.equal((await waiting).length, 0, 'close() is end of stream for a waiting recv');
    assert.throws(() => transport.send(new Uint8Array(1)), /transport was closed/);
    const [code] = await once(peer, 'close');
    assert.equal(code, 1000);
  });
});

describe('streamTransport over WHATWG streams', () => {
  /** Two transports joined by a TransformStream each way. */
  function streamPair() {
    const ab = new TransformStream();
    const ba = new TransformStream();
    return [
      streamTransport({ readable: ba.readable, writable: ab.writable }),
      streamTransport({ readable: ab.readable, writable: ba.writable })
    ];
  }

  test('a library client and server: handshake, data both ways, close_notify', T, async () => {
    const [a, b] = streamPair();
    const client = new Connection(clientContext(), a);
    client.setConnectState();
    client.setTlsextHostName('localhost');
    const server = new Connection(serverContext(), b);
    server.setAcceptState();
    await Promise.all([client.doHandshake(), server.doHandshake()]);
    assert.equal(client.getProtocolVersionName(), 'TLSv1.3');

    const up = pattern(256 * 1024, 3);
    const [sent, got] = await Promise.all([client.sendall(up), recvExactly(server, up.length)]);
    assert.equal(sent, up.length);
    assert.equal(sha256(got), sha256(up));
    await server.sendall(bytes('pong'));
    assert.equal(text(await recvExactly(client, 4)), 'pong');

    await server.shutdown();
    const err = await rejection(client.recv(10));
    assert.ok(err instanceof ZeroReturnError, `got ${err}`);
  });

  test('recv keeps what it did not return; the end of the readable is an empty array', T, async () => {
    const { readable, writable } = new TransformStream();
    const sink = new WritableStream();
    const tr = streamTransport({ readable, writable: sink });
    const w = writable.getWriter();
    w.write(new Uint8Array([1, 2, 3, 4, 5, 6]));
    w.write(new Uint8Array(0));
    w.write(new Uint8Array([7]));
    w.close();
    assert.deepEqual([...(await tr.recv(4))], [1, 2, 3, 4]);
    const rest = tr.recv(4);
    assert.ok(!(rest instanceof Promise), 'leftovers come back at once');
    assert.deepEqual([...rest], [5, 6]);
    assert.deepEqual([...(await tr.recv(4))], [7], 'an empty chunk is skipped, not end of stream');
    assert.equal((await tr.recv(4)).length, 0);
    assert.equal((await tr.recv(4)).length, 0, 'end of stream stays');
  });

  test('send copies, and close() ends the peer after what was sent', T, async () => {
    const [a, b] = streamPair();
    const data = new Uint8Array([9, 8, 7]);
    const pending = a.send(data);
    data.fill(0); // the view is only valid during the call
    const closing = a.close();
    assert.equal(await pending, 3);
    assert.deepEqual([...(await b.recv(10))], [9, 8, 7]);
    assert.equal((await b.recv(10)).length, 0);
    await closing;
    assert.throws(() => a.send(new Uint8Array(1)), /closed/);
  });

  test('send waits once more than 1 MiB is unread, and goes on when the peer reads', T, async () => {
    const [a, b] = streamPair();
    const half = new Uint8Array(512 * 1024);
    for (let i = 0; i < 3; i++) assert.equal(await a.send(half), half.length, `send ${i} is buffered`);
    let fourth = false;
    const pending = a.send(half).then((n) => {
      fourth = true;
      return n;
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(fourth, false, '1.5 MiB unread: the fourth send waits');
    assert.equal((await b.recv(1024 * 1024)).length, half.length);
    assert.equal(await pending, half.length, 'reading one chunk lets it go');
  });

  test('a readable that errors makes recv throw, and the connection rejects with SysCallError', T, async () => {
    const boom = new Error('stream broke');
    const readable = new ReadableStream({ pull: (c) => c.error(boom) });
    const conn = new Connection(clientContext(), streamTransport({ readable, writable: new WritableStream() }));
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    const err = await rejection(conn.doHandshake());
    assert.ok(err instanceof SysCallError, `got ${err}`);
    assert.equal(err.cause, boom);
  });

  test('a writable that errors makes the next send throw', T, async () => {
    const boom = new Error('sink broke');
    const tr = streamTransport({ readable: new ReadableStream(), writable: new WritableStream({ write: () => Promise.reject(boom) }) });
    assert.equal(await tr.send(new Uint8Array([1])), 1);
    await assert.rejects(async () => {
      for (let i = 0; i < 5; i++) await tr.send(new Uint8Array([1]));
    }, (e) => e === boom);
  });

  test('streamTransport needs both streams', () => {
    assert.throws(() => streamTransport({ readable: new ReadableStream() }), TypeError);
    assert.throws(() => webSocketTransport({}), TypeError);
  });
});

// webSocketTransport's cap on bytes received and not yet read (API.md §4, "memory is bounded
// by the connection, never by the peer"), against real `ws` servers on 127.0.0.1 that push far
// more than the cap at a client that is not reading. With the `ws` package's own WebSocket
// the socket is paused and the sender waits: nothing is lost. A WebSocket that cannot be
// paused (here the same socket behind an object without pause/resume, as a browser's is) fails
// with an error naming the limit, and a Connection over it with SysCallError.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import { WebSocket, WebSocketServer } from 'ws';

import { Connection, SysCallError, webSocketTransport } from 'rustls-ssl';

import { bytes, clientContext, fxText } from './unit-helpers.mjs';

const T = { timeout: 60000 };
const KiB = 1024;
const MiB = 1024 * KiB;
/** webSocketTransport's RECV_LIMIT (src/wasm/websocket.rs), as the README documents it. */
const LIMIT = 4 * MiB;
const LIMIT_MESSAGE = /WebSocket receive queue over 4 MiB unread/;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `promise`, or a failure naming `what` after `ms`. */
function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

/** A WebSocket server on 127.0.0.1; `onConnection(ws)` gets each socket. Closed in t.after. */
async function startServer(t, onConnection) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  t.after(() => {
    for (const c of wss.clients) c.terminate();
    return new Promise((r) => wss.close(() => r()));
  });
  wss.on('connection', (ws) => {
    ws.on('error', () => {});
    onConnection(ws);
  });
  return `ws://127.0.0.1:${wss.address().port}/`;
}

/**
 * Sends `total` random bytes in messages of `size()` bytes (64 KiB unless given) as fast as
 * the socket takes them (its own buffer kept under 1 MiB, so what piles up is the client's
 * doing), hashing what went out, then closes with 1000. Stops early if the socket stops being
 * open.
 */
function pushRandom(ws, total, size = () => 64 * KiB) {
  const progress = { sent: 0, done: false, hash: createHash('sha256'), digest: null };
  (async () => {
    while (progress.sent < total && ws.readyState === WebSocket.OPEN) {
      if (ws.bufferedAmount > MiB) {
        await sleep(2);
        continue;
      }
      const chunk = randomBytes(Math.min(size(), total - progress.sent));
      progress.hash.update(chunk);
      ws.send(chunk);
      progress.sent += chunk.length;
    }
    progress.digest = progress.hash.digest('hex');
    progress.done = true;
    if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  })();
  return progress;
}

/** Resolves once `value()` has not changed for `quietMs`, or after `maxMs`. */
async function steady(value, quietMs = 300, maxMs = 15000) {
  const end = Date.now() + maxMs;
  let last = value();
  let since = Date.now();
  while (Date.now() < end) {
    await sleep(20);
    const now = value();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}

/**
 * The `ws` client behind an object with only what a browser WebSocket has: no pause() or
 * resume(), so the transport cannot apply backpressure.
 */
function withoutPause(ws) {
  return {
    get readyState() {
      return ws.readyState;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    get binaryType() {
      return ws.binaryType;
    },
    set binaryType(v) {
      ws.binaryType = v;
    },
    addEventListener: (type, fn) => ws.addEventListener(type, fn),
    removeEventListener: (type, fn) => ws.removeEventListener(type, fn),
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason)
  };
}

/** Opens a `ws` client to `url`; terminated in t.after. */
function client(t, url) {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  t.after(() => ws.terminate());
  return ws;
}

/** The most bytes the transport had queued, sampled after each message it took in. */
function watchQueue(ws, transport) {
  const seen = { max: 0 };
  // Added after the transport's own listener, so it sees the queue with the message in it.
  ws.addEventListener('message', () => {
    seen.max = Math.max(seen.max, transport.queued);
  });
  return seen;
}

describe('webSocketTransport: the ws package socket is paused, never overrun', () => {
  test('64 MiB pushed at a client that is not reading: the queue stays under 4 MiB, the sender waits, every byte arrives', T, async (t) => {
    const TOTAL = 64 * MiB;
    let progress;
    const url = await startServer(t, (ws) => {
      progress = pushRandom(ws, TOTAL);
    });
    const ws = client(t, url);
    const transport = webSocketTransport(ws);
    const seen = watchQueue(ws, transport);
    await once(ws, 'open');

    // Not reading: the queue fills, the socket is paused, and the server stops getting rid
    // of its bytes (TCP backpressure all the way to it).
    await steady(() => progress?.sent ?? 0);
    assert.ok(transport.queued >= 1 * MiB, `the queue filled (${transport.queued} bytes)`);
    assert.ok(seen.max <= LIMIT, `never more than 4 MiB queued (at most ${seen.max})`);
    assert.equal(ws.isPaused, true, 'the socket was paused');
    assert.ok(
      progress.sent < TOTAL / 2,
      `the sender waited: ${progress.sent} of ${TOTAL} bytes sent while the client did not read`
    );

    // Reading everything: the socket resumes, the queue stays bounded, the bytes are intact.
    const hash = createHash('sha256');
    let got = 0;
    for (;;) {
      const chunk = await transport.recv(256 * KiB);
      assert.ok(transport.queued <= LIMIT);
      if (chunk.length === 0) break;
      hash.update(chunk);
      got += chunk.length;
    }
    assert.equal(got, TOTAL, 'every byte arrived');
    assert.ok(progress.done);
    assert.equal(hash.digest('hex'), progress.digest, 'byte for byte, in order');
    assert.ok(seen.max <= LIMIT, `never more than 4 MiB queued (at most ${seen.max})`);
    assert.equal(ws.isPaused, false, 'resumed as the reader caught up');
  });

  test('24 MiB in messages of 1 to 600 bytes (hundreds per TCP read) at a client that is not reading: paused, not failed', T, async (t) => {
    const TOTAL = 24 * MiB;
    let progress;
    let messages = 0;
    const url = await startServer(t, (ws) => {
      progress = pushRandom(ws, TOTAL, () => {
        messages++;
        return 1 + Math.floor(Math.random() * 600);
      });
    });
    const ws = client(t, url);
    const transport = webSocketTransport(ws);
    const seen = watchQueue(ws, transport);
    await once(ws, 'open');
    await steady(() => progress?.sent ?? 0);
    assert.equal(ws.isPaused, true, 'the socket was paused');
    assert.ok(seen.max <= LIMIT, `never more than 4 MiB queued (at most ${seen.max})`);
    assert.ok(progress.sent < TOTAL, `the sender waited (${progress.sent} of ${TOTAL} bytes sent)`);
    const hash = createHash('sha256');
    let got = 0;
    for (;;) {
      const chunk = await transport.recv(100 * KiB);
      if (chunk.length === 0) break;
      hash.update(chunk);
      got += chunk.length;
    }
    assert.equal(got, TOTAL, 'every byte arrived');
    assert.equal(hash.digest('hex'), progress.digest, 'byte for byte, in order');
    t.diagnostic(`${messages} messages; at most ${seen.max} bytes queued`);
  });

  test('one message larger than the limit fails even a pausable socket, waking a waiting recv', T, async (t) => {
    let peer;
    const url = await startServer(t, (ws) => {
      peer = ws;
    });
    const ws = client(t, url);
    const transport = webSocketTransport(ws);
    await once(ws, 'open');
    const waiting = transport.recv(100);
    assert.ok(waiting instanceof Promise);
    peer.send(new Uint8Array(LIMIT + 1));
    const err = await rejection(within(waiting, 20000, 'the waiting recv'));
    assert.equal(err.code, 'ERR_WEBSOCKET_RECV_LIMIT');
    assert.match(err.message, LIMIT_MESSAGE);
    assert.equal(transport.queued, 0);
    const [code] = await once(peer, 'close');
    assert.equal(code, 1009, 'closed as "message too big"');
  });
});

describe('webSocketTransport over a WebSocket that cannot be paused', () => {
  test('more than 4 MiB unread fails the transport with an error naming the limit and closes the socket', T, async (t) => {
    let progress;
    let closed;
    const url = await startServer(t, (ws) => {
      closed = once(ws, 'close');
      progress = pushRandom(ws, 64 * MiB);
    });
    const ws = client(t, url);
    const transport = webSocketTransport(withoutPause(ws));
    const seen = watchQueue(ws, transport);
    await once(ws, 'open');
    await within(once(ws, 'close'), 20000, 'the client socket closing');
    const [code] = await closed;
    assert.equal(code, 1009, 'the server saw the socket closed as "message too big"');
    assert.ok(seen.max <= LIMIT, `never more than 4 MiB queued (at most ${seen.max})`);
    assert.equal(transport.queued, 0, 'what was queued is dropped');
    assert.ok(progress.sent < 64 * MiB, 'the push was cut off');
    for (let i = 0; i < 2; i++) {
      const err = await rejection(Promise.resolve().then(() => transport.recv(100)));
      assert.equal(err.code, 'ERR_WEBSOCKET_RECV_LIMIT');
      assert.match(err.message, LIMIT_MESSAGE);
      assert.equal(err.limit, LIMIT);
    }
    assert.throws(() => transport.send(new Uint8Array(1)), LIMIT_MESSAGE);
  });
});

/** Resolves on the socket's next 'drain' or 'close', leaving no listener behind. */
function drained(sock) {
  return new Promise((resolve) => {
    const done = () => {
      sock.off('drain', done);
      sock.off('close', done);
      resolve();
    };
    sock.on('drain', done);
    sock.on('close', done);
  });
}

/**
 * A websockify-style tunnel (binary messages ⇄ TCP) in front of a Node TLS server that, once
 * it has a line from the client, writes `total` random bytes and hashes them.
 */
async function startTlsBehindTunnel(t, total) {
  const sent = { hash: createHash('sha256'), digest: null, bytes: 0 };
  const server = tls.createServer({ cert: fxText('server-rsa-chain.pem'), key: fxText('server-rsa.key') }, (sock) => {
    sock.on('error', () => {});
    sock.once('data', async () => {
      while (sent.bytes < total && !sock.destroyed) {
        const chunk = randomBytes(Math.min(64 * KiB, total - sent.bytes));
        sent.hash.update(chunk);
        sent.bytes += chunk.length;
        if (!sock.write(chunk)) await drained(sock);
      }
      sent.digest = sent.hash.digest('hex');
    });
  });
  server.on('tlsClientError', () => {});
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(() => r()));
  });
  const url = await startServer(t, (ws) => {
    const tcp = net.connect({ host: '127.0.0.1', port: server.address().port });
    tcp.on('error', () => ws.terminate());
    ws.on('message', (data) => tcp.write(data));
    ws.on('close', () => tcp.destroy());
    // websockify's backpressure: the target is not read while the WebSocket is backed up.
    tcp.on('data', async (d) => {
      ws.send(d);
      if (ws.bufferedAmount <= MiB || tcp.isPaused()) return;
      tcp.pause();
      while (ws.bufferedAmount > MiB && ws.readyState === WebSocket.OPEN) await sleep(2);
      tcp.resume();
    });
    tcp.on('close', () => ws.readyState === WebSocket.OPEN && ws.close(1000));
  });
  return { url, sent };
}

function tlsClient(transport) {
  const conn = new Connection(clientContext(), transport);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  return conn;
}

describe('a Connection over webSocketTransport when the application stops reading', () => {
  test('ws package: 32 MiB of TLS waits at the server, not in the page, and arrives intact', T, async (t) => {
    const TOTAL = 32 * MiB;
    const { url, sent } = await startTlsBehindTunnel(t, TOTAL);
    const ws = client(t, url);
    const transport = webSocketTransport(ws);
    const seen = watchQueue(ws, transport);
    const conn = tlsClient(transport);
    await conn.doHandshake();
    await conn.sendall(bytes('go\n'));
    await steady(() => sent.bytes);
    assert.ok(seen.max <= LIMIT, `never more than 4 MiB queued (at most ${seen.max})`);
    assert.equal(ws.isPaused, true, 'the socket was paused');
    t.diagnostic(`${sent.bytes} bytes written by the TLS server while the client did not read`);
    // Kernel buffers on the two loopback hops hold some MiB; the rest has to wait.
    assert.ok(sent.bytes < TOTAL, `the TLS server waited (${sent.bytes} of ${TOTAL} bytes written)`);
    const hash = createHash('sha256');
    let got = 0;
    while (got < TOTAL) {
      const chunk = await conn.recv(64 * KiB);
      hash.update(chunk);
      got += chunk.length;
    }
    assert.equal(hash.digest('hex'), sent.digest, 'byte for byte');
    assert.ok(seen.max <= LIMIT, `never more than 4 MiB queued (at most ${seen.max})`);
  });

  test('a socket that cannot be paused: recv rejects with SysCallError whose cause names the limit', T, async (t) => {
    const { url } = await startTlsBehindTunnel(t, 64 * MiB);
    const ws = client(t, url);
    const transport = webSocketTransport(withoutPause(ws));
    const conn = tlsClient(transport);
    await conn.doHandshake();
    await conn.sendall(bytes('go\n'));
    await within(once(ws, 'close'), 20000, 'the client socket closing');
    for (let i = 0; i < 2; i++) {
      const err = await rejection(conn.recv(100));
      assert.ok(err instanceof SysCallError, `got ${err}`);
      assert.equal(err.errno, -1);
      assert.equal(err.cause?.code, 'ERR_WEBSOCKET_RECV_LIMIT');
      assert.match(err.cause.message, LIMIT_MESSAGE);
    }
  });
});

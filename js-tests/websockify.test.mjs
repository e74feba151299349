// rustls-ssl's webSocketTransport over a real WebSocket→TCP tunnel: Python's `websockify`
// (Debian's /usr/bin/websockify) in front of `openssl s_server` and of Node's `tls` server,
// with the `ws` package's WebSocket on the client side. 8 MiB go each way and are checked with
// SHA-256, while a wrapper around the transport splits every record across many WebSocket
// messages or coalesces several records into one message (API.md §4: records may span
// messages). Everything listens on 127.0.0.1 only.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import { WebSocket } from 'ws';

import * as ssl from 'rustls-ssl';

import { FIXTURES, fixture, freePort, readFixture, withTimeout } from './helpers/openssl.mjs';

const { Connection, Context, TLS_CLIENT_METHOD } = ssl;

const MiB = 1024 * 1024;
const SIZE = 8 * MiB;
const T = { timeout: 60000 };
/** The transfer itself; a test that takes longer has a problem, not a slow machine. */
const TRANSFER_MS = 45000;

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

/** mulberry32: a small seeded PRNG, so a failing split pattern can be replayed. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** `lo..hi` inclusive, from `rand`. */
function between(rand, lo, hi) {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Resolves once something listens on 127.0.0.1:`port` (Linux: /proc/net/tcp, no probe connection). */
async function waitListening(port, ms, what) {
  const needle = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const deadline = Date.now() + ms;
  for (;;) {
    const lines = readFileSync('/proc/net/tcp', 'utf8').split('\n');
    // State 0A is LISTEN.
    if (lines.some((l) => l.includes(` ${needle} `) && / 0A /.test(l))) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on 127.0.0.1:${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Spawns `cmd args` in its own process group, collecting stdout as bytes and stderr as text;
 * the whole group is killed in t.after (websockify forks a child per connection).
 */
function spawnGroup(t, cmd, args, cwd) {
  const proc = spawn(cmd, args, { cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = [];
  let outBytes = 0;
  let err = '';
  const outWaiters = new Set();
  proc.stdout.on('data', (d) => {
    out.push(d);
    outBytes += d.length;
    for (const w of outWaiters) if (outBytes >= w.n) w.resolve();
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (d) => {
    err += d;
  });
  proc.stdin.on('error', () => {}); // EPIPE once the child has gone
  const exited = new Promise((resolve) => {
    proc.once('error', (e) => {
      err += `\n[spawn error] ${e.message}`;
      resolve();
    });
    proc.once('close', () => resolve());
  });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    await exited;
  };
  t.after(stop);
  return {
    proc,
    exited,
    stderr: () => err,
    stdout: () => Buffer.concat(out),
    /** Resolves once stdout holds at least `n` bytes; rejects if the process exits first. */
    stdoutReaches(n) {
      if (outBytes >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { n, resolve };
        outWaiters.add(w);
        exited.then(() => {
          if (outBytes < n) reject(new Error(`${cmd} exited after ${outBytes} of ${n} bytes:\n${err}`));
        });
      });
    }
  };
}

/**
 * `openssl s_server -brief` on 127.0.0.1 with the ECDSA chain. -brief keeps stdout for the
 * application data only (the summary goes to stderr) and turns off s_server's one-letter
 * stdin commands, so stdin is relayed to the client verbatim and stdout is exactly what the
 * client sent.
 */
async function startBriefSServer(t) {
  const port = await freePort();
  const server = spawnGroup(
    t,
    'openssl',
    [
      's_server',
      '-accept',
      `127.0.0.1:${port}`,
      '-cert',
      'server-ecdsa.pem',
      '-cert_chain',
      'int.pem',
      '-key',
      'server-ecdsa.key',
      '-brief'
    ],
    FIXTURES
  );
  await waitListening(port, 10000, 'openssl s_server');
  return Object.assign(server, { port });
}

/** `websockify 127.0.0.1:WSPORT 127.0.0.1:targetPort`, killed (process group) in t.after. */
async function startWebsockify(t, targetPort) {
  const wsPort = await freePort();
  const proxy = spawnGroup(t, 'websockify', [`127.0.0.1:${wsPort}`, `127.0.0.1:${targetPort}`]);
  try {
    await waitListening(wsPort, 15000, 'websockify');
  } catch (e) {
    e.message += `\n--- websockify stderr ---\n${proxy.stderr()}`;
    throw e;
  }
  return { wsPort, proxy };
}

/** A `ws` WebSocket to websockify, open; terminated in t.after. Counts incoming messages. */
async function openWebSocket(t, wsPort) {
  const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/`);
  t.after(() => ws.terminate());
  const incoming = { messages: 0, bytes: 0, largest: 0 };
  ws.on('message', (data) => {
    // A Buffer, an ArrayBuffer or an array of Buffers, depending on the binaryType the
    // transport chose.
    const size = Array.isArray(data) ? data.reduce((s, b) => s + b.length, 0) : data.byteLength;
    incoming.messages++;
    incoming.bytes += size;
    incoming.largest = Math.max(incoming.largest, size);
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return { ws, incoming };
}

/**
 * Calls `inner.send(bytes)` until all of `bytes` is taken, synchronously while `inner` is
 * synchronous. Returns (or resolves with) how many bytes went, fewer only when `inner` said
 * "would block" (0).
 */
function sendThrough(inner, bytes, stats, off = 0) {
  while (off < bytes.length) {
    const piece = bytes.subarray(off);
    stats.messages++;
    const r = inner.send(piece);
    if (r && typeof r.then === 'function') {
      return r.then((n) => {
        const took = n === undefined ? piece.length : n;
        return took === 0 ? off : sendThrough(inner, bytes, stats, off + took);
      });
    }
    const took = r === undefined ? piece.length : r;
    if (took === 0) return off;
    off += took;
  }
  return off;
}

/**
 * Splits each send into several WebSocket messages of 1..3000 bytes (seeded), so every TLS
 * record arrives in pieces.
 */
function splitting(inner, rand) {
  const stats = { sends: 0, messages: 0 };
  const sendPieces = (bytes, off) => {
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, between(rand, 1, 3000));
      const r = sendThrough(inner, bytes.subarray(off, off + n), stats);
      if (typeof r !== 'number') {
        return r.then((took) => (took < n ? off + took : sendPieces(bytes, off + n)));
      }
      if (r < n) return off + r;
      off += n;
    }
    return off;
  };
  return {
    stats,
    send(data) {
      stats.sends++;
      // The view is only valid during the call, and an async inner send outlives it.
      return sendPieces(new Uint8Array(data), 0);
    },
    recv: (n) => inner.recv(n),
    flush() {}
  };
}

/**
 * Buffers sends and sends 2..5 of them (seeded) as one WebSocket message, so several TLS
 * records share a message; whatever is left is flushed after a millisecond, so a handshake
 * flight that is a single send still goes out. A failure of the delayed flush is thrown from
 * the next call.
 */
function coalescing(inner, rand) {
  const stats = { sends: 0, messages: 0, mostSendsInOneMessage: 0 };
  /** @type {Uint8Array[]} */
  let held = [];
  let target = between(rand, 2, 5);
  let timer = null;
  let failure = null;
  const flush = () => {
    clearTimeout(timer);
    timer = null;
    if (!held.length) return undefined;
    const joined = Buffer.concat(held);
    stats.mostSendsInOneMessage = Math.max(stats.mostSendsInOneMessage, held.length);
    held = [];
    target = between(rand, 2, 5);
    const check = (took) => {
      if (took !== joined.length) throw new Error(`inner send took ${took} of ${joined.length} bytes`);
    };
    const r = sendThrough(inner, joined, stats);
    return typeof r === 'number' ? check(r) : r.then(check);
  };
  const flushLater = () => {
    try {
      const r = flush();
      if (r) r.catch((e) => (failure ??= e));
    } catch (e) {
      failure ??= e;
    }
  };
  return {
    stats,
    send(data) {
      if (failure) throw failure;
      stats.sends++;
      held.push(new Uint8Array(data));
      if (held.length >= target) {
        const r = flush();
        return r ? r.then(() => data.length) : data.length;
      }
      timer ??= setTimeout(flushLater, 1);
      return data.length;
    },
    recv(n) {
      if (failure) throw failure;
      return inner.recv(n);
    },
    flush
  };
}

const WRAPPERS = {
  plain: (inner) => ({ stats: null, send: (d) => inner.send(d), recv: (n) => inner.recv(n), flush() {} }),
  split: (inner, rand) => splitting(inner, rand),
  coalesce: (inner, rand) => coalescing(inner, rand)
};

/** Asserts that the wrapper really did what it is there for. */
function assertFraming(mode, stats) {
  if (mode === 'split') {
    assert.ok(
      stats.messages > stats.sends * 3,
      `records were split: ${stats.messages} messages for ${stats.sends} sends`
    );
  } else if (mode === 'coalesce') {
    assert.ok(
      stats.messages < stats.sends && stats.mostSendsInOneMessage >= 2,
      `records were coalesced: ${stats.messages} messages for ${stats.sends} sends, ` +
        `at most ${stats.mostSendsInOneMessage} in one`
    );
  }
}

function clientContext() {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(fixture('ca.pem'));
  return ctx;
}

/**
 * A verifying client Connection for 'localhost' over webSocketTransport(ws) inside the
 * `mode` wrapper.
 */
function wsClient(ws, mode, seed) {
  assert.equal(typeof ssl.webSocketTransport, 'function', "rustls-ssl exports webSocketTransport");
  const transport = WRAPPERS[mode](ssl.webSocketTransport(ws), prng(seed));
  const conn = new Connection(clientContext(), transport);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  return { conn, transport };
}

/** Reads exactly `n` bytes of plaintext. */
async function recvExactly(conn, n) {
  const chunks = [];
  let total = 0;
  while (total < n) {
    const bytes = await conn.recv(Math.min(16384, n - total));
    if (bytes.length === 0) throw new Error(`end of stream after ${total} of ${n} bytes`);
    chunks.push(Buffer.from(bytes));
    total += bytes.length;
  }
  return Buffer.concat(chunks);
}

/** Sends our close_notify and lets a coalescing wrapper put it on the wire. */
async function closeClient(conn, transport) {
  const sent = await conn.shutdown();
  assert.equal(typeof sent, 'boolean');
  await transport.flush();
}

describe('webSocketTransport through websockify to openssl s_server', () => {
  for (const [mode, seed] of [
    ['plain', 1],
    ['split', 0x5eed],
    ['coalesce', 0xc0a1]
  ]) {
    test(`TLS 1.3, 8 MiB each way, ${mode} WebSocket messages (seed ${seed})`, T, async (t) => {
      const server = await startBriefSServer(t);
      const { wsPort } = await startWebsockify(t, server.port);
      const { ws, incoming } = await openWebSocket(t, wsPort);
      const { conn, transport } = wsClient(ws, mode, seed);

      await withTimeout(conn.doHandshake(), 10000, 'handshake through websockify');
      assert.equal(conn.getProtocolVersionName(), 'TLSv1.3');
      assert.match(conn.getCipherName(), /^TLS_/);
      assert.equal(conn.getPeerCertificate().getSubject().CN, 'localhost');

      const up = randomBytes(SIZE);
      const down = randomBytes(SIZE);
      const started = Date.now();
      // s_server only reads its stdin once the connection is up; a pipe buffers the rest.
      server.proc.stdin.write(down);
      const [received, sentCount] = await withTimeout(
        Promise.all([recvExactly(conn, SIZE), conn.sendall(up), server.stdoutReaches(SIZE)]),
        TRANSFER_MS,
        `8 MiB each way through websockify (${mode})`
      );
      const ms = Date.now() - started;
      assert.equal(sentCount, SIZE);
      assert.equal(received.length, SIZE);
      assert.equal(sha256(received), sha256(down), 's_server → client bytes intact');
      const atServer = server.stdout();
      assert.equal(atServer.length, SIZE, 's_server printed exactly what the client sent');
      assert.equal(sha256(atServer), sha256(up), 'client → s_server bytes intact');
      if (transport.stats) assertFraming(mode, transport.stats);
      t.diagnostic(
        `${mode}: 2 × 8 MiB in ${ms} ms; out ${JSON.stringify(transport.stats)}; ` +
          `in ${incoming.messages} messages, largest ${incoming.largest} bytes; ${conn.getCipherName()}`
      );
      assert.match(server.stderr(), /Protocol version: TLSv1\.3/, 's_server saw TLS 1.3');

      await closeClient(conn, transport);
    });
  }
});

/**
 * A Node TLS echo server (ECDSA chain) on 127.0.0.1 that hashes what it receives;
 * `received(n)` resolves with the SHA-256 of the first n bytes once they arrived.
 */
async function nodeEchoServer(t, maxVersion) {
  const sockets = new Set();
  const hash = createHash('sha256');
  let count = 0;
  let versionSeen = null;
  const waiters = new Set();
  const server = tls.createServer(
    {
      cert: readFixture('server-ecdsa-chain.pem'),
      key: readFixture('server-ecdsa.key'),
      minVersion: 'TLSv1.2',
      maxVersion
    },
    (sock) => {
      versionSeen = sock.getProtocol();
      sock.on('error', () => {});
      sock.on('data', (d) => {
        hash.update(d);
        count += d.length;
        for (const w of waiters) if (count >= w.n) w.resolve(hash.copy().digest('hex'));
        if (!sock.write(d)) {
          sock.pause();
          sock.once('drain', () => sock.resume());
        }
      });
      sock.on('end', () => sock.end());
    }
  );
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })
  );
  return {
    port: server.address().port,
    version: () => versionSeen,
    received: (n) =>
      new Promise((resolve) => {
        const w = { n, resolve };
        waiters.add(w);
        if (count >= n) resolve(hash.copy().digest('hex'));
      })
  };
}

describe("webSocketTransport through websockify to Node's tls echo server", () => {
  for (const [version, mode, seed] of [
    ['TLSv1.3', 'split', 13],
    ['TLSv1.2', 'split', 12],
    ['TLSv1.2', 'coalesce', 1212]
  ]) {
    test(`${version}, 8 MiB each way, ${mode} WebSocket messages (seed ${seed})`, T, async (t) => {
      const server = await nodeEchoServer(t, version);
      const { wsPort } = await startWebsockify(t, server.port);
      const { ws, incoming } = await openWebSocket(t, wsPort);
      const { conn, transport } = wsClient(ws, mode, seed);

      await withTimeout(conn.doHandshake(), 10000, 'handshake through websockify');
      assert.equal(conn.getProtocolVersionName(), version);

      const up = randomBytes(SIZE);
      const started = Date.now();
      const [echoed, sentCount, serverHash] = await withTimeout(
        Promise.all([recvExactly(conn, SIZE), conn.sendall(up), server.received(SIZE)]),
        TRANSFER_MS,
        `8 MiB each way through websockify (${version}, ${mode})`
      );
      const ms = Date.now() - started;
      assert.equal(sentCount, SIZE);
      assert.equal(serverHash, sha256(up), 'client → server bytes intact');
      assert.equal(sha256(echoed), sha256(up), 'server → client (the echo) bytes intact');
      assert.equal(server.version(), version, 'the server saw the same version');
      assertFraming(mode, transport.stats);
      t.diagnostic(
        `${version} ${mode}: 2 × 8 MiB in ${ms} ms; out ${JSON.stringify(transport.stats)}; ` +
          `in ${incoming.messages} messages, largest ${incoming.largest} bytes; ${conn.getCipherName()}`
      );

      await closeClient(conn, transport);
    });
  }
});

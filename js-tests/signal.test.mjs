// `{ signal }` on the promise methods (API.md §8 "Cancellation"): an abort rejects the pending
// call at once with `signal.reason`, nothing already accepted is lost or duplicated, and the
// connection stays usable. The semantics tested here are the ones README.md documents in
// "Timeouts and cancellation".

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners, once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';

import {
  Connection,
  MSG_PEEK,
  SENT_SHUTDOWN,
  SSLError,
  ZeroReturnError,
  connect,
  memoryPair,
  socketTransport,
} from 'rustls-ssl';

import {
  bytes,
  text,
  pattern,
  sha256,
  concat,
  fxText,
  serverContext,
  clientContext,
  transportPair,
  recvExactly,
} from './unit-helpers.mjs';

const T = { timeout: 20_000 };

/** A promise and its resolver. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

/** Is `p` still pending after everything queued so far has run? */
async function isPending(p) {
  const marker = Symbol('pending');
  // A macrotask: every microtask chain the wasm side started has run by then.
  const later = new Promise((r) => setImmediate(() => r(marker)));
  return (await Promise.race([p.then(() => 'resolved', () => 'rejected'), later])) === marker;
}

/**
 * Wraps a transport: counts its calls, and lets a test hold each `recv` answer (`holdRecv`)
 * or each `send` (`holdSend`: the bytes reach the inner transport only when released).
 */
function instrumented(inner) {
  const t = {
    recvCalls: 0,
    sendCalls: 0,
    holdRecv: false,
    holdSend: false,
    /** @type {Array<{ inner: Promise<Uint8Array>, release: (v?: Uint8Array) => void }>} */
    heldRecvs: [],
    /** @type {Array<{ data: Uint8Array, release: () => void }>} */
    heldSends: [],
    waiters: [],
    send(data) {
      t.sendCalls++;
      if (!t.holdSend) return inner.send(data);
      const copy = data.slice();
      const d = deferred();
      let released = false;
      t.heldSends.push({
        data: copy,
        release() {
          if (released) return;
          released = true;
          inner.send(copy);
          d.resolve(copy.length);
        },
      });
      t.notify();
      return d.promise;
    },
    recv(max) {
      t.recvCalls++;
      if (!t.holdRecv) return inner.recv(max);
      const got = Promise.resolve(inner.recv(max));
      const d = deferred();
      t.heldRecvs.push({ inner: got, release: (v) => (v ? d.resolve(v) : got.then(d.resolve)) });
      t.notify();
      return d.promise;
    },
    close() {
      inner.close?.();
    },
    notify() {
      for (const w of t.waiters.splice(0)) w();
    },
    /** Resolves once `list` has more than `n` entries. */
    async until(list, n = 0) {
      while (t[list].length <= n) await new Promise((r) => t.waiters.push(r));
      return t[list][n];
    },
  };
  return t;
}

/** A client over an instrumented memoryPair end, the server over the plain other end. */
async function instrumentedPair({ handshake = true } = {}) {
  const [a, b] = memoryPair();
  const t = instrumented(a);
  const c = new Connection(clientContext(), t);
  const s = new Connection(serverContext(), b);
  c.setConnectState();
  c.setTlsextHostName('localhost');
  s.setAcceptState();
  if (handshake) {
    await Promise.all([c.doHandshake(), s.doHandshake()]);
    // The server's session tickets follow its handshake: read past them, so that the next
    // transport receive is one that waits for what the test sends.
    await s.sendall(bytes('w'));
    assert.equal(text(await c.recv(1)), 'w');
  }
  return { c, s, t };
}

/**
 * A handshaken pair whose client has `recv(100, { signal })` under way with its transport
 * receive held, and the server's `message` in that receive: the test says when the abort
 * comes and when the ciphertext is handed over (`release`). `transportRecvs()` counts the
 * transport receives since the call.
 */
async function recvWithHeldData(message) {
  const { c, s, t } = await instrumentedPair();
  const before = t.recvCalls;
  t.holdRecv = true;
  const ac = new AbortController();
  const p = c.recv(100, { signal: ac.signal });
  const held = await t.until('heldRecvs');
  await s.sendall(bytes(message));
  const ciphertext = await held.inner;
  return { c, t, ac, p, release: () => held.release(ciphertext), transportRecvs: () => t.recvCalls - before };
}

/** Asserts that `p` rejects with exactly `reason` (the very object). */
async function rejectsWith(p, reason) {
  await assert.rejects(p, (e) => {
    assert.equal(e, reason);
    return true;
  });
}

describe('recv', () => {
  test('an abort on a silent peer rejects at once; what the peer sends later all arrives, in order', T, async () => {
    const { c, s } = await transportPair();
    const ac = new AbortController();
    const p = c.recv(100, { signal: ac.signal });
    assert.ok(await isPending(p));
    ac.abort();
    await assert.rejects(p, (e) => e instanceof DOMException && e.name === 'AbortError');
    // The transport recv the aborted call started is still waiting: what it brings must not
    // be dropped. Several records, so that any lost or repeated one shows.
    const data = pattern(50_000, 7);
    await s.sendall(data);
    const got = await recvExactly(c, data.length);
    assert.equal(sha256(got), sha256(data));
  });

  test('data arriving just after the abort is kept for the next recv', T, async () => {
    const { c, t, ac, p, release, transportRecvs } = await recvWithHeldData('arrives late');
    ac.abort();
    release();
    await assert.rejects(p, { name: 'AbortError' });
    t.holdRecv = false;
    assert.equal(text(await c.recv(100)), 'arrives late');
    assert.equal(transportRecvs(), 1, 'the bytes came in the receive the aborted call started');
  });

  test('data arriving in the same tick as the abort: no byte lost', T, async () => {
    for (const abortFirst of [true, false]) {
      const { c, t, ac, p, release, transportRecvs } = await recvWithHeldData('0123456789');
      if (abortFirst) ac.abort();
      release();
      if (!abortFirst) ac.abort();
      t.holdRecv = false;
      // The abort came before the bytes were decrypted either way (the transport's answer
      // is only seen a microtask later), so the call rejects and the next recv has them.
      await assert.rejects(p, { name: 'AbortError' });
      assert.equal(text(await c.recv(100)), '0123456789');
      assert.equal(transportRecvs(), 1);
    }
  });

  test('abort the first of two queued recvs: the second gets the data', T, async () => {
    const { c, s } = await transportPair();
    const ac = new AbortController();
    const first = c.recv(100, { signal: ac.signal });
    const second = c.recv(100);
    assert.ok(await isPending(second));
    ac.abort();
    await assert.rejects(first, { name: 'AbortError' });
    assert.ok(await isPending(second));
    await s.sendall(bytes('for the second'));
    assert.equal(text(await second), 'for the second');
  });

  test('abort the second of two queued recvs: it leaves the queue, the first and a third still read in order', T, async () => {
    const { c, s } = await transportPair();
    const ac = new AbortController();
    const first = c.recv(100);
    const second = c.recv(100, { signal: ac.signal });
    const third = c.recv(100);
    assert.ok(await isPending(third));
    ac.abort();
    await assert.rejects(second, { name: 'AbortError' });
    assert.ok(await isPending(first));
    assert.ok(await isPending(third));
    await s.sendall(bytes('one'));
    assert.equal(text(await first), 'one');
    await s.sendall(bytes('two'));
    assert.equal(text(await third), 'two');
  });

  test('recvInto: an abort leaves the buffer untouched and the data for the next call', T, async () => {
    const { c, s, t } = await instrumentedPair();
    const recvsBefore = t.recvCalls;
    t.holdRecv = true;
    const buf = new Uint8Array(32).fill(0xaa);
    const ac = new AbortController();
    const p = c.recvInto(buf, { signal: ac.signal });
    const held = await t.until('heldRecvs');
    assert.ok(await isPending(p));
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.ok(buf.every((x) => x === 0xaa));
    // The receive that call started is still under way; a second call waits on it, and its
    // data comes in the same tick as this call's abort.
    const ac2 = new AbortController();
    const p2 = c.recvInto(buf, 16, 0, { signal: ac2.signal });
    assert.ok(await isPending(p2));
    await s.sendall(bytes('into the buffer'));
    held.release(await held.inner);
    ac2.abort();
    t.holdRecv = false;
    await assert.rejects(p2, { name: 'AbortError' });
    assert.ok(buf.every((x) => x === 0xaa));
    const n = await c.recvInto(buf);
    assert.equal(text(buf.subarray(0, n)), 'into the buffer');
    assert.equal(t.recvCalls - recvsBefore, 1, 'one transport receive served all three calls');
  });

  test('MSG_PEEK and the options object in every place', T, async () => {
    const { c, s } = await transportPair();
    const { signal } = new AbortController();
    await s.sendall(bytes('abcdefgh'));
    assert.equal(text(await c.recv(3, MSG_PEEK, { signal })), 'abc');
    assert.equal(text(await c.recv(2, { signal })), 'ab');
    assert.equal(text(await c.read(1, 0, { signal })), 'c');
    const buf = new Uint8Array(8);
    assert.equal(await c.recvInto(buf, 1, { signal }), 1);
    assert.equal(await c.recvInto(buf.subarray(1), 1, MSG_PEEK, { signal }), 1);
    assert.equal(await c.recvInto(buf.subarray(1), { signal }), 4);
    assert.equal(text(buf.subarray(0, 5)), 'defgh');
    assert.equal(await c.send(bytes('x'), { signal }), 1);
    assert.equal(await c.write(bytes('y'), 0, { signal }), 1);
    assert.equal(await c.sendall(bytes('z'), null, { signal }), 1);
    assert.equal(text(await recvExactly(s, 3)), 'xyz');
    // No signal at all, `{}`, `{ signal: undefined }` and null options are all fine.
    await c.sendall(bytes('1'), {});
    await c.sendall(bytes('2'), { signal: undefined });
    await c.sendall(bytes('3'), 0, undefined);
    await c.sendall(bytes('4'), 0, null);
    await c.doHandshake(null);
    assert.equal(text(await recvExactly(s, 4)), '1234');
  });
});

describe('send and sendall', () => {
  test('an abort while waiting behind another write: nothing of it is sent, no trace left', T, async () => {
    const { c, s, t } = await instrumentedPair();
    t.holdSend = true;
    const big = pattern(40_000, 3);
    const first = c.sendall(big);
    await t.until('heldSends');
    const ac = new AbortController();
    const second = c.sendall(bytes('never sent'), { signal: ac.signal });
    const third = c.send(bytes('also never'), { signal: ac.signal });
    // Queued behind the aborted ones: it must still wait for the first to be through whole.
    const fourth = c.sendall(bytes('fourth'));
    // All in the queue before the abort (an abort seen before a call's first step is the
    // already-aborted case).
    assert.ok(await isPending(fourth));
    ac.abort();
    await assert.rejects(second, { name: 'AbortError' });
    await assert.rejects(third, { name: 'AbortError' });
    assert.ok(await isPending(first));
    assert.ok(await isPending(fourth));
    for (let i = 0; ; i++) {
      (await t.until('heldSends', i)).release();
      if (!(await isPending(first))) break;
    }
    assert.equal(await first, big.length);
    t.holdSend = false;
    for (const h of t.heldSends) h.release(); // the fourth's, if it was held
    assert.equal(await fourth, 6);
    // Different data after the aborted writes is accepted: they left nothing behind.
    assert.equal(await c.sendall(bytes('after')), 5);
    const got = await recvExactly(s, big.length + 11);
    assert.equal(sha256(got), sha256(concat([big, bytes('fourth'), bytes('after')])));
    assert.ok(await isPending(s.recv(10)), 'nothing more arrives');
  });

  test('sendall aborted while the transport takes a record: retry with the same data, each byte arrives once', T, async () => {
    const { c, s, t } = await instrumentedPair();
    t.holdSend = true;
    const data = pattern(100_000, 11);
    const ac = new AbortController();
    const p = c.sendall(data, { signal: ac.signal });
    const held = await t.until('heldSends');
    ac.abort();
    // Rejects at once, with the transport's send still under way.
    await assert.rejects(p, { name: 'AbortError' });
    // The record taken still goes out, once; as after WantWriteError, other data is refused…
    await assert.rejects(c.sendall(bytes('other')), (e) => e instanceof SSLError && /bad write retry/.test(e.message));
    held.release();
    t.holdSend = false;
    // …and the same data completes: the rest goes, nothing twice.
    assert.equal(await c.sendall(data), data.length);
    assert.equal(await c.sendall(bytes('tail')), 4);
    const got = await recvExactly(s, data.length + 4);
    assert.equal(sha256(got), sha256(concat([data, bytes('tail')])));
  });

  test('sendall aborted between records, then retried: resumes, each byte once', T, async () => {
    const { c, s, t } = await instrumentedPair();
    t.holdSend = true;
    const data = pattern(70_000, 5);
    const ac = new AbortController();
    const p = c.sendall(data, { signal: ac.signal });
    (await t.until('heldSends', 0)).release();
    (await t.until('heldSends', 1)).release();
    await t.until('heldSends', 2);
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    t.heldSends[2].release();
    t.holdSend = false;
    assert.equal(await c.sendall(data), data.length);
    const got = await recvExactly(s, data.length);
    assert.equal(sha256(got), sha256(data));
  });

  test('send aborted after its record was taken: the same data resolves with the count', T, async () => {
    const { c, s, t } = await instrumentedPair();
    t.holdSend = true;
    const ac = new AbortController();
    const p = c.send(bytes('once only'), { signal: ac.signal });
    const held = await t.until('heldSends');
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    held.release();
    t.holdSend = false;
    assert.equal(await c.send(bytes('once only')), 9);
    await c.sendall(bytes('!'));
    assert.equal(text(await recvExactly(s, 10)), 'once only!');
  });
});

describe('doHandshake and shutdown', () => {
  test('doHandshake aborted against a silent server: the next call carries on and the connection works', T, async () => {
    const { c, s } = await instrumentedPair({ handshake: false });
    const ac = new AbortController();
    const p = c.doHandshake({ signal: ac.signal });
    assert.ok(await isPending(p));
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(c.isHandshakeDone(), false);
    // The ClientHello went out; the server's answer comes back to the connection, not the
    // aborted call.
    await Promise.all([c.doHandshake(), s.doHandshake()]);
    await c.sendall(bytes('ping'));
    assert.equal(text(await s.recv(10)), 'ping');
    await s.sendall(bytes('pong'));
    assert.equal(text(await c.recv(10)), 'pong');
  });

  test('shutdown aborted behind a pending write sends no close_notify; a later one does', T, async () => {
    const { c, s, t } = await instrumentedPair();
    t.holdSend = true;
    const w = c.sendall(bytes('before close'));
    const held = await t.until('heldSends');
    const ac = new AbortController();
    const p = c.shutdown({ signal: ac.signal });
    assert.ok(await isPending(p));
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(c.getShutdown() & SENT_SHUTDOWN, 0);
    held.release();
    t.holdSend = false;
    await w;
    assert.equal(await c.shutdown(), false);
    assert.equal(text(await s.recv(100)), 'before close');
    await assert.rejects(s.recv(100), ZeroReturnError);
  });

  test('the second shutdown, waiting for the peer, aborts; a later one still gets the close_notify', T, async () => {
    const { c, s } = await transportPair();
    assert.equal(await c.shutdown(), false);
    const ac = new AbortController();
    const p = c.shutdown({ signal: ac.signal });
    assert.ok(await isPending(p));
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    await assert.rejects(s.recv(10), ZeroReturnError);
    await s.shutdown();
    assert.equal(await c.shutdown(), true);
  });
});

describe('signals', () => {
  test('AbortSignal.timeout rejects with its TimeoutError', T, async () => {
    const { c } = await transportPair();
    // Node's timeout timer does not keep the process alive, and an in-memory peer does not
    // either: this one does, for the test.
    const alive = setInterval(() => {}, 1000);
    try {
      await assert.rejects(c.recv(10, { signal: AbortSignal.timeout(30) }), (e) => e instanceof DOMException && e.name === 'TimeoutError');
    } finally {
      clearInterval(alive);
    }
  });

  test('an already-aborted signal rejects without doing anything', T, async () => {
    const { c, s, t } = await instrumentedPair({ handshake: false });
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    await rejectsWith(c.doHandshake({ signal }), reason);
    assert.equal(t.sendCalls, 0, 'no ClientHello');
    await Promise.all([c.doHandshake(), s.doHandshake()]);
    const [sends, recvs] = [t.sendCalls, t.recvCalls];
    await rejectsWith(c.recv(10, { signal }), reason);
    await rejectsWith(c.recvInto(new Uint8Array(4), 4, { signal }), reason);
    await rejectsWith(c.sendall(bytes('no'), { signal }), reason);
    await rejectsWith(c.send(bytes('no'), 0, { signal }), reason);
    await rejectsWith(c.shutdown({ signal }), reason);
    assert.deepEqual([t.sendCalls, t.recvCalls], [sends, recvs]);
    assert.equal(c.getShutdown(), 0);
    await c.sendall(bytes('yes'));
    assert.equal(text(await s.recv(10)), 'yes');
  });

  test('the reason is passed on as it is, primitives included', T, async () => {
    const { c } = await transportPair();
    for (const reason of [new RangeError('custom'), 'a string', 42, { plain: true }]) {
      const ac = new AbortController();
      const p = c.recv(10, { signal: ac.signal });
      ac.abort(reason);
      await rejectsWith(p, reason);
    }
  });

  test('the listener is removed when the call settles: many calls on one signal leave none', T, async () => {
    const { c, s } = await transportPair();
    const ac = new AbortController();
    const { signal } = ac;
    for (let i = 0; i < 200; i++) {
      const r = c.recv(10, { signal });
      assert.equal(getEventListeners(signal, 'abort').length, 1);
      await s.sendall(bytes('x'));
      assert.equal(text(await r), 'x');
      await c.sendall(bytes('y'), { signal });
      await s.recv(10);
    }
    await c.doHandshake({ signal });
    // Rejected calls too.
    await assert.rejects(c.recv(10, 'bad', { signal }), TypeError);
    assert.equal(getEventListeners(signal, 'abort').length, 0);
    // And an aborted one.
    const p = c.recv(10, { signal });
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  test('an AbortSignal look-alike (an EventTarget with aborted and reason) works, and is left clean', T, async () => {
    class Signal extends EventTarget {
      aborted = false;
      reason = undefined;
      live = 0;
      addEventListener(type, fn, opts) {
        this.live++;
        super.addEventListener(type, fn, opts);
      }
      removeEventListener(type, fn, opts) {
        this.live--;
        super.removeEventListener(type, fn, opts);
      }
      abort() {
        this.aborted = true;
        this.dispatchEvent(new Event('abort'));
      }
    }
    const { c, s } = await transportPair();
    const signal = new Signal();
    for (let i = 0; i < 20; i++) {
      const r = c.recv(10, { signal });
      await s.sendall(bytes('z'));
      await r;
    }
    assert.equal(signal.live, 0);
    const p = c.recv(10, { signal });
    signal.abort();
    // No reason on the look-alike: the default AbortError.
    await assert.rejects(p, (e) => e instanceof DOMException && e.name === 'AbortError');
    assert.equal(signal.live, 0);
  });

  test('a signal that is not an AbortSignal, or options that are not an object: ERR_INVALID_ARG_TYPE', T, async () => {
    const { c } = await transportPair();
    const bad = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' };
    for (const signal of [5, 'x', {}, { aborted: false }, () => {}, true]) {
      const p = c.recv(10, { signal });
      assert.ok(p instanceof Promise, 'rejects, never throws');
      await assert.rejects(p, bad);
      await assert.rejects(c.sendall(bytes('x'), { signal }), bad);
      await assert.rejects(c.doHandshake({ signal }), bad);
      await assert.rejects(c.shutdown({ signal }), bad);
    }
    await assert.rejects(c.recv(10, 0, 5), bad);
    await assert.rejects(c.recvInto(new Uint8Array(1), 1, 0, 'x'), bad);
    await assert.rejects(c.doHandshake(7), bad);
    // The connection is untouched by all that.
    assert.equal(c.getShutdown(), 0);
  });
});

describe('real peers', () => {
  test('node:tls server that stalls: abort recv, then the server writes and the next recv gets it', T, async () => {
    let serverSide;
    const server = tls.createServer({ cert: fxText('server-rsa-chain.pem'), key: fxText('server-rsa.key') }, (sock) => {
      serverSide = sock;
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const socket = net.connect(server.address().port, '127.0.0.1');
      const c = new Connection(clientContext(), socketTransport(socket));
      c.setConnectState();
      c.setTlsextHostName('localhost');
      await c.doHandshake();
      const ac = new AbortController();
      const p = c.recv(100, { signal: ac.signal });
      assert.ok(await isPending(p));
      ac.abort();
      await assert.rejects(p, { name: 'AbortError' });
      while (!serverSide) await new Promise((r) => setImmediate(r));
      serverSide.write('hello after the abort');
      assert.equal(text(await recvExactly(c, 21)), 'hello after the abort');
      await c.shutdown();
      socket.destroy();
    } finally {
      serverSide?.destroy();
      server.close();
    }
  });

  test('connect({ signal }) against a server that never answers: the pending handshake is aborted', T, async () => {
    const sockets = [];
    // Reads the ClientHello and says nothing.
    const server = net.createServer((sock) => sockets.push(sock.resume()));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address();
      const ac = new AbortController();
      const reason = new Error('gave up');
      const duplex = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: fxText('ca.pem'), signal: ac.signal });
      const failed = once(duplex, 'error');
      duplex.on('secureConnect', () => assert.fail('no handshake was possible'));
      while (sockets.length === 0) await new Promise((r) => setImmediate(r));
      ac.abort(reason);
      const [err] = await failed;
      assert.equal(err, reason);
      assert.ok(duplex.destroyed);
      await once(sockets[0], 'close');
      assert.equal(getEventListeners(ac.signal, 'abort').length, 0);

      // Already aborted: fails the same way, without a handshake.
      const pre = connect({ host: '127.0.0.1', port, ca: fxText('ca.pem'), signal: AbortSignal.abort(reason) });
      const [err2] = await once(pre, 'error');
      assert.equal(err2, reason);

      assert.throws(() => connect({ host: '127.0.0.1', port, signal: 'soon' }), { code: 'ERR_INVALID_ARG_TYPE' });
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
    }
  });
});

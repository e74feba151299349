// Focused probes for issue 6, "No trap, no lost byte, whatever the caller does": one test per
// fault the issue lists for the binding (src/wasm/), each asserting what API.md §3, §4 and §6
// say must happen. Probes that can trap the wasm instance run in a child process, so a trap
// fails that probe (with the child's stderr) instead of every test after it.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import {
  Connection,
  SSLError,
  WantReadError,
  WantWriteError,
  ZeroReturnError,
  SysCallError,
  InfoCallback,
  memoryPair,
} from 'rustls-ssl';

import {
  bytes,
  text,
  pattern,
  concat,
  sha256,
  serverContext,
  clientContext,
  bioPair,
  pump,
  pumpOnce,
  bioHandshake,
  transportPair,
  recvExactly,
  withTimeout,
} from './unit-helpers.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** ECDSA: the fastest handshake in wasm. */
const server = () => serverContext({ cert: 'server-ecdsa-chain.pem', key: 'server-ecdsa.key' });
const client = () => clientContext();

/**
 * Runs `body` (the text of an async function body, with the package's exports, the unit
 * helpers and `report(obj)` in scope) in a child process. Resolves to what it reported, or
 * fails with the child's stderr when it trapped or crashed.
 */
function inChild(body, { timeout = 30_000 } = {}) {
  const source = `
    import * as pkg from 'rustls-ssl';
    import * as h from './js-tests/unit-helpers.mjs';
    const report = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
    process.on('uncaughtException', (e) => { report({ uncaught: String(e?.stack ?? e) }); process.exit(3); });
    process.on('unhandledRejection', (e) => { report({ unhandled: String(e?.stack ?? e) }); process.exit(3); });
    const describeOutcome = (p) => {
      let r;
      try { r = p(); } catch (e) { return Promise.resolve({ sync: true, ...errorOf(e) }); }
      return Promise.resolve(r).then((value) => ({ value: value instanceof Uint8Array ? Array.from(value) : value }), errorOf);
    };
    const errorOf = (e) => ({ error: true, name: e?.constructor?.name, message: String(e?.message ?? e), isType: e instanceof TypeError, isRange: e instanceof RangeError, isSSL: e instanceof pkg.SSLError, trap: e instanceof WebAssembly.RuntimeError });
    const { Connection, memoryPair } = pkg;
    const server = () => h.serverContext({ cert: 'server-ecdsa-chain.pem', key: 'server-ecdsa.key' });
    const client = () => h.clientContext();
    ${body}
    process.exit(0);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const reports = out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      const fatal = reports.find((r) => r.uncaught || r.unhandled);
      if (code !== 0 || fatal) {
        reject(new Error(`child ${signal ? `killed by ${signal}` : `exited ${code}`}: ${fatal ? fatal.uncaught ?? fatal.unhandled : ''}\n${err.slice(-2000)}`));
      } else {
        resolve(reports);
      }
    });
  });
}

/** What `p` did: { value } or { error }, never throwing. A synchronous throw is `{ sync }`. */
async function outcome(fn) {
  let p;
  try {
    p = fn();
  } catch (e) {
    return { sync: true, error: e };
  }
  assert.ok(p instanceof Promise, 'a promise method returns a promise');
  try {
    return { value: await p };
  } catch (e) {
    return { error: e };
  }
}

/** Reads from a transport connection until `marker` has arrived; returns everything read. */
async function recvUntil(conn, marker, limit = 1 << 22) {
  const parts = [];
  let all = new Uint8Array(0);
  while (all.length < limit) {
    parts.push(await withTimeout(conn.recv(65536), 5000, 'recv'));
    all = concat(parts);
    if (all.length >= marker.length && Buffer.from(all.subarray(all.length - marker.length)).equals(Buffer.from(marker))) return all;
  }
  throw new Error('marker never arrived');
}

/**
 * A transport over one side of a memoryPair whose `send` can be told to answer 0 ("would
 * block") once, on its `n`th call from now. `sent` keeps what actually went out.
 */
function stallingTransport(side) {
  let countdown = 0;
  const t = {
    calls: 0,
    stall(n = 1) {
      countdown = n;
    },
    send(data) {
      t.calls++;
      if (countdown > 0 && --countdown === 0) return 0;
      return side.send(data);
    },
    recv(max) {
      return side.recv(max);
    },
  };
  return t;
}

async function stalledPair() {
  const [a, b] = memoryPair();
  const pair = [stallingTransport(a), b];
  const { c, s } = await withTimeout(transportPair({ client: client(), server: server(), pair }), 5000, 'handshake');
  return { c, s, t: pair[0] };
}

const END = bytes('--end-of-test--');

/**
 * A memoryPair whose `recv` hands over everything queued (up to `maxBytes`) in one call, as a
 * socket does when several records arrived: one transport read then carries many records.
 * With `blocking` (the default) an empty `recv` waits (polling) instead of answering null.
 */
function coalescingPair({ blocking = true } = {}) {
  const [a, b] = memoryPair({ blocking: false });
  const coalesce = (side) => {
    const take = (max) => {
      const parts = [];
      let n = 0;
      while (n < max) {
        const more = side.recv(max - n);
        if (more === null) break;
        if (more.length === 0) return parts.length ? concat(parts) : more; // end of stream
        parts.push(more);
        n += more.length;
      }
      return parts.length ? concat(parts) : null;
    };
    return {
      send: (data) => side.send(data),
      close: () => side.close(),
      recv(max) {
        const now = take(max);
        if (now !== null || !blocking) return now;
        return new Promise((resolve) => {
          const poll = () => {
            const got = take(max);
            if (got === null) setTimeout(poll, 1);
            else resolve(got);
          };
          poll();
        });
      },
    };
  };
  return [coalesce(a), coalesce(b)];
}

// ---------------------------------------------------------------------------------------
describe('1. a send larger than 2^31-1 bytes', () => {
  test('send and sendall of a 2 GiB Uint8Array reject with RangeError, without a trap; the instance keeps working', async (t) => {
    const [result] = await inChild(`
      let huge;
      try { huge = new Uint8Array(2 ** 31); } catch (e) { report({ skip: String(e) }); process.exit(0); }
      const { c, s } = await h.transportPair({ client: client(), server: server() });
      const send = await describeOutcome(() => c.send(huge));
      const sendall = await describeOutcome(() => c.sendall(huge));
      const write = await describeOutcome(() => c.write(huge));
      // The same connection, then a fresh handshake: the instance is alive.
      await c.sendall('still here');
      const echo = h.text(await h.recvExactly(s, 10));
      const again = await h.transportPair({ client: client(), server: server() });
      report({ send, sendall, write, echo, fresh: again.c.isHandshakeDone() });
    `);
    if (result.skip) {
      t.skip(`cannot allocate 2 GiB here: ${result.skip}`);
      return;
    }
    for (const m of ['send', 'sendall', 'write']) {
      assert.ok(!result[m].sync, `${m} must not throw synchronously: ${result[m].message}`);
      assert.ok(result[m].error && result[m].isRange, `${m}(2 GiB) rejects with RangeError, got ${JSON.stringify(result[m])}`);
    }
    assert.equal(result.echo, 'still here');
    assert.equal(result.fresh, true);
  });
});

// ---------------------------------------------------------------------------------------
describe('2. recvInto whose buffer is detached or shrinks while the read waits', () => {
  // The read waits in the transport (a blocking memoryPair); the buffer changes meanwhile;
  // then the peer's data arrives.
  const scenario = (change) => `
    const { c, s } = await h.transportPair({ client: client(), server: server() });
    ${change.setup}
    const p = describeOutcome(() => c.recvInto(buf));
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    ${change.during}
    await s.sendall('hello, world');
    const first = await h.withTimeout(p, 3000, 'recvInto');
    // The read lock is free again, and what the rejected recvInto decrypted is not lost.
    const rest = [];
    let got = first.error ? 0 : first.value;
    const wrote = first.error ? [] : Array.from(buf.subarray(0, got));
    while (got < 12) {
      const chunk = await h.withTimeout(c.recv(100), 3000, 'the next recv');
      rest.push(...chunk);
      got += chunk.length;
    }
    report({ first, wrote, rest });
  `;

  const check = (r, { mustReject }) => {
    assert.ok(!r.first.sync, `recvInto must not throw synchronously: ${r.first.message}`);
    if (mustReject || r.first.error) {
      assert.ok(r.first.error, `recvInto rejects, got ${JSON.stringify(r.first)}`);
      assert.ok(r.first.isType || r.first.isRange, `a TypeError or RangeError, got ${r.first.name}: ${r.first.message}`);
    }
    assert.equal(Buffer.from([...r.wrote, ...r.rest]).toString(), 'hello, world', 'every byte arrives once, in order');
  };

  test('detached (transferred) while waiting → TypeError; the next recv gets the data', async () => {
    const [r] = await inChild(scenario({ setup: 'const buf = new Uint8Array(64);', during: 'structuredClone(buf.buffer, { transfer: [buf.buffer] });' }));
    check(r, { mustReject: true });
    assert.ok(r.first.isType, `TypeError for a detached buffer, got ${r.first.name}`);
  });

  test('a fixed-length view left out of bounds by its resizable buffer shrinking → TypeError or RangeError; nothing lost', async () => {
    const [r] = await inChild(
      scenario({ setup: 'const rab = new ArrayBuffer(64, { maxByteLength: 64 }); const buf = new Uint8Array(rab, 0, 64);', during: 'rab.resize(4);' }),
    );
    check(r, { mustReject: true });
  });

  test('a length-tracking view whose buffer shrank below the data → rejects, or fills what fits; nothing lost', async () => {
    const [r] = await inChild(scenario({ setup: 'const rab = new ArrayBuffer(64, { maxByteLength: 64 }); const buf = new Uint8Array(rab);', during: 'rab.resize(4);' }));
    check(r, { mustReject: false });
    if (!r.first.error) assert.ok(r.first.value <= 4, `at most the 4 bytes that still fit, got ${r.first.value}`);
  });
});

// ---------------------------------------------------------------------------------------
describe('3. promise methods on a freed Connection', () => {
  const calls = {
    doHandshake: (c) => c.doHandshake(),
    send: (c) => c.send('x'),
    write: (c) => c.write('x'),
    sendall: (c) => c.sendall('x'),
    recv: (c) => c.recv(10),
    read: (c) => c.read(10),
    recvInto: (c) => c.recvInto(new Uint8Array(10)),
    shutdown: (c) => c.shutdown(),
  };
  for (const [name, call] of Object.entries(calls)) {
    test(`${name} rejects (never throws) with a message that says the object was freed`, async () => {
      for (const make of [() => new Connection(client(), null), () => new Connection(client(), memoryPair()[0])]) {
        const conn = make();
        conn.free();
        const r = await outcome(() => call(conn));
        assert.ok(!r.sync, `${name} threw synchronously: ${r.error?.message}`);
        assert.ok(r.error, `${name} on a freed Connection rejects`);
        assert.ok(
          r.error instanceof TypeError || r.error instanceof RangeError || r.error instanceof SSLError,
          `a documented error class, got ${r.error?.constructor?.name}: ${r.error?.message}`,
        );
        assert.match(r.error.message, /free/i, 'the message says the object was freed');
        assert.doesNotMatch(r.error.message, /null pointer|__wbg|passed to rust/i, 'no wasm-bindgen internals in the message');
      }
    });
  }
});

// ---------------------------------------------------------------------------------------
describe('4. a retry after WantWriteError with different data', () => {
  test('send(B) after send(A) was refused → SSLError "bad write retry", none of B sent; send(A) then completes, once', async () => {
    const { c, s, t } = await stalledPair();
    const A = pattern(1000, 1);
    const B = pattern(1000, 2);
    t.stall(1);
    const first = await outcome(() => c.send(A));
    assert.ok(first.error instanceof WantWriteError, `the stalled send rejects with WantWriteError, got ${first.error?.constructor?.name ?? first.value}`);
    const wrong = await outcome(() => c.send(B));
    assert.ok(wrong.error instanceof SSLError && !(wrong.error instanceof WantWriteError), `a retry with other data is refused, got ${wrong.error?.constructor?.name ?? `a resolve with ${wrong.value}`}`);
    assert.match(wrong.error.message, /bad write retry/);
    const right = await outcome(() => c.send(A));
    assert.equal(right.error, undefined, `the retry with the same data completes: ${right.error?.message}`);
    assert.equal(right.value, A.length);
    await c.sendall(END);
    const got = await recvUntil(s, END);
    assert.equal(sha256(got), sha256(concat([A, END])), 'the peer received A exactly once, and none of B');
  });

  test('sendall(B) after sendall(A) was refused mid-way → "bad write retry", none of B; sendall(A) then completes, once', async () => {
    const { c, s, t } = await stalledPair();
    const A = pattern(40_000, 3); // three records
    const B = pattern(40_000, 4);
    t.stall(2); // the first record goes out, the second would block
    const first = await outcome(() => c.sendall(A));
    assert.ok(first.error instanceof WantWriteError, `the stalled sendall rejects with WantWriteError, got ${first.error?.constructor?.name ?? first.value}`);
    const wrong = await outcome(() => c.sendall(B));
    assert.ok(wrong.error instanceof SSLError && !(wrong.error instanceof WantWriteError), `a retry with other data is refused, got ${wrong.error?.constructor?.name ?? `a resolve with ${wrong.value}`}`);
    assert.match(wrong.error.message, /bad write retry/);
    const right = await outcome(() => c.sendall(A));
    assert.equal(right.error, undefined, `the retry with the same data completes: ${right.error?.message}`);
    assert.equal(right.value, A.length);
    await c.sendall(END);
    const got = await recvUntil(s, END);
    assert.equal(got.length, A.length + END.length, 'as many bytes as A and the end marker');
    assert.equal(sha256(got), sha256(concat([A, END])), 'the peer received A exactly once, and none of B');
  });
});

// ---------------------------------------------------------------------------------------
describe('5. send and sendall copy their data when called', () => {
  for (const method of ['send', 'sendall']) {
    test(`${method}(buf) then buf.fill() at once: the peer gets the original bytes`, async () => {
      const { c, s } = await transportPair({ client: client(), server: server() });
      const buf = pattern(1000, 5);
      const original = buf.slice();
      const p = c[method](buf);
      buf.fill(0x42);
      assert.equal(await withTimeout(p, 5000, method), original.length);
      await c.sendall(END);
      const got = await recvUntil(s, END);
      assert.equal(sha256(got.subarray(0, original.length)), sha256(original), 'the bytes as they were at the call');
    });
  }
});

// ---------------------------------------------------------------------------------------
describe('6. an info or keylog callback that throws does not lose or repeat data', () => {
  const thrower = (where) => {
    const boom = new Error(`thrown by the ${where} callback`);
    let thrown = 0;
    return { boom, count: () => thrown, fire: () => (thrown++, boom) };
  };

  test('memory BIO: the recv that ran a throwing info callback rejects with it; the next recv has the data', async () => {
    const sctx = server();
    const t = thrower('info');
    sctx.setInfoCallback((conn, where) => {
      if (where & InfoCallback.SSL_CB_HANDSHAKE_DONE && t.count() === 0) throw t.fire();
    });
    const { c, s } = bioPair({ client: client(), server: sctx });
    // The client finishes and sends data in one flight; the server's recv reads both.
    await c.doHandshake().catch((e) => assert.ok(e instanceof WantReadError, e.message));
    pump(c, s);
    await s.doHandshake().catch((e) => assert.ok(e instanceof WantReadError, e.message));
    pump(s, c);
    await c.doHandshake();
    assert.equal(await c.send('early data'), 10);
    pumpOnce(c, s);
    const first = await outcome(() => s.recv(100));
    assert.equal(t.count(), 1, 'the info callback ran during that recv');
    assert.equal(first.error, t.boom, 'the recv rejects with the very object the callback threw');
    const next = await outcome(() => s.recv(100));
    assert.equal(next.error, undefined, `the next recv succeeds: ${next.error?.message}`);
    assert.equal(text(next.value), 'early data', 'the decrypted data comes from the next recv');
  });

  test('transport: the same, over a non-blocking memoryPair', async () => {
    const sctx = server();
    const t = thrower('info');
    sctx.setInfoCallback((conn, where) => {
      if (where & InfoCallback.SSL_CB_HANDSHAKE_DONE && t.count() === 0) throw t.fire();
    });
    const [a, b] = coalescingPair({ blocking: false });
    const c = new Connection(client(), a);
    const s = new Connection(sctx, b);
    c.setConnectState();
    s.setAcceptState();
    c.setTlsextHostName('localhost');
    await c.doHandshake().catch(() => {});
    await s.doHandshake().catch(() => {}); // its flight; then WantRead for the client's Finished
    await c.doHandshake();
    await c.send('early data');
    // The client's Finished and its data reach the server in one transport read.
    const first = await outcome(() => s.recv(100));
    assert.equal(first.error, t.boom, `the recv that ran the callback rejects with its exception, got ${first.error?.message ?? text(first.value)}`);
    const next = await outcome(() => s.recv(100));
    assert.equal(next.error, undefined, `the next recv succeeds: ${next.error?.message}`);
    assert.equal(text(next.value), 'early data');
  });

  for (const kind of ['keylog', 'info']) {
    test(`a send whose data went out resolves though a ${kind} callback threw during it; the peer has the data once`, async () => {
      const cctx = client();
      const t = thrower(kind);
      if (kind === 'keylog') cctx.setKeylogCallback(() => {
        if (t.count() === 0) throw t.fire();
      });
      else cctx.setInfoCallback((conn, where) => {
        if (where & InfoCallback.SSL_CB_HANDSHAKE_DONE && t.count() === 0) throw t.fire();
      });
      const { c, s } = bioPair({ client: cctx, server: server() });
      await c.doHandshake().catch((e) => assert.ok(e instanceof WantReadError || e === t.boom, e.message));
      assert.equal(t.count(), 0, 'nothing ran the callback before the send that completes the handshake');
      pump(c, s);
      await s.doHandshake().catch((e) => assert.ok(e instanceof WantReadError, e.message));
      pump(s, c);
      // This send completes the client's handshake (running the callback), then sends the data.
      // Its result must agree with its effect: either it resolves (the data went out), or it
      // rejects with what the callback threw having taken none of the data, and the retry
      // sends it. Either way the peer gets it exactly once (checked below).
      let r = await outcome(() => c.send('payload'));
      assert.equal(t.count(), 1, `the ${kind} callback threw during the send`);
      if (r.error === t.boom) {
        r = await outcome(() => c.send('payload'));
      }
      assert.equal(r.error, undefined, `the send resolves, got ${r.error?.message}`);
      assert.equal(r.value, 7);
      // Where the exception goes instead is not this probe's concern: a later call may report
      // it once, as long as what that call sends goes out exactly once too.
      let end = await outcome(() => c.sendall(END));
      if (end.error === t.boom) end = await outcome(() => c.sendall(END));
      assert.equal(end.error, undefined, `a later sendall works: ${end.error?.message}`);
      pump(c, s);
      await s.doHandshake();
      const got = [];
      for (;;) {
        const chunk = await outcome(() => s.recv(100));
        if (chunk.error) break;
        got.push(chunk.value);
      }
      assert.equal(text(concat(got)), `payload${text(END)}`, 'the peer has the data exactly once');
    });
  }
});

// ---------------------------------------------------------------------------------------
describe('7. a server whose first record is not a ClientHello answers unexpected_message', () => {
  const records = {
    'a handshake record carrying Finished (type 20)': [0x16, 0x03, 0x01, 0x00, 0x08, 0x14, 0x00, 0x00, 0x04, 0, 0, 0, 0],
    'a ChangeCipherSpec record': [0x14, 0x03, 0x03, 0x00, 0x01, 0x01],
    'an application_data record': [0x17, 0x03, 0x03, 0x00, 0x05, 1, 2, 3, 4, 5],
  };
  const isUnexpectedMessageAlert = (out) =>
    out.length >= 7 && out[0] === 0x15 && out[1] === 0x03 && (out[2] === 0x01 || out[2] === 0x03) && out[3] === 0 && out[4] === 2 && out[5] === 2 && out[6] === 0x0a;

  for (const [what, record] of Object.entries(records)) {
    test(`memory BIO, ${what}: the handshake fails and bioRead gives the fatal alert`, async () => {
      const s = new Connection(server(), null);
      s.setAcceptState();
      s.bioWrite(new Uint8Array(record));
      const r = await outcome(() => s.doHandshake());
      assert.ok(r.error instanceof SSLError && !(r.error instanceof WantReadError), `the handshake fails, got ${r.error?.constructor?.name ?? 'a resolve'}`);
      let out;
      try {
        out = s.bioRead(100);
      } catch (e) {
        assert.fail(`no alert to read: ${e.constructor.name}: ${e.message}`);
      }
      assert.ok(isUnexpectedMessageAlert(out), `a fatal unexpected_message alert (15 03 0x 00 02 02 0a), got ${Buffer.from(out).toString('hex')}`);
    });

    test(`transport, ${what}: the handshake fails and the transport gets the fatal alert`, async () => {
      const sent = [];
      let given = false;
      const transport = {
        send(data) {
          sent.push(new Uint8Array(data));
        },
        recv() {
          if (given) return new Uint8Array(0);
          given = true;
          return new Uint8Array(record);
        },
      };
      const s = new Connection(server(), transport);
      s.setAcceptState();
      const r = await outcome(() => s.doHandshake());
      assert.ok(r.error instanceof SSLError, `the handshake fails, got ${r.error?.constructor?.name ?? 'a resolve'}`);
      const out = concat(sent);
      assert.ok(isUnexpectedMessageAlert(out), `a fatal unexpected_message alert on the transport, got ${Buffer.from(out).toString('hex') || 'nothing'}`);
    });
  }
});

// ---------------------------------------------------------------------------------------
describe('8. a recv waiting on the transport holds up neither shutdown nor doHandshake', () => {
  test('shutdown() while a recv waits: close_notify reaches the peer', async () => {
    const { c, s, ta, tb } = await transportPair({ client: client(), server: server() });
    const waiting = c.recv(100);
    waiting.catch(() => {});
    const r = await withTimeout(outcome(() => c.shutdown()), 3000, 'shutdown while a recv waits').catch((e) => ({ timedOut: e }));
    assert.ok(!r.timedOut, 'shutdown() does not wait for the pending recv');
    assert.equal(r.error, undefined, `shutdown resolves: ${r.error?.message}`);
    assert.equal(r.value, false, 'false: ours sent, the peer has not answered yet');
    const peer = await withTimeout(outcome(() => s.recv(100)), 3000, 'the peer reading close_notify');
    assert.ok(peer.error instanceof ZeroReturnError, `the peer sees close_notify, got ${peer.error?.constructor?.name ?? text(peer.value)}`);
    ta.close();
    tb.close();
  });

  test('doHandshake() while a recv waits: it resolves when the handshake is done', async () => {
    const { c, s } = await transportPair({ client: client(), server: server(), handshake: false });
    const waiting = c.recv(100); // drives the handshake too, then waits for data
    waiting.catch(() => {});
    const serverSide = s.doHandshake();
    const r = await withTimeout(outcome(() => c.doHandshake()), 3000, 'doHandshake while a recv waits').catch((e) => ({ timedOut: e }));
    assert.ok(!r.timedOut, 'doHandshake() does not wait for the pending recv to get data');
    assert.equal(r.error, undefined, `doHandshake resolves: ${r.error?.message}`);
    assert.ok(c.isHandshakeDone());
    await serverSide;
    await s.sendall('data');
    assert.equal(text(await withTimeout(waiting, 3000, 'the waiting recv')), 'data', 'the waiting recv still gets the data');
  });
});

// ---------------------------------------------------------------------------------------
describe('9. memory is bounded by the connection, not by the peer', () => {
  const SIZE = 8 * 1024 * 1024;

  test('memory BIO: 8 MiB of ciphertext written at once; after recv(1), pending() ≤ 16384; all arrives', async () => {
    const { c, s } = bioPair({ client: client(), server: server() });
    await bioHandshake(c, s);
    const data = pattern(SIZE, 9);
    assert.equal(await s.sendall(data), SIZE);
    const moved = pumpOnce(s, c);
    assert.ok(moved > SIZE, 'all the ciphertext is in the receiver');
    const first = await c.recv(1);
    assert.equal(first.length, 1);
    assert.ok(c.pending() <= 16384, `pending() after recv(1) is ${c.pending()}, at most one record (16384)`);
    const parts = [first];
    let got = 1;
    while (got < SIZE) {
      const chunk = await c.recv(1 << 20);
      parts.push(chunk);
      got += chunk.length;
    }
    assert.equal(sha256(concat(parts)), sha256(data));
  });

  test('transport: the peer sends 8 MiB; after recv(1), pending() ≤ 16384; all arrives', async () => {
    const { c, s } = await withTimeout(transportPair({ client: client(), server: server(), pair: coalescingPair() }), 5000, 'handshake');
    const data = pattern(SIZE, 10);
    // All of it is queued before the receiver reads, so one transport read carries many records.
    const sending = s.sendall(data);
    await withTimeout(sending, 10_000, 'sendall into the pipe');
    const first = await c.recv(1);
    assert.equal(first.length, 1);
    assert.ok(c.pending() <= 16384, `pending() after recv(1) is ${c.pending()}, at most one record (16384)`);
    const rest = await recvExactly(c, SIZE - 1);
    assert.equal(await sending, SIZE);
    assert.equal(sha256(concat([first, rest])), sha256(data));
  });

  test('transport: recv(1 GiB) against a peer that keeps sending returns at most 256 KiB past its first record, pending() ≤ 16384, all in order', async () => {
    const { c, s } = await withTimeout(transportPair({ client: client(), server: server(), pair: coalescingPair() }), 5000, 'handshake');
    const data = pattern(SIZE, 11);
    await withTimeout(s.sendall(data), 10_000, 'sendall into the pipe');
    const parts = [];
    let got = 0;
    let most = 0;
    while (got < SIZE) {
      const d = await c.recv(1 << 30);
      assert.ok(d.length > 0);
      assert.ok(d.length <= 256 * 1024 + 16384, `one recv returned ${d.length} bytes`);
      assert.ok(c.pending() <= 16384, `pending() is ${c.pending()}`);
      most = Math.max(most, d.length);
      parts.push(d);
      got += d.length;
    }
    assert.ok(most > 16384, 'records already received are gathered into one recv');
    assert.equal(sha256(concat(parts)), sha256(data));
  });

  test('memory BIO: good records, then a damaged one: recv returns every good byte first, then the error', async () => {
    const { c, s } = bioPair();
    await bioHandshake(c, s);
    const data = pattern(5 * 16384, 12);
    await s.sendall(data);
    const wire = s.bioRead(1 << 20);
    await s.send(new Uint8Array([1, 2, 3]));
    const bad = s.bioRead(1 << 20);
    bad[bad.length - 1] ^= 1;
    c.bioWrite(concat([wire, bad]));
    const parts = [];
    let got = 0;
    while (got < data.length) {
      const d = await c.recv(1 << 20);
      parts.push(d);
      got += d.length;
    }
    assert.equal(sha256(concat(parts)), sha256(data));
    await assert.rejects(c.recv(1 << 20), (e) => e instanceof SSLError);
  });
});

// ---------------------------------------------------------------------------------------
describe('10. what a transport recv returns is copied by its real bytes, straight into wasm memory', () => {
  /**
   * A handshaken pair whose client transport, once the handshake is done, hands each chunk to
   * `shape` before returning it.
   */
  async function shapedPair(shape) {
    const [a, b] = memoryPair();
    let shaping = false;
    const t = {
      send: (data) => a.send(data),
      recv: async (max) => {
        const chunk = await a.recv(max);
        return shaping && chunk && chunk.length ? shape(chunk) : chunk;
      },
    };
    const c = new Connection(client(), t);
    const s = new Connection(server(), b);
    c.setConnectState();
    s.setAcceptState();
    c.setTlsextHostName('localhost');
    await withTimeout(Promise.all([c.doHandshake(), s.doHandshake()]), 5000, 'handshake');
    shaping = true;
    return { c, s };
  }

  /** 100 KiB from the server, read in full by the client, compared byte for byte. */
  async function roundTrip({ c, s }) {
    const data = pattern(100 * 1024, 21);
    await s.sendall(data);
    assert.equal(sha256(await withTimeout(recvExactly(c, data.length), 5000, 'recv')), sha256(data));
  }

  test('a view at an offset into a larger buffer: only its own bytes', async () => {
    await roundTrip(
      await shapedPair((chunk) => {
        const big = new Uint8Array(chunk.length + 64).fill(0xee);
        big.set(chunk, 32);
        return big.subarray(32, 32 + chunk.length);
      }),
    );
  });

  test('a Uint8Array subclass whose length getter lies (1, or a megabyte): its real bytes, all of them', async () => {
    for (const lie of [1, 1 << 20]) {
      class Liar extends Uint8Array {
        get length() {
          return lie;
        }
      }
      await roundTrip(
        await shapedPair((chunk) => {
          const out = new Liar(chunk.length);
          Uint8Array.prototype.set.call(out, chunk);
          return out;
        }),
      );
    }
  });

  test('a detached view reads as end of stream (SysCallError "Unexpected EOF"), not a trap; the instance keeps working', async () => {
    const pair = await shapedPair((chunk) => {
      const copy = new Uint8Array(chunk);
      structuredClone(copy.buffer, { transfer: [copy.buffer] });
      return copy;
    });
    await pair.s.send(bytes('lost'));
    const err = await withTimeout(outcome(() => pair.c.recv(100)), 5000, 'recv');
    assert.ok(err.error instanceof SysCallError, String(err.error));
    assert.equal(err.error.errstr, 'Unexpected EOF');
    await roundTrip(await shapedPair((chunk) => chunk));
  });
});

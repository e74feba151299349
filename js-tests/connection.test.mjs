// Connection between two in-memory ends: memory-BIO mode (transport null) and transport mode
// (memoryPair and hand-written transports). API.md §3, §4, §6.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  Context,
  Connection,
  Method,
  Options,
  VerifyMode,
  Shutdown,
  RecvFlags,
  SSLError,
  WantReadError,
  WantWriteError,
  ZeroReturnError,
  SysCallError,
  X509,
  memoryPair,
} from 'rustls-ssl';

import {
  fx,
  fxText,
  bytes,
  text,
  pattern,
  sha256,
  concat,
  serverContext,
  clientContext,
  bioPair,
  bioHandshake,
  bioRecvExactly,
  pump,
  pumpOnce,
  transportPair,
  recvExactly,
  settledState,
  withTimeout,
} from './unit-helpers.mjs';

/** Asserts that `p` rejects with an instance of exactly `cls` (not a subclass/superclass). */
async function rejectsExactly(p, cls, check) {
  let err;
  try {
    await p;
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `expected a ${cls.name} rejection, but it resolved`);
  assert.equal(
    err.constructor,
    cls,
    `expected ${cls.name}, got ${err?.constructor?.name}: ${err?.message}`,
  );
  if (check) check(err);
  return err;
}

/** A handshaken memory-BIO pair. */
async function handshakenBioPair(opts) {
  const { c, s } = bioPair(opts);
  await bioHandshake(c, s);
  return { c, s };
}

/** Sends `data` from a memory-BIO connection to its peer and reads it there. */
async function bioTransfer(from, to, data) {
  const n = await from.sendall(data);
  assert.equal(n, data.length);
  return bioRecvExactly(to, from, data.length);
}

// ---------------------------------------------------------------------------------------
describe('memory-BIO mode', () => {
  test('handshake by pumping bioRead → bioWrite', async () => {
    const { c, s } = bioPair();
    assert.equal(c.isHandshakeDone(), false);
    assert.equal(s.isHandshakeDone(), false);
    // The client has nothing to say before its first doHandshake.
    assert.throws(() => c.bioRead(1024), WantReadError);
    // The client's first step produces a ClientHello and then wants the peer.
    await rejectsExactly(c.doHandshake(), WantReadError);
    assert.equal(c.wantRead(), true);
    const hello = c.bioRead(65536);
    assert.ok(hello instanceof Uint8Array);
    assert.equal(hello[0], 0x16, 'a handshake record comes first');
    assert.ok(hello.length > 50);
    assert.equal(s.bioWrite(hello), hello.length);
    await bioHandshake(c, s);
    assert.equal(c.isHandshakeDone(), true);
    assert.equal(s.isHandshakeDone(), true);
    assert.equal(c.getVerifyResult(), 0);
  });

  test('send/recv both ways', async () => {
    const { c, s } = await handshakenBioPair();
    assert.equal(text(await bioTransfer(c, s, bytes('hello from client'))), 'hello from client');
    assert.equal(text(await bioTransfer(s, c, bytes('hello from server'))), 'hello from server');
    // string data is accepted as bytes
    assert.equal(await c.send('abc'), 3);
    pump(c, s);
    assert.equal(text(await s.recv(100)), 'abc');
  });

  test('recv(n) returns at most n; MSG_PEEK does not consume; pending()', async () => {
    const { c, s } = await handshakenBioPair();
    assert.equal(s.pending(), 0);
    assert.equal(await c.send(bytes('0123456789')), 10);
    pump(c, s);
    const peek = await s.recv(4, RecvFlags.MSG_PEEK);
    assert.equal(text(peek), '0123');
    const peek2 = await s.recv(100, 2);
    assert.equal(text(peek2), '0123456789');
    const first = await s.recv(3);
    assert.equal(text(first), '012');
    assert.equal(s.pending(), 7);
    const rest = await s.recv(100);
    assert.equal(text(rest), '3456789');
    assert.equal(s.pending(), 0);
    await rejectsExactly(s.recv(100), WantReadError);
  });

  test('recvInto(buffer, nbytes) fills the buffer and returns the count', async () => {
    const { c, s } = await handshakenBioPair();
    await c.send(bytes('abcdefghij'));
    pump(c, s);
    const buf = new Uint8Array(8).fill(0xee);
    const n = await s.recvInto(buf, 5);
    assert.equal(n, 5);
    assert.deepEqual([...buf], [...bytes('abcde'), 0xee, 0xee, 0xee]);
    // nbytes absent: up to the buffer's length
    const buf2 = new Uint8Array(3);
    assert.equal(await s.recvInto(buf2), 3);
    assert.equal(text(buf2), 'fgh');
    // nbytes larger than the buffer: capped at the buffer
    const buf3 = new Uint8Array(10);
    assert.equal(await s.recvInto(buf3, 100), 2);
    assert.equal(text(buf3.subarray(0, 2)), 'ij');
  });

  test('send() of 100 KiB takes at most one record (≤ 16384)', async () => {
    const { c, s } = await handshakenBioPair();
    const data = pattern(100 * 1024, 7);
    const n = await c.send(data);
    assert.ok(n > 0 && n <= 16384, `send returned ${n}`);
    const got = await bioRecvExactly(s, c, n);
    assert.deepEqual(got, data.subarray(0, n));
  });

  test('sendall() of 1 MiB arrives intact', async () => {
    const { c, s } = await handshakenBioPair();
    const data = pattern(1024 * 1024, 11);
    const got = await bioTransfer(c, s, data);
    assert.equal(got.length, data.length);
    assert.equal(sha256(got), sha256(data));
  });

  test('bioRead on an empty BIO throws WantReadError (synchronously)', async () => {
    const { c, s } = await handshakenBioPair();
    assert.throws(() => c.bioRead(100), (e) => e instanceof WantReadError && e instanceof SSLError);
    assert.throws(() => s.bioRead(100), WantReadError);
  });

  test('wantRead() / wantWrite()', async () => {
    const { c, s } = await handshakenBioPair();
    await rejectsExactly(s.recv(10), WantReadError);
    assert.equal(s.wantRead(), true);
    assert.equal(c.wantWrite(), false);
    await c.send(bytes('x'));
    assert.equal(c.wantWrite(), true, 'ciphertext waits in the outgoing BIO');
    pump(c, s);
    assert.equal(c.wantWrite(), false);
    assert.equal(text(await s.recv(10)), 'x');
    assert.equal(s.wantRead(), false);
  });

  test('shutdown sequence and getShutdown bits', async () => {
    const { c, s } = await handshakenBioPair();
    assert.equal(c.getShutdown(), 0);
    assert.equal(await c.shutdown(), false);
    assert.equal(c.getShutdown(), Shutdown.SENT_SHUTDOWN);
    // Called again before the peer answered: WantReadError.
    await rejectsExactly(c.shutdown(), WantReadError);
    pump(c, s);
    await rejectsExactly(s.recv(100), ZeroReturnError);
    assert.equal(s.getShutdown() & Shutdown.RECEIVED_SHUTDOWN, Shutdown.RECEIVED_SHUTDOWN);
    assert.equal(await s.shutdown(), true);
    assert.equal(s.getShutdown(), Shutdown.SENT_SHUTDOWN | Shutdown.RECEIVED_SHUTDOWN);
    pump(s, c);
    assert.equal(await c.shutdown(), true);
    assert.equal(c.getShutdown(), Shutdown.SENT_SHUTDOWN | Shutdown.RECEIVED_SHUTDOWN);
    await rejectsExactly(c.recv(10), ZeroReturnError);
  });

  test('setShutdown/getShutdown round-trip', async () => {
    const { c } = bioPair();
    c.setShutdown(Shutdown.RECEIVED_SHUTDOWN);
    assert.equal(c.getShutdown(), 2);
  });

  test('bioShutdown without close_notify → SysCallError(-1, "Unexpected EOF")', async () => {
    const { c, s } = await handshakenBioPair();
    await c.send(bytes('last words'));
    pump(c, s);
    s.bioShutdown();
    // buffered data is still delivered first
    assert.equal(text(await s.recv(100)), 'last words');
    const err = await rejectsExactly(s.recv(100), SysCallError);
    assert.equal(err.errno, -1);
    assert.equal(err.errstr, 'Unexpected EOF');
    assert.ok(err instanceof SSLError);
  });

  test('bioShutdown with OP_IGNORE_UNEXPECTED_EOF → ZeroReturnError', async () => {
    const server = serverContext();
    server.setOptions(Options.OP_IGNORE_UNEXPECTED_EOF);
    const { c, s } = await handshakenBioPair({ server });
    s.bioShutdown();
    await rejectsExactly(s.recv(100), ZeroReturnError);
  });

  test('bioShutdown before the handshake → recv gives SysCallError, not Want/ZeroReturn', async () => {
    const { s } = bioPair();
    s.bioShutdown();
    const err = await rejectsExactly(s.recv(100), SysCallError);
    assert.equal(err.errno, -1);
    assert.equal(err.errstr, 'Unexpected EOF');
  });

  test('bio* on a transport connection is a TypeError', () => {
    const [ta] = memoryPair();
    const conn = new Connection(clientContext(), ta);
    assert.throws(() => conn.bioRead(10), TypeError);
    assert.throws(() => conn.bioWrite(new Uint8Array(1)), TypeError);
    assert.throws(() => conn.bioShutdown(), TypeError);
  });

  test('new Connection with a non-Context is a TypeError', () => {
    assert.throws(() => new Connection({}, null), TypeError);
    assert.throws(() => new Connection(null, null), TypeError);
  });
});

// ---------------------------------------------------------------------------------------
describe('transport mode (memoryPair)', () => {
  test('concurrent handshake and echo', async () => {
    const { c, s } = await withTimeout(transportPair(), 10000, 'handshake');
    assert.equal(c.isHandshakeDone(), true);
    assert.equal(s.isHandshakeDone(), true);
    assert.equal(await c.send(bytes('ping')), 4);
    const got = await s.recv(100);
    assert.equal(text(got), 'ping');
    await s.sendall(got);
    assert.equal(text(await c.recv(100)), 'ping');
    // read/write are aliases
    assert.equal(await c.write(bytes('alias')), 5);
    assert.equal(text(await s.read(100)), 'alias');
  });

  test('full duplex: a waiting recv does not block a send on the same connection', async () => {
    const { c, s } = await transportPair();
    const pendingRecv = c.recv(100);
    assert.equal(await settledState(pendingRecv), 'pending', 'nothing was sent yet');
    const sent = await withTimeout(c.send(bytes('while reading')), 3000, 'send during recv');
    assert.equal(sent, 13);
    assert.equal(text(await withTimeout(s.recv(100), 3000, 'server recv')), 'while reading');
    await s.send(bytes('reply'));
    assert.equal(text(await withTimeout(pendingRecv, 3000, 'pending recv')), 'reply');
  });

  test('three concurrent sendall calls arrive whole and in call order', async () => {
    const { c, s } = await transportPair();
    const a = pattern(100 * 1024, 101);
    const b = pattern(100 * 1024, 202);
    const d = pattern(100 * 1024, 303);
    const reading = recvExactly(s, a.length * 3);
    const counts = await Promise.all([c.sendall(a), c.sendall(b), c.sendall(d)]);
    assert.deepEqual(counts, [a.length, b.length, d.length]);
    const got = await withTimeout(reading, 20000, 'reading 300 KiB');
    assert.equal(sha256(got.subarray(0, a.length)), sha256(a));
    assert.equal(sha256(got.subarray(a.length, 2 * a.length)), sha256(b));
    assert.equal(sha256(got.subarray(2 * a.length)), sha256(d));
  });

  test('8 MiB transfer, checksummed', async () => {
    const { c, s } = await transportPair();
    const data = pattern(8 * 1024 * 1024, 99);
    const [sent, got] = await withTimeout(
      Promise.all([c.sendall(data), recvExactly(s, data.length)]),
      45000,
      '8 MiB transfer',
    );
    assert.equal(sent, data.length);
    assert.equal(got.length, data.length);
    assert.equal(sha256(got), sha256(data));
  });

  test('shutdown over a transport: close_notify both ways', async () => {
    const { c, s } = await transportPair();
    await c.sendall(bytes('bye'));
    assert.equal(await c.shutdown(), false);
    assert.equal(c.getShutdown(), Shutdown.SENT_SHUTDOWN);
    assert.equal(text(await s.recv(100)), 'bye', 'data before close_notify is delivered');
    await rejectsExactly(s.recv(100), ZeroReturnError);
    assert.equal(await s.shutdown(), true);
    assert.equal(s.getShutdown(), Shutdown.SENT_SHUTDOWN | Shutdown.RECEIVED_SHUTDOWN);
    await rejectsExactly(withTimeout(c.recv(100), 3000, 'client recv'), ZeroReturnError);
    assert.equal(c.getShutdown(), Shutdown.SENT_SHUTDOWN | Shutdown.RECEIVED_SHUTDOWN);
  });

  test('transport recv returning null → WantReadError (memoryPair({blocking:false}))', async () => {
    const { c, s } = await transportPair({ handshake: false, pairOptions: { blocking: false } });
    // Non-blocking handshake: retry on WantReadError.
    let cd = false;
    let sd = false;
    for (let i = 0; i < 50 && !(cd && sd); i++) {
      for (const [conn, which] of [
        [c, 'c'],
        [s, 's'],
      ]) {
        if (which === 'c' ? cd : sd) continue;
        try {
          await conn.doHandshake();
          if (which === 'c') cd = true;
          else sd = true;
        } catch (e) {
          if (!(e instanceof WantReadError)) throw e;
        }
      }
    }
    assert.ok(cd && sd, 'non-blocking handshake finished');
    await rejectsExactly(s.recv(100), WantReadError);
    await c.send(bytes('now'));
    let got;
    for (let i = 0; i < 10 && !got; i++) {
      try {
        got = await s.recv(100);
      } catch (e) {
        if (!(e instanceof WantReadError)) throw e;
      }
    }
    assert.equal(text(got), 'now');
  });

  test(
    'wantRead() is true after a transport recv returned null (WantReadError)',
    async () => {
      const { c, s } = await transportPair({ handshake: false, pairOptions: { blocking: false } });
      for (let i = 0; i < 20 && !(c.isHandshakeDone() && s.isHandshakeDone()); i++) {
        for (const conn of [c, s]) await conn.doHandshake().catch((e) => assert.ok(e instanceof WantReadError, String(e)));
      }
      assert.ok(c.isHandshakeDone() && s.isHandshakeDone());
      await rejectsExactly(s.recv(100), WantReadError);
      assert.equal(s.wantRead(), true);
    },
  );

  test('transport send returning 0 → WantWriteError; the retry resolves with the full count, data sent once', async () => {
    const [ta, tb] = memoryPair();
    let blocked = false;
    let calls0 = 0;
    const gated = {
      send(data) {
        if (blocked) {
          calls0++;
          return 0;
        }
        return ta.send(data);
      },
      recv: (n) => ta.recv(n),
    };
    const c = new Connection(clientContext(), gated);
    const s = new Connection(serverContext(), tb);
    c.setConnectState();
    c.setTlsextHostName('localhost');
    s.setAcceptState();
    await Promise.all([c.doHandshake(), s.doHandshake()]);

    blocked = true;
    const data = bytes('exactly once please');
    await rejectsExactly(c.send(data), WantWriteError);
    assert.ok(calls0 >= 1, 'the transport was asked');
    assert.equal(c.wantWrite(), true, 'the record is queued');
    blocked = false;
    const n = await c.send(data);
    assert.equal(n, data.length);
    await c.send(bytes('|END'));
    const got = await recvExactly(s, data.length + 4);
    assert.equal(text(got), 'exactly once please|END');
    // nothing more is on the wire
    assert.equal(await settledState(s.recv(100)), 'pending');
  });

  test('transport recv returning an empty Uint8Array → SysCallError(-1, "Unexpected EOF")', async () => {
    const { c, s, tb } = await transportPair();
    await s.send(bytes('before eof'));
    tb.close(); // end of stream for the client's transport
    assert.equal(text(await c.recv(100)), 'before eof');
    const err = await rejectsExactly(c.recv(100), SysCallError);
    assert.equal(err.errno, -1);
    assert.equal(err.errstr, 'Unexpected EOF');
  });

  test('transport EOF with OP_IGNORE_UNEXPECTED_EOF → ZeroReturnError', async () => {
    const client = clientContext();
    client.setOptions(Options.OP_IGNORE_UNEXPECTED_EOF);
    const { c, tb } = await transportPair({ client });
    tb.close();
    await rejectsExactly(c.recv(100), ZeroReturnError);
  });

  test('a transport recv that throws → SysCallError with the thrown object as cause', async () => {
    const [ta, tb] = memoryPair();
    const boom = new Error('recv exploded');
    let fail = false;
    const t = {
      send: (d) => ta.send(d),
      recv(n) {
        if (fail) throw boom;
        return ta.recv(n);
      },
    };
    const c = new Connection(clientContext(), t);
    const s = new Connection(serverContext(), tb);
    c.setConnectState();
    c.setTlsextHostName('localhost');
    s.setAcceptState();
    await Promise.all([c.doHandshake(), s.doHandshake()]);
    fail = true;
    const err = await rejectsExactly(c.recv(10), SysCallError);
    assert.equal(err.cause, boom);
  });

  test('a transport send that throws (non-Error value) → SysCallError with that cause', async () => {
    const thrown = { reason: 'send exploded' };
    const t = {
      send() {
        throw thrown;
      },
      recv: () => null,
    };
    const c = new Connection(clientContext(), t);
    c.setConnectState();
    c.setTlsextHostName('localhost');
    const err = await rejectsExactly(c.doHandshake(), SysCallError);
    assert.equal(err.cause, thrown);
  });

  test('a transport returning rejected promises → SysCallError with the reason as cause', async () => {
    const reason = new RangeError('async failure');
    const t = {
      send: async () => {
        throw reason;
      },
      recv: async () => null,
    };
    const c = new Connection(clientContext(), t);
    c.setConnectState();
    c.setTlsextHostName('localhost');
    const err = await rejectsExactly(c.doHandshake(), SysCallError);
    assert.equal(err.cause, reason);
  });

  test('promise-returning transports (delayed) work end to end', async () => {
    const [ta, tb] = memoryPair();
    const later = (fn) => new Promise((r) => setTimeout(() => r(fn()), 1));
    const asyncify = (t) => ({
      send: (d) => {
        const copy = new Uint8Array(d); // the view is only valid during the call
        return later(() => {
          t.send(copy);
          return undefined; // undefined means "all of it"
        });
      },
      recv: (n) => later(() => t.recv(n)),
    });
    const c = new Connection(clientContext(), asyncify(ta));
    const s = new Connection(serverContext(), asyncify(tb));
    c.setConnectState();
    c.setTlsextHostName('localhost');
    s.setAcceptState();
    await withTimeout(Promise.all([c.doHandshake(), s.doHandshake()]), 10000, 'async handshake');
    const data = pattern(200 * 1024, 5);
    const [n, got] = await withTimeout(
      Promise.all([c.sendall(data), recvExactly(s, data.length)]),
      20000,
      'async transfer',
    );
    assert.equal(n, data.length);
    assert.equal(sha256(got), sha256(data));
  });
});

// ---------------------------------------------------------------------------------------
describe('getters', () => {
  test('before the handshake', () => {
    const { c, s } = bioPair();
    for (const conn of [c, s]) {
      assert.equal(conn.getProtocolVersionName(), 'Unknown');
      assert.ok(conn.getCipherName() == null, 'no cipher yet');
      assert.ok(conn.getPeerCertificate() == null, 'no peer certificate yet');
      assert.equal(conn.getPeerCertChain(), null);
      assert.equal(conn.getAlpnProtoNegotiated(), '');
      assert.equal(conn.isHandshakeDone(), false);
      assert.equal(conn.pending(), 0);
      assert.equal(typeof conn.getStateString(), 'string');
    }
    assert.equal(c.getAppData(), null);
  });

  test('TLS 1.3 defaults after the handshake', async () => {
    const { c, s } = await transportPair();
    for (const conn of [c, s]) {
      assert.equal(conn.getProtocolVersionName(), 'TLSv1.3');
      assert.equal(conn.getProtocolVersion(), 0x304);
      assert.match(conn.getCipherName(), /^TLS_(AES_256_GCM_SHA384|AES_128_GCM_SHA256|CHACHA20_POLY1305_SHA256)$/);
      assert.equal(conn.getCipherVersion(), 'TLSv1.3');
      assert.equal(conn.getGroupName(), 'x25519');
      assert.equal(conn.getAlpnProtoNegotiated(), '');
      assert.equal(conn.isHandshakeDone(), true);
      assert.equal(typeof conn.getStateString(), 'string');
      assert.ok(conn.getStateString().length > 0);
      assert.equal(conn.getVerifyResult(), 0);
    }
    const name = c.getCipherName();
    assert.equal(s.getCipherName(), name);
    assert.equal(c.getCipherBits(), name.includes('128') ? 128 : 256);
    assert.equal(s.getCipherBits(), c.getCipherBits());
  });

  test('TLS 1.2 via OP_NO_TLSv1_3 and via TLSv1_2_METHOD', async () => {
    const client = clientContext();
    client.setOptions(Options.OP_NO_TLSv1_3);
    const r1 = await transportPair({ client });
    for (const conn of [r1.c, r1.s]) {
      assert.equal(conn.getProtocolVersionName(), 'TLSv1.2');
      assert.equal(conn.getProtocolVersion(), 0x303);
      assert.match(conn.getCipherName(), /^ECDHE-RSA-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$/);
      assert.equal(conn.getCipherVersion(), 'TLSv1.2');
      assert.ok([128, 256].includes(conn.getCipherBits()));
    }
    const server = serverContext({ method: Method.TLSv1_2 });
    const r2 = await transportPair({ server });
    assert.equal(r2.c.getProtocolVersionName(), 'TLSv1.2');
    assert.equal(r2.s.getProtocolVersion(), 0x303);
  });

  test('ECDSA server gives an ECDHE-ECDSA suite on TLS 1.2', async () => {
    const client = clientContext({ method: Method.TLSv1_2 });
    const server = serverContext({ cert: 'server-ecdsa-chain.pem', key: 'server-ecdsa.key' });
    const { c } = await transportPair({ client, server });
    assert.match(c.getCipherName(), /^ECDHE-ECDSA-/);
  });

  test('ALPN negotiated when both sides set protocols; "" when none', async () => {
    const client = clientContext();
    const server = serverContext();
    client.setAlpnProtos(['h2', 'http/1.1']);
    server.setAlpnProtos(['http/1.1']);
    const { c, s } = await transportPair({ client, server });
    assert.equal(c.getAlpnProtoNegotiated(), 'http/1.1');
    assert.equal(s.getAlpnProtoNegotiated(), 'http/1.1');

    // per-connection setAlpnProtos on the client
    const [ta, tb] = memoryPair();
    const server2 = serverContext();
    server2.setAlpnProtos(['h2', 'x']);
    const c2 = new Connection(clientContext(), ta);
    const s2 = new Connection(server2, tb);
    c2.setConnectState();
    c2.setTlsextHostName('localhost');
    c2.setAlpnProtos([bytes('x')]);
    s2.setAcceptState();
    await Promise.all([c2.doHandshake(), s2.doHandshake()]);
    assert.equal(c2.getAlpnProtoNegotiated(), 'x');
  });

  test('getServername on the server equals the client SNI', async () => {
    const { c, s } = await transportPair();
    assert.equal(s.getServername(), 'localhost');
    assert.equal(c.getServername(), 'localhost');
  });

  test('getPeerCertificate / getPeerCertChain on the client include the leaf', async () => {
    const { c, s } = await transportPair();
    const peer = c.getPeerCertificate();
    assert.ok(peer instanceof X509);
    assert.equal(peer.getSubject().CN, 'localhost');
    const chain = c.getPeerCertChain();
    assert.ok(Array.isArray(chain));
    assert.equal(chain.length, 2);
    assert.equal(chain[0].getSubject().CN, 'localhost');
    const intCn = X509.fromPem(fxText('int.pem')).getSubject().CN;
    assert.equal(chain[1].getSubject().CN, intCn);
    // server without client certificate
    assert.ok(s.getPeerCertificate() == null);
    assert.equal(s.getPeerCertChain(), null);
    // own certificate
    assert.equal(s.getCertificate().getSubject().CN, 'localhost');
  });

  test('server-side getPeerCertChain excludes the leaf ([] for a lone leaf, [int] for a chain)', async () => {
    const mkServer = () => {
      const ctx = serverContext();
      ctx.loadVerifyLocations(fx('ca.pem'));
      ctx.setVerify(VerifyMode.PEER | VerifyMode.FAIL_IF_NO_PEER_CERT);
      return ctx;
    };
    const lone = clientContext();
    lone.useCertificateFile(fx('client.pem'));
    lone.usePrivateKeyFile(fx('client.key'));
    // the client leaf is signed by the intermediate, so the server needs int.pem to verify it
    const server1 = mkServer();
    server1.loadVerifyLocations(fx('int.pem'));
    const r1 = await transportPair({ client: lone, server: server1 });
    assert.deepEqual(r1.s.getPeerCertChain(), []);
    assert.equal(r1.s.getPeerCertificate().getSubject().CN, 'test client');
    // the client's own view: its certificate, and the server's chain with the leaf
    assert.equal(r1.c.getCertificate().getSubject().CN, 'test client');
    assert.equal(r1.c.getPeerCertChain().length, 2);

    const chained = clientContext();
    chained.useCertificateChainFile(fx('client-chain.pem'));
    chained.usePrivateKeyFile(fx('client.key'));
    const r2 = await transportPair({ client: chained, server: mkServer() });
    const chain = r2.s.getPeerCertChain();
    assert.ok(Array.isArray(chain));
    assert.equal(chain.length, 1);
    assert.equal(chain[0].getSubject().CN, X509.fromPem(fxText('int.pem')).getSubject().CN);
    assert.equal(r2.s.getPeerCertificate().getSubject().CN, 'test client');
  });

  test('exportKeyingMaterial is equal on both sides', async () => {
    const { c, s } = await transportPair();
    const a = c.exportKeyingMaterial('EXPORTER-test', 32);
    const b = s.exportKeyingMaterial('EXPORTER-test', 32);
    assert.ok(a instanceof Uint8Array);
    assert.equal(a.length, 32);
    assert.deepEqual(a, b);
    const ac = c.exportKeyingMaterial('EXPORTER-test', 16, bytes('ctx'));
    const bc = s.exportKeyingMaterial('EXPORTER-test', 16, bytes('ctx'));
    assert.deepEqual(ac, bc);
    assert.notDeepEqual(ac, a.subarray(0, 16));
    // a second connection has different keys
    const other = await transportPair();
    assert.notDeepEqual(other.c.exportKeyingMaterial('EXPORTER-test', 32), a);
  });

  test(
    'absent values are null, not undefined (getPeerCertificate, getCipherName, …)',
    async () => {
      const { c, s } = bioPair();
      assert.equal(c.getPeerCertificate(), null);
      assert.equal(c.getCipherName(), null);
      assert.equal(c.getCipherBits(), null);
      assert.equal(c.getCipherVersion(), null);
      assert.equal(c.getGroupName(), null);
      assert.equal(s.getServername(), null, 'server before any ClientHello');
      await bioHandshake(c, s);
      assert.equal(s.getPeerCertificate(), null, 'server without a client certificate');
    },
  );

  test('setAppData/getAppData on a Connection', () => {
    const { c } = bioPair();
    const obj = { any: 'thing' };
    c.setAppData(obj);
    assert.equal(c.getAppData(), obj);
  });

  test('unsupported operations fail loudly or answer null/0', async () => {
    const { c } = await transportPair();
    assert.throws(
      () => c.renegotiate(),
      (e) => e instanceof SSLError && /renegotiation is not supported/.test(e.message),
    );
    assert.equal(c.totalRenegotiations(), 0);
    assert.equal(c.getFinished(), null);
    assert.equal(c.getPeerFinished(), null);
    assert.equal(c.masterKey(), null);
    assert.equal(c.serverRandom(), null);
  });
});

// ---------------------------------------------------------------------------------------
describe('malformed input', () => {
  test('garbage into a server: SSLError, sticky, alert readable, instance still works', async () => {
    const s = new Connection(serverContext(), null);
    s.setAcceptState();
    const garbage = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: example\r\n\r\n');
    assert.equal(s.bioWrite(garbage), garbage.length);
    const e1 = await rejectsExactly(s.doHandshake(), SSLError);
    assert.ok(e1.message.length > 0);
    assert.ok(Array.isArray(e1.errors) && e1.errors.length > 0);
    const e2 = await rejectsExactly(s.doHandshake(), SSLError);
    assert.equal(e2.message, e1.message);
    const e3 = await rejectsExactly(s.recv(10), SSLError);
    assert.equal(e3.message, e1.message);
    const e4 = await rejectsExactly(s.send(bytes('x')), SSLError);
    assert.equal(e4.message, e1.message);
    const alert = s.bioRead(1024);
    assert.equal(alert[0], 0x15, 'an alert record');
    assert.equal(alert[5], 2, 'fatal');

    // a fresh pair in the same process still handshakes
    const { c: c2, s: s2 } = await handshakenBioPair();
    assert.equal(text(await bioTransfer(c2, s2, bytes('still alive'))), 'still alive');
  });

  test('random bytes of many sizes never crash the instance', async () => {
    for (const n of [1, 5, 6, 100, 17000]) {
      const s = new Connection(serverContext(), null);
      s.setAcceptState();
      const junk = pattern(n, n + 3);
      junk[0] = 0x16; // look like a handshake record
      s.bioWrite(junk);
      let err;
      try {
        await s.doHandshake();
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof SSLError, `size ${n}: ${err}`);
    }
    const { c, s } = await handshakenBioPair();
    assert.equal(text(await bioTransfer(s, c, bytes('ok'))), 'ok');
  });

  test('a truncated record waits for the rest (WantReadError), then decrypts', async () => {
    const { c, s } = await handshakenBioPair();
    await c.send(bytes('split record'));
    const rec = c.bioRead(65536);
    s.bioWrite(rec.subarray(0, 3)); // part of the header
    await rejectsExactly(s.recv(100), WantReadError);
    s.bioWrite(rec.subarray(3, rec.length - 1)); // all but the last byte
    await rejectsExactly(s.recv(100), WantReadError);
    s.bioWrite(rec.subarray(rec.length - 1));
    assert.equal(text(await s.recv(100)), 'split record');
  });

  test('a truncated record followed by EOF → SysCallError', async () => {
    const { c, s } = await handshakenBioPair();
    await c.send(bytes('cut short'));
    const rec = c.bioRead(65536);
    s.bioWrite(rec.subarray(0, rec.length - 4));
    s.bioShutdown();
    const err = await rejectsExactly(s.recv(100), SysCallError);
    assert.equal(err.errno, -1);
  });

  test('a corrupted record after valid data → SSLError on recv (sticky, alert sent), earlier data intact', async () => {
    const { c, s } = await handshakenBioPair();
    await c.send(bytes('good data'));
    const good = c.bioRead(65536);
    await c.send(bytes('bad data'));
    const bad = c.bioRead(65536);
    bad[bad.length - 3] ^= 0x01; // flip a bit in the ciphertext / tag
    s.bioWrite(good);
    assert.equal(text(await s.recv(100)), 'good data');
    s.bioWrite(bad);
    const e1 = await rejectsExactly(s.recv(100), SSLError);
    assert.match(e1.message, /bad.?record.?mac|decrypt/i);
    // sticky
    const e2 = await rejectsExactly(s.recv(100), SSLError);
    assert.equal(e2.message, e1.message);
    await rejectsExactly(s.send(bytes('x')), SSLError);
    // the server tells the client with an (encrypted, TLS 1.3) alert
    assert.ok(pump(s, c) > 0, 'the alert can be read with bioRead');
    const e3 = await rejectsExactly(c.recv(100), SSLError);
    assert.match(e3.message, /alert/i);
    assert.match(e3.message, /bad.?record.?mac/i);
  });

  test(
    'good and corrupted records arriving together: the good data is still delivered first',
    async () => {
      const { c, s } = await handshakenBioPair();
      await c.send(bytes('good data'));
      const good = c.bioRead(65536);
      await c.send(bytes('bad data'));
      const bad = c.bioRead(65536);
      bad[bad.length - 3] ^= 0x01;
      s.bioWrite(concat([good, bad]));
      assert.equal(text(await s.recv(100)), 'good data');
      await rejectsExactly(s.recv(100), SSLError);
    },
  );
});

// wispClient (API.md §4): many TLS connections over one WebSocket through a real Wisp server
// from npm (wisp-server-node, and @mercuryworkshop/wisp-js in both protocol versions) in front
// of node:tls servers and `openssl s_server`; the server refusing a stream, closing one, and
// the WebSocket dropping under open streams; CONTINUE credit checked packet by packet; a fake
// server (the `ws` package, written here) that breaks the protocol in every way a parser has to
// survive; the per-stream receive limit; the demo's gated Wisp endpoint; and the web build in
// Chromium doing a verified handshake through wisp-server-node with the browser's WebSocket.
// Everything listens on 127.0.0.1.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

import wispServerNode from 'wisp-server-node';
import { WebSocket, WebSocketServer } from 'ws';

import * as ssl from 'rustls-ssl';

import { launchChromium } from './helpers/chromium.mjs';
import { freePort, readFixture, recvUntilClosed, startSServer, text, withTimeout } from './helpers/peers.mjs';
import { pattern, recvExactly, sha256 } from './unit-helpers.mjs';
import { createStaticHandler } from '../www/static.mjs';
import { startStack } from '../www/stack.mjs';

const { Connection, Context, SysCallError, TLS_CLIENT_METHOD, wispClient } = ssl;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MiB = 1024 * 1024;
const T = { timeout: 30000 };
const CA = readFixture('ca.pem', 'utf8');


const DATA = 0x02;
const CONTINUE = 0x03;
const CLOSE = 0x04;

/** A packet as the wire has it. */
function packet(type, id, payload = []) {
  const out = Buffer.alloc(5 + payload.length);
  out[0] = type;
  out.writeUInt32LE(id, 1);
  Buffer.from(payload).copy(out, 5);
  return out;
}

const u32 = (n) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return [...b];
};

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

/**
 * An HTTP server whose upgrades go to wisp-server-node (on `/`, the Wisp path; wsproxy would
 * take any path without the trailing slash). Counts WebSocket upgrades and keeps their
 * sockets, so a test can drop them. `handler` serves plain requests (the Chromium page).
 */
async function startWispServer(t, handler = (_req, res) => res.writeHead(404).end()) {
  const upgrades = [];
  const server = http.createServer(handler);
  server.on('upgrade', (req, socket, head) => {
    upgrades.push(socket);
    wispServerNode.routeRequest(req, socket, head, { logLevel: 4 });
  });
  const port = await listen(server);
  t.after(() => {
    for (const s of upgrades) s.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { url: `ws://127.0.0.1:${port}/`, port, upgrades };
}

/** A node:tls server with the RSA fixture chain; `onSecure(socket)` per connection. */
async function startTlsServer(t, onSecure) {
  const server = tls.createServer(
    { cert: readFixture('server-rsa-chain.pem'), key: readFixture('server-rsa.key') },
    onSecure
  );
  const sockets = new Set();
  server.on('secureConnection', (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  t.after(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return port;
}

/** Echoes everything back. */
const echo = (socket) => socket.pipe(socket);

/** A verifying client Connection over `transport`, trusting the test CA, for `localhost`. */
function tlsOver(transport) {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, CA);
  const conn = new Connection(ctx, transport);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  return conn;
}

/**
 * Watches one client's WebSocket from outside: every DATA packet it sends and every CONTINUE
 * it receives, in the order the client itself saw them. Replaying that log with the
 * protocol's rule (CONTINUE sets the credit, each DATA spends one) says whether the client
 * ever sent without credit.
 */
function watchCredit(ws) {
  const log = [];
  const send = ws.send.bind(ws);
  ws.send = (data, ...rest) => {
    const b = Buffer.from(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength);
    if (b[0] === DATA) log.push({ type: 'data', id: b.readUInt32LE(1) });
    return send(data, ...rest);
  };
  // Added after wispClient's own listener, so each CONTINUE is logged after the client saw it.
  ws.addEventListener('message', (e) => {
    const b = Buffer.from(e.data);
    if (b[0] === CONTINUE && b.length >= 9) log.push({ type: 'continue', id: b.readUInt32LE(1), credit: b.readUInt32LE(5) });
  });
  return {
    /** `{ id: { sent, continues } }`; throws if any DATA went out without credit. */
    replay() {
      const credit = new Map();
      const stats = {};
      let initial = null;
      for (const e of log) {
        if (e.type === 'continue' && e.id === 0) {
          initial = e.credit;
          continue;
        }
        stats[e.id] ??= { sent: 0, continues: 0 };
        if (!credit.has(e.id)) credit.set(e.id, initial);
        if (e.type === 'continue') {
          credit.set(e.id, e.credit);
          stats[e.id].continues++;
        } else {
          const left = credit.get(e.id);
          assert.ok(left > 0, `stream ${e.id}: DATA #${stats[e.id].sent + 1} sent with no credit left`);
          credit.set(e.id, left - 1);
          stats[e.id].sent++;
        }
      }
      return { initial, stats };
    },
  };
}

describe('wispClient through wisp-server-node', () => {
  test('several TLS connections over one WebSocket: node:tls and openssl s_server, verified, 4 MiB checksummed', T, async (t) => {
    const wisp = await startWispServer(t);
    const echoPort = await startTlsServer(t, echo);
    const sserver = await startSServer(t, { www: true });
    const ws = new WebSocket(wisp.url);
    const client = wispClient(ws);
    t.after(() => client.close());
    const credit = watchCredit(ws);

    const big = pattern(4 * MiB, 7);
    const bulk = (async () => {
      const conn = tlsOver(client.transport('127.0.0.1', echoPort));
      await conn.doHandshake();
      assert.equal(conn.getVerifyResult(), 0);
      const sending = conn.sendall(big);
      const back = await recvExactly(conn, big.length);
      await sending;
      assert.equal(sha256(back), sha256(big), '4 MiB came back intact');
      return conn;
    })();
    const lines = [1, 2, 3].map(async (i) => {
      const conn = tlsOver(client.transport('127.0.0.1', echoPort));
      await conn.doHandshake();
      assert.equal(conn.getVerifyResult(), 0);
      await conn.sendall(`line ${i}\n`);
      assert.equal(text(await recvExactly(conn, `line ${i}\n`.length)), `line ${i}\n`);
      return conn;
    });
    const openssl = (async () => {
      const conn = tlsOver(client.transport('127.0.0.1', sserver.port));
      await conn.doHandshake();
      assert.equal(conn.getVerifyResult(), 0);
      assert.match(conn.getPeerCertificate().getSubject().CN, /localhost/);
      await conn.sendall('GET / HTTP/1.0\r\n\r\n');
      const { data } = await recvUntilClosed(conn);
      assert.match(text(data), /^HTTP\/1\.0 200 ok/);
      return conn;
    })();
    const conns = await withTimeout(Promise.all([bulk, ...lines, openssl]), 25000, 'five streams');

    assert.equal(wisp.upgrades.length, 1, 'all of it over one WebSocket');
    const { initial, stats } = credit.replay();
    assert.equal(initial, 127, "wisp-server-node's initial credit");
    const ids = Object.keys(stats).map(Number);
    assert.equal(ids.length, 5, `five streams: ${JSON.stringify(stats)}`);
    const busiest = Math.max(...ids.map((id) => stats[id].sent));
    assert.ok(busiest > 2 * initial, `the bulk stream needed fresh credit more than once: ${JSON.stringify(stats)}`);
    t.diagnostic(`streams ${JSON.stringify(stats)}; ${conns[0].getCipherName()}`);
  });

  test('a closed port: the server says 0x44, and the handshake fails with SysCallError naming it', T, async (t) => {
    const wisp = await startWispServer(t);
    const client = wispClient(new WebSocket(wisp.url));
    t.after(() => client.close());
    const port = await freePort();

    const conn = tlsOver(client.transport('127.0.0.1', port));
    const err = await conn.doHandshake().then(() => null, (e) => e);
    assert.ok(err instanceof SysCallError, `a SysCallError: ${err}`);
    assert.match(err.message, /Wisp stream closed: 0x44 connection refused/);
    assert.equal(err.code, 'ECONNREFUSED');
    assert.equal(err.cause.wispReason, 0x44);

    // The transport on its own says the same, and the tunnel carries on for other streams.
    const raw = client.transport('127.0.0.1', port);
    await assert.rejects(async () => raw.recv(10), (e) => e instanceof SysCallError && /0x44 connection refused/.test(e.message));
    assert.throws(() => raw.send(new Uint8Array(1)), SysCallError, 'sends fail too');
    const echoPort = await startTlsServer(t, echo);
    const ok = tlsOver(client.transport('127.0.0.1', echoPort));
    await ok.doHandshake();
    assert.equal(ok.getVerifyResult(), 0);
  });

  test('the server closes the stream: its bytes, then end of stream; later sends fail', T, async (t) => {
    const wisp = await startWispServer(t);
    const plain = net.createServer((s) => s.end('last words'));
    const plainPort = await listen(plain);
    t.after(() => plain.close());
    const client = wispClient(new WebSocket(wisp.url));
    t.after(() => client.close());

    const stream = client.transport('127.0.0.1', plainPort);
    let got = '';
    for (;;) {
      const b = await stream.recv(100);
      if (b.length === 0) break;
      got += text(b);
    }
    assert.equal(got, 'last words', 'everything before the CLOSE');
    assert.equal((await stream.recv(100)).length, 0, 'end of stream stays end of stream');
    assert.throws(() => stream.send(new Uint8Array([1])), (e) => e instanceof SysCallError && e.code === 'EPIPE');

    // Over TLS: the server's close_notify, then the stream's end. (Node sends no close_notify
    // for an end() right after the handshake with little data, so it sends more here.)
    const payload = pattern(100000, 5);
    const tlsPort = await startTlsServer(t, (s) => s.end(payload));
    const conn = tlsOver(client.transport('127.0.0.1', tlsPort));
    await conn.doHandshake();
    const { data, how } = await recvUntilClosed(conn);
    assert.equal(sha256(data), sha256(payload));
    assert.equal(how, 'close_notify');
  });

  test('close() on a transport sends CLOSE: the server drops that TCP connection only', T, async (t) => {
    const wisp = await startWispServer(t);
    const closed = [];
    const echoServer = net.createServer((s) => {
      s.on('close', () => closed.push(s));
      s.pipe(s);
    });
    const port = await listen(echoServer);
    t.after(() => echoServer.close());
    const client = wispClient(new WebSocket(wisp.url));
    t.after(() => client.close());
    const a = client.transport('127.0.0.1', port);
    const b = client.transport('127.0.0.1', port);
    for (const s of [a, b]) {
      await s.send(Buffer.from('ping'));
      assert.equal(text(await s.recv(10)), 'ping');
    }
    await a.close();
    assert.equal((await a.recv(10)).length, 0, 'end of stream after close()');
    await assert.rejects(async () => a.send(Buffer.from('x')), (e) => e.code === 'ERR_TRANSPORT_CLOSED');
    while (closed.length === 0) await new Promise((r) => setTimeout(r, 10));
    await b.send(Buffer.from('still here'));
    assert.equal(text(await b.recv(100)), 'still here');
    assert.equal(closed.length, 1, 'only the closed stream lost its TCP connection');
  });

  test('the WebSocket dropped under open streams: every stream fails with SysCallError', T, async (t) => {
    const wisp = await startWispServer(t);
    const echoPort = await startTlsServer(t, echo);
    const client = wispClient(new WebSocket(wisp.url));
    t.after(() => client.close());
    const conns = await Promise.all(
      [1, 2, 3].map(async () => {
        const conn = tlsOver(client.transport('127.0.0.1', echoPort));
        await conn.doHandshake();
        return conn;
      })
    );
    const reads = conns.map((c) => c.recv(100).then(() => null, (e) => e));
    wisp.upgrades[0].destroy();
    const errors = await withTimeout(Promise.all(reads), 10000, 'the pending reads');
    for (const err of errors) {
      assert.ok(err instanceof SysCallError, `a SysCallError: ${err}`);
      assert.match(err.message, /Wisp WebSocket closed with code 1006/);
      assert.equal(err.code, 'ERR_WEBSOCKET_CLOSED');
    }
    await assert.rejects(conns[0].sendall('x'), SysCallError);
    const late = tlsOver(client.transport('127.0.0.1', echoPort));
    await assert.rejects(late.doHandshake(), (e) => e instanceof SysCallError && /code 1006/.test(e.message));
  });
});

describe('wispClient with @mercuryworkshop/wisp-js', () => {
  let wispJs;
  before(async () => {
    wispJs = await import('@mercuryworkshop/wisp-js/server');
    wispJs.logging.set_level(wispJs.logging.NONE);
    // Its default refuses loopback destinations, which is all a hermetic test has.
    wispJs.server.options.allow_loopback_ips = true;
  });
  after(() => {
    wispJs.server.options.allow_loopback_ips = false;
  });

  // wisp-js speaks v2 (an INFO handshake before the initial CONTINUE) to clients that ask for
  // a WebSocket subprotocol, and v1 to the others.
  for (const version of [1, 2]) {
    test(`a Wisp v${version} server: verified handshakes and echoes`, T, async (t) => {
      const server = http.createServer();
      server.on('upgrade', (req, socket, head) => wispJs.server.routeRequest(req, socket, head));
      const port = await listen(server);
      t.after(() => {
        server.closeAllConnections();
        server.close();
      });
      const echoPort = await startTlsServer(t, echo);
      const protocols = version === 2 ? ['wisp-v2'] : [];
      const client = wispClient(new WebSocket(`ws://127.0.0.1:${port}/`, protocols));
      t.after(() => client.close());
      const conns = await Promise.all(
        [1, 2].map(async (i) => {
          const conn = tlsOver(client.transport('127.0.0.1', echoPort));
          await conn.doHandshake();
          assert.equal(conn.getVerifyResult(), 0);
          const data = pattern(300000, i);
          const sending = conn.sendall(data);
          assert.equal(sha256(await recvExactly(conn, data.length)), sha256(data));
          await sending;
          return conn;
        })
      );
      t.diagnostic(conns[0].getProtocolVersionName());
    });
  }
});

/**
 * A Wisp server written here, for what real servers never do. `script(ws, { next, inbox })`
 * runs per connection after the initial CONTINUE (unless `initial` is null); `next(type)`
 * resolves with the next packet of that type the client sent, parsed. `failed` rejects with
 * the first assertion a script failed; each test also checks that none did.
 */
async function startFakeServer(t, script, { initial = 16 } = {}) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await once(wss, 'listening');
  const closes = [];
  let fail;
  const failed = new Promise((_, reject) => (fail = reject));
  failed.catch(() => {});
  let scriptError = null;
  wss.on('connection', (ws) => {
    const inbox = [];
    const waiters = [];
    ws.on('message', (data) => {
      const b = Buffer.from(data);
      inbox.push({ type: b[0], id: b.readUInt32LE(1), payload: b.subarray(5) });
      for (const w of waiters.splice(0)) w();
    });
    ws.on('close', (code) => closes.push(code));
    const next = async (type) => {
      for (;;) {
        const i = inbox.findIndex((p) => type === undefined || p.type === type);
        if (i >= 0) return inbox.splice(i, 1)[0];
        await new Promise((r) => waiters.push(r));
      }
    };
    if (initial !== null) ws.send(packet(CONTINUE, 0, u32(initial)));
    script(ws, { next, inbox }).catch((e) => {
      scriptError ??= e;
      fail(e);
    });
  });
  t.after(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    if (scriptError) throw scriptError;
  });
  return { url: `ws://127.0.0.1:${wss.address().port}/`, closes, failed };
}

/** A round trip through the client's WebSocket (ping → pong): whatever it sent before is in. */
async function roundTrip(ws) {
  ws.ping();
  await once(ws, 'pong');
}

describe('wispClient against a server that breaks the protocol', () => {
  const uncaught = [];
  const onUncaught = (e) => uncaught.push(e);
  before(() => process.on('uncaughtException', onUncaught));
  after(() => {
    process.off('uncaughtException', onUncaught);
    assert.deepEqual(uncaught, [], 'nothing escaped an event handler');
  });

  const garbage = {
    'a 3-byte message': () => Buffer.from([DATA, 1, 0]),
    'an unknown packet type': () => packet(0x09, 1, [1, 2, 3]),
    'DATA for a stream never opened': () => packet(DATA, 77, [1]),
    'a text message': () => 'hello',
    'a CONTINUE too short': () => packet(CONTINUE, 1, [1, 0]),
    'DATA on stream 0': () => packet(DATA, 0, [1]),
  };
  const expected = {
    'a 3-byte message': /3-byte message; a packet has a 5-byte header/,
    'an unknown packet type': /unknown type 0x09/,
    'DATA for a stream never opened': /DATA for stream 77, which this client never opened/,
    'a text message': /text message/,
    'a CONTINUE too short': /CONTINUE packet of 2 payload bytes/,
    'DATA on stream 0': /DATA on stream 0/,
  };
  for (const [what, make] of Object.entries(garbage)) {
    test(`${what}: every stream fails with a clear error, the socket is closed`, T, async (t) => {
      const fake = await startFakeServer(t, async (ws, { next }) => {
        await next(0x01);
        await next(0x01);
        ws.send(make());
      });
      const client = wispClient(new WebSocket(fake.url));
      const a = client.transport('127.0.0.1', 1000);
      const b = client.transport('127.0.0.1', 1001);
      const results = await Promise.all([a.recv(10), b.recv(10)].map((p) => p.then(() => null, (e) => e)));
      for (const err of results) {
        assert.ok(err instanceof SysCallError, `a SysCallError: ${err}`);
        assert.equal(err.code, 'ERR_WISP_PROTOCOL');
        assert.match(err.message, /^Wisp protocol error: /);
        assert.match(err.message, expected[what]);
      }
      assert.throws(() => a.send(new Uint8Array(1)), (e) => e === results[0]);
      while (fake.closes.length === 0) await new Promise((r) => setTimeout(r, 10));
      assert.equal(fake.closes[0], 1002, 'closed as a protocol error');
    });
  }

  test('a CLOSE without a reason byte fails that stream only', T, async (t) => {
    const fake = await startFakeServer(t, async (ws, { next }) => {
      const first = await next(0x01);
      const second = await next(0x01);
      ws.send(packet(CLOSE, first.id));
      const data = await next(DATA);
      assert.equal(data.id, second.id);
      ws.send(packet(DATA, second.id, data.payload));
    });
    const client = wispClient(new WebSocket(fake.url));
    t.after(() => client.close());
    const a = client.transport('127.0.0.1', 1000);
    const b = client.transport('127.0.0.1', 1001);
    const failed = a.recv(10).then(() => null, (e) => e);
    await b.send(Buffer.from('echo?'));
    const err = await failed;
    assert.ok(err instanceof SysCallError);
    assert.match(err.message, /a CLOSE packet without a reason byte/);
    assert.equal(text(await b.recv(10)), 'echo?', 'the other stream carries on');
  });

  test('a packet for a stream the client closed is dropped, not an error', T, async (t) => {
    const fake = await startFakeServer(t, async (ws, { next }) => {
      const first = await next(0x01);
      await next(CLOSE);
      ws.send(packet(DATA, first.id, [1, 2, 3]));
      ws.send(packet(CONTINUE, first.id, u32(5)));
      const second = await next(0x01);
      ws.send(packet(DATA, second.id, [...Buffer.from('fine')]));
    });
    const client = wispClient(new WebSocket(fake.url));
    t.after(() => client.close());
    const a = client.transport('127.0.0.1', 1000);
    await a.send(new Uint8Array([0]));
    await a.close();
    const b = client.transport('127.0.0.1', 1001);
    assert.equal(text(await b.recv(10)), 'fine');
  });
});

describe('wispClient flow control and limits', () => {
  test('CONNECT waits for the initial CONTINUE; DATA waits for credit and goes when it comes', T, async (t) => {
    let step;
    const steps = new Promise((r) => (step = r));
    const fake = await startFakeServer(
      t,
      async (ws, { next, inbox }) => {
        await roundTrip(ws);
        await roundTrip(ws);
        assert.deepEqual(inbox, [], 'nothing before the initial CONTINUE');
        ws.send(packet(CONTINUE, 0, u32(2)));
        const connect = await next(0x01);
        assert.equal(connect.payload[0], 1, 'a TCP stream');
        assert.equal(connect.payload.readUInt16LE(1), 4433);
        assert.equal(connect.payload.subarray(3).toString(), 'example.test');
        const got = [await next(DATA), await next(DATA)];
        await roundTrip(ws);
        assert.equal(inbox.filter((p) => p.type === DATA).length, 0, 'no third packet without credit');
        step({ ws, id: connect.id, got, next });
      },
      { initial: null }
    );
    const client = wispClient(new WebSocket(fake.url));
    t.after(() => client.close());
    const stream = client.transport('example.test', 4433);
    const data = pattern(3 * 64 * 1024, 3);
    let settled = false;
    const sending = Promise.resolve(stream.send(data)).finally(() => (settled = true));
    const { ws, id, got, next } = await Promise.race([steps, fake.failed]);
    assert.equal(settled, false, 'the send waits for credit');
    ws.send(packet(CONTINUE, id, u32(1)));
    const third = await next(DATA);
    assert.equal(await sending, data.length);
    assert.equal(sha256(Buffer.concat([...got, third].map((p) => p.payload))), sha256(data), 'three packets, in order');
  });

  test('a stream that is not read fails past 4 MiB queued; the server is told (0x81); others carry on', T, async (t) => {
    let closeSeen;
    const closeReason = new Promise((r) => (closeSeen = r));
    const fake = await startFakeServer(t, async (ws, { next }) => {
      const connects = [await next(0x01), await next(0x01)];
      // Which is which by port, not by order: ids are given in the order of first use.
      const [flood, other] = [1000, 1001].map((port) => connects.find((c) => c.payload.readUInt16LE(1) === port));
      const chunk = [...pattern(60000, 1)];
      for (let sent = 0; sent <= 5 * MiB; sent += chunk.length) ws.send(packet(DATA, flood.id, chunk));
      const close = await next(CLOSE);
      closeSeen({ id: close.id, reason: close.payload[0], flood: flood.id });
      ws.send(packet(DATA, other.id, [...Buffer.from('ok')]));
    });
    const client = wispClient(new WebSocket(fake.url));
    t.after(() => client.close());
    const flood = client.transport('127.0.0.1', 1000);
    const other = client.transport('127.0.0.1', 1001);
    const otherData = other.recv(10);
    flood.recv(1).catch(() => {}); // opens the stream; nothing more is read
    const close = await closeReason;
    assert.deepEqual(close, { id: close.flood, reason: 0x81, flood: close.flood });
    assert.ok(flood.queued <= 4 * MiB, `queue dropped: ${flood.queued}`);
    await assert.rejects(async () => flood.recv(10), (e) => e instanceof SysCallError && e.code === 'ERR_WISP_RECV_LIMIT' && /4 MiB/.test(e.message));
    assert.equal(text(await otherData), 'ok');
  });

  test('many one-byte packets cost their bytes, not an object each', T, async (t) => {
    const fake = await startFakeServer(t, async (ws, { next }) => {
      const s = await next(0x01);
      for (let i = 0; i < 100000; i++) ws.send(packet(DATA, s.id, [i & 0xff]));
    });
    const client = wispClient(new WebSocket(fake.url));
    t.after(() => client.close());
    const stream = client.transport('127.0.0.1', 1000);
    const first = await stream.recv(1);
    while (stream.queued < 99999) await new Promise((r) => setTimeout(r, 10));
    const rest = await stream.recv(200000);
    assert.equal(first.length + rest.length, 100000, 'all of it queued, nothing failed');
    assert.equal(rest[0], 1);
  });

  test('arguments are checked before anything is sent', () => {
    const ws = { addEventListener() {}, removeEventListener() {}, send() {}, close() {}, readyState: 0 };
    const client = wispClient(ws);
    assert.equal(ws.binaryType, 'arraybuffer');
    assert.throws(() => client.transport(5, 80), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => client.transport('', 80), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => client.transport('x'.repeat(256), 80), { code: 'ERR_INVALID_ARG_VALUE' });
    for (const port of [0, 65536, 1.5, '443', NaN]) {
      assert.throws(() => client.transport('h', port), { code: 'ERR_OUT_OF_RANGE' }, String(port));
    }
    assert.throws(() => wispClient({}), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe("the demo's Wisp endpoint", () => {
  test('reaches the allowed servers with a verified handshake; anything else is blocked (0x48)', T, async (t) => {
    const log = [];
    const stack = await startStack({ log: (l) => log.push(l) });
    t.after(() => stack.close());
    const client = wispClient(new WebSocket(stack.wispUrl));
    t.after(() => client.close());
    const [host, port] = stack.targets.trusted.split(':');

    const ctx = new Context(TLS_CLIENT_METHOD);
    ctx.loadVerifyLocations(null, null, stack.caPem);
    const conn = new Connection(ctx, client.transport(host, Number(port)));
    conn.setConnectState();
    conn.setTlsextHostName('localhost');
    await conn.doHandshake();
    assert.equal(conn.getVerifyResult(), 0);
    await conn.sendall('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    assert.match(text((await recvUntilClosed(conn)).data), /^HTTP\/1\.1 200/);

    const sserver = await startSServer(t, {});
    for (const [h, p] of [['127.0.0.1', sserver.port], ['localhost', Number(port)]]) {
      const blocked = client.transport(h, p);
      await assert.rejects(
        async () => blocked.recv(10),
        (e) => e instanceof SysCallError && /0x48 destination blocked by the server/.test(e.message) && e.code === 'ERR_WISP_HOST_BLOCKED',
        `${h}:${p}`
      );
    }
    assert.ok(log.some((l) => /wisp: refused stream \d+ to "127\.0\.0\.1:\d+"/.test(l)), log.join('\n'));

    // Below the client: a UDP stream to an allowed address, and a CONNECT cut short.
    const raw = new WebSocket(stack.wispUrl);
    t.after(() => raw.terminate());
    const replies = [];
    raw.on('message', (d) => replies.push(Buffer.from(d)));
    await once(raw, 'open');
    const allowed = Buffer.from(`${host}`);
    const udp = Buffer.concat([packet(0x01, 9, [0x02, ...Buffer.from([Number(port) & 0xff, Number(port) >> 8])]), allowed]);
    raw.send(udp);
    raw.send(packet(0x01, 10, [0x01, 0x50]));
    while (replies.filter((r) => r[0] === CLOSE).length < 2) await new Promise((r) => setTimeout(r, 10));
    const closes = replies.filter((r) => r[0] === CLOSE).map((r) => [r.readUInt32LE(1), r[5]]);
    assert.deepEqual(closes, [[9, 0x48], [10, 0x48]]);
  });
});

describe('wispClient in Chromium', () => {
  let browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  test('the web build over the browser WebSocket: two verified connections, 1 MiB checksummed', T, async (t) => {
    const serve = createStaticHandler({ root: ROOT, folders: ['js', 'pkg/web'], index: '/js/web.mjs', routes: {
      '/page.html': () => ({ type: 'text/html; charset=utf-8', body: '<!doctype html><title>wisp</title>' }),
    } });
    const wisp = await startWispServer(t, (req, res) => void serve(req, res));
    const download = pattern(MiB, 11);
    const downloadPort = await startTlsServer(t, (s) => s.end(download));
    const echoPort = await startTlsServer(t, echo);

    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e));
    await page.goto(`http://127.0.0.1:${wisp.port}/page.html`);
    const result = await page.evaluate(
      async ({ url, ca, downloadPort, echoPort }) => {
        const ssl = await import('/js/web.mjs');
        const client = ssl.wispClient(new WebSocket(url));
        const open = (port) => {
          const ctx = new ssl.Context(ssl.TLS_CLIENT_METHOD);
          ctx.loadVerifyLocations(null, null, ca);
          const conn = new ssl.Connection(ctx, client.transport('127.0.0.1', port));
          conn.setConnectState();
          conn.setTlsextHostName('localhost');
          return conn;
        };
        const fetchAll = async () => {
          const conn = open(downloadPort);
          await conn.doHandshake();
          const parts = [];
          for (;;) {
            try {
              parts.push(await conn.recv(16384));
            } catch (e) {
              if (e instanceof ssl.ZeroReturnError) break;
              throw e;
            }
          }
          const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          let at = 0;
          for (const p of parts) {
            all.set(p, at);
            at += p.length;
          }
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
          return {
            length: all.length,
            sha256: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
            verify: conn.getVerifyResult(),
            protocol: conn.getProtocolVersionName(),
          };
        };
        const echoOnce = async () => {
          const conn = open(echoPort);
          await conn.doHandshake();
          await conn.sendall('from the page');
          return { echoed: new TextDecoder().decode(await conn.recv(100)), verify: conn.getVerifyResult() };
        };
        const [download, echoed] = await Promise.all([fetchAll(), echoOnce()]);
        client.close();
        return { download, echoed };
      },
      { url: wisp.url, ca: CA, downloadPort, echoPort }
    );
    assert.deepEqual(result.download, { length: MiB, sha256: sha256(download), verify: 0, protocol: 'TLSv1.3' });
    assert.deepEqual(result.echoed, { echoed: 'from the page', verify: 0 });
    assert.equal(wisp.upgrades.length, 1, 'one WebSocket for both');
    assert.deepEqual(pageErrors.map(String), []);
  });
});

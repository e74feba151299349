// What one transport call costs as a transfer grows (API.md §4: memory, and so work, bounded
// by the connection, never by what has already gone through it). A rustls-ssl client and
// server talk through transports that take at most `send` bytes per send() call and give at
// most `recv` bytes per recv() call, the worst a socket may do; after the handshake the client
// sendall()s the data while the server recv()s it. Every transport call (both ends' send and
// recv) is counted, and the wall time of each sixteenth of the transfer's calls is printed as
// µs per call: a flat column is a call that costs the same at the end of the transfer as at the
// start; a rising one is a cost that grows with what has gone through (quadratic in total).
//
// "own pipe" is a queue written here whose calls cost what they move, so those columns measure
// the library alone; the last two columns are the package's memoryPair() and streamTransport()
// (over identity TransformStreams) under the same limits. The 100-byte case moves 16 times as
// much, so that its blocks are long enough to time. In every case the client runs ahead of the
// server (a synchronous send() lets a whole sendall into the pipe before the reader runs), so
// the first half of the calls is mostly sends and the second mostly recvs: a step between rows
// 8 and 9 is that change of kind, not growth; growth is a column that keeps rising.
// Compare rows of one run with each other: the machine is shared and noisy, so "end/start"
// (median of the last four rows over that of rows 2–5) is the number to read, not the µs.
// Bounded: each case stops at BENCH_CALL_SECONDS (default 20) wherever it got ("-" after).
// BENCH_CALL_KIB sets the transfer (default 256), BENCH_CALL_CASE picks cases by
// name (comma-separated, as in the table's header).
// `npm run bench:calls`; never part of `npm test`.
import { readFileSync } from 'node:fs';
import { Context, Connection, memoryPair, streamTransport, TLS_CLIENT_METHOD, TLS_SERVER_METHOD } from 'rustls-ssl';

const fixture = (n) => readFileSync(new URL(`../js-tests/fixtures/${n}`, import.meta.url));
const KiB = 1024;
const TOTAL = Number(process.env.BENCH_CALL_KIB ?? 256) * KiB;
const SECONDS = Number(process.env.BENCH_CALL_SECONDS ?? 20);
const ROWS = 16;
/** What the library asks a transport's recv() for (RECV_CHUNK in src/wasm/transport.rs). */
const RECV_ASK = 64 * KiB;
/** A TLS 1.3 record: 16 KiB of plaintext plus header, content type and AEAD tag. */
const RECORD_WIRE = 16 * KiB + 22;

const serverCtx = new Context(TLS_SERVER_METHOD);
serverCtx.useCertificateChain(fixture('server-ecdsa-chain.pem'));
serverCtx.usePrivateKey(fixture('server-ecdsa.key'));
const clientCtx = new Context(TLS_CLIENT_METHOD);
clientCtx.loadVerifyLocations(null, null, fixture('ca.pem'));

class TimeCap extends Error {}

/**
 * One direction of the own pipe: chunks read from `head`, so a call costs what it moves,
 * however much is queued.
 */
class Queue {
  chunks = [];
  head = 0;
  offset = 0;
  waiter = null;

  push(bytes) {
    this.chunks.push(bytes.slice());
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  get empty() {
    return this.head === this.chunks.length;
  }

  /** Up to `max` bytes, across chunks. */
  take(max) {
    const parts = [];
    let n = 0;
    while (n < max && !this.empty) {
      const first = this.chunks[this.head];
      const k = Math.min(max - n, first.length - this.offset);
      parts.push(first.subarray(this.offset, this.offset + k));
      n += k;
      this.offset += k;
      if (this.offset === first.length) {
        this.chunks[this.head++] = undefined;
        this.offset = 0;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    if (parts.length === 1) return parts[0];
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Counts calls and notes the time at every `block`-th one, until the deadline. */
class Meter {
  constructor(deadline) {
    this.deadline = deadline;
    this.calls = 0;
    this.block = Infinity;
    this.marks = [];
  }

  call() {
    const now = performance.now();
    if (now > this.deadline) throw new TimeCap();
    if (++this.calls % this.block === 0) this.marks.push(now);
  }

  /** From now on, a mark every `block` calls, starting from this one. */
  start(block) {
    this.block = block;
    this.calls = 0;
    this.marks = [performance.now()];
  }
}

/** Two connected transports over the own pipe. */
function ownPipe({ send: perSend, recv: perRecv }, meter) {
  const ab = new Queue();
  const ba = new Queue();
  const side = (out, inbox) => ({
    send(data) {
      meter.call();
      const n = Math.min(perSend, data.length);
      out.push(data.subarray(0, n));
      return n;
    },
    recv(max) {
      meter.call();
      if (!inbox.empty) return inbox.take(Math.min(max, perRecv));
      return new Promise((resolve, reject) => {
        inbox.waiter = () =>
          performance.now() > meter.deadline ? reject(new TimeCap()) : resolve(inbox.take(Math.min(max, perRecv)));
      });
    }
  });
  return [side(ab, ba), side(ba, ab)];
}

/** Two streamTransport()s over identity TransformStreams, one each way. */
function streamPair() {
  const ab = new TransformStream();
  const ba = new TransformStream();
  return [
    streamTransport({ readable: ba.readable, writable: ab.writable }),
    streamTransport({ readable: ab.readable, writable: ba.writable })
  ];
}

/** A ready-made pair (memoryPair() or streamPair()) with the same per-call limits. */
function limitedPair(make, { send: perSend, recv: perRecv }, meter) {
  const wrap = (inner) => ({
    send(data) {
      meter.call();
      const n = Math.min(perSend, data.length);
      inner.send(data.subarray(0, n));
      return n;
    },
    recv(max) {
      meter.call();
      return inner.recv(Math.min(max, perRecv));
    }
  });
  const [a, b] = make();
  return [wrap(a), wrap(b)];
}

/** About how many transport calls the transfer takes, so it splits into ROWS blocks. */
function expectedCalls({ send, recv, record = 16 * KiB }, total) {
  const wire = Math.ceil(total / record) * (record + 22);
  const sends = Math.ceil(wire / Math.min(send, record + 22));
  const recvs = Math.ceil(wire / Math.min(recv, RECV_ASK));
  return sends + recvs;
}

/** One case: the handshake's µs per call, and each block's. */
async function run(c) {
  const meter = new Meter(performance.now() + SECONDS * 1000);
  const [a, b] = c.pair ? limitedPair(c.pair, c, meter) : ownPipe(c, meter);
  const client = new Connection(clientCtx, a);
  client.setTlsextHostName('localhost');
  const server = new Connection(serverCtx, b);
  const result = { handshake: NaN, rows: [], calls: 0, capped: false };
  try {
    const t0 = performance.now();
    await Promise.all([client.doHandshake(), server.doHandshake()]);
    result.handshake = ((performance.now() - t0) * 1000) / meter.calls;
    const total = TOTAL * (c.scale ?? 1);
    const block = Math.max(16, Math.round(expectedCalls(c, total) / ROWS));
    meter.start(block);
    const data = new Uint8Array(total).fill(0x61);
    const record = c.record ?? total;
    const sending = (async () => {
      for (let at = 0; at < total; at += record) await client.sendall(data.subarray(at, at + record));
    })();
    sending.catch(() => {});
    let got = 0;
    while (got < total) got += (await server.recv(16 * KiB)).length;
    await sending;
  } catch (e) {
    if (!(e instanceof TimeCap) && !(e?.cause instanceof TimeCap)) throw e;
    result.capped = true;
  } finally {
    client.free();
    server.free();
  }
  const m = meter.marks;
  for (let i = 1; i < m.length && result.rows.length < ROWS; i++) {
    result.rows.push(((m[i] - m[i - 1]) * 1000) / meter.block);
  }
  const rest = meter.calls - (m.length - 1) * meter.block;
  if (result.capped && rest > 0 && result.rows.length < ROWS) {
    // The block the cap cut short, averaged over the calls it did make.
    result.partial = ((meter.deadline - m[m.length - 1]) * 1000) / rest;
  }
  result.calls = meter.calls;
  return result;
}

const CASES = [
  { name: '1 B / 1 B', send: 1, recv: 1 },
  { name: '1 B / any', send: 1, recv: Infinity },
  { name: 'any / 1 B', send: Infinity, recv: 1 },
  { name: '1 B / 1 B, 1 KiB rec', send: 1, recv: 1, record: KiB },
  { name: '100 B / 100 B, ×16', send: 100, recv: 100, scale: 16 },
  { name: 'memoryPair 1 B / 1 B', send: 1, recv: 1, pair: memoryPair },
  { name: 'stream 1 B / 1 B', send: 1, recv: 1, pair: streamPair }
].filter((c) => !process.env.BENCH_CALL_CASE || process.env.BENCH_CALL_CASE.split(',').includes(c.name));

const results = [];
for (const c of CASES) results.push(await run(c));

const W = 22;
const num = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-').padStart(W);
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const ratio = (r) => {
  if (r.capped) return 'capped'.padStart(W);
  if (r.rows.length < 9) return '-'.padStart(W);
  return `${(median(r.rows.slice(-4)) / median(r.rows.slice(1, 5))).toFixed(2)}×`.padStart(W);
};
console.log(
  `µs per transport call (both ends), handshake plus ${TOTAL / KiB} KiB client → server, ` +
    `in ${ROWS} blocks of equal calls.\n` +
    `Case: at most bytes per send() / per recv() [, plaintext per sendall when not all at once] ` +
    `[, ×n: n times the transfer]; the own pipe unless memoryPair or stream(Transport) is named. ${SECONDS} s cap per case; ` +
    `"(cut)": the block the cap stopped, over the calls it made.\n`
);
const line = (label, cells) => console.log(label.padEnd(12) + cells.join(''));
line('', CASES.map((c) => c.name.padStart(W)));
line('handshake', results.map((r) => num(r.handshake)));
const row = (r, i) => {
  if (i < r.rows.length) return num(r.rows[i]);
  if (i === r.rows.length && r.partial !== undefined) return `${r.partial.toFixed(1)} (cut)`.padStart(W);
  return num(NaN);
};
for (let i = 0; i < ROWS; i++) line(`${i + 1}/${ROWS}`, results.map((r) => row(r, i)));
line('end/start', results.map(ratio));
line('calls', results.map((r) => String(r.calls).padStart(W)));

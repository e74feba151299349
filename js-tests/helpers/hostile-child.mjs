// The body of js-tests/hostile.test.mjs, run in a child process so that a wasm trap (or a
// crash) fails the sweep with this process's stderr instead of taking the runner down.
//
// It finds the package's exports by reflection, builds a deterministic list of cases (every
// exported function, constructor, static and prototype method, with every hostile argument in
// every position; freed receivers; re-entrant calls from each callback; hostile callback
// answers; hostile transports and WebSocket messages; methods called on a `this` of the wrong
// class), runs them in order, and writes one JSON line per observed call on stdout. It states
// facts only (what was thrown, of which kind); the parent decides what is a violation.
//
// Usage: node hostile-child.mjs [--start=N] [--deadline=EPOCH_MS]
// After a trap the instance is no longer trustworthy, so the child reports it and exits 3; the
// parent starts a fresh child at the next case.

import { writeSync } from 'node:fs';
import { Duplex } from 'node:stream';

import * as pkg from 'rustls-ssl';
import { fx, fxText, fxBytes, pattern, bioPair, bioHandshake, recvExactly, withTimeout } from '../unit-helpers.mjs';

const { Context, Connection, X509, X509Store, PKey, Session, SSLError, memoryPair } = pkg;

const argv = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v];
  }),
);
const START = Number(argv.start ?? 0);
const DEADLINE = Number(argv.deadline ?? Date.now() + 45_000);

// ---------------------------------------------------------------------------------------
// Output

function emit(record) {
  writeSync(1, `${JSON.stringify(record)}\n`);
}

/** A short, JSON-safe description of any value (for labels and messages). */
function show(v) {
  try {
    if (typeof v === 'symbol') return v.toString();
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'string') return v.length > 40 ? `'${v.slice(0, 20)}…' (${v.length} chars)` : JSON.stringify(v);
    if (typeof v === 'function') return `function ${v.name || '(anonymous)'}`;
    if (v === null || typeof v !== 'object') return String(v);
    return Object.prototype.toString.call(v);
  } catch {
    return '(unprintable)';
  }
}

// ---------------------------------------------------------------------------------------
// What an error is. `own` is an object this sweep threw itself (from a hostile getter or a
// callback): passing it through unchanged is the documented behaviour (API.md §3).

class HostileThrow extends Error {
  constructor(where) {
    super(`thrown by the sweep's own ${where}`);
    this.name = 'HostileThrow';
  }
}
const ownThrown = new WeakSet();
const OWN_SYMBOL = Symbol('thrown by the sweep');
const OWN_NUMBER = 0xbad;
function boom(where) {
  const e = new HostileThrow(where);
  ownThrown.add(e);
  throw e;
}

function isTrap(e) {
  if (e instanceof WebAssembly.RuntimeError) return true;
  const m = messageOf(e);
  return /^(RuntimeError: )?(unreachable|memory access out of bounds|out of bounds memory access|null function or function signature mismatch|table index is out of bounds|integer overflow|divide by zero|call stack exhausted)/i.test(m);
}

function messageOf(e) {
  try {
    if (e && typeof e === 'object' && typeof e.message === 'string') return e.message;
    return show(e);
  } catch {
    return '(unprintable)';
  }
}

function classify(e) {
  if ((typeof e === 'object' && e !== null && ownThrown.has(e)) || e === OWN_SYMBOL || e === OWN_NUMBER) return 'own';
  if (isTrap(e)) return 'trap';
  if (e instanceof SSLError) return 'ssl';
  if (e instanceof TypeError) return 'type';
  if (e instanceof RangeError) return 'range';
  if (e instanceof DOMException && e.name === 'AbortError') return 'abort';
  return 'other';
}

function describeError(e) {
  const out = { cls: classify(e), message: messageOf(e).slice(0, 300) };
  try {
    out.name = e?.constructor?.name ?? typeof e;
    if (typeof e?.code === 'string') out.code = e.code;
  } catch {
    out.name = '(unprintable)';
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Fixtures and live objects, made lazily (the first use may be in a restarted child).

const PEM_CHAIN = fxText('server-ecdsa-chain.pem');
const PEM_CERT = fxText('server-ecdsa.pem');
const PEM_KEY = fxText('server-ecdsa.key');
const PEM_KEY_ENCRYPTED = fxText('server-ecdsa-encrypted.key');
const CA_PEM = fxBytes('ca.pem');

function serverCtx() {
  const ctx = new Context(pkg.TLS_SERVER_METHOD);
  ctx.useCertificateChain(PEM_CHAIN);
  ctx.usePrivateKey(PEM_KEY);
  return ctx;
}

function clientCtx() {
  const ctx = new Context(pkg.TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, CA_PEM);
  return ctx;
}

const live = {};
const lazy = (name, make) => () => (live[name] ??= make());
const liveX509 = lazy('x509', () => X509.fromPem(PEM_CERT));
const livePKey = lazy('pkey', () => PKey.fromPem(PEM_KEY));
const liveServerCtx = lazy('serverCtx', serverCtx);
const liveClientCtx = lazy('clientCtx', clientCtx);
const liveSession = lazy('session', () => new Session());
const liveName = lazy('name', () => liveX509().getSubject());
const liveStore = lazy('store', () => new X509Store());
const liveConnection = lazy('conn', () => new Connection(liveClientCtx(), null));

function freed(make) {
  const o = make();
  o.free();
  return o;
}

// The one huge buffer (2 GiB), allocated on first use and kept; null when the machine
// cannot, which turns each case that needs it into a reported skip.
let HUGE;
let hugeFailure = '';
function huge() {
  if (HUGE === undefined) {
    try {
      HUGE = new Uint8Array(2 ** 31);
    } catch (e) {
      HUGE = null;
      hugeFailure = messageOf(e);
    }
  }
  return HUGE;
}
class Skip {
  constructor(reason) {
    this.reason = reason;
  }
}
function needHuge() {
  const h = huge();
  if (!h) throw new Skip(`cannot allocate a 2 GiB Uint8Array here: ${hugeFailure}`);
  return h;
}

function detachedU8() {
  const u = new Uint8Array(32);
  structuredClone(u.buffer, { transfer: [u.buffer] });
  return u;
}
function detachedAB() {
  const b = new ArrayBuffer(32);
  structuredClone(b, { transfer: [b] });
  return b;
}
/** A length-tracking view on a resizable buffer that shrank to 0. */
function shrunkTracking() {
  const b = new ArrayBuffer(64, { maxByteLength: 128 });
  const u = new Uint8Array(b);
  u.fill(7);
  b.resize(0);
  return u;
}
/** A fixed-length view left out of bounds by its resizable buffer shrinking. */
function shrunkOutOfBounds() {
  const b = new ArrayBuffer(64, { maxByteLength: 128 });
  const u = new Uint8Array(b, 16, 32);
  b.resize(8);
  return u;
}
function shrunkBuffer() {
  const b = new ArrayBuffer(64, { maxByteLength: 128 });
  b.resize(3);
  return b;
}

const throwingProxy = () =>
  new Proxy(
    {},
    Object.fromEntries(
      ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'set', 'apply', 'construct', 'defineProperty'].map((trap) => [
        trap,
        () => boom(`proxy ${trap} trap`),
      ]),
    ),
  );

/**
 * The hostile argument values: [label, make]. `make` runs at call time, so each call gets a
 * fresh value (a buffer written by one call does not feed the next).
 */
const HOSTILE = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['true', () => true],
  ['false', () => false],
  ['0', () => 0],
  ['-0', () => -0],
  ['-1', () => -1],
  ['1.5', () => 1.5],
  ['2**31-1', () => 2 ** 31 - 1],
  ['2**31', () => 2 ** 31],
  ['2**32', () => 2 ** 32],
  ['2**53', () => 2 ** 53],
  ['-2**53', () => -(2 ** 53)],
  ['NaN', () => NaN],
  ['Infinity', () => Infinity],
  ['-Infinity', () => -Infinity],
  ['10n', () => 10n],
  ['2n**64n', () => 2n ** 64n],
  ['Symbol()', () => Symbol('hostile')],
  ["''", () => ''],
  ["'x'", () => 'x'],
  ["'\\0'", () => '\0'],
  ['lone surrogate', () => '\ud800'],
  ['1 MiB string', () => 'A'.repeat(1 << 20)],
  ['{}', () => ({})],
  ['[]', () => []],
  ['[1,2,3]', () => [1, 2, 3]],
  ['[Symbol()]', () => [Symbol('in array')]],
  ['array with holes', () => [, , 'h2']],
  ['Object.create(null)', () => Object.create(null)],
  ['function', () => function hostileFn() {}],
  ['throwing function', () => () => boom('function call')],
  ['async function', () => async () => true],
  ['Date', () => new Date(0)],
  ['RegExp', () => /x/],
  ['Promise', () => Promise.resolve(1)],
  ['Proxy throwing on every trap', throwingProxy],
  ['{toString throws}', () => ({ toString: () => boom('toString') })],
  ['{valueOf throws}', () => ({ valueOf: () => boom('valueOf') })],
  ['{[Symbol.toPrimitive] throws}', () => ({ [Symbol.toPrimitive]: () => boom('Symbol.toPrimitive') })],
  ['{then getter throws}', () => ({ get then() { return boom('then getter'); } })],
  ['{length: 2**32}', () => ({ length: 2 ** 32 })],
  ['{signal: aborted}', () => ({ signal: AbortSignal.abort() })],
  ['{signal getter throws}', () => ({ get signal() { return boom('signal getter'); } })],
  ['{toDer: junk bytes}', () => ({ toDer: () => new Uint8Array([48, 3, 1, 1, 0]), getSubject() {} })],
  ['{toDer throws}', () => ({ toDer: () => boom('toDer'), getSubject() {} })],
  ['{toDer: 2 GiB}', () => { const h = needHuge(); return { toDer: () => h, getSubject() {} }; }],
  ['{send,recv getters throw}', () => ({ get send() { return boom('send getter'); }, get recv() { return boom('recv getter'); } })],
  ['{__rustlsSslContextId: 0}', () => ({ __rustlsSslContextId: 0 })],
  ['{__rustlsSslContextId: 2**32+1}', () => ({ __rustlsSslContextId: 2 ** 32 + 1 })],
  ['{__rustlsSslContextId getter throws}', () => ({ get __rustlsSslContextId() { return boom('context id getter'); } })],
  ['{__rustlsSslSessionId: 1}', () => ({ __rustlsSslSessionId: 1 })],
  ['{__rustlsSslSessionId: -1}', () => ({ __rustlsSslSessionId: -1 })],
  ['Uint8Array(0)', () => new Uint8Array(0)],
  ['Uint8Array(16) of junk', () => pattern(16, 3)],
  ['Buffer', () => Buffer.from('hostile')],
  ['Int8Array', () => new Int8Array([-1, -2, -3])],
  ['Uint16Array(3)', () => new Uint16Array([0xffff, 1, 2])],
  ['Float64Array(2)', () => new Float64Array([NaN, -0])],
  ['DataView', () => new DataView(new ArrayBuffer(8))],
  ['ArrayBuffer(8)', () => new ArrayBuffer(8)],
  ['SharedArrayBuffer(8)', () => new SharedArrayBuffer(8)],
  ['Uint8Array over SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(8))],
  ['detached Uint8Array', detachedU8],
  ['detached ArrayBuffer', detachedAB],
  ['length-tracking view of a shrunk resizable buffer', shrunkTracking],
  ['out-of-bounds view of a shrunk resizable buffer', shrunkOutOfBounds],
  ['shrunk resizable ArrayBuffer', shrunkBuffer],
  ['Uint8Array(2**31)', needHuge],
  ['freed X509', () => freed(() => X509.fromPem(PEM_CERT))],
  ['freed PKey', () => freed(() => PKey.fromPem(PEM_KEY))],
  ['freed Context', () => freed(() => new Context(pkg.TLS_METHOD))],
  ['freed Session', () => freed(() => new Session())],
  ['freed X509Name', () => freed(() => liveX509().getSubject())],
  ['freed X509Store', () => freed(() => new X509Store())],
  ['freed Connection', () => freed(() => new Connection(liveClientCtx(), null))],
  ['live Context', liveServerCtx],
  ['live X509', liveX509],
  ['live PKey', livePKey],
  ['live Session', liveSession],
  ['live X509Name', liveName],
  ['live X509Store', liveStore],
  ['live Connection', liveConnection],
];

// Values that cost a plain-JS callee minutes (copying 2 GiB, or iterating an array-like of
// length 2^32) without touching wasm: skipped for the package's plain-JS callables only.
const HUGE_LABELS = ['{toDer: 2 GiB}', 'Uint8Array(2**31)', '{length: 2**32}'];

// ---------------------------------------------------------------------------------------
// Arguments that get a call past its first parameters, so the later ones are reached too.
// Keyed by method name; a method without an entry gets hostile values in every position with
// `undefined` before them. This table only steers; it decides nothing about coverage.

const SEEDS = {
  // Connection
  send: () => ['hello'],
  write: () => ['hello'],
  sendall: () => ['hello'],
  recv: () => [1024],
  read: () => [1024],
  recvInto: () => [new Uint8Array(64), 64],
  bioWrite: () => [new Uint8Array(8)],
  bioRead: () => [1024],
  setTlsextHostName: () => ['localhost'],
  setAlpnProtos: () => [['h2', 'http/1.1']],
  setVerify: () => [pkg.VERIFY_PEER, () => true],
  exportKeyingMaterial: () => ['EXPERIMENTAL hostile', 32, null],
  setShutdown: () => [pkg.SENT_SHUTDOWN],
  useCertificate: () => [liveX509()],
  usePrivateKey: () => [livePKey()],
  setContext: () => [liveClientCtx()],
  setSession: () => [liveSession()],
  setInfoCallback: () => [() => {}],
  setAppData: () => [{}],
  // Context
  useCertificateFile: () => [fx('server-ecdsa.pem'), pkg.FILETYPE_PEM],
  useCertificateChainFile: () => [fx('server-ecdsa-chain.pem')],
  useCertificateChain: () => [PEM_CHAIN],
  usePrivateKeyFile: () => [fx('server-ecdsa.key'), pkg.FILETYPE_PEM],
  addExtraChainCert: () => [liveX509()],
  setPasswdCb: () => [() => 'secret', 'userdata'],
  loadVerifyLocations: () => [null, null, CA_PEM],
  setVerifyDepth: () => [3],
  loadClientCa: () => [fx('ca.pem')],
  setClientCaList: () => [[liveName()]],
  addClientCa: () => [liveX509()],
  setOptions: () => [pkg.OP_NO_TICKET],
  setMode: () => [0],
  setCipherList: () => ['HIGH'],
  setTls13Ciphersuites: () => ['TLS_AES_128_GCM_SHA256'],
  setMinProtoVersion: () => [pkg.TLS1_2_VERSION],
  setMaxProtoVersion: () => [pkg.TLS1_3_VERSION],
  setTmpEcdh: () => ['prime256v1'],
  setGroups: () => [['X25519']],
  loadTmpDh: () => [fx('ca.pem')],
  setAlpnSelectCallback: () => [() => 'h2'],
  setTlsextServernameCallback: () => [() => {}],
  setKeylogCallback: () => [() => {}],
  setSessionCacheMode: () => [pkg.SESS_CACHE_CLIENT],
  setSessionId: () => [new Uint8Array([1, 2, 3])],
  setTimeout: () => [300],
  addCert: () => [liveX509()],
  // X509, X509Name, PKey
  digest: () => ['sha256'],
  get: () => ['CN'],
  fromPem: () => [PEM_CERT, null],
  fromDer: () => [fxBytes('server-ecdsa.der')],
  // functions
  loadCertificate: () => [pkg.FILETYPE_PEM, PEM_CERT],
  dumpCertificate: () => [pkg.FILETYPE_PEM, liveX509()],
  loadPrivateKey: () => [pkg.FILETYPE_PEM, PEM_KEY_ENCRYPTED, 'secret'],
};

/** The promise methods of API.md §6: they must never throw synchronously. */
const PROMISE_METHODS = new Set(['doHandshake', 'send', 'sendall', 'recv', 'recvInto', 'read', 'write', 'shutdown']);

// ---------------------------------------------------------------------------------------
// Deliberate skips: [label pattern, reason]. Everything else reached by reflection is called.

const SKIPS = [
  [/\.__wrap$|\.__unwrap$|\.__destroy_into_raw$/, "wasm-bindgen's pointer-level glue (takes raw wasm addresses by design; not part of API.md)"],
  [/forged __wbg_ptr/, "pointer forgery: any code can write wasm-bindgen's raw address into __wbg_ptr; no argument check can tell a forged address from a real one"],
  [/^install$/, 'the entry wiring (api.js): takes a loaded wasm-bindgen module, called once by js/node.mjs and js/web.mjs; not part of API.md'],
  [/^connect$/, "opens real network connections to whatever host and port it is given (hostile strings would mean DNS look-ups): its argument checks and failures are tested against loopback servers in js-tests/node-idioms.test.mjs"],
];
const skipReason = (label) => SKIPS.find(([re]) => re.test(label))?.[1];

// ---------------------------------------------------------------------------------------
// Calling and recording

let caseIndex = -1;
let caseLabel = '';
let callCount = 0;

/**
 * Calls `thunk` and returns what happened, without awaiting: `{ sync }` for a return or a
 * throw, `{ promise }` for a returned promise.
 */
function start(thunk) {
  let ret;
  try {
    ret = thunk();
  } catch (e) {
    if (e instanceof Skip) return { skip: e.reason };
    return { sync: { outcome: 'throw', error: e } };
  }
  if (ret instanceof Promise) return { promise: ret };
  return { sync: { outcome: 'return', value: ret } };
}

/**
 * Settles a started call into a result, waiting for a promise at most `ms` milliseconds, or,
 * with `ms = 'turns'`, a few event-loop turns (for calls that may legitimately wait, such as
 * a transport's `recv` with nothing to read: "not settled now" is all there is to know).
 */
async function finish(started, ms) {
  if (started.sync) return started.sync;
  let state = { outcome: 'pending' };
  const settled = started.promise.then(
    (value) => (state = { outcome: 'resolve', value }),
    (error) => (state = { outcome: 'reject', error }),
  );
  if (ms === 'turns') {
    for (let i = 0; i < 3 && state.outcome === 'pending'; i++) await new Promise((r) => setImmediate(r));
    return state;
  }
  let timer;
  const timeout = new Promise((r) => {
    timer = setTimeout(r, ms);
  });
  try {
    await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return state;
}

/**
 * Emits the record of one call. `meta`: { section, target, method, args, promiseMethod,
 * mayWait, freed, receiver }.
 */
function record(meta, result) {
  callCount++;
  const rec = { t: 'call', i: caseIndex, ...meta, outcome: result.outcome };
  if (result.outcome === 'throw' || result.outcome === 'reject') rec.error = describeError(result.error);
  if (result.outcome === 'return' || result.outcome === 'resolve') rec.value = show(result.value);
  if (meta.promiseMethod && result.outcome === 'return') rec.notAPromise = true;
  emit(rec);
  if (rec.error?.cls === 'trap') trapped(rec.error);
}

function trapped(error) {
  emit({ t: 'trap', i: caseIndex, label: caseLabel, message: error.message });
  // HOSTILE_CONTINUE is for timing the sweep by hand only: results after a trap are suspect.
  if (!process.env.HOSTILE_CONTINUE) process.exit(3);
}

/** One call, awaited: start, settle within `ms`, record. */
async function call(meta, thunk, ms = 1000) {
  const started = start(thunk);
  if (started.skip) {
    emit({ t: 'skip', i: caseIndex, ...meta, reason: started.skip });
    return null;
  }
  const result = await finish(started, ms);
  record(meta, result);
  return result;
}

process.on('uncaughtException', (e) => {
  const error = describeError(e);
  emit({ t: 'uncaught', i: caseIndex, label: caseLabel, error, stack: String(e?.stack ?? '').slice(0, 2000) });
  if (error.cls === 'trap') trapped(error);
});
process.on('unhandledRejection', (e) => {
  const error = describeError(e);
  emit({ t: 'unhandled', i: caseIndex, label: caseLabel, error, stack: String(e?.stack ?? '').slice(0, 2000) });
  if (error.cls === 'trap') trapped(error);
});

// ---------------------------------------------------------------------------------------
// Reflection

/** Own and inherited methods and getters of `proto`, up to (not including) Object.prototype. */
function membersOf(obj, stopAt = [Object.prototype, Function.prototype, Error.prototype]) {
  const seen = new Set();
  const out = [];
  for (let p = obj; p && !stopAt.includes(p); p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === 'constructor' || seen.has(key)) continue;
      seen.add(key);
      const d = Object.getOwnPropertyDescriptor(p, key);
      const name = typeof key === 'symbol' ? `[${key.description}]` : key;
      if (typeof d.value === 'function') out.push({ key, name, kind: 'method', fn: d.value });
      else if (typeof d.get === 'function') out.push({ key, name, kind: 'getter', fn: d.get });
    }
  }
  return out;
}

/** Statics of a class: own function-valued properties other than the Function ones. */
function staticsOf(cls) {
  return Reflect.ownKeys(cls)
    .filter((k) => !['length', 'name', 'prototype', 'caller', 'arguments'].includes(k))
    .map((key) => ({ key, name: typeof key === 'symbol' ? `[${key.description}]` : key, fn: Object.getOwnPropertyDescriptor(cls, key).value }))
    .filter((m) => typeof m.fn === 'function');
}

const isClass = (f) => typeof f === 'function' && (/^class[\s{]/.test(Function.prototype.toString.call(f)) || (f.prototype && Object.getOwnPropertyNames(f.prototype).length > 1));

function arityOf(name, fn) {
  const seeds = SEEDS[name];
  return Math.max(fn.length, seeds ? seeds().length : 0, 1);
}

// ---------------------------------------------------------------------------------------
// Receivers: live instances whose methods are swept. A receiver is replaced after a call of a
// documented promise method on it stays pending (so one stuck lock does not hide the rest).

class Slot {
  constructor(make) {
    this.make = make;
    this.obj = undefined;
  }
  get() {
    this.obj ??= this.make();
    return this.obj;
  }
  reset() {
    this.obj = undefined;
  }
}

/** A client and server handshaken over memory BIOs; the client is the receiver. */
async function bioEstablished() {
  const { c, s } = bioPair({ client: clientCtx(), server: serverCtx() });
  await bioHandshake(c, s);
  return c;
}

/** A client over a non-blocking memoryPair, handshake done: recv answers WantReadError. */
async function transportEstablished() {
  const [a, b] = memoryPair({ blocking: false });
  const c = new Connection(clientCtx(), a);
  const s = new Connection(serverCtx(), b);
  c.setConnectState();
  s.setAcceptState();
  c.setTlsextHostName('localhost');
  for (let i = 0; i < 20 && !(c.isHandshakeDone() && s.isHandshakeDone()); i++) {
    await c.doHandshake().catch(() => {});
    await s.doHandshake().catch(() => {});
  }
  if (!c.isHandshakeDone()) throw new Error('setup: transport handshake did not finish');
  return c;
}

class FakeWebSocket extends EventTarget {
  constructor() {
    super();
    this.readyState = 1;
    this.bufferedAmount = 0;
    this.binaryType = 'blob';
    this.sent = [];
  }
  send(data) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
}

function nodeDuplex() {
  return new Duplex({
    read() {},
    write(chunk, enc, cb) {
      cb();
    },
  });
}

function streamPair() {
  const t = new TransformStream();
  return { readable: t.readable, writable: t.writable };
}

/**
 * The classes and objects whose methods are swept: name → { make, async? }. A class the
 * package exports with prototype methods but no entry here is reported as uncovered.
 */
const RECEIVERS = {
  Context: [['Context', () => serverCtx()]],
  Connection: [
    ['Connection(memory BIO, new)', () => { const c = new Connection(clientCtx(), null); c.setConnectState(); c.setTlsextHostName('localhost'); return c; }],
    ['Connection(memory BIO, established)', bioEstablished],
    ['Connection(transport, established)', transportEstablished],
  ],
  X509: [['X509', () => X509.fromPem(PEM_CERT)]],
  X509Name: [['X509Name', () => X509.fromPem(PEM_CERT).getSubject()]],
  X509Store: [['X509Store', () => new X509Store()]],
  PKey: [['PKey', () => PKey.fromPem(PEM_KEY)]],
  Session: [['Session', () => new Session()]],
};

/** Objects returned by exported factory functions: factory name → receivers. */
const FACTORY_RECEIVERS = {
  memoryPair: [['memoryPair()[0]', () => memoryPair()[0], { copiesInJs: true }]],
  socketTransport: [['socketTransport(Duplex)', () => pkg.socketTransport(nodeDuplex()), { copiesInJs: true }]],
  streamTransport: [['streamTransport(TransformStream)', () => pkg.streamTransport(streamPair()), { copiesInJs: true }]],
  // Its send copies with Uint8Array.prototype.slice in JS, as a socket write would: a 2 GiB
  // argument costs five seconds there and nothing in wasm memory.
  webSocketTransport: [['webSocketTransport(fake WebSocket)', () => pkg.webSocketTransport(new FakeWebSocket()), { copiesInJs: true }]],
  // The client and one of its streams; the fake socket never grants credit, so sends and
  // receives wait (the sweep bounds waits). Packets are built by copying in JS.
  wispClient: [
    ['wispClient(fake WebSocket)', () => pkg.wispClient(new FakeWebSocket()), { copiesInJs: true }],
    ['wispClient(fake WebSocket).transport(host, port)', () => pkg.wispClient(new FakeWebSocket()).transport('localhost', 443), { copiesInJs: true }],
  ],
};

// ---------------------------------------------------------------------------------------
// The plan

const cases = [];
const inventory = [];
const skipped = [];
const uncovered = [];
const addCase = (label, run) => cases.push({ label, run });

function argsLabel(parts) {
  return parts.join(', ');
}

/**
 * Cases for one callable: every hostile value in every position, the positions before it
 * seeded. `prepare()` gives the receiver (it may await); `invoke(receiver, args)` makes the
 * call; `meta` is the record's description.
 */
function matrix(label, name, fn, meta, { prepare = async () => undefined, invoke, values = HOSTILE, after }) {
  const reason = skipReason(label);
  if (reason) {
    skipped.push({ label, reason });
    return;
  }
  inventory.push(label);
  const n = arityOf(name, fn);
  const seedCount = SEEDS[name] ? SEEDS[name]().length : 0;
  for (let pos = 0; pos < n; pos++) {
    for (const [vlabel, make] of values) {
      const parts = [];
      for (let k = 0; k < pos; k++) parts.push(k < seedCount ? 'seed' : 'undefined');
      const args = [...parts, vlabel].join(', ');
      addCase(`${label}(${args})`, async () => {
        const receiver = await prepare();
        const seeds = seedsOf(name);
        const built = [];
        for (let k = 0; k < pos; k++) built.push(k < seeds.length ? seeds[k] : undefined);
        const r = await call(
          { section: 'arguments', target: label, args, ...meta },
          () => {
            built.push(make());
            return invoke(receiver, built);
          },
          meta.promiseMethod ? 1000 : 'turns',
        );
        after?.(r);
      });
    }
  }
}

const seedsOf = (name) => (SEEDS[name] ? SEEDS[name]() : []);

const EXPORTS = Object.keys(pkg).sort();
const FUNCTIONS = EXPORTS.filter((k) => typeof pkg[k] === 'function' && !isClass(pkg[k]));
const CLASSES = EXPORTS.filter((k) => isClass(pkg[k]));
// Functions exported under two names (SSLError and Error) are swept once.
const uniqueBy = (names) => names.filter((k, i) => names.findIndex((j) => pkg[j] === pkg[k]) === i);

// 1. Exported functions.
for (const name of uniqueBy(FUNCTIONS)) {
  const fn = pkg[name];
  matrix(name, name, fn, { method: name }, { invoke: (_, args) => fn(...args) });
}

// 2. Constructors (called with `new`, and without) and statics.
for (const name of uniqueBy(CLASSES)) {
  const cls = pkg[name];
  // The error classes are plain JS (js/errors.js): a 2^31-element `errors` array only costs
  // minutes of Array.prototype.map there, with no wasm involved.
  const isErrorClass = cls.prototype instanceof Error;
  if (isErrorClass) skipped.push({ label: `new ${name} with ${HUGE_LABELS.join(', ')}`, reason: 'a plain-JS error class: a 2^31-element array costs minutes of map(), with no wasm involved' });
  matrix(`new ${name}`, `new ${name}`, cls, { method: 'constructor' }, {
    invoke: (_, args) => new cls(...args),
    values: isErrorClass ? HOSTILE.filter(([l]) => !HUGE_LABELS.includes(l)) : HOSTILE,
  });
  const label = `${name}() without new`;
  if (!skipReason(label)) {
    inventory.push(label);
    addCase(label, () => call({ section: 'arguments', target: label, args: '', method: 'constructor' }, () => cls()));
  }
  for (const s of staticsOf(cls)) {
    matrix(`${name}.${s.name}`, s.name, s.fn, { method: s.name }, { invoke: (_, args) => s.fn.apply(cls, args) });
  }
}

// 3. Prototype methods and getters, on each receiver.
const slots = {};
function receiverCases(className, rlabel, make, { transportObject = false, copiesInJs = false } = {}) {
  const slot = (slots[rlabel] ??= new Slot(make));
  // Reflect on a prototype, or (for plain objects from factories) on an instance made now.
  const sample = transportObject ? make() : null;
  const members = transportObject ? membersOf(sample) : membersOf(pkg[className].prototype);
  if (sample && typeof sample.close === 'function') {
    try {
      sample.close();
    } catch {}
  }
  // free and dispose run on a throwaway instance each time; everything else on the slot's.
  const ordered = [...members.filter((m) => !isRelease(m)), ...members.filter(isRelease)];
  for (const m of ordered) {
    const label = `${rlabel}.${m.name}`;
    const promiseMethod = className === 'Connection' && PROMISE_METHODS.has(m.name);
    const meta = { method: m.name, receiver: rlabel, promiseMethod, mayWait: transportObject, transportObject };
    if (m.kind === 'getter') {
      inventory.push(label);
      addCase(`${label} (getter)`, async () => {
        const obj = await slot.get();
        await call({ section: 'arguments', target: label, args: '(getter)', ...meta }, () => Reflect.get(obj, m.key), 'turns');
      });
      continue;
    }
    if (copiesInJs) {
      skipped.push({ label: `${label} with ${HUGE_LABELS.join(', ')}`, reason: 'a transport copies the bytes it is given in JS, as a socket write does: a 2 GiB buffer (or a 2^32-long array-like) costs seconds and memory, not wasm memory' });
    }
    matrix(label, m.name, m.fn, meta, {
      values: copiesInJs ? HOSTILE.filter(([l]) => !HUGE_LABELS.includes(l)) : HOSTILE,
      prepare: () => (isRelease(m) ? make() : slot.get()),
      // Looked up on the receiver: a factory's object has its own closures, not shared ones.
      invoke: (obj, args) => Reflect.apply(obj[m.key], obj, args),
      after: (r) => promiseMethod && r?.outcome === 'pending' && slot.reset(),
    });
  }
}
const isRelease = (m) => m.name === 'free' || m.key === Symbol.dispose;

for (const name of uniqueBy(CLASSES)) {
  const cls = pkg[name];
  const hasMembers = membersOf(cls.prototype).length > 0;
  if (!hasMembers) continue;
  const receivers = RECEIVERS[name];
  if (!receivers) {
    uncovered.push({ label: name, reason: 'an exported class with prototype methods and no receiver in hostile-child.mjs RECEIVERS' });
    continue;
  }
  for (const [rlabel, make] of receivers) receiverCases(name, rlabel, make);
}
for (const name of uniqueBy(FUNCTIONS)) {
  for (const [rlabel, make, o] of FACTORY_RECEIVERS[name] ?? []) receiverCases(name, rlabel, make, { transportObject: true, copiesInJs: o.copiesInJs });
}
// A factory that returns an object with methods and has no entry is uncovered: detect by name.
for (const name of uniqueBy(FUNCTIONS)) {
  if (/Transport$|Pair$|Client$/.test(name) && !FACTORY_RECEIVERS[name]) {
    uncovered.push({ label: name, reason: 'an exported factory of objects with methods and no entry in FACTORY_RECEIVERS' });
  }
}
// Objects exported with function-valued members (NO_OVERLAPPING_PROTOCOLS.toString).
for (const name of EXPORTS.filter((k) => pkg[k] && typeof pkg[k] === 'object')) {
  for (const m of membersOf(pkg[name]).filter((m) => Object.prototype.hasOwnProperty.call(pkg[name], m.key))) {
    matrix(`${name}.${m.name}`, m.name, m.fn, { method: m.name }, { invoke: (_, args) => m.fn.apply(pkg[name], args) });
  }
}

// 4. Freed receivers: every method and getter, with no arguments and with its seeds.
for (const name of uniqueBy(CLASSES)) {
  const receivers = RECEIVERS[name];
  if (!receivers) continue;
  const [rlabel, make] = receivers[0];
  for (const m of membersOf(pkg[name].prototype).filter((m) => !skipReason(`${name}.${m.name}`))) {
    const label = `${name}(freed).${m.name}`;
    inventory.push(label);
    const promiseMethod = name === 'Connection' && PROMISE_METHODS.has(m.name);
    for (const withSeeds of m.kind === 'getter' ? [false] : [false, true]) {
      addCase(`${label}(${withSeeds ? 'seeds' : ''})`, async () => {
        const obj = await make();
        obj.free();
        const args = withSeeds && SEEDS[m.name] ? SEEDS[m.name]() : [];
        await call(
          { section: 'freed', target: label, args: withSeeds ? 'seeds' : '', method: m.name, receiver: `${rlabel} (freed)`, promiseMethod, freed: true },
          () => m.fn.apply(obj, args),
        );
      });
    }
  }
}

// 5. Re-entrant calls from each callback into the same connection and context.
/** Calls every method of `obj` (class `cls`) twice (no arguments, then seeds), collecting promises. */
function reenter(kind, obj, cls, pending, { skipMethods = [] } = {}) {
  const members = membersOf(pkg[cls].prototype).filter(
    (m) => !skipReason(`${cls}.${m.name}`) && !skipMethods.includes(m.name) && !(skipMethods.includes('free') && isRelease(m)),
  );
  const ordered = [...members.filter((m) => !isRelease(m)), ...members.filter(isRelease)];
  for (const m of ordered) {
    for (const withSeeds of m.kind === 'getter' || isRelease(m) ? [false] : [false, true]) {
      const meta = {
        section: 'reentrant',
        inv: `reentrant from ${kind}`,
        target: `${kind} → ${cls}.${m.name}`,
        args: withSeeds ? 'seeds' : '',
        method: m.name,
        promiseMethod: cls === 'Connection' && PROMISE_METHODS.has(m.name),
        mayWait: true,
      };
      const started = start(() => m.fn.apply(obj, withSeeds ? seedsOf(m.name) : []));
      if (started.sync) record(meta, started.sync);
      else if (started.promise) pending.push([meta, started]);
    }
  }
}

/** A client and server over a blocking memoryPair; resolves to both handshake outcomes. */
async function handshakeOutcome(client, server, ms = 3000) {
  const [a, b] = memoryPair();
  const c = new Connection(client, a);
  const s = new Connection(server, b);
  c.setConnectState();
  s.setAcceptState();
  c.setTlsextHostName('localhost');
  // A side whose handshake fails closes its transport, as a program closes its socket, so
  // the other side's handshake ends too instead of waiting for a peer that gave up.
  const cp = c.doHandshake();
  const sp = s.doHandshake();
  cp.catch(() => a.close());
  sp.catch(() => b.close());
  const both = await Promise.all([finish({ promise: cp }, ms), finish({ promise: sp }, ms)]);
  return { c, s, a, b, client: both[0], server: both[1] };
}

const REENTRANT = {
  verify: ({ client }, hook) => client.setVerify(pkg.VERIFY_PEER, (conn) => (hook(conn), true)),
  'ALPN select': ({ client, server }, hook) => {
    client.setAlpnProtos(['h2']);
    server.setAlpnSelectCallback((conn) => (hook(conn), 'h2'));
  },
  servername: ({ server }, hook) => server.setTlsextServernameCallback((conn) => hook(conn)),
  'info (client Context)': ({ client }, hook) => client.setInfoCallback((conn) => hook(conn)),
  'info (server Context)': ({ server }, hook) => server.setInfoCallback((conn) => hook(conn)),
  'keylog (client)': ({ client }, hook) => client.setKeylogCallback((conn) => hook(conn)),
  'keylog (server)': ({ server }, hook) => server.setKeylogCallback((conn) => hook(conn)),
};

for (const [kind, install] of Object.entries(REENTRANT)) {
  const label = `reentrant from ${kind}`;
  inventory.push(label);
  addCase(label, async () => {
    const client = clientCtx();
    const server = serverCtx();
    const pending = [];
    let calls = 0;
    let inside = false;
    install({ client, server }, (conn) => {
      calls++;
      if (calls > 1 || inside) return; // the first call does the sweep; later ones just answer
      inside = true;
      try {
        reenter(kind, conn, 'Connection', pending);
        const ctx = start(() => conn.getContext());
        if (ctx.sync?.value instanceof Context) reenter(kind, ctx.sync.value, 'Context', pending, { skipMethods: ['free'] });
      } finally {
        inside = false;
      }
    });
    const out = await handshakeOutcome(client, server);
    const settled = await Promise.all(pending.map(([, started]) => finish(started, 200)));
    pending.forEach(([meta], k) => record(meta, settled[k]));
    emit({ t: 'scenario', i: caseIndex, section: 'reentrant', target: label, callbackCalls: calls });
    record({ section: 'reentrant', inv: label, target: `${label}: client handshake`, args: '', method: 'doHandshake', promiseMethod: true, handshake: true }, out.client);
    record({ section: 'reentrant', inv: label, target: `${label}: server handshake`, args: '', method: 'doHandshake', promiseMethod: true, handshake: true }, out.server);
  });
}

{
  const label = 'reentrant from passwd';
  inventory.push(label);
  addCase(label, async () => {
    const ctx = new Context(pkg.TLS_SERVER_METHOD);
    const pending = [];
    let calls = 0;
    let inside = false;
    ctx.setPasswdCb(() => {
      calls++;
      if (!inside && calls === 1) {
        inside = true;
        try {
          reenter('passwd', ctx, 'Context', pending, { skipMethods: ['free'] });
        } finally {
          inside = false;
        }
      }
      return 'secret';
    });
    const load = start(() => ctx.usePrivateKey(PEM_KEY_ENCRYPTED));
    const settled = await Promise.all(pending.map(([, started]) => finish(started, 200)));
    pending.forEach(([meta], k) => record(meta, settled[k]));
    emit({ t: 'scenario', i: caseIndex, section: 'reentrant', target: label, callbackCalls: calls });
    record({ section: 'reentrant', inv: label, target: `${label}: usePrivateKey`, args: 'encrypted key', method: 'usePrivateKey' }, await finish(load, 200));
  });
}

// 6. Hostile answers from callbacks: what each returns, or throws.
// The values a callback could plausibly get wrong (types, sizes, buffers), not all of HOSTILE:
// each answer costs a handshake.
const ANSWER_LABELS = new Set([
  'undefined', 'null', 'true', '0', '-1', '2**31', 'NaN', '10n', 'Symbol()', "''", "'x'", 'lone surrogate',
  '1 MiB string', '{}', '[]', '[Symbol()]', 'throwing function', 'async function', 'Promise',
  'Proxy throwing on every trap', '{toString throws}', '{then getter throws}', 'Uint8Array(0)', 'Int8Array',
  'ArrayBuffer(8)', 'Uint8Array over SharedArrayBuffer', 'detached Uint8Array',
  'length-tracking view of a shrunk resizable buffer', 'out-of-bounds view of a shrunk resizable buffer',
  'Uint8Array(2**31)', 'live X509', 'freed X509',
]);
const ANSWERS = [
  ...HOSTILE.filter(([l]) => ANSWER_LABELS.has(l)),
  ['throws HostileThrow', () => () => boom('callback')],
  ['throws a symbol', () => () => { throw OWN_SYMBOL; }],
  ['throws a number', () => () => { throw OWN_NUMBER; }],
];
const CALLBACK_KINDS = {
  verify: ({ client }, answer) => client.setVerify(pkg.VERIFY_PEER, answer),
  'ALPN select': ({ client, server }, answer) => {
    client.setAlpnProtos(['h2']);
    server.setAlpnSelectCallback(answer);
  },
  servername: ({ server }, answer) => server.setTlsextServernameCallback(answer),
  info: ({ client }, answer) => client.setInfoCallback(answer),
  keylog: ({ server }, answer) => server.setKeylogCallback(answer),
};
for (const [kind, install] of Object.entries(CALLBACK_KINDS)) {
  inventory.push(`callback answers: ${kind}`);
  for (const [alabel, amake] of ANSWERS) {
    const thrower = /^throws /.test(alabel);
    const label = `${kind} callback ${thrower ? alabel : `returns ${alabel}`}`;
    addCase(label, async () => {
      const client = clientCtx();
      const server = serverCtx();
      let answer;
      try {
        const v = amake();
        answer = thrower ? v : () => v;
      } catch (e) {
        if (e instanceof Skip) return emit({ t: 'skip', i: caseIndex, target: label, reason: e.reason });
        throw e;
      }
      install({ client, server }, answer);
      const out = await handshakeOutcome(client, server);
      const meta = { section: 'callback answers', inv: `callback answers: ${kind}`, args: '', method: 'doHandshake', promiseMethod: true, handshake: true };
      record({ ...meta, target: `${label}: client handshake` }, out.client);
      record({ ...meta, target: `${label}: server handshake` }, out.server);
    });
  }
}
inventory.push('callback answers: passwd');
for (const [alabel, amake] of ANSWERS) {
  const thrower = /^throws /.test(alabel);
  const label = `passwd callback ${thrower ? alabel : `returns ${alabel}`}`;
  addCase(label, async () => {
    const ctx = new Context(pkg.TLS_SERVER_METHOD);
    let v;
    try {
      v = amake();
    } catch (e) {
      if (e instanceof Skip) return emit({ t: 'skip', i: caseIndex, target: label, reason: e.reason });
      throw e;
    }
    ctx.setPasswdCb(thrower ? v : () => v);
    await call({ section: 'callback answers', inv: 'callback answers: passwd', target: `${label}: usePrivateKey`, args: 'encrypted key', method: 'usePrivateKey' }, () => ctx.usePrivateKey(PEM_KEY_ENCRYPTED));
  });
}

// 7. Hostile transports: what `send` and `recv` return.
const RECV_ANSWERS = [
  ['undefined', () => undefined],
  ['0', () => 0],
  ['-1', () => -1],
  ["'bytes'", () => 'bytes'],
  ['Symbol()', () => Symbol('recv')],
  ['{}', () => ({})],
  ['[22,3,3]', () => [22, 3, 3]],
  ['ArrayBuffer(5)', () => new ArrayBuffer(5)],
  ['Int8Array', () => new Int8Array([22, 3, 3, 0, 1])],
  ['DataView', () => new DataView(new ArrayBuffer(5))],
  ['Uint8Array over SharedArrayBuffer', () => new Uint8Array(new SharedArrayBuffer(5))],
  ['detached Uint8Array', detachedU8],
  ['length-tracking view of a shrunk resizable buffer', shrunkTracking],
  ['out-of-bounds view of a shrunk resizable buffer', shrunkOutOfBounds],
  ['Uint8Array(2**31)', needHuge],
  ['64 KiB of junk', () => pattern(65536, 9)],
  ['more than maxBytes (1 MiB of junk)', () => pattern(1 << 20, 11)],
  ['a record header claiming 2**14+2048+1 bytes', () => new Uint8Array([23, 3, 3, 0x48, 0x01])],
  ['{then getter throws}', () => ({ get then() { return boom('then getter'); } })],
  ['a thenable resolving to a number', () => ({ then: (r) => r(5) })],
  ['a promise rejecting with HostileThrow', () => { const e = new HostileThrow('recv'); ownThrown.add(e); return Promise.reject(e); }],
  ['throws HostileThrow', () => boom('recv')],
  ['throws a symbol', () => { throw OWN_SYMBOL; }],
];
const SEND_ANSWERS = [
  ['-1', () => -1],
  ['NaN', () => NaN],
  ['1.5', () => 1.5],
  ['2**53', () => 2 ** 53],
  ['Infinity', () => Infinity],
  ['more than given', (data) => data.length + 1],
  ["'5'", () => '5'],
  ['10n', () => 10n],
  ['Symbol()', () => Symbol('send')],
  ['{valueOf: 5}', () => ({ valueOf: () => 5 })],
  ['{then getter throws}', () => ({ get then() { return boom('then getter'); } })],
  ['a promise of -1', () => Promise.resolve(-1)],
  ['throws HostileThrow', () => boom('send')],
  ['throws a number', () => { throw OWN_NUMBER; }],
  ['detaches the data it was given', (data) => { try { structuredClone(data.buffer, { transfer: [data.buffer] }); } catch {} return undefined; }],
];
inventory.push('hostile transport: recv', 'hostile transport: send');
for (const [side, answers] of [['recv', RECV_ANSWERS], ['send', SEND_ANSWERS]]) {
  for (const [alabel, amake] of answers) {
    const label = `transport ${side} returns ${alabel}`;
    addCase(label, async () => {
      let used = false;
      // Values are made before the connection, so a Skip (no 2 GiB here) is reported as one;
      // throwing and rejecting answers are made at call time.
      let pre = null;
      if (!/^(throws|a promise)/.test(alabel) && side === 'recv') {
        try {
          pre = { value: amake() };
        } catch (e) {
          if (e instanceof Skip) return emit({ t: 'skip', i: caseIndex, target: label, reason: e.reason });
          throw e;
        }
      }
      const [a, b] = memoryPair();
      const hostile = {
        send(data) {
          if (side === 'send' && !used) {
            used = true;
            if (alabel.startsWith('detaches')) {
              // Forward what it was given, then detach it: the connection must not need it.
              a.send(new Uint8Array(data));
            }
            return amake(data);
          }
          return a.send(data);
        },
        recv(max) {
          if (side === 'recv' && !used) {
            used = true;
            return pre ? pre.value : amake(max);
          }
          return a.recv(max);
        },
      };
      let c;
      try {
        c = new Connection(clientCtx(), hostile);
      } catch (e) {
        return record({ section: 'transports', inv: `hostile transport: ${side}`, target: label, args: '', method: 'constructor' }, { outcome: 'throw', error: e });
      }
      c.setConnectState();
      c.setTlsextHostName('localhost');
      const s = new Connection(serverCtx(), b);
      s.setAcceptState();
      const sp = s.doHandshake();
      sp.catch(() => {});
      const meta = { section: 'transports', inv: `hostile transport: ${side}`, target: label, args: '', method: 'doHandshake', promiseMethod: true, handshake: true };
      try {
        const started = start(() => c.doHandshake());
        record(meta, await finish(started, 2000));
      } finally {
        a.close();
        b.close();
      }
    });
  }
}

// 8. A hostile WebSocket tunnel end: message, close and error events of every shape.
const WS_EVENTS = [
  ['message: a string', 'message', { data: 'text' }],
  ['message: null', 'message', { data: null }],
  ['message: a number', 'message', { data: 5 }],
  ['message: a Symbol', 'message', { data: Symbol('ws') }],
  ['message: an empty ArrayBuffer', 'message', { data: new ArrayBuffer(0) }],
  ['message: a detached ArrayBuffer', 'message', () => ({ data: detachedAB() })],
  ['message: a shrunk resizable ArrayBuffer', 'message', () => ({ data: shrunkBuffer() })],
  ['message: a resizable ArrayBuffer shrunk after delivery', 'message', null],
  ['message: an ArrayBuffer detached after delivery', 'message', null],
  ['message: a SharedArrayBuffer', 'message', () => ({ data: new SharedArrayBuffer(8) })],
  ['message: a DataView', 'message', () => ({ data: new DataView(new ArrayBuffer(8)) })],
  ['message: a Blob', 'message', () => ({ data: new Blob(['x']) })],
  ['message: a 2 GiB ArrayBuffer', 'message', () => ({ data: needHuge().buffer })],
  ['message: data getter throws', 'message', () => ({ get data() { return boom('data getter'); } })],
  ['close: code 4000 and a Symbol reason', 'close', () => ({ code: 4000, reason: Symbol('r') })],
  ['close: code NaN', 'close', { code: NaN }],
  ['close: code getter throws', 'close', () => ({ get code() { return boom('code getter'); } })],
  ['error: message getter throws', 'error', () => ({ get message() { return boom('message getter'); } })],
];
inventory.push('hostile WebSocket events');
for (const [label, type, payload] of WS_EVENTS) {
  addCase(`webSocketTransport ${label}`, async () => {
    const ws = new FakeWebSocket();
    const t = pkg.webSocketTransport(ws);
    const event = new Event(type);
    let after = null;
    try {
      if (payload === null) {
        const rab = new ArrayBuffer(64, { maxByteLength: 128 });
        const plain = new ArrayBuffer(64);
        const data = /shrunk/.test(label) ? rab : plain;
        Object.defineProperty(event, 'data', { value: data });
        after = () => (data === rab ? rab.resize(1) : structuredClone(plain, { transfer: [plain] }));
      } else {
        const p = typeof payload === 'function' ? payload() : payload;
        for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(p))) Object.defineProperty(event, k, d);
      }
    } catch (e) {
      if (e instanceof Skip) return emit({ t: 'skip', i: caseIndex, target: label, reason: e.reason });
      throw e;
    }
    ws.dispatchEvent(event);
    after?.();
    const meta = { section: 'websocket', inv: 'hostile WebSocket events', target: `webSocketTransport ${label}`, method: 'recv', mayWait: true, transportObject: true };
    for (const max of [1, 16, 65536]) await call({ ...meta, args: String(max) }, () => t.recv(max), 'turns');
    await call({ ...meta, method: 'send', args: "'x'" }, () => t.send('x'), 'turns');
    await call({ ...meta, method: 'close', args: '' }, () => t.close(), 'turns');
  });
}

// 9. Liveness, before the wrong-`this` calls (which may corrupt memory rather than trap).
async function liveness(label) {
  const detail = {};
  try {
    const [a, b] = memoryPair();
    const c = new Connection(clientCtx(), a);
    const s = new Connection(serverCtx(), b);
    c.setConnectState();
    s.setAcceptState();
    c.setTlsextHostName('localhost');
    await withTimeout(Promise.all([c.doHandshake(), s.doHandshake()]), 5000, 'liveness handshake');
    detail.protocol = c.getProtocolVersionName();
    const up = pattern(65536, 21);
    const down = pattern(65536, 22);
    const [, got] = await withTimeout(Promise.all([c.sendall(up), recvExactly(s, up.length)]), 5000, 'liveness client→server');
    const [, back] = await withTimeout(Promise.all([s.sendall(down), recvExactly(c, down.length)]), 5000, 'liveness server→client');
    if (Buffer.compare(got, up) !== 0 || Buffer.compare(back, down) !== 0) throw new Error('liveness: the data arrived changed');
    const bio = bioPair({ client: clientCtx(), server: serverCtx() });
    await bioHandshake(bio.c, bio.s);
    detail.bio = bio.c.isHandshakeDone() && bio.s.isHandshakeDone();
    emit({ t: 'live', i: caseIndex, label, ok: true, bytes: got.length + back.length, ...detail });
  } catch (e) {
    emit({ t: 'live', i: caseIndex, label, ok: false, error: describeError(e), ...detail });
    if (classify(e) === 'trap') trapped(describeError(e));
  }
}
addCase('liveness (before wrong-this)', () => liveness('before wrong-this'));

// 10. Prototype methods on a `this` of the wrong class (an honest mistake: a method taken off
// one object and called on another). Forged addresses are skipped (see SKIPS).
skipped.push({ label: 'prototype methods on a forged __wbg_ptr', reason: skipReason('forged __wbg_ptr') });
const THIS_VALUES = [
  ['undefined', () => undefined],
  ['{}', () => ({})],
  ['an object with the class prototype', (cls) => Object.create(cls.prototype)],
  // A fresh one each call: a method of the wrong class may well wreck the object it is given.
  ['an instance of another class', (cls) => (cls === X509 ? new Connection(liveClientCtx(), null) : X509.fromPem(PEM_CERT))],
];
for (const name of uniqueBy(CLASSES)) {
  const cls = pkg[name];
  if (!RECEIVERS[name]) continue;
  for (const m of membersOf(cls.prototype)) {
    const label = `${name}.${m.name} [wrong this]`;
    const reason = skipReason(`${name}.${m.name}`);
    if (reason) {
      skipped.push({ label, reason });
      continue;
    }
    inventory.push(label);
    for (const [tlabel, tmake] of THIS_VALUES) {
      addCase(`${label} this=${tlabel}`, () =>
        call(
          { section: 'wrong this', target: label, args: `this=${tlabel}`, method: m.name, promiseMethod: name === 'Connection' && PROMISE_METHODS.has(m.name) },
          () => m.fn.apply(tmake(cls), seedsOf(m.name)),
          200,
        ),
      );
    }
  }
}
addCase('liveness (final)', () => liveness('final'));

// ---------------------------------------------------------------------------------------
// Run

emit({ t: 'plan', start: START, n: cases.length, exports: EXPORTS.length, labels: START === 0 ? cases.map((c) => c.label) : undefined });
if (START === 0) emit({ t: 'inventory', callables: inventory, skipped, uncovered });

let stoppedAt = null;
for (let i = START; i < cases.length; i++) {
  caseIndex = i;
  caseLabel = cases[i].label;
  const isLiveness = caseLabel.startsWith('liveness');
  if (stoppedAt === null && !isLiveness && Date.now() > DEADLINE) {
    stoppedAt = i;
    emit({ t: 'incomplete', i, label: caseLabel });
  }
  if (stoppedAt !== null && !isLiveness) continue;
  const began = Date.now();
  try {
    await cases[i].run();
    const took = Date.now() - began;
    if (process.env.HOSTILE_SLOW && took >= Number(process.env.HOSTILE_SLOW)) process.stderr.write(`slow: ${took} ms ${caseLabel}\n`);
  } catch (e) {
    // A failure of the sweep's own setup around a call, not of a call under test.
    emit({ t: 'setup-error', i, label: caseLabel, error: describeError(e), stack: String(e?.stack ?? '').slice(0, 1500) });
    if (classify(e) === 'trap') trapped(describeError(e));
  }
}
emit({ t: 'done', calls: callCount });
process.exit(0);

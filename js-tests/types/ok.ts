// Correct use of the package's API, as a TypeScript user writes it. Must type-check under
// `tsc --strict` (js-tests/types.test.mjs), and runs too: the test compiles it and executes
// main(), which does real handshakes, so these declarations describe code that works.

import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';

import * as ssl from 'rustls-ssl';
import {
  Connection,
  Context,
  FILETYPE_PEM,
  FileType,
  MSG_PEEK,
  Method,
  NO_OVERLAPPING_PROTOCOLS,
  OP_ALL,
  OP_NO_TICKET,
  Options,
  PKey,
  SSLError,
  Session,
  SysCallError,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  VERIFY_FAIL_IF_NO_PEER_CERT,
  VERIFY_PEER,
  Version,
  VerifyMode,
  WantReadError,
  WantWriteError,
  X509,
  X509Name,
  X509Store,
  X509VerificationCodes,
  ZeroReturnError,
  dumpCertificate,
  loadCertificate,
  loadPrivateKey,
  memoryPair,
  socketTransport,
  streamTransport,
  webSocketTransport,
  wispClient,
  type AlpnSelectCallback,
  type BytesLike,
  type ErrorTriple,
  type MethodValue,
  type Transport,
  type VerifyCallback,
  type WebSocketTransport,
  type WispClient,
  type WispTransport,
  connect,
  toDuplex,
  toWebStreams,
} from 'rustls-ssl';

/** Set by main(): the compiled copy of this file runs from another directory. */
let FIXTURES = '';
const fx = (name: string): string => FIXTURES + name;
const enc = new TextEncoder();
const dec = new TextDecoder();

function assert(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error(`ok.ts: ${what}`);
}

// ---- constants: exact values, usable where a number is expected ----

const method: MethodValue = Method.TLS_CLIENT;
const sameMethod: 9 = TLS_CLIENT_METHOD;
const mask: number = (OP_ALL | OP_NO_TICKET | Options.OP_NO_COMPRESSION) >>> 0;
const mode: number = VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT;
const expiredCode: 10 = X509VerificationCodes.ERR_CERT_HAS_EXPIRED;
const peek: 2 = MSG_PEEK;
assert(method === sameMethod && mask > 0 && mode === 3 && expiredCode === 10 && peek === 2, 'constants');
assert(ssl.Error === SSLError, 'Error is SSLError');

// ---- contexts ----

function serverContext(): Context {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChainFile(fx('server-rsa-chain.pem'));
  ctx.usePrivateKeyFile(fx('server-rsa.key'), FILETYPE_PEM);
  ctx.checkPrivateKey();
  ctx.setOptions(OP_NO_TICKET);
  ctx.setMinProtoVersion(TLS1_2_VERSION);
  ctx.setMaxProtoVersion(Version.TLS1_3_VERSION);
  ctx.setAlpnSelectCallback((conn: Connection, offered: string[]) =>
    offered.includes('h2') ? 'h2' : NO_OVERLAPPING_PROTOCOLS,
  );
  ctx.setTlsextServernameCallback((conn) => {
    const name: string | null = conn.getServername();
    conn.setAppData({ sni: name });
  });
  ctx.setSessionCacheMode(ssl.SESS_CACHE_SERVER);
  ctx.setSessionId('ok.ts');
  return ctx;
}

const seen = new WeakMap<Connection, number>();
const verify: VerifyCallback = (conn, x509, errno, depth, ok) => {
  seen.set(conn, (seen.get(conn) ?? 0) + 1);
  const subject: string = x509.getSubject().toString();
  return ok && errno === X509VerificationCodes.OK && depth >= 0 && subject.length > 0;
};

function clientContext(): Context {
  const ctx = new Context(method);
  ctx.loadVerifyLocations(fx('ca.pem'));
  ctx.setVerify(VerifyMode.PEER, verify);
  ctx.setAlpnProtos(['h2', enc.encode('http/1.1')]);
  ctx.setInfoCallback((conn, where, ret) => {
    void (where & ssl.SSL_CB_HANDSHAKE_DONE), ret;
  });
  const lines: Uint8Array[] = [];
  ctx.setKeylogCallback((conn, line) => lines.push(line));
  ctx.setGroups(['X25519', 'prime256v1']);
  ctx.setTls13Ciphersuites('TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256');
  const old: number = ctx.setTimeout(600);
  assert(old === ctx.getTimeout() - 300 || old > 0, 'timeout');
  ctx.setAppData(lines);
  return ctx;
}

// ---- overloads ----

function trustOverloads(ctx: Context, pem: string): void {
  ctx.loadVerifyLocations(fx('ca.pem'));
  ctx.loadVerifyLocations(fx('ca.pem'), null);
  ctx.loadVerifyLocations(null, null, pem);
  ctx.loadVerifyLocations(undefined, undefined, enc.encode(pem));
}

function passwdOverloads(ctx: Context): void {
  ctx.setPasswdCb((maxLength, verify, userdata) => (userdata === null ? 'secret' : ''));
  ctx.setPasswdCb((maxLength: number, verify: boolean, pass: string) => pass.slice(0, maxLength), 'secret');
}

// ---- certificates and keys ----

function certificates(): void {
  const caPem = readFileSync(fx('ca.pem'), 'utf8');
  const ca: X509 = X509.fromPem(caPem);
  const der: Uint8Array = ca.toDer();
  const again = loadCertificate(FileType.ASN1, der);
  const name: X509Name = again.getSubject();
  const cn: string | null = name.CN;
  const parts: Array<[string, string]> = name.getComponents();
  const serial: bigint = ca.getSerialNumber();
  const pem: string = dec.decode(dumpCertificate(FILETYPE_PEM, ca));
  assert(cn === 'rustls-ssl Test Root CA' && parts.length > 0 && serial > 0n && pem === caPem, 'certificates');
  assert(ca.digest('sha256').includes(':') && ca.getNotAfter().endsWith('Z') && !ca.hasExpired(), 'dates');
  const sans: string[] = X509.fromPem(readFileSync(fx('server-rsa.pem'))).getSubjectAltNames();
  assert(sans.length > 0, 'sans');

  const key: PKey = loadPrivateKey(FILETYPE_PEM, readFileSync(fx('server-rsa.key')));
  const type: 'RSA' | 'EC' | 'Ed25519' = key.getType();
  assert(type === 'RSA' && key.getBits() >= 2048, 'key');
  const encrypted = PKey.fromPem(readFileSync(fx('server-ecdsa-encrypted.key'), 'utf8'), 'secret');
  void encrypted;

  const store: X509Store = new Context(TLS_CLIENT_METHOD).getCertStore();
  store.addCert(ca);
  trustOverloads(new Context(TLS_CLIENT_METHOD), caPem);
  passwdOverloads(new Context(TLS_SERVER_METHOD));
  for (const o of [ca, again, name, key, store, new Session()]) o.free();
}

// ---- connections over a transport ----

async function readAll(conn: Connection): Promise<string> {
  let text = '';
  for (;;) {
    try {
      const chunk: Uint8Array = await conn.recv(16384);
      text += dec.decode(chunk, { stream: true });
    } catch (e) {
      if (e instanceof ZeroReturnError) return text;
      throw e;
    }
  }
}

async function overMemory(): Promise<void> {
  const [a, b] = memoryPair();
  const client = new Connection(clientContext(), a);
  const server = new Connection(serverContext(), b);
  client.setConnectState();
  client.setTlsextHostName('localhost');
  server.setAcceptState();

  const handshakes: [void, void] = await Promise.all([client.doHandshake(), server.doHandshake()]);
  void handshakes;
  assert(client.isHandshakeDone() && client.getVerifyResult() === 0, 'verified');
  assert((seen.get(client) ?? 0) > 0, 'the verify callback got the very connection');
  assert(client.getAlpnProtoNegotiated() === 'h2', 'alpn');
  const proto: string = client.getProtocolVersionName();
  const bits: number | null = client.getCipherBits();
  const peer: X509 | null = client.getPeerCertificate();
  const chain: X509[] | null = client.getPeerCertChain();
  assert(proto === 'TLSv1.3' && bits !== null && peer?.getSubject().CN === 'localhost' && chain !== null, 'peer');
  const ekm: Uint8Array = client.exportKeyingMaterial('EXPORTER-ok', 32);
  assert(ekm.length === 32, 'ekm');
  assert((server.getAppData() as { sni: string | null }).sni === 'localhost', 'servername callback');

  const sent: number = await client.sendall('hello, ');
  await client.send(enc.encode('world'));
  const peeked: Uint8Array = await server.recv(5, MSG_PEEK);
  const buf = new Uint8Array(64);
  const n: number = await server.recvInto(buf, null, 0);
  assert(sent === 7 && dec.decode(peeked) === 'hello' && n > 0, 'data');
  let received = dec.decode(buf.subarray(0, n));
  while (received.length < 12) received += dec.decode(await server.read(64));

  // A last { signal } on every promise method, after the required or the optional arguments.
  const { signal } = new AbortController();
  await client.doHandshake({ signal });
  await client.sendall('sig', { signal });
  const one: number = await client.send(enc.encode('nal'), 0, { signal: AbortSignal.timeout(5000) });
  const some: Uint8Array = await server.recv(3, { signal });
  const rest: number = await server.recvInto(buf, 3, MSG_PEEK, { signal });
  const more: number = await server.recvInto(buf, { signal: null });
  assert(one === 3 && dec.decode(some) === 'sig' && rest === 3 && more === 3, 'signal');
  assert(received === 'hello, world', 'bytes');

  const first: boolean = await client.shutdown();
  await server.shutdown();
  assert(first === false && (await readAll(client)) === '', 'clean close');
  a.close();
  b.close();
  client.free();
  server[Symbol.dispose]();
}

// ---- memory BIO, non-blocking errors, and error fields ----

async function memoryBio(): Promise<void> {
  const ctx = clientContext();
  const conn = new Connection(ctx, null);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  try {
    await conn.doHandshake();
    assert(false, 'no peer: cannot finish');
  } catch (e) {
    assert(e instanceof WantReadError, 'want read');
    const code: string = e.code;
    const verifyResult: number | undefined = e.verifyResult;
    assert(code === 'ERR_SSL_WANT_READ' && verifyResult === undefined, 'Node code, no verify result');
    const errors: ErrorTriple[] = e.errors;
    const [lib, func, reason]: [string, string, string] = errors[0] ?? ['', '', ''];
    void lib, func, reason;
  }
  const hello: Uint8Array = conn.bioRead(65536);
  assert(hello.length > 0 && conn.getContext() === ctx, 'client hello');
  conn.bioWrite(new Uint8Array([21, 3, 3, 0, 2, 2, 40])); // a fatal alert
  conn.bioShutdown();
  await conn.doHandshake().catch((e: unknown) => {
    if (e instanceof SysCallError) {
      const errno: number = e.errno;
      const errstr: string = e.errstr;
      const cause: unknown = e.cause;
      void errno, errstr, cause;
    } else if (e instanceof WantWriteError) {
      throw e;
    } else if (e instanceof SSLError) {
      assert(e.message.length > 0 && e.errors.every((t) => t.length === 3), 'SSLError fields');
    } else {
      throw e;
    }
  });
  // `renegotiate` always throws; the rest report "nothing".
  try {
    conn.renegotiate();
  } catch (e) {
    assert(e instanceof SSLError, 'renegotiate');
  }
  const nothing: null = conn.masterKey();
  const zero: 0 = conn.totalRenegotiations();
  assert(nothing === null && zero === 0, 'not possible on rustls');
  const session: Session | null = conn.getSession();
  if (session) conn.setSession(session);
}

// ---- transports: the ready-made ones, and one written by hand ----

async function transports(): Promise<void> {
  const [x, y] = memoryPair({ blocking: false });
  x.send(enc.encode('abc'));
  const got: Uint8Array | null = y.recv(10);
  assert(got !== null && dec.decode(got) === 'abc' && y.recv(10) === null, 'non-blocking pair');

  const up = new TransformStream<Uint8Array, Uint8Array>();
  const down = new TransformStream<Uint8Array, Uint8Array>();
  const left = streamTransport({ readable: down.readable, writable: up.writable });
  const right = streamTransport({ readable: up.readable, writable: down.writable });
  const client = new Connection(clientContext(), left);
  const server = new Connection(serverContext(), right);
  client.setConnectState();
  client.setTlsextHostName('localhost');
  server.setAcceptState();
  await Promise.all([client.doHandshake(), server.doHandshake()]);
  await client.sendall(enc.encode('over streams'));
  assert(dec.decode(await server.recv(100)) === 'over streams', 'streams');
  await left.close();

  const socket = new net.Socket();
  const overSocket = socketTransport(socket);
  const same: net.Socket = overSocket.socket;
  assert(same === socket, 'socket transport keeps its socket');
  socket.destroy();

  // Any { send, recv } object is a transport.
  const queue: Uint8Array[] = [];
  const custom: Transport = {
    send(data) {
      queue.push(new Uint8Array(data));
      return data.length;
    },
    recv(maxBytes) {
      return queue.shift()?.subarray(0, maxBytes) ?? null;
    },
  };
  new Connection(new Context(TLS_CLIENT_METHOD), custom).free();
}

/** Type-checked only: Node 20 has no global WebSocket. */
export function overWebSocket(ws: WebSocket, ctx: Context): Connection {
  const transport: WebSocketTransport<WebSocket> = webSocketTransport(ws);
  const state: number = transport.readyState + transport.bufferedAmount + transport.queued;
  void state;
  const original: WebSocket = transport.socket;
  void original;
  return new Connection(ctx, transport);
}

/** Type-checked only: many connections over one WebSocket, through a Wisp server. */
export async function overWisp(ws: WebSocket, ctx: Context): Promise<Connection[]> {
  const client: WispClient<WebSocket> = wispClient(ws);
  const streams: WispTransport[] = [client.transport('example.com', 443), client.transport('192.0.2.1', 8443)];
  const conns = streams.map((t) => new Connection(ctx, t));
  const id: number = streams[0].streamId + streams[0].queued + streams[0].port;
  const host: string = streams[0].host;
  void [id, host];
  await streams[1].close();
  const original: WebSocket = client.socket;
  original.close();
  client.close();
  return conns;
}

/** Type-checked only (node-idioms.test.mjs runs these against real servers). */
export function nodeIdioms(ca: string, conn: Connection): void {
  const req = https.request({
    host: 'localhost',
    createConnection: (opts) => connect({ host: opts.host, port: opts.port, ca }),
  });
  req.end();
  const sock = connect({ host: 'example.com', port: 443, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
    const ok: boolean = sock.authorized;
    const why: string | null = sock.authorizationError;
    const alpn: string | false = sock.alpnProtocol;
    const version: string | null = sock.getProtocol();
    const peer: X509 | null = sock.getPeerCertificate();
    void ok, why, alpn, version, peer;
  });
  const duplex = toDuplex(conn, { allowHalfOpen: true });
  duplex.once('secure', () => duplex.end(enc.encode('bye')));
  const same: Connection = duplex.connection;
  const { readable, writable } = toWebStreams(same);
  void readable.pipeTo(writable);
}

// `using` frees at the end of the scope.
function disposable(): number {
  using ctx = new Context(TLS_CLIENT_METHOD);
  return ctx.getVerifyMode();
}

const alpn: AlpnSelectCallback = (conn, offered) => offered[0] ?? NO_OVERLAPPING_PROTOCOLS;
const bytesArgs: BytesLike[] = ['text', new Uint8Array(1), new ArrayBuffer(1), new DataView(new ArrayBuffer(1))];
void alpn, bytesArgs, TLS1_3_VERSION;

/** @param fixtures js-tests/fixtures/, with the trailing slash */
export async function main(fixtures: string): Promise<void> {
  FIXTURES = fixtures;
  certificates();
  await overMemory();
  await memoryBio();
  await transports();
  assert(disposable() === VERIFY_PEER, 'TLS_CLIENT verifies');
}

// Deliberate mistakes: each line after a `@ts-expect-error` marker must be a type error.
// tsc fails on a marker whose line is fine, and js-tests/types.test.mjs also checks a copy
// without the markers, where every marked line (and no other) must be reported.
// Type-checked only, never run.

import {
  Connection,
  Context,
  FILETYPE_PEM,
  Method,
  PKey,
  SSLError,
  SysCallError,
  TLS_CLIENT_METHOD,
  TLS1_2_VERSION,
  WantReadError,
  X509,
  X509VerificationCodes,
  loadCertificate,
  memoryPair,
  socketTransport,
  streamTransport,
  webSocketTransport,
  wispClient,
  connect,
  toDuplex,
  toWebStreams,
  type MethodValue,
  type Transport,
} from 'rustls-ssl';

export async function mistakes(ctx: Context, conn: Connection, cert: X509, err: unknown): Promise<void> {
  // A string where a method constant is expected.
  // @ts-expect-error
  new Context('TLS_CLIENT_METHOD');
  // A number that is no method.
  // @ts-expect-error
  new Context(10);
  // A missing argument.
  // @ts-expect-error
  new Context();
  // A wrong enum member.
  // @ts-expect-error
  void Method.TLSv1_3;
  // @ts-expect-error
  const m: MethodValue = 0;
  void m;
  // The enums are frozen.
  // @ts-expect-error
  Method.TLS = 3;
  // A flat constant has exactly its value.
  // @ts-expect-error
  const wrong: 7 = TLS_CLIENT_METHOD;
  void wrong;
  // Not a protocol version.
  // @ts-expect-error
  ctx.setMinProtoVersion(0x302 + 5);
  // @ts-expect-error
  ctx.setMaxProtoVersion('TLSv1.3');
  // Not a file type.
  // @ts-expect-error
  loadCertificate(3, '');
  // A context is required.
  // @ts-expect-error
  new Connection(null, null);
  // A transport needs recv too.
  // @ts-expect-error
  new Connection(ctx, { send: (data: Uint8Array) => data.length });
  // recv() needs its size.
  // @ts-expect-error
  await conn.recv();
  // recv() gives bytes, not a string.
  // @ts-expect-error
  const text: string = await conn.recv(1024);
  void text;
  // @ts-expect-error
  (await conn.recv(1024)).toUpperCase();
  // ... and a promise, not bytes.
  // @ts-expect-error
  conn.recv(10).length;
  // recvInto fills a Uint8Array, not an array or a string.
  // @ts-expect-error
  await conn.recvInto([0, 0, 0]);
  // @ts-expect-error
  await conn.recvInto('buffer');
  // { signal } takes an AbortSignal, and comes last.
  // @ts-expect-error
  await conn.recv(10, { signal: 5000 });
  // @ts-expect-error
  await conn.doHandshake({ signal: 'soon' });
  // @ts-expect-error
  await conn.recv(10, { signal: new AbortController().signal }, 0);
  // send takes bytes or a string, not a number or an object.
  // @ts-expect-error
  await conn.send(42);
  // @ts-expect-error
  await conn.sendall({ data: 'x' });
  // shutdown resolves to a boolean.
  // @ts-expect-error
  const done: string = await conn.shutdown();
  void done;
  // doHandshake resolves to nothing.
  // @ts-expect-error
  (await conn.doHandshake()).length;
  // bioRead is synchronous bytes.
  // @ts-expect-error
  const ciphertext: Promise<Uint8Array> = conn.bioRead(100);
  void ciphertext;
  // Nullable results must be checked.
  // @ts-expect-error
  conn.getPeerCertificate().getSubject();
  // @ts-expect-error
  conn.getServername().length;
  // A verify callback must return a boolean (an async one cannot decide).
  // @ts-expect-error
  ctx.setVerify(1, async () => true);
  // ... and gets (conn, x509, errno, depth, ok), not (ok, x509).
  // @ts-expect-error
  ctx.setVerify(1, (ok: boolean, x509: X509) => ok);
  // The verify mode is a number.
  // @ts-expect-error
  ctx.setVerify('VERIFY_PEER');
  // An ALPN select callback returns a protocol, not an index.
  // @ts-expect-error
  ctx.setAlpnSelectCallback((c: Connection, offered: string[]) => offered.indexOf('h2'));
  // A keylog line is bytes.
  // @ts-expect-error
  ctx.setKeylogCallback((c: Connection, line: string) => line.trim());
  // The info callback gets numbers.
  // @ts-expect-error
  ctx.setInfoCallback((c: Connection, where: string) => where);
  // The passphrase callback returns the passphrase.
  // @ts-expect-error
  ctx.setPasswdCb(() => 42);
  // ALPN protocols are a list.
  // @ts-expect-error
  ctx.setAlpnProtos('h2');
  // loadVerifyLocations needs something to load.
  // @ts-expect-error
  ctx.loadVerifyLocations(null, null, null);
  // A certificate where a key is expected.
  // @ts-expect-error
  ctx.usePrivateKey(cert);
  // Keys and certificates have no public constructor: use fromPem/fromDer.
  // @ts-expect-error
  new X509();
  // @ts-expect-error
  new PKey();
  // An unknown certificate method.
  // @ts-expect-error
  cert.getSubjectAltName();
  // A serial number is a bigint.
  // @ts-expect-error
  const serial: number = cert.getSerialNumber();
  void serial;
  // A misspelt verify code.
  // @ts-expect-error
  void X509VerificationCodes.CERT_HAS_EXPIRED;
  // Error fields: errors is a list of triples; SysCallError has errno.
  if (err instanceof SSLError) {
    // @ts-expect-error
    const first: string = err.errors[0];
    void first;
    // @ts-expect-error
    void err.errno;
    // code is a string; verifyResult is there only on a verification failure.
    // @ts-expect-error
    const code: number = err.code;
    void code;
    // @ts-expect-error
    void err.verifyResult.toFixed();
  }
  if (err instanceof SysCallError) {
    // @ts-expect-error
    const errno: string = err.errno;
    void errno;
  }
  // Each error class is its own: a WantReadError is not a SysCallError.
  // @ts-expect-error
  const sys: SysCallError = new WantReadError();
  void sys;
  // Transports: the blocking memory pair's recv may be a promise.
  const [a] = memoryPair();
  // @ts-expect-error
  const now: Uint8Array | null = a.recv(10);
  void now;
  // socketTransport needs a Node socket.
  // @ts-expect-error
  socketTransport({ write: () => true });
  // streamTransport needs both streams.
  // @ts-expect-error
  streamTransport({ readable: new ReadableStream<Uint8Array>() });
  // webSocketTransport needs a WebSocket.
  // @ts-expect-error
  webSocketTransport('wss://example.com');
  // wispClient needs a WebSocket, and a stream a host and a numeric port.
  // @ts-expect-error
  wispClient('wss://example.com/wisp/');
  // @ts-expect-error
  wispClient(new WebSocket('wss://example.com/wisp/')).transport('example.com:443');
  // @ts-expect-error
  wispClient(new WebSocket('wss://example.com/wisp/')).transport('example.com', '443');
  // A transport's recv gives bytes, not a string.
  const bad = {
    send: (data: Uint8Array) => data.length,
    recv: (max: number) => 'x'.repeat(max),
  };
  // @ts-expect-error
  const t: Transport = bad;
  void t;
  // Constants are numbers.
  // @ts-expect-error
  const pem: string = FILETYPE_PEM;
  void pem;
  // Not a TLS 1.2 constant.
  // @ts-expect-error
  const v: 0x304 = TLS1_2_VERSION;
  void v;
  // connect takes options, not a URL.
  // @ts-expect-error
  connect('https://example.com');
  // rejectUnauthorized is a boolean.
  // @ts-expect-error
  connect({ host: 'example.com', rejectUnauthorized: 'no' });
  // toDuplex and toWebStreams need a Connection.
  // @ts-expect-error
  toDuplex(ctx);
  // @ts-expect-error
  toWebStreams({ readable: null, writable: null });
  // authorized is not a function.
  // @ts-expect-error
  connect({ host: 'example.com' }).authorized();
}

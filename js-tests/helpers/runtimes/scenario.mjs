// The TLS client work every runtime test does, written once and loaded as a plain ES module
// with no imports of its own (Deno, Bun, a Web Worker and workerd all load it as is). The
// package comes in as `ssl` and the runtime's way to reach the test's node:tls server as
// `open()`, which returns a fresh transport each call.
//
// 1. A verifying client (the test CA only, host name `localhost`, ALPN `rt-test`) completes
//    a handshake, sends one line, reads the server's reply until its close_notify, and sends
//    its own. The server's reply names the protocol and cipher node:tls negotiated, so the
//    test can hold what rustls-ssl reports against the other side's view.
// 2. The same Context with the host name `wrong.example` must fail verification: proof that
//    this runtime really checks the certificate, not merely that bytes went through.
// 3. A client with no trust loaded uses the bundled roots, which the package imports on first
//    use (pkg/web/roots.js): it must fail with 20 (the test CA is not a Mozilla root), which
//    shows the import worked in this runtime; a failed one is "cannot load the bundled root
//    certificates" with no verify result.

/**
 * @param {any} ssl the package's exports
 * @param {() => any | Promise<any>} open a new transport to the test server
 * @param {{ caPem: string, message: string }} options
 */
export async function runScenario(ssl, open, { caPem, message }) {
  const ctx = new ssl.Context(ssl.TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, caPem);

  const first = await open();
  const conn = new ssl.Connection(ctx, first);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  conn.setAlpnProtos(['rt-test']);
  await conn.doHandshake();
  await conn.sendall(new TextEncoder().encode(`${message}\n`));
  const chunks = [];
  for (;;) {
    try {
      chunks.push(await conn.recv(16384));
    } catch (err) {
      if (err instanceof ssl.ZeroReturnError) break;
      throw err;
    }
  }
  await conn.shutdown();
  const reply = new TextDecoder().decode(concat(chunks));
  const result = {
    protocol: conn.getProtocolVersionName(),
    cipher: conn.getCipherName(),
    group: conn.getGroupName(),
    alpn: conn.getAlpnProtoNegotiated(),
    verify: conn.getVerifyResult(),
    peer: conn.getPeerCertificate()?.getSubject().CN ?? null,
    issuer: conn.getPeerCertificate()?.getIssuer().CN ?? null,
    servername: conn.getServername(),
    reply,
  };
  conn.free();
  await first.close?.();

  const second = await open();
  const wrong = new ssl.Connection(ctx, second);
  wrong.setConnectState();
  wrong.setTlsextHostName('wrong.example');
  /** @type {any} */
  let wrongHost = { failed: false };
  try {
    await wrong.doHandshake();
  } catch (err) {
    const e = /** @type {any} */ (err);
    wrongHost = {
      failed: true,
      sslError: e instanceof ssl.SSLError,
      code: e.code,
      verifyResult: wrong.getVerifyResult(),
      message: String(e.message),
    };
  }
  wrong.free();
  await second.close?.();

  const third = await open();
  const bundled = new ssl.Connection(new ssl.Context(ssl.TLS_CLIENT_METHOD), third);
  bundled.setConnectState();
  bundled.setTlsextHostName('localhost');
  /** @type {any} */
  let defaultRoots = { failed: false };
  try {
    await bundled.doHandshake();
  } catch (err) {
    const e = /** @type {any} */ (err);
    defaultRoots = { failed: true, verifyResult: bundled.getVerifyResult(), message: String(e.message) };
  }
  bundled.free();
  await third.close?.();
  return { ...result, wrongHost, defaultRoots };
}

/** @param {Uint8Array[]} chunks */
function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

// `npm start`: starts the demo stack (fresh test CA, two TLS servers, the WebSocket → TCP tunnel,
// a Wisp endpoint and the page server, all on 127.0.0.1), runs a rustls-ssl client in Node
// through the same tunnel the page uses, prints what it negotiated and the server's reply, then serves the page
// until Ctrl-C. PORT sets the page server's port (default 8080; a free one if that is taken).
import WebSocket from 'ws';
import * as ssl from 'rustls-ssl';
import { startStack } from './stack.mjs';

const DEFAULT_PORT = 8080;

const wanted = process.env.PORT ? Number(process.env.PORT) : DEFAULT_PORT;
if (!Number.isInteger(wanted) || wanted < 0 || wanted > 65535) {
  console.error(`PORT must be a port number, not ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}

const stack = await startOnPort(wanted);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => void stop(0));
}

console.log('demo stack on 127.0.0.1:');
console.log(`  trusted TLS server     ${stack.targets.trusted}   (certificate from the demo CA)`);
console.log(`  untrusted TLS server   ${stack.targets.untrusted}   (certificate from a CA nobody trusts)`);
console.log(`  WebSocket tunnel       ${stack.tunnelUrl}?target=HOST:PORT`);
console.log(`  Wisp endpoint          ${stack.wispUrl}   (streams to the two servers above only)`);
console.log('');

try {
  await nodeClient(stack);
} catch (err) {
  console.error(`the Node client failed: ${describe(err)}`);
  await stop(1);
}

console.log('');
console.log(`Open the demo page: ${stack.pageUrl}`);
console.log('Ctrl-C to stop');

/**
 * `startStack` on `port`; when that port is taken, on any free one, saying so.
 * @param {number} port
 */
async function startOnPort(port) {
  const log = (/** @type {string} */ line) => console.log(`  [server] ${line}`);
  try {
    return await startStack({ port, log });
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EADDRINUSE' || port === 0) throw err;
    const stack = await startStack({ port: 0, log });
    console.log(`port ${port} is in use; serving on ${new URL(stack.pageUrl).port} instead`);
    return stack;
  }
}

/**
 * The library client, in Node, through the tunnel: verifies the trusted server against the
 * demo CA, sends one HTTP/1.1 request and prints the handshake and the reply.
 * @param {Awaited<ReturnType<typeof startStack>>} stack
 */
async function nodeClient(stack) {
  const { Context, Connection, webSocketTransport, TLS_CLIENT_METHOD, ZeroReturnError, SysCallError } = ssl;
  if (typeof webSocketTransport !== 'function') {
    throw new Error('this build of rustls-ssl has no webSocketTransport; run npm run build');
  }
  const url = `${stack.tunnelUrl}?target=${stack.targets.trusted}`;
  console.log(`rustls-ssl client (Node) → ${url}`);

  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, stack.caPem);
  ctx.setAlpnProtos(['http/1.1']);
  const transport = webSocketTransport(new WebSocket(url));
  const conn = new Connection(ctx, transport);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  try {
    await conn.doHandshake();

    const cert = conn.getPeerCertificate();
    console.log('handshake complete:');
    console.log(`  protocol   ${conn.getProtocolVersionName()}`);
    console.log(`  cipher     ${conn.getCipherName()} (${conn.getCipherBits()} bits)`);
    console.log(`  group      ${conn.getGroupName()}`);
    console.log(`  ALPN       ${conn.getAlpnProtoNegotiated() || '(none)'}`);
    console.log(`  verify     ${conn.getVerifyResult()} (0 = ok)`);
    console.log(`  subject    ${cert.getSubject()}`);
    console.log(`  issuer     ${cert.getIssuer()}`);
    console.log(`  SANs       ${cert.getSubjectAltNames().join(', ')}`);
    console.log(`  sha256     ${cert.digest('sha256')}`);

    await conn.sendall('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const decoder = new TextDecoder();
    let response = '';
    for (;;) {
      try {
        response += decoder.decode(await conn.recv(16384), { stream: true });
      } catch (e) {
        if (e instanceof ZeroReturnError || e instanceof SysCallError) break;
        throw e;
      }
    }
    console.log('HTTP response:');
    console.log(response.replace(/\r/g, '').trimEnd().replace(/^(?=.)/gm, '  '));
  } finally {
    transport.close();
  }
}

/** @param {any} err */
function describe(err) {
  const cause = err?.cause?.message ? ` (cause: ${err.cause.message})` : '';
  return `${err?.name ?? 'Error'}: ${err?.message ?? err}${cause}`;
}

/** Closes the stack (servers and tunnels) and exits. @param {number} code */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  await stack.close().catch((err) => console.error(`while stopping: ${describe(err)}`));
  process.exit(code);
}

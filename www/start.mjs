// `npm start`: a TLS server on loopback and a rustls-ssl client that handshakes with it over a
// real socket, verifies it against the test CA, sends an HTTP/1.1 request and prints what was
// negotiated. (The browser demo through a WebSocket tunnel builds on this; see README.)
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import {
  Context,
  Connection,
  socketTransport,
  TLS_CLIENT_METHOD,
  ZeroReturnError,
  SysCallError,
} from 'rustls-ssl';

const fixture = (name) => readFileSync(new URL(`../js-tests/fixtures/${name}`, import.meta.url));

const server = tls.createServer(
  {
    cert: fixture('server-ecdsa-chain.pem'),
    key: fixture('server-ecdsa.key'),
    ALPNProtocols: ['http/1.1'],
  },
  (socket) => {
    socket.once('data', () => {
      const body = `hello from node:tls over ${socket.getProtocol()}\n`;
      socket.end(`HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
  },
);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
console.log(`TLS server (node:tls) listening on 127.0.0.1:${port}`);

const ctx = new Context(TLS_CLIENT_METHOD);
ctx.loadVerifyLocations(null, null, fixture('ca.pem'));
ctx.setAlpnProtos(['http/1.1']);

const socket = net.connect(port, '127.0.0.1');
await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
const conn = new Connection(ctx, socketTransport(socket));
conn.setConnectState();
conn.setTlsextHostName('localhost');
await conn.doHandshake();

const cert = conn.getPeerCertificate();
console.log('handshake complete:');
console.log(`  protocol     ${conn.getProtocolVersionName()}`);
console.log(`  cipher       ${conn.getCipherName()} (${conn.getCipherBits()} bits)`);
console.log(`  group        ${conn.getGroupName()}`);
console.log(`  ALPN         ${conn.getAlpnProtoNegotiated() || '(none)'}`);
console.log(`  verify       ${conn.getVerifyResult()} (0 = ok)`);
console.log(`  subject      ${cert.getSubject()}`);
console.log(`  issuer       ${cert.getIssuer()}`);
console.log(`  SANs         ${cert.getSubjectAltNames().join(', ')}`);
console.log(`  sha256       ${cert.digest('sha256')}`);

await conn.sendall('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n');
let response = '';
for (;;) {
  try {
    response += new TextDecoder().decode(await conn.recv(16384));
  } catch (e) {
    if (e instanceof ZeroReturnError || e instanceof SysCallError) break;
    throw e;
  }
}
console.log('HTTP response:\n' + response.replace(/\r/g, '').replace(/^/gm, '  '));
socket.destroy();
server.close();

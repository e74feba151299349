// The benchmark's peer: Node's own `tls` servers in a process of their own, so their CPU is
// never counted against the client being measured. One listening server per profile (a
// certificate, a TLS version and, for the bulk rows, the one cipher the server may pick), on
// 127.0.0.1. Started by fork(); sends `{ ports }` once listening, exits when the parent goes.
//
// The protocol on every connection: the client writes a decimal byte count and "\n", the
// server answers with that many bytes of the pattern (patternByte(position) in common.mjs),
// continuing the pattern where the last answer on this connection stopped; "0\n" or nothing
// keeps the connection idle. Many requests may follow on one connection.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';

import { PROFILES, patternBlock } from './common.mjs';

const fixture = (n) => readFileSync(new URL(`../../js-tests/fixtures/${n}`, import.meta.url));
const CERTS = {
  ecdsa: { cert: fixture('server-ecdsa-chain.pem'), key: fixture('server-ecdsa.key') },
  rsa: { cert: fixture('server-rsa-chain.pem'), key: fixture('server-rsa.key') },
};
/** Twice the pattern's period, so any position's next 64 KiB is one contiguous slice. */
const BLOCK = patternBlock();
const PERIOD = BLOCK.length / 2;
const SLICE = 64 * 1024;

function serve(sock) {
  sock.setNoDelay(true);
  sock.on('error', () => {});
  let line = '';
  let position = 0;
  let owed = 0;
  let writing = false;
  const pump = () => {
    writing = true;
    while (owed > 0) {
      const at = position % PERIOD;
      const n = Math.min(owed, SLICE);
      owed -= n;
      position += n;
      if (!sock.write(BLOCK.subarray(at, at + n))) {
        sock.once('drain', pump);
        return;
      }
    }
    writing = false;
  };
  sock.on('data', (chunk) => {
    line += chunk.toString('latin1');
    let nl;
    while ((nl = line.indexOf('\n')) >= 0) {
      const n = Number(line.slice(0, nl));
      line = line.slice(nl + 1);
      if (Number.isSafeInteger(n) && n > 0) owed += n;
    }
    if (line.length > 32) sock.destroy(); // not our client
    if (owed > 0 && !writing) pump();
  });
}

const servers = {};
for (const [name, p] of Object.entries(PROFILES)) {
  const server = tls.createServer({
    ...CERTS[p.cert],
    minVersion: p.version,
    maxVersion: p.version,
    // Node passes TLS 1.3 names to SSL_CTX_set_ciphersuites and the rest to set_cipher_list.
    ...(p.serverCiphers ? { ciphers: p.serverCiphers } : {}),
  });
  server.on('secureConnection', serve);
  server.on('tlsClientError', () => {});
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve));
  servers[name] = server.address().port;
}
process.send({ ports: servers });
process.on('disconnect', () => process.exit(0));

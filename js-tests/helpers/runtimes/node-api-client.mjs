// Run by Deno and by Bun from the folder where the packed tarball is installed (the test
// copies it there with scenario.mjs beside it), so `rustls-ssl` resolves the way it does for
// a user of that runtime. Argument: JSON `{ port, caPem, message }` for the test's node:tls
// server on 127.0.0.1. Prints one JSON line: which entry the runtime resolved, the shared
// scenario's result over `socketTransport(net.connect(…))`, and the same server reached
// through `connect()` (the tls.connect-shaped idiom, node:stream underneath).
import { createRequire } from 'node:module';
import net from 'node:net';
import process from 'node:process';
import * as ssl from 'rustls-ssl';
import { runScenario } from './scenario.mjs';

const { port, caPem, message } = JSON.parse(process.argv.at(-1) ?? '{}');

/** A connected socket to the test server, as a transport. */
function open() {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      sock.off('error', reject);
      resolve(ssl.socketTransport(sock));
    });
    sock.once('error', reject);
  });
}

/** `connect()`: what 'secureConnect' says, and everything read until the server's end. */
function viaConnect() {
  return new Promise((resolve, reject) => {
    const socket = ssl.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caPem, ALPNProtocols: ['rt-test'] });
    const chunks = [];
    let secure = null;
    socket.on('error', reject);
    socket.once('secureConnect', () => {
      secure = { authorized: socket.authorized, protocol: socket.getProtocol(), alpn: socket.alpnProtocol };
      socket.write(`${message} (connect)\n`);
    });
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => {
      socket.end();
      resolve({ ...secure, reply: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

const runtime = typeof globalThis.Deno !== 'undefined' ? `deno ${globalThis.Deno.version.deno}` : typeof globalThis.Bun !== 'undefined' ? `bun ${globalThis.Bun.version}` : `node ${process.version}`;
const out = {
  runtime,
  entry: import.meta.resolve('rustls-ssl'),
  // Deno only: whether this process may read files at all (the package must not need to).
  readPermission: globalThis.Deno ? globalThis.Deno.permissions.querySync({ name: 'read' }).state : null,
  // Bun: require() gives the same module instance as import (classes and errors shared).
  // (Deno's require() skips the `deno` condition and takes the Node entry, which needs
  // --allow-read: not exercised here.)
  requireShared: globalThis.Bun ? createRequire(import.meta.url)('rustls-ssl').Context === ssl.Context : null,
  scenario: await runScenario(ssl, open, { caPem, message }),
  connect: await viaConnect(),
};
console.log(JSON.stringify(out));
// Nothing should be left open, but a leftover handle must not turn a pass into a hang.
process.exit(0);

// A/B of bulk download throughput: two copies of the package (each its own wasm instance) and
// Node's own tls, in one process, taking turns on the same node:tls server (bench/lib/server.mjs
// in a child process), so the noise of a shared machine falls on all of them alike. Prints each
// candidate's median MiB/s and its ratio to Node's tls and to the first candidate, and the
// median CPU time this process spent per 16 KiB of plaintext (the server is another process,
// so this is the client's own cost, and much less noisy than wall time on a busy machine);
// then the best round of each (on a shared machine the least disturbed one).
//
//   node bench/bulk-ab.mjs [--mib 8] [--rounds 7] [--rows aes128-13,chacha-13] DIR_A DIR_B …
//
// Each DIR is a package root (its js/node.mjs is imported): e.g. a copy of the package before
// a change, and this checkout. `node` alone (no DIR) measures this checkout against node:tls.
import { once } from 'node:events';
import net from 'node:net';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';

import { rustlsDownload, request } from './lib/download.mjs';
import { startServer } from './lib/spawn-server.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mib: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '7' },
    rows: { type: 'string', default: 'aes128-13,aes128-12,aes256-13,chacha-13' },
  },
});
const BYTES = Math.round(Number(values.mib) * 1024 * 1024);
const ROUNDS = Number(values.rounds);
const CA = readFileSync(new URL('../js-tests/fixtures/ca.pem', import.meta.url), 'latin1');
const dirs = positionals.length ? positionals : [new URL('..', import.meta.url).pathname];

const server = await startServer();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One client per candidate: `open(port)` → `{ download(n), close() }`. */
const candidates = [];
for (const [i, dir] of dirs.entries()) {
  const pkg = await import(pathToFileURL(resolve(dir, 'js/node.mjs')).href);
  const ctx = new pkg.Context(pkg.TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, CA);
  candidates.push({
    name: `${String.fromCharCode(65 + i)}:${dir}`,
    async open(port) {
      const sock = net.connect({ port, host: '127.0.0.1', noDelay: true });
      sock.on('error', () => {});
      await once(sock, 'connect');
      const conn = new pkg.Connection(ctx, pkg.socketTransport(sock));
      conn.setConnectState();
      conn.setTlsextHostName('localhost');
      await conn.doHandshake();
      const download = rustlsDownload(conn);
      return { download: (n) => download(n), close: () => (sock.destroy(), conn.free()) };
    },
  });
}
const tls = await import('node:tls');
const secureContext = tls.createSecureContext({ ca: CA });
candidates.push({
  name: 'node:tls',
  async open(port) {
    const sock = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', secureContext });
    sock.setNoDelay(true);
    await once(sock, 'secureConnect');
    let want = 0;
    let done = null;
    sock.on('data', (d) => {
      want -= d.length;
      if (want <= 0 && done) {
        const r = done;
        done = null;
        r();
      }
    });
    return {
      download(n) {
        want = n;
        const p = new Promise((r) => (done = r));
        sock.write(request(n));
        return p;
      },
      close: () => sock.destroy(),
    };
  },
});

for (const row of values.rows.split(',')) {
  const port = server.ports[row];
  if (!port) throw new Error(`no server profile ${row}`);
  const conns = [];
  for (const c of candidates) {
    const conn = await c.open(port);
    await conn.download(256 * 1024); // warm up
    conns.push(conn);
  }
  const times = candidates.map(() => []);
  const cpus = candidates.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round.
    for (let k = 0; k < candidates.length; k++) {
      const i = (k + r) % candidates.length;
      const t0 = process.hrtime.bigint();
      const c0 = process.cpuUsage();
      await conns[i].download(BYTES);
      const c = process.cpuUsage(c0);
      times[i].push(Number(process.hrtime.bigint() - t0) / 1e9);
      cpus[i].push((c.user + c.system) / (BYTES / 16384));
    }
  }
  for (const c of conns) c.close();
  const mibs = times.map((t) => BYTES / 1024 / 1024 / median(t));
  const nodeMib = mibs[mibs.length - 1];
  const cpu = cpus.map(median);
  const cpuMin = cpus.map((xs) => Math.min(...xs));
  const best = times.map((t) => BYTES / 1024 / 1024 / Math.min(...t));
  console.log(`\n${row} (${values.mib} MiB × ${ROUNDS} rounds, median)`);
  for (const [i, c] of candidates.entries()) {
    console.log(
      `  ${c.name.padEnd(40)} ${mibs[i].toFixed(1).padStart(7)} MiB/s  ×node ${(mibs[i] / nodeMib).toFixed(3)}  ×A ${(mibs[i] / mibs[0]).toFixed(3)}   CPU ${cpu[i].toFixed(1).padStart(6)} µs/16 KiB  ×A ${(cpu[i] / cpu[0]).toFixed(3)}   best: ${best[i].toFixed(0).padStart(4)} MiB/s, CPU ${cpuMin[i].toFixed(1)} µs ×A ${(cpuMin[i] / cpuMin[0]).toFixed(3)}`,
    );
  }
}
server.close();
process.exit(0);

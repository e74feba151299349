// Cold start as a user meets it: a fresh `node` process imports the package and makes its
// first TLS handshake (to a node:tls server in this process), against the same done with
// Node's own `tls`. Runs alternate between the two so both see the same machine load; prints
// medians and the ratio. Never part of `npm test` (timings are not assertions).
//
//   node bench/cold-start.bench.mjs            BENCH_COLD_RUNS=N (default 15) runs of each
//   BENCH_COLD_ENTRY=/path/to/js/node.mjs      measure another build of the package (A/B)
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const fixture = (n) => fileURLToPath(new URL(`../js-tests/fixtures/${n}`, import.meta.url));
const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const ENTRY = pathToFileURL(process.env.BENCH_COLD_ENTRY ?? fileURLToPath(new URL('../js/node.mjs', import.meta.url))).href;

const server = tls.createServer(
  { cert: readFileSync(fixture('server-ecdsa-chain.pem')), key: readFileSync(fixture('server-ecdsa.key')) },
  (s) => s.on('error', () => {}).end(),
);
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;

// The child: `performance.now()` counts from the process's start, so `ready` is the time
// until the first line of user code runs, and the rest is what the package costs.
const child = (/** @type {string} */ specifier) => `
  const ready = performance.now();
  const mod = await import(${JSON.stringify(specifier)});
  const imported = performance.now();
  const ca = (await import('node:fs')).readFileSync(${JSON.stringify(fixture('ca.pem'))});
  const sock = mod.connect({ host: '127.0.0.1', port: ${port}, servername: 'localhost', ca });
  await new Promise((resolve, reject) => sock.once('secureConnect', resolve).once('error', reject));
  const done = performance.now();
  sock.destroy();
  console.log(JSON.stringify({ ready, importMs: imported - ready, handshakeMs: done - imported, totalMs: done - ready }));
`;

/** @param {string} specifier */
async function once(specifier) {
  const t0 = performance.now();
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', child(specifier)], { timeout: 60_000 });
  const wall = performance.now() - t0;
  return { ...JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'), wallMs: wall };
}

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** @type {Record<string, Record<string, number[]>>} */
const results = { 'rustls-ssl': {}, 'node:tls': {} };
await once('node:tls'); // warm the file cache for both before measuring
await once(ENTRY);
for (let i = 0; i < RUNS; i++) {
  for (const [name, spec] of i % 2 ? [['node:tls', 'node:tls'], ['rustls-ssl', ENTRY]] : [['rustls-ssl', ENTRY], ['node:tls', 'node:tls']]) {
    const r = await once(spec);
    for (const [k, v] of Object.entries(r)) (results[name][k] ??= []).push(v);
  }
}
server.close();

console.log(`cold start, median of ${RUNS} fresh processes each (ms); ratio = rustls-ssl / node:tls`);
console.log(`${''.padEnd(16)}${'rustls-ssl'.padStart(12)}${'node:tls'.padStart(12)}${'ratio'.padStart(8)}`);
for (const k of ['importMs', 'handshakeMs', 'totalMs', 'wallMs']) {
  const a = median(results['rustls-ssl'][k]);
  const b = median(results['node:tls'][k]);
  console.log(`${k.padEnd(16)}${a.toFixed(1).padStart(12)}${b.toFixed(1).padStart(12)}${(a / b).toFixed(2).padStart(8)}`);
}
console.log('(importMs: the import; handshakeMs: Context + connect + first handshake; totalMs: both; wallMs: spawn to exit)');

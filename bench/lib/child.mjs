// The benchmark rows that need a process of their own, run by bench/run.mjs as
//   node [--expose-gc] bench/lib/child.mjs TASK LIBRARY PORT [N]
// and answered with one line of JSON on stdout.
//
//   cold    a fresh process: the library's import plus its setup (trust loaded: for rustls-ssl
//           the wasm is compiled and instantiated by the import), then the first handshake.
//   memory  N established, idle connections: (heap + external) growth / N after a full GC.
//           External memory includes WebAssembly memories (V8 counts them there), so the wasm
//           heap of rustls-ssl is in the total; its growth is also reported on its own.
//   scale   N concurrent connections in this one process (handshakes paced a few dozen at a
//           time, every connection kept open), then one small round trip on each; skipped,
//           with the reason, if the descriptor limit cannot hold them.
// Timings from the start of this module are taken before the library is imported, so the
// import counts (the harness's own imports are the same for every library).
import { readFileSync } from 'node:fs';

const t0 = performance.now();
const [task, name, portArg, nArg] = process.argv.slice(2);
const port = Number(portArg);
const N = Number(nArg ?? 0);
const { loadLibrary } = await import('./clients.mjs');
const { PatternCheck } = await import('./common.mjs');

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
const mem = () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const u = process.memoryUsage();
  return { heap: u.heapUsed, external: u.external, total: u.heapUsed + u.external, rss: u.rss, wasm: wasmBytes() };
};

/** rustls-ssl's wasm memory, if its glue is the one this package loads (feature-detected). */
let glue = null;
function wasmBytes() {
  try {
    return glue?.initSync?.()?.memory?.buffer?.byteLength ?? null;
  } catch {
    return null;
  }
}

/** Soft limit on open files, from /proc (Linux); null where unknown. */
function fdLimit() {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === 'unlimited' ? Infinity : Number(soft);
  } catch {
    return null;
  }
}

/** Runs `open` N times with at most `width` at once; resolves to the outcomes in order. */
async function paced(n, width, open) {
  const results = new Array(n);
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        results[i] = { ok: true, conn: await open(i) };
      } catch (e) {
        results[i] = { ok: false, error: String(e?.message ?? e) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
  return results;
}

if (task === 'cold') {
  const lib = await loadLibrary(name);
  const t1 = performance.now();
  const conn = await lib.open(port);
  const t2 = performance.now();
  conn.close();
  out({ importMs: t1 - t0, firstHandshakeMs: t2 - t0, provider: lib.provider ?? null });
  process.exit(0);
}

if (name === 'rustls-ssl') {
  // The same module instance the package's Node entry initialised (same URL); initSync
  // returns the live exports when already initialised.
  glue = await import('../../pkg/web/rustls_ssl.js').catch(() => null);
}
const lib = await loadLibrary(name);

if (task === 'memory') {
  // One connection first, so lazily allocated per-library state is in the baseline.
  const warm = await lib.open(port);
  await warm.download(1024, new PatternCheck());
  const before = mem();
  const conns = [];
  for (let i = 0; i < N; i++) conns.push(await lib.open(port));
  await new Promise((r) => setTimeout(r, 300));
  const after = mem();
  const per = (k) => (after[k] == null || before[k] == null ? null : (after[k] - before[k]) / N);
  out({ n: N, perConn: { total: per('total'), heap: per('heap'), external: per('external'), wasm: per('wasm'), rss: per('rss') } });
  for (const c of conns) c.close();
  warm.close();
  process.exit(0);
}

if (task === 'scale') {
  const limit = fdLimit();
  // One descriptor per connection here, plus Node's own and some slack.
  if (limit !== null && limit < N + 200) {
    out({ skipped: `ulimit -n is ${limit} here (raising it failed); ${N} connections need about ${N + 200}` });
    process.exit(0);
  }
  const before = mem();
  const start = performance.now();
  // When each tenth of the connections was open: a cost that grows with the number already
  // open shows as later tenths taking longer than earlier ones.
  const tenths = [];
  let done = 0;
  const opened = await paced(N, 64, async () => {
    try {
      return await lib.open(port);
    } finally {
      if (++done % Math.max(1, Math.floor(N / 10)) === 0) tenths.push(Math.round(performance.now() - start));
    }
  });
  const openMs = performance.now() - start;
  const live = opened.filter((r) => r.ok).map((r) => r.conn);
  const during = mem();
  // Every connection still works while all are open: 64 bytes each, checked.
  const echoed = await paced(live.length, 256, async (i) => {
    const check = new PatternCheck();
    await live[i].download(64, check);
    if (check.bad >= 0 || check.position !== 64) throw new Error('bad bytes');
  });
  const totalMs = performance.now() - start;
  const ok = echoed.filter((r) => r.ok).length;
  const errors = [...new Set([...opened, ...echoed].filter((r) => !r.ok).map((r) => r.error))].slice(0, 3);
  for (const c of live) c.close();
  const grow = (k) => (during[k] == null || before[k] == null ? null : during[k] - before[k]);
  out({
    n: N,
    ok,
    openMs,
    totalMs,
    memory: { total: grow('total'), wasm: grow('wasm'), rss: grow('rss') },
    perConn: { total: grow('total') / Math.max(1, live.length) },
    fdLimit: limit,
    tenthsMs: tenths,
    errors,
  });
  process.exit(0);
}
throw new Error(`unknown task ${task}`);

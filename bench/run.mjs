// The benchmark users read (issue 8): Node's own `tls` client, rustls-ssl, subtls 0.5 and
// @reclaimprotocol/tls 0.1.2 against the same `node:tls` server, which runs in a child process
// so its CPU is never counted against a client. The clients take turns in one process, round
// after round (the order rotates each round), so the noise of a shared machine falls on all
// of them alike; every number is then reported as a ratio to Node's `tls` measured in the
// same run.
//
//   npm run bench                         builds, then runs the default set (a few minutes)
//   node bench/run.mjs --quick            a shorter run (fewer samples, 1,000 connections)
//   node bench/run.mjs --smoke            every row once with tiny sizes: checks the harness
//                                         (all libraries connect, every byte checked), asserts
//                                         no timing; writes nothing unless --out DIR
//   node bench/run.mjs --readme           prints the README table of bench/results/latest.json
//   node bench/run.mjs --update-readme    rewrites that table in README.md (between markers)
//   node bench/run.mjs --chart            redraws bench/results/chart.svg from latest.json
//
// Sizes: --rounds N, --hs N (handshakes per library and row), --bulk-mib N, --cold N (fresh
// processes per library), --mem N (connections), --scale N (0 skips), --rows ID,…,
// --libs NAME,…, --all-rows (adds TLS 1.2 AES-256 / ChaCha20 bulk), --out DIR, --no-write.
// Rows: handshake latency (TCP connect + verified handshake; median and p95), bulk download
// (MiB/s over an established connection; the first transfer is a warm-up checked byte for
// byte), cold start (fresh process: import + setup; import + first handshake), idle memory per
// connection (heap + external, which includes wasm memory; and RSS, the only place OpenSSL's
// own allocations show up), and N concurrent connections in one process for rustls-ssl.
// Never part of `npm test` (js-tests/bench-smoke.test.mjs runs --smoke, which times nothing).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import { LABELS, LIBRARIES, loadLibrary } from './lib/clients.mjs';
import { PatternCheck, ROWS, rotate } from './lib/common.mjs';
import { COMMON_OPTIONS, log, measureRow, message, readSettings, runHeader, startRow, stats, writeResults } from './lib/harness.mjs';
import { BROWSER_TITLE, markdownTable, svgChart, textTable } from './lib/report.mjs';
import { nodeWithFds, startServer } from './lib/spawn-server.mjs';

const ROOT = new URL('../', import.meta.url);
const RESULTS = new URL('bench/results/', ROOT);
const CHILD = fileURLToPath(new URL('./lib/child.mjs', import.meta.url));
const README_START = '<!-- bench:table:start -->';
const README_END = '<!-- bench:table:end -->';
const BROWSER_START = '<!-- bench:browser:start -->';
const BROWSER_END = '<!-- bench:browser:end -->';

const { values: opt } = parseArgs({
  options: {
    ...COMMON_OPTIONS,
    readme: { type: 'boolean' },
    'update-readme': { type: 'boolean' },
    chart: { type: 'boolean' },
    cold: { type: 'string' },
    mem: { type: 'string' },
    scale: { type: 'string' },
    rows: { type: 'string' },
    libs: { type: 'string' },
    'all-rows': { type: 'boolean' },
  },
});

// ---- Reports from a saved run -------------------------------------------------------------

async function latest() {
  return JSON.parse(await readFile(new URL('latest.json', RESULTS), 'utf8'));
}
if (opt.readme || opt['update-readme'] || opt.chart) {
  const results = await latest();
  if (opt.readme) console.log(markdownTable(results));
  if (opt.chart) {
    await writeFile(new URL('chart.svg', RESULTS), svgChart(results));
    const browser = await readFile(new URL('browser-latest.json', RESULTS), 'utf8').then(JSON.parse, () => null);
    if (browser) await writeFile(new URL('chart-browser.svg', RESULTS), svgChart(browser, { title: BROWSER_TITLE }));
  }
  if (opt['update-readme']) {
    const url = new URL('README.md', ROOT);
    const text = await readFile(url, 'utf8');
    const a = text.indexOf(README_START);
    const b = text.indexOf(README_END);
    if (a < 0 || b < a) throw new Error(`README.md has no ${README_START} … ${README_END} block`);
    let next = text.slice(0, a) + `${README_START}\n${runLine(results)}\n\n${markdownTable(results)}\n` + text.slice(b);
    // The browser run's table too, when there is one and the README has its block.
    const browser = await readFile(new URL('browser-latest.json', RESULTS), 'utf8').then(JSON.parse, () => null);
    const c = next.indexOf(BROWSER_START);
    const d = next.indexOf(BROWSER_END);
    if (browser && c >= 0 && d > c) {
      const line = `_Measured ${browser.date} (\`npm run bench:browser\`) in ${browser.machine.browser.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? 'Chromium'}; ratios to subtls 0.5.${browser.note ? ` ${browser.note}` : ''}_`;
      next = next.slice(0, c) + `${BROWSER_START}\n${line}\n\n${markdownTable(browser)}\n` + next.slice(d);
    }
    await writeFile(url, next);
    console.log('README.md tables updated from bench/results/latest.json (and browser-latest.json)');
  }
  process.exit(0);
}

function runLine(r) {
  const size = r.package?.wasmGzipBytes
    ? `; wasm ${(r.package.wasmBytes / 1024).toFixed(0)} KB, ${(r.package.wasmGzipBytes / 1024).toFixed(0)} KB gzip`
    : '';
  const provider = r.package?.provider ? `; crypto provider: ${r.package.provider}` : '';
  const note = r.note ? ` ${r.note}` : '';
  return `_Measured ${r.date} (\`npm run bench\`, ${r.mode} mode${r.settings ? `, ${r.settings.rounds} rounds, ${r.settings.cold} cold starts` : ''}, ${r.seconds} s), ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average ${r.machine.loadBefore} before the run${size}${provider}.${note}_`;
}

// ---- Settings -----------------------------------------------------------------------------

// [smoke, quick, default] of each size.
const { smoke, quick, S } = readSettings(opt, {
  rounds: [1, 3, 6],
  hs: [1, 15, 48],
  'bulk-mib': [0.25, 2, 8],
  cold: [1, 3, 5],
  mem: [3, 100, 300],
  scale: [20, 1000, 10000],
});
const libs = opt.libs ? opt.libs.split(',') : LIBRARIES;
for (const l of libs) if (!LIBRARIES.includes(l)) throw new Error(`unknown library ${l} (${LIBRARIES.join(', ')})`);
if (libs[0] !== 'node:tls') throw new Error('node:tls is the baseline: list it first');
const rowIds = opt.rows?.split(',');
const timeoutMs = smoke ? 30_000 : 120_000;

/** Rejects after `ms` with a message naming what hung. */
function timed(promise, what, ms = timeoutMs) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

let failures = 0;

// ---- The run ------------------------------------------------------------------------------

const startedAt = Date.now();
const loadBefore = os.loadavg()[0].toFixed(2);
const server = await startServer();
const loaded = {};
for (const l of libs) loaded[l] = await loadLibrary(l);
log(`benchmark server (child ${server.child.pid}) on ${Object.keys(server.ports).length} ports; settings ${JSON.stringify(S)}`);

const rows = [];

for (const def of ROWS) {
  if (rowIds ? !rowIds.includes(def.id) : def.extra && !opt['all-rows']) continue;
  const port = server.ports[def.profile];
  const r = startRow(def, libs, () => failures++);
  rows.push(r.row);
  const conns = {};
  await measureRow(def, r, S, {
    async handshake(l) {
      const t0 = performance.now();
      const conn = await timed(loaded[l].open(port), `${l} handshake`);
      const dt = performance.now() - t0;
      if (smoke) {
        const check = new PatternCheck();
        await timed(conn.download(100, check), `${l} download`);
        if (check.bad >= 0 || check.position !== 100) throw new Error(`bytes differ at ${check.bad}`);
      }
      conn.close();
      return dt;
    },
    async open(l, warm) {
      conns[l] = await timed(loaded[l].open(port), `${l} handshake`);
      const check = new PatternCheck();
      await timed(conns[l].download(warm, check), `${l} download`);
      if (check.bad >= 0 || check.position !== warm) throw new Error(`bytes differ at position ${check.bad}`);
      conns[l].position = warm;
    },
    async download(l, n) {
      const check = smoke ? new PatternCheck(conns[l].position) : null;
      const t0 = performance.now();
      await timed(conns[l].download(n, check), `${l} download`);
      const dt = performance.now() - t0;
      conns[l].position += n;
      if (check && (check.bad >= 0 || check.position !== conns[l].position)) throw new Error(`bytes differ at ${check.bad}`);
      return dt;
    },
    close: (l) => conns[l]?.close(),
  });
}

/** Runs child.mjs and parses its one line of JSON. */
function child(args, { gc = false, fds = false } = {}) {
  const argv = [...(gc ? ['--expose-gc'] : []), CHILD, ...args.map(String)];
  return timed(
    new Promise((resolve, reject) => {
      const done = (err, stdout, stderr) => {
        if (err) return reject(new Error(`${args.join(' ')}: ${message(stderr) || message(err)}`));
        try {
          resolve(JSON.parse(stdout.trim().split('\n').pop()));
        } catch {
          reject(new Error(`${args.join(' ')}: no result (${message(stderr)})`));
        }
      };
      if (!fds) return execFile(process.execPath, argv, { maxBuffer: 1 << 20 }, done);
      const p = nodeWithFds(argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => (out += d));
      p.stderr.on('data', (d) => (err += d));
      p.on('exit', (code) => done(code ? new Error(`exit ${code}`) : null, out, err));
    }),
    `child ${args.join(' ')}`,
    Math.max(timeoutMs, 600_000),
  );
}

// Cold start: fresh processes, the libraries' turns interleaved.
if (S.cold > 0 && (!rowIds || rowIds.some((r) => r.startsWith('cold')))) {
  log('cold start (fresh processes)…');
  const coldImport = { id: 'cold-import', label: 'cold start: import + setup', kind: 'cold', unit: 'ms', better: 'lower', results: {} };
  const coldHs = { id: 'cold-handshake', label: 'cold start: import + first handshake', kind: 'cold', unit: 'ms', better: 'lower', results: {} };
  const imp = Object.fromEntries(libs.map((l) => [l, []]));
  const hs = Object.fromEntries(libs.map((l) => [l, []]));
  const broken = new Set();
  for (let i = 0; i < S.cold; i++) {
    for (const l of rotate(libs, i)) {
      if (broken.has(l)) continue;
      try {
        const r = await child(['cold', l, server.ports.ecdsa13]);
        imp[l].push(r.importMs);
        hs[l].push(r.firstHandshakeMs);
      } catch (e) {
        broken.add(l);
        failures++;
        coldImport.results[l] = coldHs.results[l] = { error: message(e) };
        log(`  ${l}: cold start failed: ${message(e)}`);
      }
    }
  }
  for (const l of libs) {
    if (broken.has(l)) continue;
    coldImport.results[l] = stats(imp[l]);
    coldHs.results[l] = stats(hs[l]);
  }
  rows.push(coldImport, coldHs);
}

// Idle memory per established connection, each library in a fresh process.
if (S.mem > 0 && (!rowIds || rowIds.some((r) => r.startsWith('mem')))) {
  log(`idle memory (${S.mem} connections per library)…`);
  const js = { id: 'mem-js', label: 'idle memory / connection: heap+external+wasm', kind: 'memory', unit: 'bytes', better: 'lower', results: {} };
  const rss = { id: 'mem-rss', label: 'idle memory / connection: RSS growth', kind: 'memory', unit: 'bytes', better: 'lower', results: {} };
  for (const l of libs) {
    try {
      const r = await child(['memory', l, server.ports.ecdsa13, S.mem], { gc: true, fds: S.mem > 500 });
      js.results[l] = { median: r.perConn.total, n: r.n, heap: r.perConn.heap, external: r.perConn.external, wasm: r.perConn.wasm };
      rss.results[l] = { median: r.perConn.rss, n: r.n };
    } catch (e) {
      failures++;
      js.results[l] = rss.results[l] = { error: message(e) };
      log(`  ${l}: memory failed: ${message(e)}`);
    }
  }
  rows.push(js, rss);
}

// N concurrent connections in one process: rustls-ssl.
let scale;
if (S.scale > 0 && libs.includes('rustls-ssl') && (!rowIds || rowIds.includes('scale'))) {
  log(`${S.scale} concurrent connections (rustls-ssl)…`);
  try {
    scale = { 'rustls-ssl': await child(['scale', 'rustls-ssl', server.ports.ecdsa13, S.scale], { gc: true, fds: true }) };
    const r = scale['rustls-ssl'];
    if (r.skipped) log(`  skipped: ${r.skipped}`);
    else if (r.ok !== r.n) {
      failures++;
      log(`  only ${r.ok} of ${r.n} connections worked: ${r.errors.join('; ')}`);
    }
  } catch (e) {
    failures++;
    scale = { 'rustls-ssl': { n: S.scale, ok: 0, error: message(e) } };
    log(`  failed: ${message(e)}`);
  }
}

server.close();

// ---- Results ------------------------------------------------------------------------------

const wasmFile = new URL('pkg/web/rustls_ssl_bg.wasm', ROOT);
const wasm = await readFile(wasmFile).catch(() => null);
const pkgJson = JSON.parse(await readFile(new URL('package.json', ROOT), 'utf8'));
const results = {
  ...runHeader({
    startedAt,
    smoke,
    quick,
    opt,
    settings: S,
    loadBefore,
    extra: { openssl: process.versions.openssl, platform: `${os.platform()} ${os.release()}` },
  }),
  package: {
    version: pkgJson.version,
    provider: loaded['rustls-ssl']?.provider ?? null,
    wasmBytes: wasm?.length ?? null,
    wasmGzipBytes: wasm ? gzipSync(wasm, { level: 9 }).length : null,
  },
  baseline: 'node:tls',
  libraries: Object.fromEntries(libs.map((l) => [l, LABELS[l]])),
  rows,
  scale,
};

console.log(textTable(results));
if (scale) {
  for (const [l, r] of Object.entries(scale)) {
    console.log(
      r.skipped
        ? `${LABELS[l]}: ${r.n ?? S.scale} concurrent connections skipped: ${r.skipped}`
        : r.error
          ? `${LABELS[l]}: ${S.scale} concurrent connections failed: ${r.error}`
          : `${LABELS[l]}: ${r.ok}/${r.n} concurrent connections connected and answered; opening all took ${(r.openMs / 1000).toFixed(1)} s, ` +
            `${(r.totalMs / 1000).toFixed(1)} s with one round trip each; heap+external +${(r.memory.total / 1048576).toFixed(1)} MiB ` +
            `(${(r.perConn.total / 1024).toFixed(1)} KiB per connection), RSS +${(r.memory.rss / 1048576).toFixed(1)} MiB`,
    );
  }
}
if (results.package.provider) console.log(`rustls-ssl crypto provider: ${results.package.provider}`);
if (wasm) console.log(`wasm: ${wasm.length} bytes, ${results.package.wasmGzipBytes} gzip`);
console.log(`(${results.seconds} s; load average ${loadBefore} before, ${results.machine.loadAfter} after)`);

await writeResults(results, { opt, smoke, dir: fileURLToPath(RESULTS), prefix: 'node', latest: 'latest.json', chart: 'chart.svg', svg: svgChart(results) });
if (smoke) {
  // Every library that can talk to a row's server did, and every byte was right.
  for (const row of rows) {
    for (const l of libs) {
      const r = row.results[l];
      if (!r || r.error || (!r.na && !(r.n > 0 || Number.isFinite(r.median)))) {
        failures++;
        log(`smoke: ${row.id} / ${l}: ${r?.error ?? 'no result'}`);
      }
    }
  }
  if (scale?.['rustls-ssl'] && !scale['rustls-ssl'].skipped && scale['rustls-ssl'].ok !== scale['rustls-ssl'].n) failures++;
  console.log(failures ? `smoke: ${failures} failure(s)` : 'smoke: ok');
}
process.exit(failures ? 1 : 0);

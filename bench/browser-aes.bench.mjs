// Bulk download in headless Chromium through a WebSocket → TCP tunnel from a node:tls server
// (in a child process) that is forced to one cipher suite (Node sets TLS 1.3 suites with `ciphers`): rustls-ssl (the web build, AES in
// wasm) against subtls 0.5 (TLS 1.3 AES-128-GCM only, on WebCrypto), interleaved round by
// round on the same server. Prints MiB/s (median and best of the rounds) and writes JSON.
// Standalone: `node bench/browser-aes.bench.mjs` (after scripts/build.sh). Never a test.
// docs/wasm-aes.md reads its numbers.
import { fork } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const fixture = (n) => readFileSync(new URL(`../js-tests/fixtures/${n}`, import.meta.url), 'utf8');
const BYTES = Number(process.env.BENCH_MIB ?? 16) * 1048576;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

// ---- child: the TLS server. Each connection sends a decimal byte count and a newline, and
// gets that many bytes back (in 64 KiB writes, respecting backpressure).
if (process.argv[2] === '--server') {
  const servers = [];
  const chunk = Buffer.alloc(65536, 0x61);
  for (const [name, opts] of Object.entries({
    'tls13-aes128': { minVersion: 'TLSv1.3', ciphers: 'TLS_AES_128_GCM_SHA256' },
    'tls12-aes128': { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' },
    'tls13-chacha': { minVersion: 'TLSv1.3', ciphers: 'TLS_CHACHA20_POLY1305_SHA256' },
  })) {
    const server = tls.createServer({ cert: fixture('server-ecdsa-chain.pem'), key: fixture('server-ecdsa.key'), ...opts }, (s) => {
      let line = '';
      s.on('error', () => {});
      s.on('data', function onData(d) {
        line += d;
        if (!line.includes('\n')) return;
        s.off('data', onData);
        let left = Number.parseInt(line, 10);
        const pump = () => {
          while (left > 0) {
            const n = Math.min(left, chunk.length);
            left -= n;
            if (!s.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void s.once('drain', pump);
          }
        };
        pump();
      });
    });
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    servers.push([name, `127.0.0.1:${server.address().port}`]);
  }
  process.send(Object.fromEntries(servers));
}

async function main() {
  const { launchChromium } = await import('../js-tests/helpers/chromium.mjs');
  const { createTunnel } = await import('../www/tunnel.mjs');
  const { createStaticHandler } = await import('../www/static.mjs');

  const child = fork(fileURLToPath(import.meta.url), ['--server']);
  const targets = await new Promise((r) => child.once('message', r));
  const tunnel = createTunnel({ allowed: Object.values(targets) });
  const serve = createStaticHandler({
    // BENCH_ROOT: another tree's js/, pkg/web and node_modules/subtls, to measure a build
    // against another (docs/wasm-aes.md's "before" is the previous wasm served this way).
    root: process.env.BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url)),
    folders: ['js', 'pkg/web', 'node_modules/subtls'],
    index: '/bench.html',
    routes: { '/bench.html': () => ({ type: 'text/html; charset=utf-8', body: PAGE }) },
  });
  const web = http.createServer(serve);
  web.on('upgrade', (req, socket, head) => tunnel.handleUpgrade(req, socket, head));
  await new Promise((r) => web.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${web.address().port}`;

  const browser = await launchChromium();
  const results = {};
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    // The renderer's CPU time (all its threads: WebCrypto works off the main thread), which a
    // loaded machine disturbs far less than the wall clock.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    const cpu = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ProcessTime').value;
    await page.goto(`${origin}/bench.html`);
    await page.waitForFunction(() => globalThis.ready === true);
    const ws = (target) => `ws://127.0.0.1:${web.address().port}/tunnel?target=${targets[target]}`;
    const cases = [
      ['rustls-ssl', 'tls13-aes128'],
      ['subtls', 'tls13-aes128'],
      ['rustls-ssl', 'tls12-aes128'],
      ['rustls-ssl', 'tls13-chacha'],
    ];
    const ca = fixture('ca.pem');
    // One small warm-up download each (wasm tier-up, WebCrypto key import paths).
    for (const [lib, target] of cases) await page.evaluate(([l, u, c]) => globalThis.download(l, u, c, 1 << 20), [lib, ws(target), ca]);
    if (process.env.BENCH_PROFILE) await profile(page, ws(process.env.BENCH_PROFILE_TARGET ?? 'tls13-aes128'), ca);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [lib, target] of cases) {
        const t = await cpu();
        const r = await page.evaluate(([l, u, c, n]) => globalThis.download(l, u, c, n), [lib, ws(target), ca, BYTES]);
        const cpuS = (await cpu()) - t;
        const row = (results[`${lib} ${target}`] ??= { cipher: r.cipher, mibps: [], cpuMibps: [] });
        row.mibps.push(BYTES / 1048576 / (r.ms / 1000));
        // Includes the handshake (small beside 16 MiB) and the page's share of WebSocket work.
        row.cpuMibps.push(BYTES / 1048576 / cpuS);
      }
    }
  } finally {
    await browser.close();
    tunnel.close();
    web.close();
    child.kill();
  }
  const median = (xs) => +[...xs].sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
  const rows = Object.entries(results).map(([name, { cipher, mibps, cpuMibps }]) => ({
    name,
    cipher,
    median: median(mibps),
    best: +Math.max(...mibps).toFixed(1),
    cpuMedian: median(cpuMibps),
  }));
  console.log(`headless Chromium, ${BYTES / 1048576} MiB per download, ${ROUNDS} rounds`);
  console.log(`${''.padEnd(26)} ${'negotiated'.padEnd(30)} wall MiB/s: median   best   MiB per renderer CPU-s`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(26)} ${r.cipher.padEnd(30)} ${String(r.median).padStart(18)} ${String(r.best).padStart(6)} ${String(r.cpuMedian).padStart(24)}`);
  }
  mkdirSync(new URL('../test-output/', import.meta.url), { recursive: true });
  const out = new URL('../test-output/browser-aes.json', import.meta.url);
  writeFileSync(out, JSON.stringify({ bytes: BYTES, rounds: ROUNDS, rows }, null, 2) + '\n');
  console.log(`wrote ${fileURLToPath(out)}`);
}

/**
 * BENCH_PROFILE=rustls-ssl|subtls: one download under Chromium's CPU profiler, then the
 * functions with the most self time (where a download's time goes, wasm included).
 */
async function profile(page, url, ca) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.evaluate(([l, u, c, n]) => globalThis.download(l, u, c, n), [process.env.BENCH_PROFILE, url, ca, BYTES]);
  const { profile: p } = await cdp.send('Profiler.stop');
  const self = new Map();
  const dt = new Map();
  p.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  for (const n of p.nodes) {
    const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
    self.set(key, (self.get(key) ?? 0) + (dt.get(n.id) ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  console.log(`profile of one ${process.env.BENCH_PROFILE} download (self time):`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${((100 * v) / total).toFixed(1).padStart(6)}%  ${k}`);
}

// The page: both clients, one `download(lib, tunnelUrl, caPem, bytes)` that times only the
// transfer (request sent → last byte received), after the handshake.
const PAGE = `<!doctype html><meta charset="utf-8"><title>AES bench</title><script type="module">
import * as ssl from '/js/web.mjs';
import { startTls, TrustedCert, WebSocketReadQueue } from '/node_modules/subtls/index.js';

function openSocket(url) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  return new Promise((resolve, reject) => { ws.onopen = () => resolve(ws); ws.onerror = reject; });
}

async function rustls(url, ca, bytes) {
  const ctx = new ssl.Context(ssl.TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, ca);
  const transport = ssl.webSocketTransport(new WebSocket(url));
  const conn = new ssl.Connection(ctx, transport);
  conn.setConnectState();
  conn.setTlsextHostName('localhost');
  await conn.doHandshake();
  const t = performance.now();
  await conn.sendall(bytes + '\\n');
  let got = 0;
  while (got < bytes) got += (await conn.recv(65536)).length;
  const ms = performance.now() - t;
  const cipher = conn.getCipherName();
  transport.close();
  return { ms, cipher };
}

async function subtls(url, ca, bytes) {
  const ws = await openSocket(url);
  // subtls's own reader for a WebSocket, as its README's examples use it.
  const queue = new WebSocketReadQueue(ws);
  const read = queue.read.bind(queue);
  const roots = await TrustedCert.databaseFromPEM(ca);
  const { read: tlsRead, write } = await startTls('localhost', roots, read, (d) => ws.send(d));
  const t = performance.now();
  await write(new TextEncoder().encode(bytes + '\\n'));
  let got = 0;
  while (got < bytes) {
    const d = await tlsRead();
    if (d === undefined) throw new Error('subtls: closed after ' + got);
    got += d.length;
  }
  const ms = performance.now() - t;
  ws.close();
  return { ms, cipher: 'TLS_AES_128_GCM_SHA256' };
}

globalThis.download = (lib, url, ca, bytes) => (lib === 'subtls' ? subtls : rustls)(url, ca, bytes);
globalThis.ready = true;
</script>`;

if (process.argv[2] !== '--server') await main();

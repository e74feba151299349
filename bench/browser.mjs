// `npm run bench:browser`: rustls-ssl's web build against subtls 0.5 in headless Chromium
// (playwright-core driving /usr/bin/chromium), both inside one page and each over a WebSocket
// tunnel (www/tunnel.mjs) to the same node:tls servers as the Node benchmark (a child
// process). Handshake latency and bulk download per cipher, interleaved round by round;
// ratios are to subtls, the JavaScript library a page would use instead (in a browser there
// is no Node `tls` to compare with; @reclaimprotocol/tls needs a bundler, so it is not here).
// Rows subtls cannot do (TLS 1.2, AES-256-GCM, ChaCha20) show rustls-ssl's numbers alone.
//
//   node bench/browser.mjs [--quick | --smoke] [--rounds N] [--hs N] [--bulk-mib N] [--out DIR] [--no-write]
// Writes bench/results/browser-<date>.json, browser-latest.json and chart-browser.svg.
import http from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { launchChromium } from '../js-tests/helpers/chromium.mjs';
import { createStaticHandler } from '../www/static.mjs';
import { createTunnel } from '../www/tunnel.mjs';
import { LABELS, supports } from './lib/clients.mjs';
import { PROFILES, ROWS, median, percentile, rotate } from './lib/common.mjs';
import { BROWSER_TITLE, svgChart, textTable } from './lib/report.mjs';
import { startServer } from './lib/spawn-server.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    smoke: { type: 'boolean' },
    rounds: { type: 'string' },
    hs: { type: 'string' },
    'bulk-mib': { type: 'string' },
    out: { type: 'string' },
    'no-write': { type: 'boolean' },
    note: { type: 'string' },
  },
});
const smoke = Boolean(opt.smoke);
const quick = Boolean(opt.quick);
const num = (v, d) => (v === undefined ? d : Number(v));
const S = {
  rounds: num(opt.rounds, smoke ? 1 : quick ? 3 : 5),
  hs: num(opt.hs, smoke ? 1 : quick ? 10 : 30),
  bulkBytes: Math.round(num(opt['bulk-mib'], smoke ? 0.25 : quick ? 2 : 4) * 1024 * 1024),
};
const LIBS = ['subtls', 'rustls-ssl'];
const log = (s) => process.stderr.write(s + '\n');
const message = (e) => String(e?.message ?? e).split('\n')[0].slice(0, 120);

const startedAt = Date.now();
const loadBefore = os.loadavg()[0].toFixed(2);
const server = await startServer();
const caPem = await readFile(path.join(ROOT, 'js-tests/fixtures/ca.pem'), 'utf8');
const tunnel = createTunnel({ allowed: Object.values(server.ports).map((p) => `127.0.0.1:${p}`) });
const serve = createStaticHandler({
  root: ROOT,
  folders: ['bench', 'js', 'pkg/web', 'node_modules/subtls'],
  index: '/bench/browser/page.html',
});
const web = http.createServer((req, res) => void serve(req, res));
web.on('upgrade', (req, socket, head) => tunnel.handleUpgrade(req, socket, head));
await new Promise((r) => web.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${web.address().port}`;

let browser;
let failures = 0;
const rows = [];
let info = {};
try {
  browser = await launchChromium();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${base}/bench/browser/page.html`);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 }).catch(() => {
    throw new Error(`the page did not load: ${errors.join('; ')}`);
  });
  info = await page.evaluate(([ca, t]) => window.bench.init(ca, t), [caPem, `ws://127.0.0.1:${web.address().port}/tunnel`]);
  const call = (fn, ...args) => page.evaluate(([f, a]) => window.bench[f](...a), [fn, args]);

  for (const def of ROWS) {
    if (def.extra) continue;
    const profile = PROFILES[def.profile];
    const port = server.ports[def.profile];
    const row = { id: def.id, label: def.label, kind: def.kind, unit: def.kind === 'bulk' ? 'MiB/s' : 'ms', better: def.kind === 'bulk' ? 'higher' : 'lower', results: {} };
    rows.push(row);
    const active = LIBS.filter((l) => {
      const why = supports(l, profile);
      if (why) row.results[l] = { na: why };
      return !why;
    });
    const samples = Object.fromEntries(active.map((l) => [l, []]));
    const fail = (l, e) => {
      row.results[l] = { error: message(e) };
      active.splice(active.indexOf(l), 1);
      failures++;
      log(`  ${l}: ${def.id} failed: ${message(e)}`);
    };
    log(`${def.label}…`);
    if (def.kind === 'handshake') {
      const per = Math.max(1, Math.ceil(S.hs / S.rounds));
      for (let round = -1; round < S.rounds; round++) {
        for (const l of rotate(active, Math.max(0, round))) {
          try {
            for (let i = 0; i < (round < 0 ? 2 : per); i++) {
              const ms = await call('handshake', l, port, smoke || round < 0);
              if (round >= 0) samples[l].push(ms);
            }
          } catch (e) {
            fail(l, e);
          }
        }
      }
    } else {
      const ids = {};
      for (const l of [...active]) {
        try {
          ids[l] = await call('open', l, port);
          await call('download', ids[l], Math.min(S.bulkBytes, 1024 * 1024), true);
        } catch (e) {
          fail(l, e);
        }
      }
      for (let round = 0; round < S.rounds; round++) {
        for (const l of rotate(active, round)) {
          try {
            const ms = await call('download', ids[l], S.bulkBytes, smoke);
            samples[l].push(S.bulkBytes / 1048576 / (ms / 1000));
          } catch (e) {
            fail(l, e);
          }
        }
      }
      for (const l of Object.keys(ids)) await call('close', ids[l]).catch(() => {});
    }
    for (const l of active) row.results[l] = { median: median(samples[l]), p95: percentile(samples[l], 0.95), n: samples[l].length };
  }
} finally {
  await browser?.close();
  tunnel.close();
  web.close();
  web.closeAllConnections();
  server.close();
}

const results = {
  schema: 1,
  date: new Date(startedAt).toISOString().slice(0, 10),
  startedAt: new Date(startedAt).toISOString(),
  seconds: Math.round((Date.now() - startedAt) / 1000),
  mode: smoke ? 'smoke' : quick ? 'quick' : 'default',
  note: opt.note ?? '',
  settings: S,
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model?.trim() ?? '?', node: process.versions.node, browser: info.userAgent ?? '?', loadBefore, loadAfter: os.loadavg()[0].toFixed(2) },
  package: { provider: info.provider ?? null },
  baseline: 'subtls',
  libraries: Object.fromEntries(LIBS.map((l) => [l, LABELS[l]])),
  rows,
};
console.log(textTable(results));
console.log(`(${results.seconds} s in ${info.userAgent ?? 'Chromium'}; ratios are to subtls; load average ${loadBefore} before, ${results.machine.loadAfter} after)`);
if (!opt['no-write'] && (!smoke || opt.out)) {
  const dir = opt.out ? path.resolve(opt.out) : path.join(ROOT, 'bench/results');
  await mkdir(dir, { recursive: true });
  const json = JSON.stringify(results, null, 2) + '\n';
  await writeFile(path.join(dir, `browser-${results.date}.json`), json);
  await writeFile(path.join(dir, 'browser-latest.json'), json);
  await writeFile(path.join(dir, 'chart-browser.svg'), svgChart(results, { title: BROWSER_TITLE }));
  log(`wrote ${dir}/browser-${results.date}.json, browser-latest.json and chart-browser.svg`);
}
if (smoke) console.log(failures ? `smoke: ${failures} failure(s)` : 'smoke: ok');
process.exit(failures ? 1 : 0);

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
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { launchChromium } from '../js-tests/helpers/chromium.mjs';
import { createStaticHandler } from '../www/static.mjs';
import { createTunnel } from '../www/tunnel.mjs';
import { LABELS } from './lib/clients.mjs';
import { ROWS } from './lib/common.mjs';
import { COMMON_OPTIONS, measureRow, readSettings, runHeader, startRow, writeResults } from './lib/harness.mjs';
import { BROWSER_TITLE, svgChart, textTable } from './lib/report.mjs';
import { startServer } from './lib/spawn-server.mjs';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { values: opt } = parseArgs({ options: COMMON_OPTIONS });
const { smoke, quick, S } = readSettings(opt, { rounds: [1, 3, 5], hs: [1, 10, 30], 'bulk-mib': [0.25, 2, 4] });
const LIBS = ['subtls', 'rustls-ssl'];

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
    const port = server.ports[def.profile];
    const r = startRow(def, LIBS, () => failures++);
    rows.push(r.row);
    const ids = {};
    await measureRow(def, r, S, {
      handshake: (l, warmUp) => call('handshake', l, port, smoke || warmUp),
      async open(l, warm) {
        ids[l] = await call('open', l, port);
        await call('download', ids[l], warm, true);
      },
      download: (l, n) => call('download', ids[l], n, smoke),
      close: (l) => (l in ids ? call('close', ids[l]).catch(() => {}) : undefined),
    });
  }
} finally {
  await browser?.close();
  tunnel.close();
  web.close();
  web.closeAllConnections();
  server.close();
}

const results = {
  ...runHeader({ startedAt, smoke, quick, opt, settings: S, loadBefore, extra: { browser: info.userAgent ?? '?' } }),
  package: { provider: info.provider ?? null },
  baseline: 'subtls',
  libraries: Object.fromEntries(LIBS.map((l) => [l, LABELS[l]])),
  rows,
};
console.log(textTable(results));
console.log(`(${results.seconds} s in ${info.userAgent ?? 'Chromium'}; ratios are to subtls; load average ${loadBefore} before, ${results.machine.loadAfter} after)`);
await writeResults(results, {
  opt,
  smoke,
  dir: path.join(ROOT, 'bench/results'),
  prefix: 'browser',
  latest: 'browser-latest.json',
  chart: 'chart-browser.svg',
  svg: svgChart(results, { title: BROWSER_TITLE }),
});
if (smoke) console.log(failures ? `smoke: ${failures} failure(s)` : 'smoke: ok');
process.exit(failures ? 1 : 0);

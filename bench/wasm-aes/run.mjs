// Runs the microbenchmark wasm(s) built by ./build.sh in Node and in headless Chromium and
// prints MiB/s per export for one 16 KiB record. The machines here are shared and loaded, so
// the clock is CPU time of the thread running the wasm (Node: process.cpuUsage(); Chromium:
// the page's main-thread ThreadTime from the DevTools protocol), not wall time; exports are
// interleaved over ROUNDS rounds and the median round of each is kept.
// Not a test: numbers only. Usage: node bench/wasm-aes/run.mjs [node|chromium|both] [wasm...]
import { readFileSync } from 'node:fs';
import { launchChromium } from '../../js-tests/helpers/chromium.mjs';

const [where = 'both', ...files] = process.argv.slice(2);
const here = (f) => new URL(f, import.meta.url).pathname;
const wasms = files.length ? files : [here('out/plain.wasm'), here('out/simd.wasm')];
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const BENCH = /^([a-z0-9]+_(aes128|aes256|chacha|aes128ctr|ghash)_(seal|open)|hs_[a-z0-9]+_[a-z]+)$/;

/** An environment: `names`, and `cpuMs(name, n)` = CPU ms of running export `name` n times. */
async function nodeEnv(bytes) {
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  return {
    names: Object.keys(exports).filter((n) => BENCH.test(n)),
    async cpuMs(name, n) {
      const t = process.cpuUsage();
      exports[name](n);
      const d = process.cpuUsage(t);
      return (d.user + d.system) / 1000;
    },
    close() {},
  };
}

async function chromiumEnv(bytes) {
  const browser = await launchChromium();
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const names = await page.evaluate((b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    globalThis.bench = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports;
    return Object.keys(globalThis.bench);
  }, bytes.toString('base64'));
  const threadTime = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'ThreadTime').value;
  return {
    names: names.filter((n) => BENCH.test(n)),
    async cpuMs(name, n) {
      const t = await threadTime();
      await page.evaluate(([f, k]) => void globalThis.bench[f](k), [name, n]);
      return ((await threadTime()) - t) * 1000;
    },
    close: () => browser.close(),
  };
}

async function measure(env) {
  const iters = {};
  for (const name of env.names) {
    await env.cpuMs(name, 2);
    let n = 1;
    while ((await env.cpuMs(name, n)) < 80) n *= 2;
    iters[name] = n;
  }
  const runs = Object.fromEntries(env.names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of env.names) runs[name].push((await env.cpuMs(name, iters[name])) / iters[name]);
  }
  await env.close();
  const out = {};
  for (const [name, ms] of Object.entries(runs)) {
    const median = ms.sort((a, b) => a - b)[ms.length >> 1];
    // Record ciphers in MiB/s; handshake operations (hs_*) in µs per operation.
    out[name] = name.startsWith('hs_') ? `${(median * 1000).toFixed(0)} µs` : +(16384 / 1048576 / (median / 1000)).toFixed(1);
  }
  return out;
}

const results = {};
for (const file of wasms) {
  const bytes = readFileSync(file);
  const tag = file.split('/').pop();
  if (where !== 'chromium') results[`node ${tag}`] = await measure(await nodeEnv(bytes));
  if (where !== 'node') results[`chromium ${tag}`] = await measure(await chromiumEnv(bytes));
}
const names = [...new Set(Object.values(results).flatMap((r) => Object.keys(r)))].sort();
const cols = Object.keys(results);
console.log(['MiB/s of CPU, 16 KiB'.padEnd(22), ...cols.map((c) => c.padStart(21))].join(''));
for (const n of names) console.log([n.padEnd(22), ...cols.map((c) => String(results[c][n] ?? '-').padStart(21))].join(''));

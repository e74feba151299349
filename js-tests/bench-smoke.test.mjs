// The benchmark harness cannot rot unnoticed: `node bench/run.mjs --smoke` runs every row once
// with tiny sizes against the real server child (Node's tls, rustls-ssl, subtls, reclaim),
// checks every downloaded byte against the server's pattern and fails if any library that can
// talk to a row did not. Nothing here looks at a timing. Then the report functions are held to
// the JSON it wrote: every row in the table, the markdown and the chart.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { PatternCheck, patternBlock } from '../bench/lib/common.mjs';
import { markdownTable, svgChart } from '../bench/lib/report.mjs';

const RUN = fileURLToPath(new URL('../bench/run.mjs', import.meta.url));

test('the pattern check finds a wrong byte and its position', () => {
  const block = patternBlock();
  const good = new PatternCheck(70000);
  good.update(block.subarray(70000 % 65521, (70000 % 65521) + 5000));
  assert.equal(good.bad, -1);
  assert.equal(good.position, 75000);
  const chunk = block.slice(0, 4000);
  chunk[1234] ^= 1;
  const bad = new PatternCheck(0);
  bad.update(chunk);
  assert.equal(bad.bad, 1234);
});

test('bench/run.mjs --smoke: every library connects on every row it supports, bytes checked', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const { code, stdout, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, [RUN, '--smoke', '--out', out], { maxBuffer: 1 << 22 }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }),
    );
  });
  assert.equal(code, 0, `smoke run failed:\n${stdout}\n${stderr}`);
  assert.match(stdout, /^smoke: ok$/m);

  const results = JSON.parse(await readFile(path.join(out, 'latest.json'), 'utf8'));
  const libs = Object.keys(results.libraries);
  assert.deepEqual(libs, ['node:tls', 'rustls-ssl', 'subtls', 'reclaim']);
  const ids = results.rows.map((r) => r.id);
  for (const id of ['hs-13-ecdsa', 'hs-13-rsa', 'hs-12-ecdsa', 'bulk-13-aes128', 'bulk-12-aes128', 'bulk-13-aes256', 'bulk-13-chacha', 'cold-import', 'cold-handshake', 'mem-js', 'mem-rss']) {
    assert.ok(ids.includes(id), `row ${id} present: ${ids}`);
  }
  for (const row of results.rows) {
    for (const l of libs) {
      const r = row.results[l];
      assert.ok(r && !r.error, `${row.id} / ${l}: ${JSON.stringify(r)}`);
      // Only the libraries' documented limits may make a row n/a, and never Node or us.
      if (r.na) assert.equal(l, 'subtls', `${row.id} / ${l} is n/a: ${r.na}`);
      else assert.ok(Number.isFinite(r.median), `${row.id} / ${l} has a number`);
    }
  }
  const scale = results.scale['rustls-ssl'];
  assert.ok(scale.skipped || scale.ok === scale.n, `concurrent connections: ${JSON.stringify(scale)}`);

  const md = markdownTable(results);
  for (const row of results.rows) assert.ok(md.includes(row.label), `markdown has ${row.label}`);
  const svg = svgChart(results);
  assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /1\.0×/);
  assert.equal((await readFile(path.join(out, 'chart.svg'), 'utf8')).trim(), svg.trim());
});

test('bench/browser.mjs --smoke: rustls-ssl and subtls in Chromium through the tunnel, bytes checked', { timeout: 120_000 }, async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'bench-browser-smoke-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const browserRun = fileURLToPath(new URL('../bench/browser.mjs', import.meta.url));
  const { code, stdout, stderr } = await new Promise((resolve) => {
    execFile(process.execPath, [browserRun, '--smoke', '--out', out], { maxBuffer: 1 << 22 }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr }),
    );
  });
  assert.equal(code, 0, `browser smoke run failed:\n${stdout}\n${stderr}`);
  assert.match(stdout, /^smoke: ok$/m);
  const results = JSON.parse(await readFile(path.join(out, 'browser-latest.json'), 'utf8'));
  for (const row of results.rows) {
    const ours = row.results['rustls-ssl'];
    assert.ok(Number.isFinite(ours?.median), `${row.id}: rustls-ssl ran in the page: ${JSON.stringify(ours)}`);
    const theirs = row.results.subtls;
    assert.ok(theirs?.na || Number.isFinite(theirs?.median), `${row.id}: subtls ran or says why not: ${JSON.stringify(theirs)}`);
  }
  assert.ok(Number.isFinite(results.rows.find((r) => r.id === 'bulk-13-aes128').results.subtls.median), 'subtls ran its one cipher');
});

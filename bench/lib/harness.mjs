// What the two drivers of the interleaved rows (bench/run.mjs in Node, bench/browser.mjs in
// Chromium) share: their common options, a row's bookkeeping, the order the libraries take
// their turns in, and the results file's header and where it is written. The drivers differ
// only in how one handshake or transfer is made, which they pass in.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { supports } from './clients.mjs';
import { PROFILES, median, percentile, rotate } from './common.mjs';

/** The parseArgs options both drivers take. */
export const COMMON_OPTIONS = {
  quick: { type: 'boolean' },
  smoke: { type: 'boolean' },
  rounds: { type: 'string' },
  hs: { type: 'string' },
  'bulk-mib': { type: 'string' },
  out: { type: 'string' },
  'no-write': { type: 'boolean' },
  note: { type: 'string' },
};

/**
 * The run's mode and sizes. Each of `sizes` is an option's [smoke, quick, default] value, used
 * unless the option is given; --bulk-mib becomes `bulkBytes`.
 */
export function readSettings(opt, sizes) {
  const smoke = Boolean(opt.smoke);
  const quick = Boolean(opt.quick);
  const S = {};
  for (const [name, [inSmoke, inQuick, normal]] of Object.entries(sizes)) {
    const v = opt[name] === undefined ? (smoke ? inSmoke : quick ? inQuick : normal) : Number(opt[name]);
    if (name === 'bulk-mib') S.bulkBytes = Math.round(v * 1024 * 1024);
    else S[name] = v;
  }
  return { smoke, quick, S };
}

export const log = (s) => process.stderr.write(s + '\n');
export const message = (e) => String(e?.message ?? e).split('\n')[0].slice(0, 120);
export const stats = (v) => ({ median: median(v), p95: percentile(v, 0.95), n: v.length });

/**
 * A row of the table for `def`, the libraries of `libs` that can take part (the others are
 * n/a, with `supports`'s reason), a sample list each, and `fail(l, e)`, which records the
 * error, takes `l` out of the row and calls `onFailure`.
 */
export function startRow(def, libs, onFailure) {
  const profile = PROFILES[def.profile];
  const row = {
    id: def.id,
    label: def.label,
    kind: def.kind,
    unit: def.kind === 'bulk' ? 'MiB/s' : 'ms',
    better: def.kind === 'bulk' ? 'higher' : 'lower',
    results: {},
  };
  const active = libs.filter((l) => {
    const why = supports(l, profile);
    if (why) row.results[l] = { na: why };
    return !why;
  });
  const samples = Object.fromEntries(active.map((l) => [l, []]));
  const fail = (l, e) => {
    row.results[l] = { error: message(e) };
    active.splice(active.indexOf(l), 1);
    onFailure();
    log(`  ${l}: ${def.id} failed: ${message(e)}`);
  };
  log(`${def.label}…`);
  return { row, active, samples, fail };
}

/**
 * Measures one row, the libraries taking turns round after round (the order rotates). `ops`:
 * - `handshake(l, warmUp)` → ms of one handshake (round -1 warms each library up: first-use
 *   costs belong to the cold-start rows);
 * - `open(l, warm)` opens the bulk row's connection and makes its warm-up transfer of `warm`
 *   bytes, checked byte for byte; `download(l, n)` → ms for the next `n` bytes;
 *   `close(l)` (also after a failure, when the connection may not exist).
 */
export async function measureRow(def, { row, active, samples, fail }, S, ops) {
  if (def.kind === 'handshake') {
    const per = Math.max(1, Math.ceil(S.hs / S.rounds));
    for (let round = -1; round < S.rounds; round++) {
      for (const l of rotate(active, Math.max(0, round))) {
        try {
          for (let i = 0; i < (round < 0 ? 2 : per); i++) {
            const ms = await ops.handshake(l, round < 0);
            if (round >= 0) samples[l].push(ms);
          }
        } catch (e) {
          fail(l, e);
        }
      }
    }
  } else {
    for (const l of [...active]) {
      try {
        await ops.open(l, Math.min(S.bulkBytes, 1024 * 1024));
      } catch (e) {
        await ops.close(l);
        fail(l, e);
      }
    }
    for (let round = 0; round < S.rounds; round++) {
      for (const l of rotate(active, round)) {
        try {
          const ms = await ops.download(l, S.bulkBytes);
          samples[l].push(S.bulkBytes / 1048576 / (ms / 1000));
        } catch (e) {
          await ops.close(l);
          fail(l, e);
        }
      }
    }
    for (const l of active) await ops.close(l);
  }
  for (const l of active) row.results[l] = stats(samples[l]);
}

/** The results file's opening fields, and its `machine` with `extra` (before the load averages). */
export function runHeader({ startedAt, smoke, quick, opt, settings, loadBefore, extra = {} }) {
  return {
    schema: 1,
    date: new Date(startedAt).toISOString().slice(0, 10),
    startedAt: new Date(startedAt).toISOString(),
    seconds: Math.round((Date.now() - startedAt) / 1000),
    mode: smoke ? 'smoke' : quick ? 'quick' : 'default',
    note: opt.note ?? '',
    settings,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model?.trim() ?? '?',
      node: process.versions.node,
      ...extra,
      loadBefore,
      loadAfter: os.loadavg()[0].toFixed(2),
    },
  };
}

/**
 * Writes `<prefix>-<date>.json`, `latest` and the chart `svg` to --out or `dir`; a smoke run
 * writes only with --out, and --no-write never.
 */
export async function writeResults(results, { opt, smoke, dir, prefix, latest, chart, svg }) {
  if (opt['no-write'] || (smoke && !opt.out)) return;
  const out = opt.out ? path.resolve(opt.out) : dir;
  await mkdir(out, { recursive: true });
  const json = JSON.stringify(results, null, 2) + '\n';
  await writeFile(path.join(out, `${prefix}-${results.date}.json`), json);
  await writeFile(path.join(out, latest), json);
  await writeFile(path.join(out, chart), svg);
  log(`wrote ${path.join(out, `${prefix}-${results.date}.json`)}, ${latest} and ${chart}`);
}

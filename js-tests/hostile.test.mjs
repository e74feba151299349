// The hostile-argument sweep (issue 6, API.md §3): every exported function, constructor,
// static and prototype method, found by reflection, called with wrong types, huge and
// negative sizes, detached and shrinking buffers, freed objects, throwing getters, re-entrant
// calls from each callback, hostile callback answers, hostile transports and WebSocket events.
//
// The calls run in a child process (helpers/hostile-child.mjs), which reports each one as a
// JSON line. A trap makes the wasm instance untrustworthy, so the child exits after reporting
// it and a fresh child goes on from the next case: every trap is found in one run, each in a
// clean instance. This file decides what is a violation:
//   - a trap (RuntimeError: unreachable, out-of-bounds memory access…) or a crash of the child;
//   - any error other than TypeError, RangeError, the SSLError family, or the very object the
//     sweep itself threw (from a getter or a callback: passed through as the same object);
//   - a documented error whose message leaks wasm-bindgen internals instead of saying what is
//     wrong (null pointer passed to rust, expected instance of, recursive use of an object);
//   - a promise method (doHandshake, send, sendall, recv, recvInto, read, write, shutdown)
//     that throws synchronously or returns something other than a promise;
//   - a promise method of a Connection that never settles where nothing can be waited for
//     (memory-BIO and non-blocking transport receivers, handshakes with hostile peers);
//   - an uncaught exception or an unhandled rejection while a case runs;
//   - an exported callable without a single call (a new export with no receiver);
//   - the instance failing to do a full handshake and exchange data afterwards.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./helpers/hostile-child.mjs', import.meta.url));
/** Wall-clock budget for the whole sweep, restarts included. */
const BUDGET_MS = 45_000;
/** Fewer calls than this means the sweep stopped reaching the API: it must not pass quietly. */
const MIN_CALLS = 25_000;

function runChild(start, deadline) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, `--start=${start}`, `--deadline=${deadline - 6000}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (err += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), Math.max(1000, deadline - Date.now()));
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const records = [];
      for (const line of out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          records.push(JSON.parse(line));
        } catch {
          records.push({ t: 'garbled', line: line.slice(0, 200) });
        }
      }
      resolve({ records, code, signal, stderr: err });
    });
  });
}

/** Runs the sweep to the end, restarting after each trap or crash. */
async function sweep() {
  const deadline = Date.now() + BUDGET_MS;
  const all = [];
  const crashes = [];
  let labels = [];
  let inventory = null;
  let start = 0;
  let runs = 0;
  let finished = false;
  while (Date.now() < deadline && runs < 200) {
    runs++;
    const { records, code, signal, stderr } = await runChild(start, deadline);
    all.push(...records);
    const plan = records.find((r) => r.t === 'plan');
    if (plan?.labels) labels = plan.labels;
    inventory ??= records.find((r) => r.t === 'inventory') ?? null;
    if (records.some((r) => r.t === 'done')) {
      finished = !records.some((r) => r.t === 'incomplete');
      break;
    }
    const trap = records.find((r) => r.t === 'trap');
    let next;
    if (trap) {
      next = trap.i + 1;
    } else {
      const seen = records.filter((r) => Number.isInteger(r.i)).map((r) => r.i);
      const crashed = seen.length ? Math.max(...seen) + (records.at(-1)?.t === 'call' ? 1 : 0) : start;
      crashes.push({ i: crashed, label: labels[crashed] ?? `case ${crashed}`, code, signal, stderr: stderr.slice(-3000) });
      next = crashed + 1;
      if (!plan) break; // the child did not even start: restarting would loop
    }
    if (next <= start) next = start + 1;
    start = next;
  }
  return { records: all, crashes, labels, inventory, finished, runs };
}

const result = sweep();

/** Groups violations by what happened, so one fault reached by many calls reads as one line. */
function report(title, violations) {
  const groups = new Map();
  for (const v of violations) {
    const key = `${v.where} — ${v.what}`;
    const g = groups.get(key) ?? { n: 0, examples: [] };
    g.n++;
    if (g.examples.length < 3) g.examples.push(v.example);
    groups.set(key, g);
  }
  const lines = [...groups].map(([k, g]) => `  ${k}  [${g.n}×; e.g. ${g.examples.join(' | ')}]`);
  return `${title}: ${violations.length} violation(s), ${groups.size} distinct\n${lines.join('\n')}`;
}

const LEAKY = /null pointer passed to rust|expected instance of|recursive use of an object|__wbg|attempted to take ownership|closure invoked (recursively|after being dropped)/i;
// 'abort': a call given an aborted `{ signal }` rejects with its reason (API.md §8).
const DOCUMENTED = new Set(['type', 'range', 'ssl', 'own', 'abort']);

function target(r) {
  return r.target ?? r.label ?? `case ${r.i}`;
}

test('the sweep reaches the whole exported API', async () => {
  const { records, inventory, finished, runs } = await result;
  assert.ok(inventory, 'the child reported what it found by reflection');
  const calls = records.filter((r) => r.t === 'call');
  const reached = new Set(calls.map((r) => r.inv ?? r.target));
  const uncalled = inventory.callables.filter((label) => !reached.has(label));
  const problems = [
    ...inventory.uncovered.map((u) => `${u.label}: ${u.reason}`),
    ...uncalled.map((l) => `${l}: reflected but never called`),
  ];
  for (const s of inventory.skipped) console.log(`# skipped ${s.label}: ${s.reason}`);
  const skips = records.filter((r) => r.t === 'skip');
  for (const reason of new Set(skips.map((s) => s.reason))) console.log(`# skipped ${skips.filter((s) => s.reason === reason).length} call(s): ${reason}`);
  console.log(`# ${calls.length} calls over ${inventory.callables.length} callables in ${runs} child run(s)`);
  assert.deepEqual(problems, [], `coverage:\n  ${problems.join('\n  ')}`);
  assert.ok(finished, 'the sweep ran to its end within the time budget');
  assert.ok(calls.length >= MIN_CALLS, `only ${calls.length} calls were made (expected at least ${MIN_CALLS})`);
  for (const section of ['arguments', 'freed', 'reentrant', 'callback answers', 'transports', 'websocket', 'wrong this']) {
    assert.ok(calls.some((r) => r.section === section), `no call recorded in section "${section}"`);
  }
  const scenarios = records.filter((r) => r.t === 'scenario');
  const silent = scenarios.filter((s) => s.callbackCalls === 0).map((s) => s.target);
  assert.ok(scenarios.length >= 8, `re-entrancy scenarios ran: ${scenarios.length}`);
  assert.deepEqual(silent, [], 'every re-entrancy scenario had its callback called');
});

test('no call traps the wasm instance or crashes the process', async () => {
  const { records, crashes, finished } = await result;
  const violations = [
    ...records.filter((r) => r.t === 'trap').map((r) => ({ where: r.label.replace(/\(.*$/, ''), what: `trap: ${r.message}`, example: r.label })),
    ...crashes.map((c) => ({ where: c.label, what: `child exited (code ${c.code}, signal ${c.signal})`, example: c.stderr.split('\n').slice(-8).join(' / ') })),
  ];
  if (!finished) violations.push({ where: 'sweep', what: 'did not reach its end in the time budget', example: `${records.filter((r) => r.t === 'call').length} calls` });
  assert.equal(violations.length, 0, report('traps and crashes', violations));
});

test('every failure is a TypeError, a RangeError or an SSLError, with a message that says what is wrong', async () => {
  const { records } = await result;
  const violations = [];
  for (const r of records) {
    if (r.t === 'call' && r.error && r.error.cls !== 'trap') {
      const where = `${target(r)}`;
      if (!DOCUMENTED.has(r.error.cls) && !(r.transportObject && transportIoError(r))) {
        violations.push({ where, what: `${r.outcome}s ${r.error.name}: ${r.error.message}`, example: `(${r.args})` });
      } else if (LEAKY.test(r.error.message)) {
        violations.push({ where, what: `${r.error.name} with an internal message: ${r.error.message}`, example: `(${r.args})` });
      }
    }
    if (r.t === 'uncaught' || r.t === 'unhandled') {
      violations.push({ where: r.label, what: `${r.t === 'uncaught' ? 'uncaught exception' : 'unhandled rejection'} ${r.error.name}: ${r.error.message}`, example: r.stack.split('\n').slice(0, 3).join(' / ') });
    }
    if (r.t === 'setup-error' && r.error.cls !== 'trap') {
      violations.push({ where: r.label, what: `the case's own setup failed: ${r.error.name}: ${r.error.message}`, example: r.stack.split('\n').slice(0, 3).join(' / ') });
    }
  }
  assert.equal(violations.length, 0, report('undocumented errors', violations));
});

/**
 * A ready-made transport's own I/O error (the socket or stream closed or failed) is what a
 * socket throws; a Connection turns it into SysCallError with it as `cause` (API.md §4).
 */
function transportIoError(r) {
  return r.error.cls === 'other' && typeof r.error.code === 'string' && /^(ERR_|E[A-Z]+$)/.test(r.error.code);
}

test('promise methods never throw synchronously, and settle', async () => {
  const { records } = await result;
  const violations = [];
  for (const r of records.filter((r) => r.t === 'call' && r.promiseMethod)) {
    if (r.outcome === 'throw') violations.push({ where: target(r), what: `throws synchronously ${r.error.name}: ${r.error.message}`, example: `(${r.args})` });
    if (r.notAPromise) violations.push({ where: target(r), what: `returns ${r.value} instead of a promise`, example: `(${r.args})` });
    if (r.outcome === 'pending' && !r.mayWait) violations.push({ where: target(r), what: 'never settles', example: `(${r.args})` });
  }
  assert.equal(violations.length, 0, report('promise methods', violations));
});

test('after the sweep the same instance still handshakes and exchanges data', async () => {
  const { records, finished } = await result;
  assert.ok(finished, 'the sweep reached its end');
  const live = records.filter((r) => r.t === 'live');
  const final = live.filter((r) => r.label === 'final');
  assert.ok(final.length >= 1, 'the final liveness check ran');
  for (const r of live) {
    assert.ok(r.ok, `liveness (${r.label}) failed: ${r.error?.name}: ${r.error?.message}`);
    assert.equal(r.bytes, 2 * 65536, 'both directions carried 64 KiB');
    assert.equal(r.bio, true, 'a memory-BIO handshake completed too');
  }
});

// The hand-written declarations (index.d.ts, and node.d.ts / web.d.ts over it), checked five
// ways with the TypeScript compiler:
// 1. js-tests/types/ok.ts (correct use), cjs.cts (the same through require) and errors.ts
//    (mistakes, each marked `@ts-expect-error`) type-check under `--strict`;
// 2. errors.ts without its markers gives errors on exactly the marked lines, so each mistake
//    really is one (and none of them is rejected for an unrelated reason elsewhere);
// 3. ok.ts compiled to JS runs: the declared usage is code that works;
// 4. the declarations match the runtime: a file generated from what the package exports
//    (names, constant values, class members) must type-check against index.d.ts, which
//    fails on any name declared but missing, present but undeclared, or a value that differs;
// 5. per export condition: web.d.ts (browser, workerd, default) declares exactly the web
//    entries' exports, compiles with no Node types loaded, and has no connect / toDuplex;
//    node.d.ts (node, deno) has them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import * as ssl from 'rustls-ssl';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TYPES = path.join(ROOT, 'js-tests', 'types');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
// Inside the package (so `import 'rustls-ssl'` resolves to it by name, as for a user) and
// ignored by git.
const OUT = path.join(ROOT, 'test-output', 'types');

/** The options of js-tests/types/tsconfig.json, for files checked on their own. */
const FLAGS = ['--strict', '--module', 'nodenext', '--target', 'es2022', '--lib', 'es2022,dom', '--types', 'node'];

function tsc(args) {
  assert.ok(existsSync(TSC), 'typescript is a devDependency: run npm install');
  const r = spawnSync(process.execPath, [TSC, '--pretty', 'false', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** `{ line: [messages] }` from tsc's output for one file. */
function errorsByLine(output, file) {
  const lines = new Map();
  const re = /^(.+?)\((\d+),\d+\): error (TS\d+: .*)$/gm;
  for (const m of output.matchAll(re)) {
    if (path.resolve(ROOT, m[1]) !== file) continue;
    const line = Number(m[2]);
    lines.set(line, [...(lines.get(line) ?? []), m[3]]);
  }
  return lines;
}

function fresh(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('ok.ts, cjs.cts and errors.ts type-check with tsc --strict', () => {
  const { status, output } = tsc(['-p', path.join(TYPES, 'tsconfig.json')]);
  assert.equal(status, 0, output);
});

test('every marked line of errors.ts is an error, and nothing else is', () => {
  const source = readFileSync(path.join(TYPES, 'errors.ts'), 'utf8').split('\n');
  const marker = /^(\s*)\/\/ @ts-expect-error$/;
  const expected = source.flatMap((l, i) => (marker.test(l) ? [i + 2] : []));
  assert.ok(expected.length >= 40, `errors.ts has ${expected.length} marked mistakes`);
  // The markers become plain comments, so line numbers stay the same.
  const dir = fresh(path.join(OUT, 'unmarked'));
  const file = path.join(dir, 'errors.ts');
  writeFileSync(file, source.map((l) => l.replace(marker, '$1//')).join('\n'));
  const { status, output } = tsc(['--noEmit', ...FLAGS, file]);
  assert.notEqual(status, 0, 'without the markers, errors.ts must not type-check');
  const found = errorsByLine(output, file);
  const missed = expected.filter((line) => !found.has(line));
  const unexpected = [...found.keys()].filter((line) => !expected.includes(line));
  assert.deepEqual(
    { missed: missed.map((l) => `${l}: ${source[l - 1].trim()}`), unexpected: unexpected.map((l) => found.get(l)) },
    { missed: [], unexpected: [] },
    'the mistakes tsc reports are exactly the marked ones',
  );
  assert.equal(expected.length, found.size);
});

test('ok.ts runs: the declared usage works', async () => {
  const dir = fresh(path.join(OUT, 'run'));
  const { status, output } = tsc([...FLAGS, '--rootDir', TYPES, '--outDir', dir, path.join(TYPES, 'ok.ts')]);
  assert.equal(status, 0, output);
  const ok = await import(pathToFileURL(path.join(dir, 'ok.js')).href);
  await ok.main(path.join(ROOT, 'js-tests', 'fixtures') + path.sep);
});

// ---- declarations vs runtime ----

/** Names this check leaves out: the wiring api.js exports for its two entries. */
const INTERNAL_EXPORTS = new Set(['install']);

/** Method and getter names of an instance, `[Symbol.dispose]` included; `__*` are wasm-bindgen's. */
function memberNames(instanceOrProto) {
  const names = new Set();
  for (let p = instanceOrProto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const key of Reflect.ownKeys(p)) {
      if (key === Symbol.dispose) names.add('[Symbol.dispose]');
      else if (typeof key === 'string' && key !== 'constructor' && !key.startsWith('__')) names.add(key);
    }
  }
  return [...names].sort();
}

/** Static names of a class (its inherited ones too), without Function's own. */
function staticNames(cls) {
  const names = new Set();
  for (let c = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    for (const key of Object.getOwnPropertyNames(c)) {
      if (!['length', 'name', 'prototype'].includes(key) && !key.startsWith('__')) names.add(key);
    }
  }
  return [...names].sort();
}

const literal = (names) => `{ ${names.map((n) => (n.startsWith('[') ? `${n}: true` : `${JSON.stringify(n)}: true`)).join(', ')} }`;
const isEnum = (v) => v && typeof v === 'object' && Object.isFrozen(v) && Object.values(v).every((x) => typeof x === 'number');

/** A TypeScript file that type-checks only if index.d.ts says what `mod` is. */
function runtimeCheck(mod) {
  const out = [
    "import * as ssl from 'rustls-ssl';",
    '/** Every key of T, required: an object literal of this type names exactly those keys. */',
    'type Keys<T> = { [K in keyof T]-?: true };',
    'type Statics<C> = Keys<Omit<C, "prototype">>;',
  ];
  const names = Object.keys(mod).filter((n) => !INTERNAL_EXPORTS.has(n)).sort();
  out.push(`export const exported: Keys<typeof ssl> = ${literal(names)};`);
  for (const name of names) {
    const v = mod[name];
    if (typeof v === 'number') {
      // Both ways: the value fits the declared type, and the declared type is that literal.
      out.push(`export const v_${name}: typeof ssl.${name} = ${v};`, `export const t_${name}: ${v} = ssl.${name};`);
    } else if (isEnum(v)) {
      const shape = `{ ${Object.entries(v).map(([k, x]) => `readonly ${k}: ${x}`).join('; ')} }`;
      out.push(`export const v_${name}: typeof ssl.${name} = ${JSON.stringify(v)};`, `export const t_${name}: ${shape} = ssl.${name};`);
    }
  }
  const classes = ['Context', 'Connection', 'X509', 'X509Name', 'X509Store', 'PKey', 'Session'];
  for (const name of classes) {
    out.push(`export const m_${name}: Keys<ssl.${name}> = ${literal(memberNames(mod[name].prototype))};`);
    out.push(`export const s_${name}: Statics<typeof ssl.${name}> = ${literal(staticNames(mod[name]))};`);
  }
  for (const cls of ['SSLError', 'WantReadError', 'WantWriteError', 'WantX509LookupError', 'ZeroReturnError', 'SysCallError']) {
    out.push(`export const s_${cls}: Statics<typeof ssl.${cls}> = ${literal(staticNames(mod[cls]))};`);
  }
  out.push(`export const k_version: Keys<typeof ssl.version> = ${literal(Object.keys(mod.version))};`);

  // Transports are plain objects (or a wasm class not exported by name): make one of each.
  const ws = { addEventListener() {}, removeEventListener() {}, send() {}, close() {}, readyState: 1, bufferedAmount: 0, binaryType: 'blob' };
  const wsTransport = mod.webSocketTransport(ws);
  const socket = { on() {}, off() {}, write: () => true, end() {}, pause() {}, resume() {}, isPaused: () => false, destroyed: false, writableEnded: false };
  const streams = new TransformStream();
  const transports = {
    WebSocketTransport: memberNames(wsTransport),
    MemoryTransport: memberNames(mod.memoryPair()[0]),
    NonBlockingMemoryTransport: memberNames(mod.memoryPair({ blocking: false })[0]),
    SocketTransport: memberNames(mod.socketTransport(socket)),
    StreamTransport: memberNames(mod.streamTransport(streams)),
    WispClient: memberNames(mod.wispClient({ ...ws, readyState: 0 })),
    WispTransport: memberNames(mod.wispClient({ ...ws, readyState: 0 }).transport('localhost', 443)),
  };
  wsTransport.free();
  for (const [name, members] of Object.entries(transports)) {
    out.push(`export const m_${name}: Keys<ssl.${name}> = ${literal(members)};`);
  }
  return `${out.join('\n')}\n`;
}

function checkAgainstRuntime(mod, file) {
  writeFileSync(file, runtimeCheck(mod));
  return tsc(['--noEmit', ...FLAGS, file]);
}

test('index.d.ts declares exactly what the package exports, with the same values', () => {
  const dir = fresh(path.join(OUT, 'runtime'));
  const { status, output } = checkAgainstRuntime(ssl, path.join(dir, 'runtime.ts'));
  assert.equal(status, 0, output);
});

test('the runtime check catches a missing name, an extra name, a wrong value, a missing method', () => {
  const dir = fresh(path.join(OUT, 'runtime-probes'));
  const probes = {
    // An export the declarations lack.
    extra: { ...ssl, brandNew: () => {} },
    // A declared export the runtime lacks.
    missing: Object.fromEntries(Object.entries(ssl).filter(([k]) => k !== 'loadPrivateKey')),
    // A constant whose value differs.
    value: { ...ssl, TLS_METHOD: 70 },
    enumValue: { ...ssl, Method: Object.freeze({ ...ssl.Method, TLS: 70 }) },
    // A class whose prototype gained a method.
    method: {
      ...ssl,
      Session: class extends ssl.Session {
        resume() {}
      },
    },
  };
  // What tsc must say: an unknown property, a missing property, a value of another type.
  const expected = { extra: 'TS2353', missing: 'TS2741', value: 'TS2322', enumValue: 'TS2322', method: 'TS2353' };
  for (const [name, mod] of Object.entries(probes)) {
    const { status, output } = checkAgainstRuntime(mod, path.join(dir, `${name}.ts`));
    assert.notEqual(status, 0, `${name}: the check must fail`);
    assert.match(output, new RegExp(`error ${expected[name]}:`), `${name}: ${output}`);
  }
});

// ---- per-condition declarations ----
//
// The `node` and `deno` conditions get node.d.ts (everything, `connect` and `toDuplex` typed
// with @types/node); `browser`, `workerd` and the default get web.d.ts, which has neither and
// must not pull in @types/node. Checked as a user of each would compile: moduleResolution
// bundler with the condition as a custom condition, no `types` (so nothing is loaded unless
// an import reaches it), DOM and ES2022 libraries only.

/** What the web entries export: api.js's names (js/web.mjs and js/workerd.mjs are `export *` of it). */
const API_NAMES = Object.keys(await import(pathToFileURL(path.join(ROOT, 'js', 'api.js')).href))
  .filter((n) => !INTERNAL_EXPORTS.has(n))
  .sort();

/** The export statements of an entry file. */
function exportsOf(entry) {
  const source = readFileSync(path.join(ROOT, 'js', entry), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  return [...source.matchAll(/^export\b.*$/gm)].map((m) => m[0].trim());
}

test('each entry exports what its declaration file says: web entries api.js, Node and Deno entries also connect/toDuplex', () => {
  const web = ["export * from './api.js';"];
  const node = [...web, "export { connect, toDuplex } from './node-streams.js';"];
  assert.deepEqual(exportsOf('web.mjs'), web);
  assert.deepEqual(exportsOf('workerd.mjs'), web);
  assert.deepEqual(exportsOf('node.mjs'), node);
  assert.deepEqual(exportsOf('deno.mjs'), node);
  // And the Node entry the runtime check above imports is that: api.js plus the two.
  assert.deepEqual(
    Object.keys(ssl).filter((n) => !INTERNAL_EXPORTS.has(n)).sort(),
    [...API_NAMES, 'connect', 'toDuplex'].sort(),
  );
});

/** A file of web usage: the transports and streams a page or a Worker uses. */
const WEB_OK = `import * as ssl from 'rustls-ssl';
import { Context, Connection, TLS_CLIENT_METHOD, memoryPair, streamTransport, toWebStreams, webSocketTransport, SSLError } from 'rustls-ssl';

/** Every export of the web entries, required: an object literal of this type names exactly those. */
type Keys<T> = { [K in keyof T]-?: true };
export const exported: Keys<typeof ssl> = __NAMES__;

export async function page(url: string, caPem: string): Promise<string> {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(null, null, caPem);
  const conn = new Connection(ctx, webSocketTransport(new WebSocket(url)));
  conn.setConnectState();
  conn.setTlsextHostName('example.com');
  try {
    await conn.doHandshake();
  } catch (e) {
    if (e instanceof SSLError) return e.code;
    throw e;
  }
  const { readable, writable } = toWebStreams(conn);
  await readable.cancel();
  await writable.abort();
  const [a] = memoryPair();
  const t = streamTransport(new TransformStream<Uint8Array, Uint8Array<ArrayBuffer>>());
  void a;
  void t;
  return conn.getProtocolVersionName();
}
`;

const WEB_ERRORS = `import * as ssl from 'rustls-ssl';
// @ts-expect-error: the web entries have no connect
import { connect } from 'rustls-ssl';
void connect;
// @ts-expect-error: nor toDuplex
ssl.toDuplex;
`;

for (const conditions of [['browser'], ['workerd'], []]) {
  const label = conditions.length ? `customConditions ${JSON.stringify(conditions)}` : 'no custom condition (the default)';
  test(`web.d.ts under ${label}: compiles without @types/node, and connect / toDuplex are errors`, () => {
    const dir = fresh(path.join(OUT, `web-${conditions[0] ?? 'default'}`));
    writeFileSync(path.join(dir, 'web-ok.ts'), WEB_OK.replace('__NAMES__', literal(API_NAMES)));
    writeFileSync(path.join(dir, 'web-errors.ts'), WEB_ERRORS);
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        module: 'esnext',
        moduleResolution: 'bundler',
        customConditions: conditions,
        target: 'es2022',
        lib: ['es2022', 'dom'],
        types: [],
      },
      files: ['web-ok.ts', 'web-errors.ts'],
    };
    writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
    const { status, output } = tsc(['-p', path.join(dir, 'tsconfig.json'), '--listFiles']);
    assert.equal(status, 0, output);
    const files = output.split('\n').map((l) => l.trim()).filter(Boolean);
    // The package's types came from web.d.ts (and index.d.ts), and Node's types not at all.
    assert.ok(files.some((f) => f.endsWith('/web.d.ts')), `web.d.ts is what resolved:\n${output}`);
    assert.ok(!files.some((f) => f.endsWith('/node.d.ts')), `node.d.ts must not be loaded:\n${output}`);
    assert.deepEqual(files.filter((f) => /@types\/node\//.test(f)), [], '@types/node must not be loaded');
  });
}

test('node.d.ts under moduleResolution bundler with the node condition: connect and toDuplex compile', () => {
  const dir = fresh(path.join(OUT, 'node-bundler'));
  writeFileSync(
    path.join(dir, 'node-ok.ts'),
    `import { connect, toDuplex, Connection, Context, TLS_CLIENT_METHOD } from 'rustls-ssl';
const sock = connect({ host: 'example.com', port: 443, ALPNProtocols: ['h2'] });
sock.on('secureConnect', () => sock.end());
const duplex = toDuplex(new Connection(new Context(TLS_CLIENT_METHOD)));
export const piped: NodeJS.WritableStream = duplex.pipe(process.stdout);
`,
  );
  const config = {
    compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', customConditions: ['node'], target: 'es2022', lib: ['es2022'], types: ['node'] },
    files: ['node-ok.ts'],
  };
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
  const { status, output } = tsc(['-p', path.join(dir, 'tsconfig.json'), '--listFiles']);
  assert.equal(status, 0, output);
  assert.ok(output.split('\n').some((f) => f.trim().endsWith('/node.d.ts')), output);
});

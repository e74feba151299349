// The package as a user gets it (API.md §1, §8 "Installing"): `npm pack` at the root (its
// prepack step runs scripts/build.sh, a no-op when pkg/ is current), the tarball installed
// into a fresh folder outside the repository (helpers/packed.mjs: one install per test run,
// shared with the other tests of the installed package), then `import('rustls-ssl')` and
// `require('rustls-ssl')` each run a real handshake there, in a child process whose PATH
// holds nothing but `node` (no cargo, rustc or wasm-bindgen to fall back on). The tarball
// must carry the wasm exactly once, within its size budget, and the declaration files each
// export condition names.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { constants as zc, gunzipSync, gzipSync } from 'node:zlib';

import { packedApp } from './helpers/packed.mjs';

const run = promisify(execFile);
/** Bytes of `gzip -9` of the shipped wasm: issue 8's goal, under 400 KB (the build is 391 KB). */
const WASM_GZIP_BUDGET = 400_000;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

/**
 * The regular files in a .tgz, by path, read with our own ustar walk rather than npm's report
 * of what it packed.
 * @param {Buffer} tgz
 * @returns {Map<string, Buffer>}
 */
function untar(tgz) {
  const tar = gunzipSync(tgz);
  const files = new Map();
  const str = (/** @type {number} */ at, /** @type {number} */ len) => {
    const field = tar.subarray(at, at + len);
    const end = field.indexOf(0);
    return field.subarray(0, end === -1 ? len : end).toString('utf8');
  };
  let off = 0;
  while (off + 512 <= tar.length && tar[off] !== 0) {
    const name = str(off, 100);
    const prefix = str(off + 345, 155);
    const size = parseInt(str(off + 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(tar[off + 156] || 0x30);
    const body = tar.subarray(off + 512, off + 512 + size);
    if (type === '0') files.set(prefix ? `${prefix}/${name}` : name, Buffer.from(body));
    else assert.ok(type === '5', `tar entry ${name}: type ${type} (long names or links are not expected here)`);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

// What each child runs: a server and a client Context (the server's chain and key read from
// files, so the Node entry's file access is exercised too), a handshake over memoryPair(), one
// message each way, a clean shutdown. Prints one JSON line.
const HANDSHAKE = `
  const fixtures = process.env.FIXTURES;
  const ctxS = new ssl.Context(ssl.TLS_SERVER_METHOD);
  ctxS.useCertificateChainFile(fixtures + '/server-rsa-chain.pem');
  ctxS.usePrivateKeyFile(fixtures + '/server-rsa.key');
  const ctxC = new ssl.Context(ssl.TLS_CLIENT_METHOD);
  ctxC.loadVerifyLocations(fixtures + '/ca.pem');
  const [ta, tb] = ssl.memoryPair();
  const c = new ssl.Connection(ctxC, ta);
  const s = new ssl.Connection(ctxS, tb);
  c.setConnectState();
  c.setTlsextHostName('localhost');
  s.setAcceptState();
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  await c.sendall(new TextEncoder().encode('ping'));
  const got = new TextDecoder().decode(await s.recv(100));
  await s.sendall(new TextEncoder().encode('pong'));
  const back = new TextDecoder().decode(await c.recv(100));
  const out = {
    entry,
    shared,
    protocol: c.getProtocolVersionName(),
    verify: c.getVerifyResult(),
    peer: c.getPeerCertificate().getSubject().CN,
    got,
    back,
    PATH: process.env.PATH,
  };
  console.log(JSON.stringify(out));
`;

const ESM_CHILD = `
import * as ssl from 'rustls-ssl';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const entry = fileURLToPath(import.meta.resolve('rustls-ssl'));
// require() from ESM gets the very same module instance (classes and errors shared).
const cjs = createRequire(import.meta.url)('rustls-ssl');
const shared = cjs.Context === ssl.Context && cjs.SSLError === ssl.SSLError;
${HANDSHAKE}
`;

const CJS_CHILD = `
const ssl = require('rustls-ssl');
const entry = require.resolve('rustls-ssl');
(async () => {
  const esm = await import('rustls-ssl');
  const shared = esm.Context === ssl.Context && esm.SSLError === ssl.SSLError;
  ${HANDSHAKE}
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('npm pack → install in a fresh folder → use without a Rust toolchain', () => {
  /** @type {string} */ let tmp;
  /** @type {string} */ let tarball;
  /** @type {Map<string, Buffer>} */ let files;
  /** @type {string} */ let app;
  /** @type {string} */ let bin;

  before(async () => {
    // The consumer: its own folder outside the repository, its own npm cache, no registry.
    ({ app, tarball } = await packedApp());
    files = untar(readFileSync(tarball));

    // A PATH with node alone: whatever the package would shell out to is simply not there.
    tmp = mkdtempSync(path.join(os.tmpdir(), 'rustls-ssl-pack-'));
    bin = path.join(tmp, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('the tarball holds one .wasm, its glue, the entries, the licenses and the changelog', (t) => {
    const names = [...files.keys()].sort();
    const wasms = names.filter((n) => n.endsWith('.wasm'));
    assert.deepEqual(wasms, ['package/pkg/web/rustls_ssl_bg.wasm']);
    assert.deepEqual(names.filter((n) => n.startsWith('package/pkg/node/')), [], 'no pkg/node duplicate');
    for (const f of ['bin/rustls-ssl.mjs', 'js/node.mjs', 'js/index.cjs', 'js/web.mjs', 'js/api.js', 'pkg/web/rustls_ssl.js', 'pkg/web/roots.js', 'index.d.ts', 'node.d.ts', 'web.d.ts', 'package.json', 'README.md', 'docs/api.md', 'CHANGELOG.md', 'LICENSE-APACHE', 'LICENSE-MIT']) {
      assert.ok(files.has(`package/${f}`), `${f} is in the tarball`);
    }
    // None of the repository's sources, tests, build output or tools; of pkg/, the glue, the
    // wasm and the bundled roots only (wasm-bindgen's own .d.ts are mostly `any`: the package's
    // types are its own).
    for (const n of names) {
      assert.doesNotMatch(n, /^package\/(src|tests|js-tests|target|node_modules|scripts|www|bench|fuzz)\//, n);
      if (n.startsWith('package/pkg/')) assert.match(n, /^package\/pkg\/web\/(rustls_ssl(\.js|_bg\.wasm)|roots\.js)$/, n);
    }

    const wasm = /** @type {Buffer} */ (files.get('package/pkg/web/rustls_ssl_bg.wasm'));
    assert.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], 'a wasm module');
    assert.ok(WebAssembly.validate(wasm), 'a valid wasm module');
    // The one the repository built, not a stale copy.
    assert.ok(wasm.equals(readFileSync(path.join(ROOT, 'pkg/web/rustls_ssl_bg.wasm'))));

    const gz = gzipSync(wasm, { level: zc.Z_BEST_COMPRESSION }).length;
    // The size goal (docs/size.md): the build is optimised for size (opt-level "z" but for the
    // crypto, wasm-opt, functions ordered for gzip, no name section); 768 KB gzipped before
    // that work. Raise it only with a reason written there.
    assert.ok(gz < WASM_GZIP_BUDGET, `wasm is ${gz} B gzipped, over the ${WASM_GZIP_BUDGET} B budget`);
    assert.equal(WebAssembly.Module.customSections(new WebAssembly.Module(wasm), 'name').length, 0, 'no name section');
    // The roots are a file of their own, loaded on first use (src/ssl/roots.rs), and the
    // repository's current one.
    const roots = /** @type {Buffer} */ (files.get('package/pkg/web/roots.js'));
    assert.ok(roots.equals(readFileSync(path.join(ROOT, 'pkg/web/roots.js'))));
    t.diagnostic(`roots.js ${roots.length} B raw, ${gzipSync(roots, { level: zc.Z_BEST_COMPRESSION }).length} B gzip -9`);
    t.diagnostic(`tarball ${statSync(tarball).size} B; wasm ${wasm.length} B raw, ${gz} B gzip -9; unpacked ${[...files.values()].reduce((a, b) => a + b.length, 0)} B`);
  });

  test('the packed package.json needs nothing at install time', () => {
    const pj = JSON.parse(/** @type {Buffer} */ (files.get('package/package.json')).toString('utf8'));
    // --ignore-scripts above would hide an install-time build; there must be none to hide.
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) {
      assert.equal(pj.scripts?.[s], undefined, `no ${s} script`);
    }
    assert.equal(pj.dependencies, undefined, 'no runtime dependencies');
    assert.equal(pj.license, 'Apache-2.0 OR MIT');
    assert.ok(existsSync(path.join(app, 'node_modules/rustls-ssl/pkg/web/rustls_ssl_bg.wasm')), 'installed with its wasm');
  });

  test('every file the packed package.json names is in the tarball: entries, and types per condition', () => {
    const pj = JSON.parse(/** @type {Buffer} */ (files.get('package/package.json')).toString('utf8'));
    /** @type {Array<[string, string]>} condition path → file */
    const named = [['main', pj.main], ['types', pj.types]];
    const walk = (/** @type {any} */ target, /** @type {string} */ at) => {
      if (typeof target === 'string') named.push([at, target]);
      else for (const [k, v] of Object.entries(target ?? {})) walk(v, `${at}.${k}`);
    };
    walk(pj.exports, 'exports');
    for (const [at, file] of named) assert.ok(files.has(`package/${path.posix.normalize(file)}`), `${at}: ${file} is in the tarball`);
    const types = named.filter(([at]) => /(^|\.)types$/.test(at)).map(([, f]) => path.posix.normalize(f));
    // The Node entries are typed with connect/toDuplex, the web ones without.
    assert.deepEqual([...new Set(types)].sort(), ['node.d.ts', 'web.d.ts']);
    // What those declarations import from the package is there too.
    for (const d of ['node.d.ts', 'web.d.ts']) {
      const source = /** @type {Buffer} */ (files.get(`package/${d}`)).toString('utf8');
      for (const m of source.matchAll(/from '\.\/([^']+)\.js'/g)) assert.ok(files.has(`package/${m[1]}.d.ts`), `${d} imports ${m[1]}.d.ts`);
    }
  });

  for (const [kind, file, source] of [
    ['ESM import', 'check.mjs', ESM_CHILD],
    ['CJS require', 'check.cjs', CJS_CHILD],
  ]) {
    test(`${kind}: a handshake from the installed copy, with only node on PATH`, async () => {
      writeFileSync(path.join(app, file), source);
      const { stdout } = await run(process.execPath, [file], {
        cwd: app,
        env: { PATH: bin, HOME: tmp, FIXTURES },
        timeout: 60_000,
      });
      const out = JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
      assert.equal(out.PATH, bin);
      for (const tool of ['cargo', 'rustc', 'wasm-bindgen', 'wasm-pack']) {
        assert.ok(!existsSync(path.join(bin, tool)), `${tool} is not reachable`);
      }
      // Resolved from the fresh folder's node_modules, not the repository.
      assert.ok(out.entry.startsWith(path.join(app, 'node_modules', 'rustls-ssl') + path.sep), out.entry);
      assert.ok(!out.entry.startsWith(ROOT), out.entry);
      assert.equal(out.shared, true, 'ESM and CJS share one instance');
      assert.equal(out.protocol, 'TLSv1.3');
      assert.equal(out.verify, 0);
      assert.equal(out.peer, 'localhost');
      assert.equal(out.got, 'ping');
      assert.equal(out.back, 'pong');
    });
  }

  test('the rustls-ssl command is installed and runs from the installed copy, with only node on PATH', async () => {
    // Through npm's .bin link, so the shebang and the bin entry of package.json are what run.
    const cmd = path.join(app, 'node_modules', '.bin', 'rustls-ssl');
    const r = await run(cmd, ['-h'], { cwd: app, env: { PATH: bin, HOME: tmp } }).then(
      () => assert.fail('-h exits with status 2'),
      (/** @type {any} */ e) => e,
    );
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^usage:\n {2}rustls-ssl s_client/m);
  });
});

// Runs workerd (the `workerd` npm package's binary) on a config generated for the installed
// package, the way wrangler would bundle it: `rustls-ssl` resolved with wrangler's conditions
// (`workerd`, `worker`, `browser`, `import`), every module that entry reaches listed by its
// path inside the consumer's folder, and each `.wasm` as a `wasm` module (wrangler's default
// module rule: the import's default export is a WebAssembly.Module). workerd resolves a
// specifier relative to the importing module's name, so the files keep their layout; the bare
// name `rustls-ssl` is one more module that re-exports the resolved entry.
//
// The HTTP socket is a Unix socket in a temporary folder (no port to pick or race for), and
// the Worker's outbound network may reach local addresses only (the test's TLS server).

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { moduleGraph, resolveExport } from './resolve.mjs';

/** wrangler's conditions for a Workers bundle, in its order, then esbuild's for ESM. */
export const WORKERD_CONDITIONS = ['workerd', 'worker', 'browser', 'import'];

/**
 * @param {object} options
 * @param {string} options.app the consumer's folder (node_modules/rustls-ssl installed there)
 * @param {string} options.worker the Worker's main module, inside `app`
 * @param {string[]} options.extra more modules inside `app` the Worker imports
 * @param {string} options.socketPath where workerd listens
 * @returns {{ config: string, entry: string, modules: string[], external: Array<[string, string]> }}
 */
export function writeWorkerdConfig({ app, worker, extra, socketPath }) {
  const entry = resolveExport(path.join(app, 'node_modules', 'rustls-ssl'), WORKERD_CONDITIONS);
  const { files, external } = moduleGraph(entry);
  const rel = (/** @type {string} */ f) => path.relative(app, f).split(path.sep).join('/');
  const str = (/** @type {string} */ s) => JSON.stringify(s); // capnp strings take JSON's escapes
  const modules = [
    `(name = ${str(rel(worker))}, esModule = embed ${str(rel(worker))})`,
    ...extra.map((f) => `(name = ${str(rel(f))}, esModule = embed ${str(rel(f))})`),
    `(name = "rustls-ssl", esModule = ${str(`export * from './${rel(entry)}';\n`)})`,
    ...files.map((f) =>
      f.endsWith('.wasm') ? `(name = ${str(rel(f))}, wasm = embed ${str(rel(f))})` : `(name = ${str(rel(f))}, esModule = embed ${str(rel(f))})`,
    ),
  ];
  const config = path.join(app, 'workerd.capnp');
  writeFileSync(
    config,
    `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = ${str(`unix:${socketPath}`)}, http = (), service = "main")],
);

const mainWorker :Workerd.Worker = (
  modules = [
    ${modules.join(',\n    ')}
  ],
  compatibilityDate = "2025-09-01",
  globalOutbound = "loopback",
);
`,
  );
  return { config, entry, modules: files.map(rel), external };
}

/**
 * Starts workerd on `config` and waits until its socket answers.
 * @param {string} workerd @param {string} config @param {string} socketPath
 */
export async function startWorkerd(workerd, config, socketPath) {
  const child = spawn(workerd, ['serve', path.resolve(config)], { cwd: path.dirname(path.resolve(config)), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = once(child, 'exit').then(([code, signal]) => {
    throw new Error(`workerd exited (${code ?? signal}) before it served:\n${output}`);
  });
  exited.catch(() => {});
  // Ready when the socket takes a request; until then connecting fails at once (ENOENT,
  // ECONNREFUSED), so this polls only while workerd is starting.
  for (;;) {
    const ready = await Promise.race([
      request(socketPath, 'GET', '')
        .then(() => true)
        .catch(() => false),
      exited,
    ]);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    output: () => output,
    post: (/** @type {string} */ body) => request(socketPath, 'POST', body),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}

/** @param {string} socketPath @param {string} method @param {string} body */
function request(socketPath, method, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath, method, path: '/', headers: { host: 'worker.test', 'content-type': 'application/json' } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

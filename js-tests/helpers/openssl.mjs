// Node-only test helpers that do not need the package: fixture paths, free ports, and
// `openssl s_server` / `openssl s_client` child processes that are always cleaned up.
// Kept apart from peers.mjs so they can be checked without a build of rustls-ssl.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of js-tests/fixtures/, with a trailing separator. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/**
 * @param {string} name a file in js-tests/fixtures/
 * @returns {string} its absolute path
 */
export function fixture(name) {
  return path.join(FIXTURES, name);
}

/**
 * @param {string} name a file in js-tests/fixtures/
 * @param {BufferEncoding} [encoding] 'utf8' for text; bytes when absent
 * @returns {string | Buffer}
 */
export function readFixture(name, encoding) {
  return encoding ? readFileSync(fixture(name), encoding) : readFileSync(fixture(name));
}

/** expected-verify.json: what `openssl verify` said about each bad chain. */
export function expectedVerify() {
  return JSON.parse(readFixture('expected-verify.json', 'utf8'));
}

/**
 * A TCP port on 127.0.0.1 that was free a moment ago.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Every child started here, so that even a crashed test leaves none behind. */
const live = new Set();

function killGroup(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    // detached: true made the child a process group leader; kill the whole group.
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

process.on('exit', () => {
  for (const child of live) killGroup(child);
});

/**
 * @typedef {object} Peer
 * @property {import('node:child_process').ChildProcess} proc
 * @property {() => string} stdout everything printed on stdout so far
 * @property {() => string} stderr everything printed on stderr so far
 * @property {(re: RegExp, ms?: number) => Promise<RegExpMatchArray>} waitFor waits until
 *   stdout+stderr matches `re`, rejecting with the output when the process exits first or
 *   `ms` passes
 * @property {Promise<{code: number | null, signal: string | null}>} exited
 * @property {(text: string) => void} write writes to the child's stdin
 * @property {() => void} endInput closes the child's stdin
 * @property {() => Promise<void>} stop kills the process group and waits for the exit
 */

/**
 * Spawns `openssl ...args` in its own process group. With a `t` (a node:test context) it is
 * killed in `t.after`, so also when the test fails; it is also killed when Node exits.
 * @param {string[]} args
 * @param {{ after: (fn: () => any) => void }} [t]
 * @returns {Peer}
 */
export function spawnOpenssl(args, t) {
  const proc = spawn('openssl', args, {
    cwd: FIXTURES,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe']
  });
  live.add(proc);
  let out = '';
  let err = '';
  const waiters = new Set();
  const check = () => {
    for (const w of waiters) {
      const m = (out + err).match(w.re);
      if (m) {
        waiters.delete(w);
        clearTimeout(w.timer);
        w.resolve(m);
      }
    }
  };
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    out += d;
    check();
  });
  proc.stderr.on('data', (d) => {
    err += d;
    check();
  });
  proc.stdin.on('error', () => {}); // EPIPE once the child has gone
  const exited = new Promise((resolve) => {
    proc.once('error', (e) => {
      err += `\n[spawn error] ${e.message}`;
      resolve({ code: null, signal: 'spawn-error' });
    });
    proc.once('close', (code, signal) => resolve({ code, signal }));
  }).then((r) => {
    live.delete(proc);
    for (const w of waiters) {
      clearTimeout(w.timer);
      w.reject(
        new Error(
          `openssl ${args.join(' ')} exited (${r.code ?? r.signal}) before ${w.re}:\n` +
            `--- stdout ---\n${out}\n--- stderr ---\n${err}`
        )
      );
    }
    waiters.clear();
    return r;
  });
  const peer = {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, ms = 10000) {
      const m = (out + err).match(re);
      if (m) return Promise.resolve(m);
      if (!live.has(proc)) {
        return Promise.reject(new Error(`openssl already exited, never printed ${re}:\n${out}\n${err}`));
      }
      return new Promise((resolve, reject) => {
        const w = { re, resolve, reject, timer: undefined };
        w.timer = setTimeout(() => {
          waiters.delete(w);
          reject(
            new Error(
              `timed out after ${ms} ms waiting for ${re} from openssl ${args.join(' ')}:\n` +
                `--- stdout ---\n${out}\n--- stderr ---\n${err}`
            )
          );
        }, ms);
        waiters.add(w);
      });
    },
    write(text) {
      proc.stdin.write(text);
    },
    endInput() {
      proc.stdin.end();
    },
    async stop() {
      killGroup(proc);
      await exited;
    }
  };
  if (t) t.after(() => peer.stop());
  return peer;
}

/**
 * Starts `openssl s_server` on 127.0.0.1 and resolves once it prints ACCEPT.
 * @param {{ after: (fn: () => any) => void }} t
 * @param {object} opts
 * @param {string} [opts.cert] fixture name of the leaf (default server-rsa.pem)
 * @param {string} [opts.key] fixture name of its key (default: the cert's .key)
 * @param {string | null} [opts.chain] fixture name of the intermediates sent after the leaf
 *   (default int.pem; null for none)
 * @param {'1.2' | '1.3'} [opts.version] pins the protocol version
 * @param {string} [opts.alpn] e.g. 'h2,http/1.1'
 * @param {boolean} [opts.www] answer GET / with s_server's status page
 * @param {string[]} [opts.extra] more arguments
 * @returns {Promise<Peer & { port: number }>}
 */
export async function startSServer(t, opts = {}) {
  const cert = opts.cert ?? 'server-rsa.pem';
  const key = opts.key ?? cert.replace(/\.pem$/, '.key');
  const chain = opts.chain === undefined ? 'int.pem' : opts.chain;
  let lastError;
  // The port is free when chosen but could be taken before s_server binds it: try again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const args = ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', cert, '-key', key];
    if (chain) args.push('-cert_chain', chain);
    if (opts.version === '1.2') args.push('-tls1_2');
    if (opts.version === '1.3') args.push('-tls1_3');
    if (opts.alpn) args.push('-alpn', opts.alpn);
    if (opts.www) args.push('-www');
    args.push(...(opts.extra ?? []));
    const peer = spawnOpenssl(args, t);
    try {
      await peer.waitFor(/^ACCEPT$/m, 10000);
      return Object.assign(peer, { port });
    } catch (e) {
      lastError = e;
      await peer.stop();
    }
  }
  throw lastError;
}

/**
 * Starts `openssl s_client -connect 127.0.0.1:PORT -servername localhost -CAfile ca.pem
 * -verify_return_error ...extra`. Its stdin stays open until `endInput()`.
 * @param {{ after: (fn: () => any) => void }} t
 * @param {number} port
 * @param {string[]} [extra]
 * @returns {Peer}
 */
export function startSClient(t, port, extra = []) {
  return spawnOpenssl(
    [
      's_client',
      '-connect',
      `127.0.0.1:${port}`,
      '-servername',
      'localhost',
      '-CAfile',
      'ca.pem',
      '-verify_return_error',
      ...extra
    ],
    t
  );
}

/**
 * Rejects after `ms` with a message naming `what`, unless `promise` settles first.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

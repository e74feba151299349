// Host crypto against ring in wasm, as a user meets it: a rustls-ssl client downloading from a
// node:tls server (in a child process) over loopback, beside Node's own tls client in the
// same run. Runs itself twice, with node:crypto (the Node default) and RUSTLS_SSL_CRYPTO=ring.
// `node bench/host-crypto.bench.mjs` (BENCH_SECONDS per case, default 2). Never a test.
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

const fixture = (n) => readFileSync(new URL(`../js-tests/fixtures/${n}`, import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const MiB = 1024 * 1024;
const DOWNLOAD = 8 * MiB;

if (process.argv[2] === 'server') {
  // Sends DOWNLOAD bytes (16 KiB records) for each byte the client sends.
  const block = Buffer.alloc(DOWNLOAD, 7);
  const server = tls.createServer({ cert: fixture('server-ecdsa-chain.pem'), key: fixture('server-ecdsa.key') }, (s) => {
    s.on('data', (d) => {
      for (let i = 0; i < d.length; i++) s.write(block);
    });
    s.on('error', () => {});
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
} else if (process.argv[2] === 'client') {
  await client(Number(process.argv[3]));
} else {
  const server = fork(new URL(import.meta.url), ['server'], { stdio: 'inherit' });
  const port = await new Promise((r) => server.once('message', r));
  for (const crypto of ['node:crypto', 'ring']) {
    const env = { ...process.env, RUSTLS_SSL_CRYPTO: crypto === 'ring' ? 'ring' : '' };
    spawnSync(process.execPath, [new URL(import.meta.url).pathname, 'client', String(port)], { env, stdio: 'inherit' });
  }
  server.kill();
}

async function client(port) {
  const ssl = await import('rustls-ssl');
  const CA = fixture('ca.pem');
  const CASES = [
    ['TLS 1.3 AES-128-GCM', (ctx) => ctx.setTls13Ciphersuites('TLS_AES_128_GCM_SHA256'), 'TLS_AES_128_GCM_SHA256', {}],
    ['TLS 1.3 ChaCha20-Poly1305', (ctx) => ctx.setTls13Ciphersuites('TLS_CHACHA20_POLY1305_SHA256'), 'TLS_CHACHA20_POLY1305_SHA256', {}],
    ['TLS 1.2 AES-128-GCM', (ctx) => { ctx.setOptions(ssl.OP_NO_TLSv1_3); ctx.setCipherList('ECDHE-ECDSA-AES128-GCM-SHA256'); }, 'ECDHE-ECDSA-AES128-GCM-SHA256', { maxVersion: 'TLSv1.2' }],
    ['TLS 1.3 AES-256-GCM', (ctx) => ctx.setTls13Ciphersuites('TLS_AES_256_GCM_SHA384'), 'TLS_AES_256_GCM_SHA384', {}],
  ];

  async function ours(configure = () => {}) {
    const ctx = new ssl.Context(ssl.TLS_CLIENT_METHOD);
    ctx.loadVerifyLocations(null, null, CA);
    configure(ctx);
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r, j) => sock.once('connect', r).once('error', j));
    const c = new ssl.Connection(ctx, ssl.socketTransport(sock));
    c.setTlsextHostName('localhost');
    await c.doHandshake();
    return { c, sock };
  }
  async function theirs(suite, extra) {
    const opts = { port, host: '127.0.0.1', servername: 'localhost', ca: CA, ...extra };
    if (suite.startsWith('TLS_')) opts.ciphersuites = suite;
    else opts.ciphers = suite;
    const c = tls.connect(opts);
    await new Promise((r, j) => c.once('secureConnect', r).once('error', j));
    return c;
  }

  /** Medians of one-shot timings, over SECONDS. */
  async function median(once) {
    const times = [];
    const end = performance.now() + SECONDS * 1000;
    while (performance.now() < end || times.length < 5) {
      const t = performance.now();
      await once();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1];
  }

  const label = ssl.cryptoProvider();
  console.log(`\n== rustls-ssl on ${label} (median of ${SECONDS} s per case; ratio to node:tls in the same run) ==`);
  const hsOurs = await median(async () => {
    const { c, sock } = await ours();
    c.free();
    sock.destroy();
  });
  const hsTheirs = await median(async () => (await theirs('TLS_AES_256_GCM_SHA384', {})).destroy());
  console.log(`handshake TLS 1.3 ECDSA P-256  ${hsOurs.toFixed(2).padStart(7)} ms   node:tls ${hsTheirs.toFixed(2).padStart(6)} ms   ${(hsOurs / hsTheirs).toFixed(2)}x`);

  for (const [name, configure, suite, extra] of CASES) {
    const { c, sock } = await ours(configure);
    if (c.getCipherName() !== suite) throw new Error(`negotiated ${c.getCipherName()}, not ${suite}`);
    const oursMs = await median(async () => {
      await c.sendall(new Uint8Array([1]));
      let left = DOWNLOAD;
      while (left > 0) left -= (await c.recv(65536)).length;
    });
    c.free();
    sock.destroy();
    const n = await theirs(suite, extra);
    const theirsMs = await median(
      () =>
        new Promise((resolve) => {
          let left = DOWNLOAD;
          const on = (d) => {
            left -= d.length;
            if (left <= 0) {
              n.off('data', on);
              resolve();
            }
          };
          n.on('data', on);
          n.write(Buffer.from([1]));
        }),
    );
    n.destroy();
    const rate = (ms) => DOWNLOAD / MiB / (ms / 1000);
    console.log(`bulk ${name.padEnd(26)} ${rate(oursMs).toFixed(0).padStart(5)} MiB/s   node:tls ${rate(theirsMs).toFixed(0).padStart(5)} MiB/s   ${(rate(oursMs) / rate(theirsMs)).toFixed(2)}x`);
  }
}

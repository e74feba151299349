// Benchmarks reported as ratios against a peer measured in the same run (machines here are
// shared and noisy, so absolute numbers mean little): rustls-ssl with both ends in wasm
// versus Node's own tls (OpenSSL) over a loopback socket, for full handshakes and bulk data.
// `npm run bench`. Bounded: a few seconds per case; never part of `npm test`.
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { Context, Connection, memoryPair, TLS_CLIENT_METHOD, TLS_SERVER_METHOD } from 'rustls-ssl';

const fixture = (n) => readFileSync(new URL(`../js-tests/fixtures/${n}`, import.meta.url));
const CHAIN = fixture('server-ecdsa-chain.pem');
const KEY = fixture('server-ecdsa.key');
const CA = fixture('ca.pem');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const serverCtx = new Context(TLS_SERVER_METHOD);
serverCtx.useCertificateChain(CHAIN);
serverCtx.usePrivateKey(KEY);
const clientCtx = new Context(TLS_CLIENT_METHOD);
clientCtx.loadVerifyLocations(null, null, CA);

async function rustlsPair() {
  const [a, b] = memoryPair();
  const c = new Connection(clientCtx, a);
  c.setTlsextHostName('localhost');
  const s = new Connection(serverCtx, b);
  await Promise.all([c.doHandshake(), s.doHandshake()]);
  return [c, s];
}

async function nodePair(server) {
  const c = tls.connect({ port: server.address().port, host: '127.0.0.1', servername: 'localhost', ca: CA });
  await new Promise((r, j) => c.once('secureConnect', r).once('error', j));
  return c;
}

/** Runs `once` repeatedly for SECONDS and returns operations per second. */
async function rate(once) {
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  while (performance.now() < end) {
    await once();
    n++;
  }
  return n / SECONDS;
}

const server = tls.createServer({ cert: CHAIN, key: KEY }, (s) => s.on('data', () => {}).on('error', () => {}));
await new Promise((r) => server.listen(0, '127.0.0.1', r));

const rustlsHs = await rate(async () => {
  const [c, s] = await rustlsPair();
  c.free();
  s.free();
});
const nodeHs = await rate(async () => (await nodePair(server)).destroy());

const MiB = 1024 * 1024;
const chunk = new Uint8Array(MiB).fill(7);
const [c, s] = await rustlsPair();
const rustlsMiBs = await rate(async () => {
  const got = (async () => {
    let left = MiB;
    while (left > 0) left -= (await s.recv(65536)).length;
  })();
  await c.sendall(chunk);
  await got;
});
const sink = net.createServer((sock) => sock.resume());
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const nodeClient = await nodePair(server);
const nodeMiBs = await rate(() => new Promise((r) => (nodeClient.write(chunk) ? r() : nodeClient.once('drain', r))));
nodeClient.destroy();
sink.close();
server.close();

const row = (what, ours, theirs, unit) =>
  console.log(`${what.padEnd(34)} rustls-ssl ${ours.toFixed(1).padStart(8)} ${unit}   node:tls ${theirs.toFixed(1).padStart(8)} ${unit}   ratio ${(ours / theirs).toFixed(2)}`);
console.log(`(${SECONDS} s per case; rustls-ssl has both ends in wasm, node:tls one end over loopback)`);
row('TLS 1.3 handshakes, ECDSA P-256', rustlsHs, nodeHs, '/s');
row('bulk, one direction', rustlsMiBs, nodeMiBs, 'MiB/s');

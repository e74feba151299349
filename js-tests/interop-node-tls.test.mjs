// Interoperability with Node's own `tls` module (OpenSSL underneath): rustls-ssl as a server
// for tls.connect and as a client of tls.createServer, over 127.0.0.1.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import tls from 'node:tls';

import {
  Context,
  SSLError,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  VERIFY_FAIL_IF_NO_PEER_CERT,
  VERIFY_PEER,
  ZeroReturnError
} from 'rustls-ssl';

import {
  connectTls,
  fixture,
  readFixture,
  recvLine,
  recvUntilClosed,
  sendText,
  startLibraryServer,
  withTimeout
} from './helpers/peers.mjs';

const T = { timeout: 20000 };
const CA = readFixture('ca.pem', 'utf8');
const MiB = 1024 * 1024;

function sha256(buf) {
  return createHash('sha256').update(buf).digest('hex');
}

function serverContext(name) {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChainFile(fixture(`${name}-chain.pem`));
  ctx.usePrivateKeyFile(fixture(`${name}.key`));
  return ctx;
}

function clientContext() {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(fixture('ca.pem'));
  return ctx;
}

/**
 * A Node TLS client to 127.0.0.1:port, verifying against ca.pem for 'localhost'; destroyed in
 * t.after. Resolves on secureConnect, rejects on an error before it.
 */
async function nodeConnect(t, port, extra = {}) {
  const sock = tls.connect({ host: '127.0.0.1', port, ca: CA, servername: 'localhost', ...extra });
  t.after(() => sock.destroy());
  sock.on('error', () => {}); // a late second error must not crash the run; readers see the first
  await new Promise((resolve, reject) => {
    sock.once('secureConnect', resolve);
    sock.once('error', reject);
  });
  return sock;
}

/** Reads a Node socket until `n` bytes or the end. */
function readNode(sock, n = Infinity) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let total = 0;
    const done = () => {
      sock.off('data', onData);
      resolve(Buffer.concat(chunks));
    };
    const onData = (d) => {
      chunks.push(d);
      total += d.length;
      if (total >= n) done();
    };
    sock.on('data', onData);
    sock.once('end', done);
    sock.once('close', done);
    sock.once('error', reject);
  });
}

/** Reads one line from a Node socket (the socket must carry nothing after it). */
function readNodeLine(sock) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const cleanup = () => {
      sock.off('data', onData);
      sock.off('end', onEnd);
      sock.off('error', reject);
    };
    const onData = (d) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        cleanup();
        resolve(buf.slice(0, nl));
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new Error(`socket ended before a newline: ${JSON.stringify(buf)}`));
    };
    sock.on('data', onData);
    sock.once('end', onEnd);
    sock.once('error', reject);
  });
}

/** Polls `cond` every 10 ms until it is true or `ms` passed. */
async function waitUntil(cond, ms, what) {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A Node TLS server on 127.0.0.1 with `name`'s chain and key; closed (with every socket) in
 * t.after. `clientErrors` collects tlsClientError events.
 */
async function nodeServer(t, name, options, onSecure) {
  const sockets = new Set();
  const clientErrors = [];
  const server = tls.createServer(
    { key: readFixture(`${name}.key`), cert: readFixture(`${name}-chain.pem`), ...options },
    onSecure
  );
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', (err, s) => {
    clientErrors.push(err);
    s.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(
    () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      })
  );
  return { port: server.address().port, clientErrors };
}

/** Runs `fn` and returns what it threw (or null). */
async function caught(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return null;
}

describe('Node tls client vs rustls-ssl server', () => {
  for (const [name, maxVersion, version] of [
    ['server-ecdsa', 'TLSv1.3', 'TLSv1.3'],
    ['server-rsa', 'TLSv1.3', 'TLSv1.3'],
    ['server-ecdsa', 'TLSv1.2', 'TLSv1.2'],
    ['server-rsa', 'TLSv1.2', 'TLSv1.2']
  ]) {
    test(`${version}, ${name}: echo both ways`, T, async (t) => {
      const server = await startLibraryServer(t, serverContext(name), async (conn) => {
        await conn.doHandshake();
        const seen = {
          version: conn.getProtocolVersionName(),
          cipher: conn.getCipherName(),
          servername: conn.getServername()
        };
        for (;;) {
          const r = await recvUntilClosed(conn, 1).catch((e) => ({ error: e }));
          if (r.error) throw r.error;
          if (r.how !== 'limit') return { ...seen, how: r.how };
          await conn.sendall(r.data);
        }
      });
      const sock = await nodeConnect(t, server.port, { maxVersion });
      assert.equal(sock.authorized, true, String(sock.authorizationError));
      assert.equal(sock.getProtocol(), version);
      assert.equal(sock.getPeerCertificate().subject.CN, 'localhost');

      sock.write('ping over TLS\n');
      const line = await readNodeLine(sock);
      assert.equal(line, 'ping over TLS');
      sock.end();
      const r = await withTimeout(server.first, 10000, 'library server');
      assert.equal(r.version, version);
      assert.equal(r.cipher, sock.getCipher().name, 'both ends name the same cipher (OpenSSL names)');
      assert.equal(r.servername, 'localhost');
      assert.equal(r.how, 'close_notify', 'Node sends close_notify on end()');
    });
  }

  test('1 MiB each way, checksummed', T, async (t) => {
    const server = await startLibraryServer(t, serverContext('server-ecdsa'), async (conn) => {
      await conn.doHandshake();
      const { data, how } = await recvUntilClosed(conn, MiB);
      assert.equal(how, 'limit');
      const reply = Buffer.concat([Buffer.from(sha256(data) + '\n'), data]);
      const n = await conn.sendall(reply);
      assert.equal(n, reply.length, 'sendall returns the total');
      return { digest: sha256(data), end: await recvUntilClosed(conn) };
    });
    const sock = await nodeConnect(t, server.port);
    const payload = randomBytes(MiB);
    const replyPromise = readNode(sock, 65 + MiB);
    sock.write(payload);
    const reply = await withTimeout(replyPromise, 15000, '1 MiB echo');
    sock.end();
    assert.equal(reply.length, 65 + MiB);
    assert.equal(reply.subarray(0, 64).toString(), sha256(payload), 'server received exactly what was sent');
    assert.equal(sha256(reply.subarray(65)), sha256(payload), 'client received exactly what was echoed');
    const r = await withTimeout(server.first, 10000, 'library server');
    assert.equal(r.digest, sha256(payload));
    assert.equal(r.end.how, 'close_notify');
    assert.equal(r.end.data.length, 0);
  });

  test('VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT: a Node client with client.pem is accepted', T, async (t) => {
    const ctx = serverContext('server-ecdsa');
    ctx.loadVerifyLocations(fixture('ca.pem'));
    ctx.setVerify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
    assert.equal(ctx.getVerifyMode(), VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
    const server = await startLibraryServer(t, ctx, async (conn) => {
      await conn.doHandshake();
      const peer = conn.getPeerCertificate();
      const chain = conn.getPeerCertChain();
      const line = await recvLine(conn);
      await sendText(conn, `hello ${peer.getSubject().CN}\n`);
      await recvUntilClosed(conn);
      return { cn: peer.getSubject().CN, chain: chain?.map((c) => c.getSubject().CN), result: conn.getVerifyResult(), line };
    });
    const sock = await nodeConnect(t, server.port, {
      cert: readFixture('client-chain.pem'),
      key: readFixture('client.key')
    });
    sock.write('hi\n');
    assert.equal(await readNodeLine(sock), 'hello test client');
    sock.end();
    const r = await withTimeout(server.first, 10000, 'library server');
    assert.equal(r.cn, 'test client');
    assert.deepEqual(r.chain, ['rustls-ssl Test Intermediate CA'], 'server side: chain without the leaf');
    assert.equal(r.result, 0);
    assert.equal(r.line, 'hi');
  });

  for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
    test(`VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT: a Node client without a certificate is refused (${maxVersion})`, T, async (t) => {
      const ctx = serverContext('server-ecdsa');
      ctx.loadVerifyLocations(fixture('ca.pem'));
      ctx.setVerify(VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT);
      const server = await startLibraryServer(t, ctx, async (conn) => {
        const err = await caught(() => conn.doHandshake());
        return { err, done: conn.isHandshakeDone() };
      });
      const nodeErr = await caught(async () => {
        const sock = await nodeConnect(t, server.port, { maxVersion });
        // TLS 1.3: the client is connected before the server has judged its (missing)
        // certificate; the alert arrives afterwards.
        sock.write('hi\n');
        await readNode(sock);
        throw new Error('the connection stayed up');
      });
      const r = await withTimeout(server.first, 10000, 'library server');
      assert.ok(r.err instanceof SSLError, `server handshake error: ${r.err}`);
      assert.match(r.err.message, /certificate/i);
      assert.equal(r.done, false);
      assert.ok(nodeErr, 'the Node client saw an error');
      assert.match(String(nodeErr.code), /^ERR_SSL_.*ALERT/, `Node error: ${nodeErr.code} ${nodeErr.message}`);
    });
  }

  test('VERIFY_PEER alone: a Node client without a certificate is accepted, no peer certificate', T, async (t) => {
    const ctx = serverContext('server-rsa');
    ctx.loadVerifyLocations(fixture('ca.pem'));
    ctx.setVerify(VERIFY_PEER);
    const server = await startLibraryServer(t, ctx, async (conn) => {
      await conn.doHandshake();
      const peer = conn.getPeerCertificate();
      const chain = conn.getPeerCertChain();
      await sendText(conn, 'welcome\n');
      await recvUntilClosed(conn);
      return { peer, chain };
    });
    const sock = await nodeConnect(t, server.port);
    assert.equal(await readNodeLine(sock), 'welcome');
    sock.end();
    const r = await withTimeout(server.first, 10000, 'library server');
    assert.equal(r.peer, null);
    assert.equal(r.chain, null);
  });

  test('a Node client that does not trust the server gets no connection', T, async (t) => {
    const server = await startLibraryServer(t, serverContext('untrusted-leaf'), async (conn) => caught(() => conn.doHandshake()));
    const nodeErr = await caught(() => nodeConnect(t, server.port));
    assert.equal(nodeErr?.code, 'SELF_SIGNED_CERT_IN_CHAIN');
    const err = await withTimeout(server.first, 10000, 'library server');
    assert.ok(err instanceof SSLError, `server saw ${err}`);
  });
});

describe('rustls-ssl client vs Node tls server', () => {
  for (const [name, maxVersion] of [
    ['server-ecdsa', 'TLSv1.3'],
    ['server-rsa', 'TLSv1.3'],
    ['server-ecdsa', 'TLSv1.2'],
    ['server-rsa', 'TLSv1.2']
  ]) {
    test(`${maxVersion}, ${name}: greeting and echo`, T, async (t) => {
      const seen = [];
      const { port } = await nodeServer(t, name, { maxVersion }, (s) => {
        seen.push({ protocol: s.getProtocol(), cipher: s.getCipher().name, servername: s.servername });
        s.write(`hello ${s.getProtocol()}\n`);
        s.pipe(s);
      });
      const conn = await connectTls(clientContext(), port, 'localhost', t);
      await conn.doHandshake();
      assert.equal(conn.getProtocolVersionName(), maxVersion);
      assert.equal(conn.getVerifyResult(), 0);
      assert.equal(conn.getPeerCertificate().getSubject().CN, 'localhost');
      assert.equal(await recvLine(conn), `hello ${maxVersion}`);
      assert.equal(await sendText(conn, 'echo me\n'), 8);
      assert.equal(await recvLine(conn), 'echo me');
      assert.deepEqual(seen, [{ protocol: maxVersion, cipher: conn.getCipherName(), servername: 'localhost' }]);
      assert.equal(await conn.shutdown(), false, 'close_notify sent, peer has not answered yet');
    });
  }

  test('1 MiB from a Node server, checksummed, ending with close_notify', T, async (t) => {
    const payload = randomBytes(MiB);
    const { port } = await nodeServer(t, 'server-ecdsa', {}, (s) => {
      s.end(payload);
    });
    const conn = await connectTls(clientContext(), port, 'localhost', t);
    await conn.doHandshake();
    const { data, how } = await recvUntilClosed(conn);
    assert.equal(data.length, MiB);
    assert.equal(sha256(data), sha256(payload));
    assert.equal(how, 'close_notify');
  });

  for (const maxVersion of ['TLSv1.3', 'TLSv1.2']) {
    test(`mutual TLS (${maxVersion}): requestCert + rejectUnauthorized server accepts client.pem`, T, async (t) => {
      const seen = [];
      const { port, clientErrors } = await nodeServer(
        t,
        'server-rsa',
        { maxVersion, requestCert: true, rejectUnauthorized: true, ca: CA },
        (s) => {
          const peer = s.getPeerCertificate(true);
          seen.push({ authorized: s.authorized, cn: peer.subject?.CN, issuer: peer.issuer?.CN });
          s.end(`client ${peer.subject?.CN}\n`);
        }
      );
      const ctx = clientContext();
      ctx.useCertificateChainFile(fixture('client-chain.pem'));
      ctx.usePrivateKeyFile(fixture('client.key'));
      const conn = await connectTls(ctx, port, 'localhost', t);
      await conn.doHandshake();
      assert.equal(conn.getProtocolVersionName(), maxVersion);
      assert.equal(await recvLine(conn), 'client test client');
      assert.deepEqual(seen, [{ authorized: true, cn: 'test client', issuer: 'rustls-ssl Test Intermediate CA' }]);
      assert.deepEqual(clientErrors, []);
    });

    test(`mutual TLS (${maxVersion}): a library client without a certificate fails`, T, async (t) => {
      const seen = [];
      const { port, clientErrors } = await nodeServer(
        t,
        'server-rsa',
        { maxVersion, requestCert: true, rejectUnauthorized: true, ca: CA },
        (s) => {
          seen.push(s.authorized);
          s.end('should not get here\n');
        }
      );
      const conn = await connectTls(clientContext(), port, 'localhost', t);
      const err = await caught(async () => {
        await conn.doHandshake();
        // TLS 1.3: the server's alert comes after the client's side of the handshake.
        await recvLine(conn);
      });
      assert.ok(err instanceof SSLError, `expected an SSLError, got ${err}`);
      assert.ok(!(err instanceof ZeroReturnError));
      assert.match(err.message, /certificate|alert|handshake/i);
      assert.deepEqual(seen, []);
      await waitUntil(() => clientErrors.length > 0, 5000, 'tlsClientError on the Node server');
      assert.equal(clientErrors.length, 1);
      assert.match(clientErrors[0].code, /PEER_DID_NOT_RETURN_A_CERTIFICATE/);
    });
  }

  test('a library client refuses a Node server with an untrusted chain', T, async (t) => {
    const { port } = await nodeServer(t, 'untrusted-leaf', {}, (s) => s.end('no\n'));
    const conn = await connectTls(clientContext(), port, 'localhost', t);
    const err = await caught(() => conn.doHandshake());
    assert.ok(err instanceof SSLError, `expected an SSLError, got ${err}`);
    assert.match(err.message, /certificate verify failed/);
    assert.equal(conn.getVerifyResult(), 19, 'the untrusted root came with the chain');
  });
});

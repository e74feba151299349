// Interoperability with the OpenSSL 3 command line tools: rustls-ssl as a client of
// `openssl s_server`, and as a server for `openssl s_client`, over 127.0.0.1.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  Context,
  SSLError,
  TLS1_2_VERSION,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  OP_NO_TLSv1_3,
  VERIFY_PEER,
  ZeroReturnError
} from 'rustls-ssl';

import {
  connectTls,
  fixture,
  recvLine,
  recvUntilClosed,
  sendText,
  socketOf,
  startLibraryServer,
  startSClient,
  startSServer,
  withTimeout
} from './helpers/peers.mjs';

const T = { timeout: 20000 };

function clientContext() {
  const ctx = new Context(TLS_CLIENT_METHOD);
  ctx.loadVerifyLocations(fixture('ca.pem'));
  return ctx;
}

function serverContext(name) {
  const ctx = new Context(TLS_SERVER_METHOD);
  ctx.useCertificateChainFile(fixture(`${name}-chain.pem`));
  ctx.usePrivateKeyFile(fixture(`${name}.key`));
  return ctx;
}

/** GET / from `s_server -www` and the status page it answers with. */
async function getStatusPage(conn) {
  const sent = await sendText(conn, 'GET / HTTP/1.0\r\n\r\n');
  assert.equal(sent, 18);
  const { data, how } = await recvUntilClosed(conn);
  return { page: data.toString('utf8'), how };
}

describe('rustls-ssl client vs openssl s_server', () => {
  for (const { version, flag } of [
    { version: 'TLSv1.3', flag: '1.3' },
    { version: 'TLSv1.2', flag: '1.2' }
  ]) {
    for (const cert of ['server-rsa', 'server-ecdsa']) {
      test(`${version} with ${cert}: handshake, parameters, -www page`, T, async (t) => {
        const server = await startSServer(t, { cert: `${cert}.pem`, version: flag, www: true });
        const conn = await connectTls(clientContext(), server.port, 'localhost', t);
        await conn.doHandshake();

        assert.equal(conn.isHandshakeDone(), true);
        assert.equal(conn.getProtocolVersionName(), version);
        assert.equal(conn.getProtocolVersion(), version === 'TLSv1.3' ? 0x304 : 0x303);
        assert.equal(conn.getVerifyResult(), 0);
        const peer = conn.getPeerCertificate();
        assert.ok(peer, 'server certificate');
        assert.equal(peer.getSubject().CN, 'localhost');
        assert.equal(peer.getIssuer().CN, 'rustls-ssl Test Intermediate CA');
        const chain = conn.getPeerCertChain();
        assert.ok(Array.isArray(chain));
        assert.deepEqual(
          chain.map((c) => c.getSubject().CN),
          ['localhost', 'rustls-ssl Test Intermediate CA'],
          'client side: the chain as sent, leaf first'
        );
        const cipher = conn.getCipherName();
        assert.equal(typeof cipher, 'string');
        if (version === 'TLSv1.3') {
          assert.match(cipher, /^TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/);
        } else {
          const kx = cert === 'server-rsa' ? 'RSA' : 'ECDSA';
          assert.match(cipher, new RegExp(`^ECDHE-${kx}-(AES128-GCM-SHA256|AES256-GCM-SHA384|CHACHA20-POLY1305)$`));
        }

        const { page, how } = await getStatusPage(conn);
        assert.match(page, /^HTTP\/1\.0 200 ok\r?\n/);
        assert.match(page, /Ciphers supported in s_server binary/);
        // The server prints what it negotiated; it must be what the client reports.
        const m = page.match(/New, (TLSv1\.[23]), Cipher is (\S+)/);
        assert.ok(m, `the page names the protocol and cipher:\n${page}`);
        assert.equal(m[1], version);
        assert.equal(m[2], cipher, 'openssl and rustls-ssl agree on the cipher name');
        assert.match(page, /no client certificate available/);
        assert.equal(how, 'close_notify', 's_server -www ends with close_notify');
      });
    }
  }

  test('setMaxProtoVersion(TLS1_2_VERSION) negotiates TLS 1.2 with a 1.2+1.3 server', T, async (t) => {
    const server = await startSServer(t, { cert: 'server-ecdsa.pem', www: true });
    const ctx = clientContext();
    ctx.setMaxProtoVersion(TLS1_2_VERSION);
    const conn = await connectTls(ctx, server.port, 'localhost', t);
    await conn.doHandshake();
    assert.equal(conn.getProtocolVersionName(), 'TLSv1.2');
    const { page } = await getStatusPage(conn);
    assert.match(page, /New, TLSv1\.2, Cipher is /);
  });

  test('OP_NO_TLSv1_3 negotiates TLS 1.2 with a 1.2+1.3 server', T, async (t) => {
    const server = await startSServer(t, { cert: 'server-rsa.pem', www: true });
    const ctx = clientContext();
    ctx.setOptions(OP_NO_TLSv1_3);
    const conn = await connectTls(ctx, server.port, 'localhost', t);
    await conn.doHandshake();
    assert.equal(conn.getProtocolVersionName(), 'TLSv1.2');
    const { page } = await getStatusPage(conn);
    assert.match(page, /New, TLSv1\.2, Cipher is /);
  });

  test('a TLS 1.2-only client against a TLS 1.3-only server fails', T, async (t) => {
    const server = await startSServer(t, { cert: 'server-ecdsa.pem', version: '1.3', www: true });
    const ctx = clientContext();
    ctx.setMaxProtoVersion(TLS1_2_VERSION);
    const conn = await connectTls(ctx, server.port, 'localhost', t);
    await assert.rejects(conn.doHandshake(), SSLError);
    assert.equal(conn.isHandshakeDone(), false);
  });

  for (const flag of ['1.3', '1.2']) {
    test(`ALPN over TLS ${flag}: server offers h2,http/1.1, client asks for http/1.1`, T, async (t) => {
      const server = await startSServer(t, { cert: 'server-ecdsa.pem', version: flag, alpn: 'h2,http/1.1', www: true });
      const conn = await connectTls(clientContext(), server.port, 'localhost', t);
      conn.setAlpnProtos(['http/1.1']);
      await conn.doHandshake();
      assert.equal(conn.getAlpnProtoNegotiated(), 'http/1.1');
      const { page } = await getStatusPage(conn);
      assert.match(page, /Ciphers supported in s_server binary/);
    });
  }

  test('ALPN from the context; h2 preferred by the client', T, async (t) => {
    const server = await startSServer(t, { cert: 'server-rsa.pem', alpn: 'h2,http/1.1', www: true });
    const ctx = clientContext();
    ctx.setAlpnProtos(['h2', 'http/1.1']);
    const conn = await connectTls(ctx, server.port, 'localhost', t);
    await conn.doHandshake();
    // OpenSSL's s_server takes the first of its own list that the client offers.
    assert.equal(conn.getAlpnProtoNegotiated(), 'h2');
  });

  test('no ALPN: getAlpnProtoNegotiated() is ""', T, async (t) => {
    const server = await startSServer(t, { cert: 'server-rsa.pem', www: true });
    const conn = await connectTls(clientContext(), server.port, 'localhost', t);
    await conn.doHandshake();
    assert.equal(conn.getAlpnProtoNegotiated(), '');
  });

  test('Ed25519 and P-384 server certificates', T, async (t) => {
    for (const [cert, chain] of [
      ['server-ed25519.pem', null],
      ['server-p384.pem', 'int.pem']
    ]) {
      const server = await startSServer(t, { cert, chain, www: true });
      const conn = await connectTls(clientContext(), server.port, 'localhost', t);
      await conn.doHandshake();
      assert.equal(conn.getPeerCertificate().getSubject().CN, 'localhost');
      assert.equal(conn.getVerifyResult(), 0);
      const { page } = await getStatusPage(conn);
      assert.match(page, /New, TLSv1\.3, Cipher is /, cert);
      socketOf(conn).destroy();
      await server.stop();
    }
  });

  for (const flag of ['1.3', '1.2']) {
    test(`mutual TLS ${flag}: s_server -Verify 1 sees the library's client certificate`, T, async (t) => {
      const server = await startSServer(t, {
        cert: 'server-ecdsa.pem',
        version: flag,
        www: true,
        extra: ['-Verify', '1', '-CAfile', 'ca.pem']
      });
      const ctx = clientContext();
      ctx.useCertificateChainFile(fixture('client-chain.pem'));
      ctx.usePrivateKeyFile(fixture('client.key'));
      const conn = await connectTls(ctx, server.port, 'localhost', t);
      await conn.doHandshake();
      assert.equal(conn.getCertificate().getSubject().CN, 'test client');
      const { page } = await getStatusPage(conn);
      assert.match(page, /Client certificate/);
      assert.match(page, /Subject: .*CN ?= ?test client/);
      assert.doesNotMatch(page, /no client certificate available/);
      await server.waitFor(/CN = test client/);
    });
  }

  test('mutual TLS: s_server -Verify 1 rejects a client without a certificate', T, async (t) => {
    const server = await startSServer(t, {
      cert: 'server-ecdsa.pem',
      www: true,
      extra: ['-Verify', '1', '-CAfile', 'ca.pem']
    });
    const conn = await connectTls(clientContext(), server.port, 'localhost', t);
    // In TLS 1.3 the client finishes its side of the handshake before the server checks
    // the (missing) certificate; the server's alert then comes out of the next read.
    const err = await (async () => {
      try {
        await conn.doHandshake();
        await sendText(conn, 'GET / HTTP/1.0\r\n\r\n');
        await recvUntilClosed(conn);
      } catch (e) {
        return e;
      }
      return null;
    })();
    assert.ok(err instanceof SSLError, `expected an SSLError, got ${err}`);
    assert.ok(!(err instanceof ZeroReturnError), 'not a clean close');
    assert.match(err.message, /certificate|alert/i);
    await server.waitFor(/peer did not return a certificate|certificate required/i);
  });
});

describe('openssl s_client vs rustls-ssl server', () => {
  for (const { version, flag, cert } of [
    { version: 'TLSv1.3', flag: '-tls1_3', cert: 'server-ecdsa' },
    { version: 'TLSv1.3', flag: '-tls1_3', cert: 'server-rsa' },
    { version: 'TLSv1.2', flag: '-tls1_2', cert: 'server-ecdsa' },
    { version: 'TLSv1.2', flag: '-tls1_2', cert: 'server-rsa' }
  ]) {
    test(`${version} with ${cert}: verified by s_client, lines both ways`, T, async (t) => {
      const server = await startLibraryServer(t, serverContext(cert), async (conn) => {
        await conn.doHandshake();
        const got = await recvLine(conn);
        await sendText(conn, 'hello from rustls-ssl\n');
        const end = await recvUntilClosed(conn);
        return {
          got,
          end,
          version: conn.getProtocolVersionName(),
          cipher: conn.getCipherName(),
          servername: conn.getServername(),
          peer: conn.getPeerCertificate()
        };
      });
      const client = startSClient(t, server.port, [flag]);
      await client.waitFor(/Verify return code: \d+ \([^)]*\)/);
      client.write('hello from s_client\n');
      await client.waitFor(/^hello from rustls-ssl$/m);
      client.endInput();
      const r = await withTimeout(server.first, 10000, 'the library server finishing');
      const { code } = await withTimeout(client.exited, 10000, 's_client exiting');

      const out = client.stdout();
      assert.match(out, /Verify return code: 0 \(ok\)/);
      assert.match(out, new RegExp(`New, ${version.replace('.', '\\.')}, Cipher is (\\S+)`));
      assert.equal(out.match(/Cipher is (\S+)/)[1], r.cipher, 'both ends name the same cipher');
      assert.match(out, /subject=.*CN = localhost/);
      assert.equal(code, 0, `s_client exit code; stderr:\n${client.stderr()}`);
      assert.equal(r.got, 'hello from s_client');
      assert.equal(r.version, version);
      assert.equal(r.servername, 'localhost');
      assert.equal(r.end.how, 'close_notify', 's_client closes with close_notify on end of input');
      assert.equal(r.end.data.length, 0);
      assert.equal(r.peer, null, 'no client certificate was sent: getPeerCertificate() is null');
    });
  }

  test('s_client -alpn h2,http/1.1 against a server with an ALPN select callback', T, async (t) => {
    const ctx = serverContext('server-ecdsa');
    const offers = [];
    ctx.setAlpnSelectCallback((conn, offered) => {
      offers.push(offered);
      return 'http/1.1';
    });
    const server = await startLibraryServer(t, ctx, async (conn) => {
      await conn.doHandshake();
      const alpn = conn.getAlpnProtoNegotiated();
      await sendText(conn, `alpn=${alpn}\n`);
      await recvUntilClosed(conn);
      return alpn;
    });
    const client = startSClient(t, server.port, ['-alpn', 'h2,http/1.1']);
    await client.waitFor(/^alpn=http\/1\.1$/m);
    client.endInput();
    assert.equal(await withTimeout(server.first, 10000, 'server'), 'http/1.1');
    assert.deepEqual(offers, [['h2', 'http/1.1']]);
    assert.match(client.stdout(), /ALPN protocol: http\/1\.1/);
  });

  test('s_client presenting client.pem to a server with VERIFY_PEER', T, async (t) => {
    const ctx = serverContext('server-rsa');
    ctx.loadVerifyLocations(fixture('ca.pem'));
    ctx.setVerify(VERIFY_PEER);
    const server = await startLibraryServer(t, ctx, async (conn) => {
      await conn.doHandshake();
      const peer = conn.getPeerCertificate();
      await sendText(conn, `client=${peer?.getSubject().CN}\n`);
      await recvUntilClosed(conn);
      return { cn: peer?.getSubject().CN, result: conn.getVerifyResult(), chain: conn.getPeerCertChain() };
    });
    const client = startSClient(t, server.port, ['-cert', 'client.pem', '-key', 'client.key', '-cert_chain', 'int.pem']);
    await client.waitFor(/^client=test client$/m);
    client.endInput();
    const r = await withTimeout(server.first, 10000, 'server');
    assert.equal(r.cn, 'test client');
    assert.equal(r.result, 0);
    assert.ok(Array.isArray(r.chain));
    assert.deepEqual(
      r.chain.map((c) => c.getSubject().CN),
      ['rustls-ssl Test Intermediate CA'],
      'server side: the chain without the leaf, as OpenSSL'
    );
  });

  test('s_client -verify_return_error refuses a chain it does not trust (untrusted root)', T, async (t) => {
    const server = await startLibraryServer(t, serverContext('untrusted-leaf'), async (conn) => {
      try {
        await conn.doHandshake();
        return null;
      } catch (e) {
        return e;
      }
    });
    const client = startSClient(t, server.port, []);
    const { code } = await withTimeout(client.exited, 10000, 's_client exiting');
    assert.notEqual(code, 0);
    assert.match(client.stdout() + client.stderr(), /verify error:num=19:self-signed certificate in certificate chain/);
    const err = await withTimeout(server.first, 10000, 'server');
    assert.ok(err instanceof SSLError, `server saw ${err}`);
    assert.match(err.message, /alert|unknown ca|certificate/i);
  });
});

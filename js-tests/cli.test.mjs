// The `rustls-ssl` command (bin/rustls-ssl.mjs) against the OpenSSL CLI over loopback:
// `rustls-ssl s_client` to `openssl s_server` (what it prints, compared with what OpenSSL
// prints for the same server; data both ways; the verify failures and their reasons) and
// `openssl s_client` to `rustls-ssl s_server` (OpenSSL's verdict, data both ways, client
// certificates), plus the usage and error paths. Every child runs in its own process group
// and is killed when its test ends, pass or fail.

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';

import { FIXTURES, spawnOpenssl, startSClient, startSServer, withTimeout } from './helpers/openssl.mjs';

const BIN = fileURLToPath(new URL('../bin/rustls-ssl.mjs', import.meta.url));
const ROOT_CN = 'C = US, O = rustls-ssl, CN = rustls-ssl Test Root CA';
const INT_CN = 'C = US, O = rustls-ssl, CN = rustls-ssl Test Intermediate CA';
const LEAF_CN = 'C = US, O = rustls-ssl, CN = localhost';

/**
 * `node bin/rustls-ssl.mjs ...args` in js-tests/fixtures, killed (with its group) when `t`
 * ends. `waitFor` watches stdout or stderr alone, so a test can tell where a line went.
 * @param {{ after: (fn: () => any) => void }} t
 * @param {string[]} args
 */
function cli(t, args) {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: FIXTURES, detached: true, stdio: 'pipe' });
  const text = { stdout: '', stderr: '' };
  /** @type {Set<() => void>} */
  const watchers = new Set();
  for (const name of /** @type {const} */ (['stdout', 'stderr'])) {
    proc[name].setEncoding('utf8');
    proc[name].on('data', (d) => {
      text[name] += d;
      for (const w of watchers) w();
    });
  }
  proc.stdin.on('error', () => {});
  /** @type {Promise<number | null>} */
  const exited = new Promise((resolve) => proc.once('close', (code) => resolve(code)));
  const kill = () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    try {
      process.kill(-(/** @type {number} */ (proc.pid)), 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  t.after(async () => {
    kill();
    await exited;
  });
  const dump = () => `--- stdout ---\n${text.stdout}\n--- stderr ---\n${text.stderr}`;
  return {
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    /** @param {string} s */
    write: (s) => proc.stdin.write(s),
    endInput: () => proc.stdin.end(),
    /**
     * @param {RegExp} re @param {'stdout' | 'stderr'} [where] @param {number} [ms]
     * @returns {Promise<RegExpMatchArray>}
     */
    waitFor(re, where = 'stdout', ms = 5000) {
      return withTimeout(
        new Promise((resolve, reject) => {
          const check = () => {
            const m = text[where].match(re);
            if (m) {
              watchers.delete(check);
              resolve(m);
            }
          };
          watchers.add(check);
          check();
          exited.then(() => {
            check();
            if (watchers.delete(check)) reject(new Error(`rustls-ssl ${args.join(' ')} exited before ${re} on ${where}\n${dump()}`));
          });
        }),
        ms,
        `${re} on ${where} of rustls-ssl ${args.join(' ')}\n${dump()}`,
      );
    },
    /** @param {number} [ms] */
    exit: (ms = 5000) => withTimeout(exited, ms, `rustls-ssl ${args.join(' ')} to exit\n${dump()}`),
  };
}

/** The lines of `text` that match `re`, trimmed of the line ending. */
const linesOf = (/** @type {string} */ text, /** @type {RegExp} */ re) => text.split('\n').filter((l) => re.test(l));

describe('rustls-ssl s_client → openssl s_server', () => {
  test('prints the chain, protocol, cipher, group, ALPN and verify result as openssl does; pipes both ways; exits 0 on close', async (t) => {
    const server = await startSServer(t, { alpn: 'h2' });
    const client = cli(t, ['s_client', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', 'ca.pem', '-alpn', 'http/1.1,h2']);
    await client.waitFor(/^Verify return code: .*\n---\n/m);
    const out = client.stdout();
    assert.match(out, /^CONNECTED\(127\.0\.0\.1:\d+\)$/m);
    const chain = [` 0 s:${LEAF_CN}`, `   i:${INT_CN}`, ` 1 s:${INT_CN}`, `   i:${ROOT_CN}`];
    assert.deepEqual(linesOf(out, /^ *\d* ?[si]:/), chain);
    assert.match(out, /^-----BEGIN CERTIFICATE-----$/m);
    assert.match(out, /^New, TLSv1\.3, Cipher is TLS_(AES_128_GCM_SHA256|AES_256_GCM_SHA384|CHACHA20_POLY1305_SHA256)$/m);
    assert.match(out, /^Server Temp Key: X25519, 253 bits$/m);
    assert.match(out, /^ALPN protocol: h2$/m);
    assert.match(out, /^Verification: OK$/m);
    assert.match(out, /^Verify return code: 0 \(ok\)$/m);
    // openssl's verify-callback lines, on stderr as openssl prints them.
    assert.deepEqual(linesOf(client.stderr(), /^(depth|verify)/), [
      `depth=2 ${ROOT_CN}`, 'verify return:1',
      `depth=1 ${INT_CN}`, 'verify return:1',
      `depth=0 ${LEAF_CN}`, 'verify return:1',
    ]);

    client.write('ping from rustls-ssl\n');
    await server.waitFor(/ping from rustls-ssl/);
    server.write('pong from openssl\n');
    await client.waitFor(/^pong from openssl$/m, 'stdout');
    assert.match(server.stdout(), /ALPN protocols advertised by the client: http\/1\.1, h2/);

    // End of input: close_notify; openssl answers with its own and we exit cleanly.
    client.endInput();
    assert.equal(await client.exit(), 0, client.stderr());
    await server.waitFor(/^DONE$/m);

    // The same server as OpenSSL's own client sees it: the chain block and key line agree.
    const ref = spawnOpenssl(['s_client', '-connect', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', 'ca.pem'], t);
    await ref.waitFor(/^Verify return code: .*$/m);
    ref.endInput();
    assert.deepEqual(linesOf(ref.stdout(), /^ *\d* ?[si]:/), chain);
    assert.deepEqual(linesOf(ref.stdout(), /^Server Temp Key:/), linesOf(out, /^Server Temp Key:/));
    assert.deepEqual(linesOf(ref.stdout(), /^ *v:/), linesOf(out, /^ *v:/));
  });

  test('TLS 1.2: the cipher is named as OpenSSL names it, the one the server chose', async (t) => {
    const server = await startSServer(t, { version: '1.2', cert: 'server-ecdsa.pem' });
    const client = cli(t, ['s_client', `127.0.0.1:${server.port}`, '-CAfile', 'ca.pem', '-servername', 'localhost']);
    const [, cipher] = await client.waitFor(/^New, TLSv1\.2, Cipher is (\S+)$/m);
    const [, chosen] = await server.waitFor(/^CIPHER is (\S+)$/m);
    assert.equal(cipher, chosen);
    assert.match(cipher, /^ECDHE-ECDSA-/);
    client.endInput();
    assert.equal(await client.exit(), 0, client.stderr());
  });

  test('an untrusted CA: exit 1 with the verify code and its reason, before any data', async (t) => {
    const server = await startSServer(t, { cert: 'untrusted-leaf.pem', chain: null });
    const client = cli(t, ['s_client', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', 'ca.pem']);
    assert.equal(await client.exit(), 1);
    assert.match(client.stdout(), /^Verify return code: 20 \(unable to get local issuer certificate\)$/m);
    assert.match(client.stdout(), /^ 0 s:C = US, O = rustls-ssl, CN = localhost\n {3}i:C = US, O = rustls-ssl, CN = rustls-ssl Untrusted Root CA$/m);
    assert.doesNotMatch(client.stdout(), /^New, /m, 'no session summary: there is no session');
    assert.match(client.stderr(), /^verify error:num=20:unable to get local issuer certificate$/m);
    assert.match(client.stderr(), /^rustls-ssl s_client: certificate verify failed: unable to get local issuer certificate/m);
    assert.doesNotMatch(client.stderr(), /^\s+at /m, 'no stack trace');
    // openssl s_server saw the alert, not a session.
    await server.waitFor(/unknown ca/i);
  });

  test('-no_verify_return_error: openssl s_client\'s default, the session goes on and the code is still printed', async (t) => {
    const server = await startSServer(t, { cert: 'untrusted-leaf.pem', chain: null });
    const client = cli(t, ['s_client', `127.0.0.1:${server.port}`, '-servername', 'localhost', '-CAfile', 'ca.pem', '-no_verify_return_error']);
    await client.waitFor(/^Verify return code: 20 \(unable to get local issuer certificate\)$/m);
    assert.match(client.stdout(), /^New, TLSv1\.3, Cipher is /m);
    assert.match(client.stdout(), /^Verification error: unable to get local issuer certificate$/m);
    client.write('still talking\n');
    await server.waitFor(/still talking/);
    client.endInput();
    assert.equal(await client.exit(), 0, client.stderr());
  });

  test('-servername that the certificate does not name: hostname mismatch (62), exit 1', async (t) => {
    const server = await startSServer(t);
    const client = cli(t, ['s_client', `127.0.0.1:${server.port}`, '-servername', 'example.com', '-CAfile', 'ca.pem']);
    assert.equal(await client.exit(), 1);
    assert.match(client.stdout(), /^Verify return code: 62 \(hostname mismatch\)$/m);
    assert.match(client.stderr(), /^depth=0 C = US, O = rustls-ssl, CN = localhost\nverify error:num=62:hostname mismatch$/m);
    assert.match(client.stderr(), /certificate verify failed: hostname mismatch/);
  });

  test('no -servername: the host (here an IP) is what the certificate must match', async (t) => {
    const server = await startSServer(t, { cert: 'wronghost.pem' });
    const client = cli(t, ['s_client', `127.0.0.1:${server.port}`, '-CAfile', 'ca.pem']);
    assert.equal(await client.exit(), 1);
    assert.match(client.stdout(), /^Verify return code: 64 \(IP address mismatch\)$/m);
  });
});

test('names from the peer cannot drive the terminal: control characters are escaped as openssl escapes them', async (t) => {
  // A throwaway self-signed certificate whose CN holds an escape sequence and a line break.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rustls-ssl-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const [cert, key] = [path.join(dir, 'evil.pem'), path.join(dir, 'evil.key')];
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-utf8',
    '-keyout', key, '-out', cert, '-subj', '/CN=evil\x1b[2Jx\nFAKE'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const subject = spawnSync('openssl', ['x509', '-in', cert, '-noout', '-subject'], { encoding: 'utf8' }).stdout.trim();
  assert.equal(subject, 'subject=CN = evil\\1B[2Jx\\0AFAKE', 'openssl\'s own rendering');

  const server = await startSServer(t, { cert, key, chain: null });
  const client = cli(t, ['s_client', `127.0.0.1:${server.port}`, '-servername', 'localhost']);
  assert.equal(await client.exit(), 1);
  const all = client.stdout() + client.stderr();
  assert.doesNotMatch(all, /\x1b/, 'no raw ESC reaches the terminal');
  assert.doesNotMatch(all, /^FAKE/m, 'no line break from the certificate');
  assert.match(client.stdout(), /^ 0 s:CN = evil\\1B\[2Jx\\0AFAKE$/m);
  assert.match(client.stderr(), /^depth=0 CN = evil\\1B\[2Jx\\0AFAKE$/m);
  assert.match(client.stderr(), /certificate verify failed: self-signed certificate \(CN=evil\\1B\[2Jx\\0AFAKE/);
});

describe('openssl s_client → rustls-ssl s_server', () => {
  /** Starts our server on a port the kernel picks and resolves with it. */
  async function ourServer(t, extra = []) {
    const server = cli(t, ['s_server', '-accept', '127.0.0.1:0', '-cert', 'server-ecdsa-chain.pem', '-key', 'server-ecdsa.key', ...extra]);
    const [, port] = await server.waitFor(/listening on 127\.0\.0\.1:(\d+)/, 'stderr');
    await server.waitFor(/^ACCEPT$/m);
    return Object.assign(server, { port: Number(port) });
  }

  test('openssl verifies it (0 ok), ALPN in the server\'s order, data both ways, one connection after another; end of input stops it', async (t) => {
    const server = await ourServer(t, ['-alpn', 'h2,http/1.1']);
    // The server's order wins, as with openssl s_server -alpn.
    const ossl = startSClient(t, server.port, ['-alpn', 'http/1.1,h2']);
    await ossl.waitFor(/^Verify return code: 0 \(ok\)$/m);
    assert.match(ossl.stdout(), /^ALPN protocol: h2$/m);
    const [, cipher] = await ossl.waitFor(/^New, TLSv1\.3, Cipher is (\S+)$/m);

    const summary = (await server.waitFor(/^-----\n(?:.*\n)*?-----\n/m, 'stderr'))[0];
    assert.match(summary, /^Protocol: TLSv1\.3$/m);
    assert.match(summary, new RegExp(`^Cipher: ${cipher}$`, 'm'));
    assert.match(summary, /^ALPN protocol: h2$/m);
    assert.match(summary, /^Server name: localhost$/m);
    assert.match(summary, /^No client certificate$/m);

    ossl.write('hello from openssl\n');
    await server.waitFor(/^hello from openssl$/m, 'stdout');
    server.write('hello from rustls-ssl\n');
    await ossl.waitFor(/^hello from rustls-ssl$/m);
    ossl.endInput(); // openssl sends close_notify and exits
    await server.waitFor(/^CONNECTION CLOSED$/m, 'stderr');
    await ossl.exited;

    // Still serving: the next client gets its turn.
    const second = startSClient(t, server.port);
    await second.waitFor(/^Verify return code: 0 \(ok\)$/m);
    server.write('to the second\n');
    await second.waitFor(/^to the second$/m);
    // End of our input: close_notify to the client, and the server stops.
    server.endInput();
    assert.equal(await server.exit(), 0, server.stderr());
    await second.waitFor(/DONE|closed/);
  });

  test('-Verify with -CAfile: a client certificate is required, verified and shown', async (t) => {
    const server = await ourServer(t, ['-CAfile', 'ca.pem', '-Verify', '2']);
    const ossl = startSClient(t, server.port, ['-cert', 'client.pem', '-key', 'client.key', '-cert_chain', 'int.pem']);
    await ossl.waitFor(/^Verify return code: 0 \(ok\)$/m);
    const summary = (await server.waitFor(/^-----\n(?:.*\n)*?-----\n/m, 'stderr'))[0];
    assert.match(summary, /^Client certificate:\n {3}s:C = US, O = rustls-ssl, CN = test client\n {3}i:C = US, O = rustls-ssl, CN = rustls-ssl Test Intermediate CA$/m);
    assert.match(summary, /^Verify return code: 0 \(ok\)$/m);
    // The names sent as acceptable CAs are the -CAfile's.
    assert.match(ossl.stdout(), /Acceptable client certificate CA names\n.*CN = rustls-ssl Test Root CA/);
    ossl.endInput();
    await server.waitFor(/^CONNECTION CLOSED$/m, 'stderr');

    // Without a certificate the handshake fails, the server says why and keeps serving.
    const bare = startSClient(t, server.port);
    await server.waitFor(/^rustls-ssl s_server: handshake with 127\.0\.0\.1:\d+ failed: .*certificate/m, 'stderr');
    bare.endInput();
    const third = startSClient(t, server.port, ['-cert', 'client.pem', '-key', 'client.key', '-cert_chain', 'int.pem']);
    await third.waitFor(/^Verify return code: 0 \(ok\)$/m);
  });
});

describe('usage and errors', () => {
  for (const [what, args, re] of [
    ['-h', ['-h'], /^usage:/m],
    ['s_client -h', ['s_client', '-h'], /^usage:/m],
    ['no command', [], /^usage:/m],
    ['an unknown command', ['x_client'], /unknown command "x_client"/],
    ['an unknown option', ['s_client', '127.0.0.1:1', '-bogus'], /unknown option -bogus/],
    ['a missing value', ['s_client', '127.0.0.1:1', '-CAfile'], /-CAfile needs a value/],
    ['no port', ['s_client', 'localhost'], /expected host:port/],
    ['s_server without -cert', ['s_server'], /needs -cert/],
  ]) {
    test(`${what}: usage on stderr, exit 2`, async (t) => {
      const run = cli(t, /** @type {string[]} */ (args));
      assert.equal(await run.exit(), 2);
      assert.match(run.stderr(), /** @type {RegExp} */ (re));
      assert.match(run.stderr(), /^usage:/m);
      assert.equal(run.stdout(), '');
    });
  }

  for (const [what, args, re] of [
    ['a missing -CAfile', ['s_client', '127.0.0.1:9', '-CAfile', 'no-such.pem'], /^rustls-ssl: -CAfile no-such\.pem: .*no-such\.pem/],
    ['a key that does not match', ['s_server', '-cert', 'server-rsa.pem', '-key', 'server-ecdsa.key'], /^rustls-ssl: -key server-ecdsa\.key: .*mismatch/],
  ]) {
    test(`${what}: one readable line, exit 1`, async (t) => {
      const run = cli(t, /** @type {string[]} */ (args));
      assert.equal(await run.exit(), 1);
      assert.match(run.stderr(), /** @type {RegExp} */ (re));
      assert.equal(run.stderr().trim().split('\n').length, 1, run.stderr());
    });
  }

  test('a refused connection: says so, exit 1', async (t) => {
    // A port that was just free; nothing listens there.
    const server = await startSServer(t);
    const port = server.port;
    await server.stop();
    const run = cli(t, ['s_client', `127.0.0.1:${port}`]);
    assert.equal(await run.exit(), 1);
    assert.match(run.stderr(), new RegExp(`^rustls-ssl: cannot connect to 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`, 'm'));
    assert.doesNotMatch(run.stderr(), /^\s+at /m);
  });
});

#!/usr/bin/env node
// @ts-check
// `rustls-ssl s_client` / `s_server`: a first look at a TLS peer from the terminal, in the
// shape of `openssl s_client` / `s_server`, built on the package's public API only (so it
// is also a worked example of it). What it prints follows OpenSSL's words where OpenSSL
// has them, so output can be compared line by line; where this package is deliberately
// safer (a client fails on a bad certificate), the difference is in the usage text.

import { readFileSync } from 'node:fs';
import net from 'node:net';

import {
  Connection,
  Context,
  NO_OVERLAPPING_PROTOCOLS,
  SSLError,
  SysCallError,
  TLS_CLIENT_METHOD,
  TLS_SERVER_METHOD,
  VERIFY_FAIL_IF_NO_PEER_CERT,
  VERIFY_NONE,
  VERIFY_PEER,
  X509VerificationCodes,
  ZeroReturnError,
  socketTransport,
} from '../js/node.mjs';

const PROG = 'rustls-ssl';

const USAGE = `usage:
  ${PROG} s_client [-connect] host:port [options]
      -servername name   the name sent as SNI and checked against the certificate
                         (default: host); an IP address is checked against IP SANs
      -alpn a,b          offer these ALPN protocols
      -CAfile file       trust these PEM certificates (default: the bundled Mozilla roots)
      -cert file -key file   a client certificate (PEM, chain allowed) and its key
      -verify_return_error     stop on a verification failure (the default here)
      -no_verify_return_error  print the failure and go on, as openssl s_client does
      -quiet             print no handshake summary, only the peer's data
  ${PROG} s_server -cert file -key file [options]
      -accept [host:]port  listen here (default 4433, every interface; 0 picks a port)
      -cert_chain file   intermediates sent after the certificate
      -CAfile file       trust for client certificates (its names are sent as acceptable CAs)
      -verify n          request a client certificate (chain depth n)
      -Verify n          require one
      -alpn a,b          accept these ALPN protocols, in this order of preference
      -quiet             print no handshake summary

s_client prints the chain, protocol, cipher, group, ALPN and the verify result, then copies
stdin to the server and the server's data to stdout. End of input sends close_notify, and
the client waits for the server to close. A certificate that fails verification stops the
handshake (exit 1) unless -no_verify_return_error is given.
s_server serves one connection at a time: the handshake summary goes to stderr, the
client's data to stdout, and stdin to the client. End of input closes the current
connection and stops the server, as with openssl s_server.
Exit status: 0 on a clean close, 1 on a failure, 2 on a usage error.`;

/** A mistake on the command line: usage, exit 2. */
class UsageError extends Error {}

/**
 * A failure already explained to the user (the summary says what went wrong): exit 1
 * without another message.
 */
class Reported extends Error {}

/**
 * Exits once stdout has taken what was written: a pipe reader must see the last bytes.
 * @param {number} code
 */
function finish(code) {
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}

/**
 * An expected failure as one line (no stack): a TLS error, a system error (ENOENT,
 * ECONNREFUSED, …), or a bad argument the package refused. Anything else is a bug here,
 * and its stack helps.
 * @param {any} err
 */
function describe(err) {
  if (err instanceof SSLError || typeof err?.code === 'string') {
    return printableLine(String(err.message || err.code));
  }
  return printable(err?.stack ?? String(err));
}

/**
 * Text from the peer (names in its certificate, its SNI) with control characters escaped as
 * OpenSSL's one-line names escape them (`\1B`): a certificate must not be able to drive the
 * terminal that prints it.
 * @param {string} text
 */
function printable(text) {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** `printable`, with line breaks and tabs escaped too: one line stays one line. @param {string} text */
function printableLine(text) {
  return printable(text).replace(/[\n\t]/g, (c) => (c === '\n' ? '\\0A' : '\\09'));
}

/** @param {string[]} argv */
async function main(argv) {
  const [command, ...rest] = argv;
  if (command === 's_client') return sClient(parse(rest, CLIENT_FLAGS));
  if (command === 's_server') return sServer(parse(rest, SERVER_FLAGS));
  if (command === undefined || ['-h', '-help', '--help'].includes(command)) throw new UsageError('');
  throw new UsageError(`unknown command ${JSON.stringify(command)}`);
}

// Each flag: true when it takes a value.
const CLIENT_FLAGS = {
  '-connect': true,
  '-servername': true,
  '-alpn': true,
  '-CAfile': true,
  '-cert': true,
  '-key': true,
  '-verify_return_error': false,
  '-no_verify_return_error': false,
  '-quiet': false,
};
const SERVER_FLAGS = {
  '-accept': true,
  '-cert': true,
  '-key': true,
  '-cert_chain': true,
  '-CAfile': true,
  '-verify': true,
  '-Verify': true,
  '-alpn': true,
  '-quiet': false,
};

/**
 * @param {string[]} args
 * @param {Record<string, boolean>} flags
 * @returns {{ opts: Record<string, string | true>, positional: string[] }}
 */
function parse(args, flags) {
  /** @type {Record<string, string | true>} */
  const opts = {};
  const positional = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (['-h', '-help', '--help'].includes(arg)) throw new UsageError('');
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (!Object.hasOwn(flags, arg)) throw new UsageError(`unknown option ${arg}`);
    if (flags[arg]) {
      if (i + 1 >= args.length) throw new UsageError(`${arg} needs a value`);
      opts[arg] = args[++i];
    } else {
      opts[arg] = true;
    }
  }
  return { opts, positional };
}

/** @param {Record<string, string | true>} opts @param {string} name */
function str(opts, name) {
  const v = opts[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * `host:port`, `[v6]:port`.
 * @param {string} text
 * @returns {{ host: string, port: number }}
 */
function hostPort(text) {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError(`expected host:port, got ${JSON.stringify(text)}`);
  return { host: m[1] ?? m[2], port };
}

/**
 * Runs a step that reads `file` for option `flag`, naming both in its error: "ENOENT" alone
 * does not say which of three files was missing.
 * @template T @param {string} flag @param {string} file @param {() => T} step @returns {T}
 */
function withFile(flag, file, step) {
  try {
    return step();
  } catch (err) {
    throw Object.assign(new Error(`${flag} ${file}: ${describe(err)}`), { code: 'ERR_CLI_FILE' });
  }
}

/** @param {string} list */
function alpnList(list) {
  const protos = list.split(',');
  if (protos.some((p) => p === '')) throw new UsageError(`empty protocol in -alpn ${JSON.stringify(list)}`);
  return protos;
}

// ---- what both commands print ----

/**
 * OpenSSL's reasons for the verify results this package reports (X509_verify_cert_error_string);
 * other numbers fall back to their name in X509VerificationCodes.
 * @type {Record<number, string>}
 */
const VERIFY_REASONS = {
  0: 'ok',
  1: 'unspecified certificate verification error',
  2: 'unable to get issuer certificate',
  7: 'certificate signature failure',
  9: 'certificate is not yet valid',
  10: 'certificate has expired',
  18: 'self-signed certificate',
  19: 'self-signed certificate in certificate chain',
  20: 'unable to get local issuer certificate',
  21: 'unable to verify the first certificate',
  22: 'certificate chain too long',
  23: 'certificate revoked',
  25: 'path length constraint exceeded',
  26: 'unsupported certificate purpose',
  32: 'key usage does not include certificate signing',
  34: 'unhandled critical extension',
  41: 'invalid or inconsistent certificate extension',
  47: 'permitted subtree violation',
  48: 'excluded subtree violation',
  49: 'subtree minmax',
  50: 'application verification failure',
  51: 'unsupported constraint type',
  53: 'unsupported or invalid name syntax',
  62: 'hostname mismatch',
  64: 'IP address mismatch',
  66: 'EE certificate key too weak',
  67: 'CA certificate key too weak',
  68: 'ca md too weak',
  76: 'cannot find certificate signature algorithm',
  77: 'signature algorithm mismatch',
  79: 'invalid CA certificate',
};

/** @param {number} code */
function verifyReason(code) {
  if (VERIFY_REASONS[code]) return VERIFY_REASONS[code];
  const name = Object.entries(X509VerificationCodes).find(([, v]) => v === code)?.[0];
  return name ? name.replace(/^ERR_/, '').toLowerCase().replace(/_/g, ' ') : 'unknown certificate verification error';
}

/**
 * A name as OpenSSL's one-line form prints it: `C = US, O = rustls-ssl, CN = localhost`.
 * @param {any} name an X509Name
 */
function oneline(name) {
  return name
    .getComponents()
    .map((/** @type {[string, string]} */ [k, v]) => printableLine(`${k} = ${v}`))
    .join(', ');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * `20200101000000Z` as OpenSSL prints it: `Jan  1 00:00:00 2020 GMT`.
 * @param {string} t
 */
function opensslTime(t) {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(t);
  if (!m) return t;
  const [, y, mo, d, h, mi, s] = m;
  return `${MONTHS[Number(mo) - 1] ?? mo} ${String(Number(d)).padStart(2)} ${h}:${mi}:${s} ${y} GMT`;
}

/**
 * OpenSSL 3.0's "Server Temp Key" line for the groups rustls offers.
 * @param {string | null} group
 */
function tempKey(group) {
  switch (group) {
    case 'x25519':
      return 'X25519, 253 bits';
    case 'secp256r1':
      return 'ECDH, prime256v1, 256 bits';
    case 'secp384r1':
      return 'ECDH, secp384r1, 384 bits';
    default:
      return group ?? 'none';
  }
}

/**
 * The certificate chain block of `openssl s_client`: s:/i:/v: lines per certificate.
 * @param {any[] | null} chain
 */
function chainLines(chain) {
  if (!chain || chain.length === 0) return ['no peer certificate available'];
  const out = ['Certificate chain'];
  chain.forEach((cert, i) => {
    out.push(`${String(i).padStart(2)} s:${oneline(cert.getSubject())}`);
    out.push(`   i:${oneline(cert.getIssuer())}`);
    out.push(`   v:NotBefore: ${opensslTime(cert.getNotBefore())}; NotAfter: ${opensslTime(cert.getNotAfter())}`);
  });
  return out;
}

/**
 * A verify callback that prints what OpenSSL's apps print for each call (`depth=`,
 * `verify error:num=`, `verify return:`) and keeps the first error seen, so the result can
 * be reported even when the handshake is allowed to go on.
 * @param {(line: string) => void} log
 * @param {boolean} goOn accept every error (the handshake continues; the result is still reported)
 */
function verifyPrinter(log, goOn) {
  const state = { firstError: 0 };
  /** @type {(conn: any, x509: any, errno: number, depth: number, ok: boolean) => boolean} */
  const callback = (_conn, x509, errno, depth, ok) => {
    log(`depth=${depth} ${oneline(x509.getSubject())}`);
    if (!ok) {
      log(`verify error:num=${errno}:${verifyReason(errno)}`);
      if (state.firstError === 0) state.firstError = errno;
    }
    log(`verify return:${ok || goOn ? 1 : 0}`);
    // With VERIFY_NONE the package reports but does not stop; returning `ok` keeps the
    // error in getVerifyResult().
    return ok;
  };
  return { state, callback };
}

/** @param {string} line */
const logErr = (line) => process.stderr.write(`${line}\n`);

/**
 * Writes to stdout, waiting when the pipe is full (backpressure towards the TLS peer).
 * @param {Uint8Array} data
 */
function toStdout(data) {
  if (process.stdout.write(data)) return Promise.resolve();
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

// A reader that went away (`| head`) is the end of the session, not a crash.
process.stdout.on('error', () => process.exit(0));

/**
 * Copies the peer's data to stdout until its close_notify (`'closed'`) or an end without one
 * (the SysCallError), and answers its close_notify with ours.
 * @param {any} conn
 * @returns {Promise<'closed' | SysCallError>}
 */
async function peerToStdout(conn) {
  for (;;) {
    let data;
    try {
      data = await conn.recv(16384);
    } catch (err) {
      if (err instanceof ZeroReturnError) {
        await conn.shutdown().catch(() => {});
        return 'closed';
      }
      if (err instanceof SysCallError) return err;
      throw err;
    }
    await toStdout(data);
  }
}

// ---- s_client ----

/** @param {{ opts: Record<string, string | true>, positional: string[] }} args */
async function sClient({ opts, positional }) {
  const target = str(opts, '-connect') ?? positional.shift();
  if (!target) throw new UsageError('s_client needs host:port');
  if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  const { host, port } = hostPort(target);
  const servername = str(opts, '-servername') ?? host;
  const goOn = opts['-no_verify_return_error'] === true;
  if (goOn && opts['-verify_return_error']) throw new UsageError('-verify_return_error and -no_verify_return_error contradict');
  const quiet = opts['-quiet'] === true;
  const out = (/** @type {string} */ line) => {
    if (!quiet) process.stdout.write(`${line}\n`);
  };

  const ctx = new Context(TLS_CLIENT_METHOD);
  const caFile = str(opts, '-CAfile');
  if (caFile) withFile('-CAfile', caFile, () => ctx.loadVerifyLocations(caFile));
  const cert = str(opts, '-cert');
  const key = str(opts, '-key') ?? cert;
  if (cert && key) {
    withFile('-cert', cert, () => ctx.useCertificateChain(readFileSync(cert, 'utf8')));
    withFile('-key', key, () => ctx.usePrivateKeyFile(key));
  } else if (str(opts, '-key')) {
    throw new UsageError('-key needs -cert');
  }
  const alpn = str(opts, '-alpn');
  if (alpn) ctx.setAlpnProtos(alpnList(alpn));
  const verify = verifyPrinter(quiet ? () => {} : logErr, goOn);
  // VERIFY_NONE still checks and reports everything (the callback runs, getVerifyResult()
  // says what failed); it only stops a failure from ending the handshake.
  ctx.setVerify(goOn ? VERIFY_NONE : VERIFY_PEER, verify.callback);

  /** @type {net.Socket} */
  const sock = await new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('connect', () => resolve(s));
    s.once('error', (/** @type {NodeJS.ErrnoException} */ e) =>
      reject(Object.assign(new Error(`cannot connect to ${target}: ${e.message}`), { code: e.code ?? 'ECONNREFUSED' })),
    );
  });
  out(`CONNECTED(${sock.remoteAddress}:${sock.remotePort})`);
  const conn = new Connection(ctx, socketTransport(sock));
  conn.setConnectState();
  conn.setTlsextHostName(servername);

  try {
    await conn.doHandshake();
  } catch (/** @type {any} */ err) {
    const code = typeof err?.verifyResult === 'number' ? err.verifyResult : 0;
    if (!code) {
      sock.destroy();
      throw err;
    }
    // What openssl prints for a failed verification: the chain the server sent, then why.
    logErr(`${PROG} s_client: ${describe(err)}`);
    out('---');
    for (const line of chainLines(conn.getPeerCertChain())) out(line);
    out('---');
    out(`Verification error: ${verifyReason(code)}`);
    out(`Verify return code: ${code} (${verifyReason(code)})`);
    sock.destroy();
    throw new Reported();
  }

  const result = conn.getVerifyResult() || verify.state.firstError;
  out('---');
  for (const line of chainLines(conn.getPeerCertChain())) out(line);
  const leaf = conn.getPeerCertificate();
  if (leaf) {
    out('---');
    out('Server certificate');
    out(leaf.toPem().trimEnd());
    out(`subject=${oneline(leaf.getSubject())}`);
    out(`issuer=${oneline(leaf.getIssuer())}`);
  }
  out('---');
  out(`Server Temp Key: ${tempKey(conn.getGroupName())}`);
  out('---');
  out(result === 0 ? 'Verification: OK' : `Verification error: ${verifyReason(result)}`);
  out('---');
  out(`New, ${conn.getProtocolVersionName()}, Cipher is ${conn.getCipherName()}`);
  const proto = conn.getAlpnProtoNegotiated();
  out(proto ? `ALPN protocol: ${proto}` : 'No ALPN negotiated');
  out(`Verify return code: ${result} (${verifyReason(result)})`);
  out('---');

  return pipeSession(conn);
}

/**
 * Copies stdin to the server and the server to stdout. End of input sends close_notify;
 * the server's data is still read until it closes.
 * @param {any} conn
 * @returns {Promise<number>} the exit status
 */
async function pipeSession(conn) {
  let weClosed = false;
  const input = (async () => {
    for await (const chunk of process.stdin) await conn.sendall(chunk);
    weClosed = true;
    await conn.shutdown();
  })();
  // A failed send shows up on the read side too (the connection is dead); report it once.
  input.catch(() => {});
  const end = await peerToStdout(conn);
  if (end === 'closed') return 0;
  if (weClosed) return 0; // we said goodbye; a server that then just hangs up lost nothing
  logErr(`${PROG}: the server closed the connection without close_notify (${describe(end)}); the data may be truncated`);
  return 1;
}

// ---- s_server ----

/** Connections waiting for their turn; more than this are refused. */
const MAX_QUEUED = 16;
/** How long a client may take over its handshake (silence, not total time). */
const HANDSHAKE_TIMEOUT_MS = 30_000;

/** @param {{ opts: Record<string, string | true>, positional: string[] }} args */
async function sServer({ opts, positional }) {
  if (positional.length) throw new UsageError(`unexpected argument ${JSON.stringify(positional[0])}`);
  const certFile = str(opts, '-cert');
  const keyFile = str(opts, '-key') ?? certFile;
  if (!certFile || !keyFile) throw new UsageError('s_server needs -cert file -key file');
  const accept = str(opts, '-accept') ?? '4433';
  const { host, port } = /^\d{1,5}$/.test(accept) ? { host: undefined, port: Number(accept) } : hostPort(accept);
  if (port > 65535) throw new UsageError(`bad port ${accept}`);
  const quiet = opts['-quiet'] === true;
  const log = quiet ? () => {} : logErr;

  const ctx = new Context(TLS_SERVER_METHOD);
  let pem = withFile('-cert', certFile, () => readFileSync(certFile, 'utf8'));
  const chainFile = str(opts, '-cert_chain');
  if (chainFile) pem += `\n${withFile('-cert_chain', chainFile, () => readFileSync(chainFile, 'utf8'))}`;
  withFile('-cert', certFile, () => ctx.useCertificateChain(pem));
  withFile('-key', keyFile, () => ctx.usePrivateKeyFile(keyFile));

  const request = str(opts, '-verify');
  const demand = str(opts, '-Verify');
  if (request !== undefined && demand !== undefined) throw new UsageError('-verify and -Verify contradict');
  const depthText = demand ?? request;
  const caFile = str(opts, '-CAfile');
  if (caFile) {
    withFile('-CAfile', caFile, () => {
      ctx.loadVerifyLocations(caFile);
      ctx.loadClientCa(caFile);
    });
  }
  /** @type {ReturnType<typeof verifyPrinter> | null} */
  let verify = null;
  if (depthText !== undefined) {
    if (!/^\d+$/.test(depthText)) throw new UsageError(`bad verify depth ${JSON.stringify(depthText)}`);
    if (!caFile) throw new UsageError('-verify/-Verify need -CAfile (the client certificates\' issuers)');
    verify = verifyPrinter(log, false);
    ctx.setVerifyDepth(Number(depthText));
    ctx.setVerify(demand !== undefined ? VERIFY_PEER | VERIFY_FAIL_IF_NO_PEER_CERT : VERIFY_PEER, verify.callback);
  }
  const alpn = str(opts, '-alpn');
  if (alpn) {
    const ours = alpnList(alpn);
    ctx.setAlpnSelectCallback((/** @type {any} */ _conn, /** @type {string[]} */ offered) => ours.find((p) => offered.includes(p)) ?? NO_OVERLAPPING_PROTOCOLS);
  }

  /** @type {net.Socket[]} */
  const queue = [];
  /** @type {any} the connection stdin goes to */
  let current = null;
  /** @type {Array<() => void>} */
  const waitingForCurrent = [];
  let stopping = false;
  let busy = false;
  /** @type {(code: number) => void} */
  let done = () => {};
  const finished = new Promise((resolve) => (done = resolve));

  const server = net.createServer((sock) => {
    if (stopping || queue.length >= MAX_QUEUED) {
      sock.destroy();
      return;
    }
    queue.push(sock);
    void serveQueue();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => resolve(undefined));
  });
  server.on('error', (err) => logErr(`${PROG} s_server: ${describe(err)}`));
  const bound = /** @type {net.AddressInfo} */ (server.address());
  log(`${PROG} s_server: listening on ${bound.address}:${bound.port}`);
  process.stdout.write('ACCEPT\n');

  async function serveQueue() {
    if (busy) return;
    busy = true;
    for (let sock = queue.shift(); sock && !stopping; sock = queue.shift()) {
      await serve(sock);
    }
    busy = false;
    if (stopping) done(0);
  }

  /** @param {net.Socket} sock */
  async function serve(sock) {
    const peer = `${sock.remoteAddress}:${sock.remotePort}`;
    sock.on('error', () => {}); // reported through the connection's SysCallError
    // One connection at a time: a client that never finishes its handshake must not hold
    // the others up for ever.
    sock.setTimeout(HANDSHAKE_TIMEOUT_MS, () => sock.destroy());
    const conn = new Connection(ctx, socketTransport(sock));
    conn.setAcceptState();
    try {
      await conn.doHandshake();
    } catch (err) {
      logErr(`${PROG} s_server: handshake with ${peer} failed: ${describe(err)}`);
      sock.destroy();
      return;
    }
    sock.setTimeout(0);
    log('-----');
    log(`Connection from ${peer}`);
    log(`Protocol: ${conn.getProtocolVersionName()}`);
    log(`Cipher: ${conn.getCipherName()}`);
    log(`Group: ${conn.getGroupName()}`);
    const proto = conn.getAlpnProtoNegotiated();
    log(proto ? `ALPN protocol: ${proto}` : 'No ALPN negotiated');
    log(`Server name: ${printableLine(conn.getServername() ?? '(none sent)')}`);
    const client = conn.getPeerCertificate();
    if (client) {
      log(`Client certificate:`);
      log(`   s:${oneline(client.getSubject())}`);
      log(`   i:${oneline(client.getIssuer())}`);
    } else {
      log('No client certificate');
    }
    if (verify) {
      const result = conn.getVerifyResult();
      log(`Verify return code: ${result} (${verifyReason(result)})`);
    }
    log('-----');

    if (stopping) await conn.shutdown().catch(() => {}); // input ended during the handshake
    current = conn;
    for (const w of waitingForCurrent.splice(0)) w();
    let end;
    try {
      end = await peerToStdout(conn);
    } catch (err) {
      end = err;
    }
    current = null;
    if (end === 'closed') log('CONNECTION CLOSED');
    else log(`CONNECTION CLOSED (${describe(end)})`);
    sock.destroy();
  }

  // stdin goes to the connection being served; typed before a client arrives, it waits for
  // one. End of input closes that connection (close_notify) and stops the server.
  const input = (async () => {
    for await (const chunk of process.stdin) {
      while (!current) await new Promise((resolve) => waitingForCurrent.push(() => resolve(undefined)));
      await current.sendall(chunk).catch(() => {});
    }
  })();
  await input;
  stopping = true;
  server.close();
  for (const sock of queue.splice(0)) sock.destroy();
  if (current) {
    await current.shutdown().catch(() => {});
  }
  if (!busy) done(0);
  return finished;
}

// Last, so every table above is initialised before it runs.
main(process.argv.slice(2)).then(
  (code) => finish(code),
  (err) => {
    if (err instanceof UsageError) {
      if (err.message) process.stderr.write(`${PROG}: ${err.message}\n`);
      process.stderr.write(`${USAGE}\n`);
      finish(2);
    } else if (err instanceof Reported) {
      finish(1);
    } else {
      process.stderr.write(`${PROG}: ${describe(err)}\n`);
      finish(1);
    }
  },
);

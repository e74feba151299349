// Error classes, constants and loading (API.md §1–§3).

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import * as ssl from 'rustls-ssl';
import {
  SSLError,
  Error as SSLErrorAlias,
  WantReadError,
  WantWriteError,
  WantX509LookupError,
  ZeroReturnError,
  SysCallError,
  Context,
  Connection,
  Method,
  X509VerificationCodes,
  NO_OVERLAPPING_PROTOCOLS,
  version,
} from 'rustls-ssl';

import { bioPair, bioHandshake, pump, bytes } from './unit-helpers.mjs';

// ---------------------------------------------------------------------------------------
describe('error classes', () => {
  test('hierarchy', () => {
    assert.equal(SSLErrorAlias, SSLError, 'Error is exported as an alias of SSLError');
    assert.ok(Object.getPrototypeOf(SSLError) === globalThis.Error, 'SSLError extends the global Error');
    for (const cls of [WantReadError, WantWriteError, WantX509LookupError, ZeroReturnError, SysCallError]) {
      assert.equal(Object.getPrototypeOf(cls), SSLError, `${cls.name} extends SSLError directly`);
      const e = cls === SysCallError ? new cls(-1, 'Unexpected EOF') : new cls();
      assert.ok(e instanceof SSLError);
      assert.ok(e instanceof globalThis.Error);
      assert.equal(e.name, cls.name);
      assert.ok(Array.isArray(e.errors));
    }
    assert.ok(!(new WantReadError() instanceof WantWriteError));
    assert.ok(!(new ZeroReturnError() instanceof SysCallError));
  });

  test('SSLError: errors triples and message joining the reasons', () => {
    const e = new SSLError([
      ['SSL routines', '', 'no cipher match'],
      ['SSL routines', '', 'second reason'],
    ]);
    assert.deepEqual(e.errors, [
      ['SSL routines', '', 'no cipher match'],
      ['SSL routines', '', 'second reason'],
    ]);
    assert.match(e.message, /no cipher match/);
    assert.match(e.message, /second reason/);
    assert.equal(e.name, 'SSLError');
  });

  test('SysCallError fields errno / errstr / cause', () => {
    const cause = new Error('ECONNRESET');
    const e = new SysCallError(104, 'ECONNRESET', { cause });
    assert.equal(e.errno, 104);
    assert.equal(e.errstr, 'ECONNRESET');
    assert.equal(e.cause, cause);
    assert.match(e.message, /ECONNRESET/);
    const d = new SysCallError();
    assert.equal(d.errno, -1);
    assert.equal(d.errstr, 'Unexpected EOF');
  });

  test('errors raised by the library are instances of the exported classes', async () => {
    // WantReadError from a real connection
    const { c, s } = bioPair();
    const e1 = await c.doHandshake().catch((e) => e);
    assert.ok(e1 instanceof WantReadError, String(e1));
    assert.ok(e1 instanceof SSLError);
    assert.throws(() => s.bioRead(10), WantReadError);
    // SysCallError from a real connection
    s.bioShutdown();
    const e2 = await s.recv(10).catch((e) => e);
    assert.ok(e2 instanceof SysCallError, String(e2));
    assert.equal(e2.errno, -1);
    assert.equal(e2.errstr, 'Unexpected EOF');
    // plain SSLError with a triple from the Context
    const e3 = (() => {
      try {
        new Context(Method.SSLv3);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(e3 instanceof SSLError);
    assert.equal(e3.constructor, SSLError);
    assert.deepEqual(e3.errors.map((t) => t[2]), ['unsupported protocol']);
  });

  test('ZeroReturnError after close_notify', async () => {
    const { c, s } = bioPair();
    await bioHandshake(c, s);
    assert.equal(await c.shutdown(), false);
    pump(c, s);
    const e = await s.recv(10).catch((x) => x);
    assert.ok(e instanceof ZeroReturnError, String(e));
    assert.ok(e instanceof SSLError);
  });

  test('promise-returning methods never throw synchronously', () => {
    const { c } = bioPair();
    let p;
    assert.doesNotThrow(() => {
      p = c.send(42); // bad type: a rejection, not a throw
    });
    assert.ok(p instanceof Promise);
    return assert.rejects(p, TypeError);
  });

  test('a non-buffer object passed to send is a rejection, not a throw', async () => {
    const { c } = bioPair();
    const fake = { length: 2 ** 31 };
    let p;
    assert.doesNotThrow(() => {
      p = c.send(fake);
    });
    await assert.rejects(p, (e) => e instanceof TypeError || e instanceof RangeError);
  });
});

// ---------------------------------------------------------------------------------------
describe('constants', () => {
  const enums = {
    Method: { prefix: '', suffix: '_METHOD' },
    VerifyMode: { prefix: 'VERIFY_', suffix: '' },
    FileType: { prefix: 'FILETYPE_', suffix: '' },
    Options: { prefix: '', suffix: '' },
    Version: { prefix: '', suffix: '' },
    SessionCacheMode: { prefix: '', suffix: '' },
    Shutdown: { prefix: '', suffix: '' },
    InfoCallback: { prefix: '', suffix: '' },
    RecvFlags: { prefix: '', suffix: '' },
  };

  test('every enum is a frozen object of numbers', () => {
    for (const name of [...Object.keys(enums), 'X509VerificationCodes']) {
      const e = ssl[name];
      assert.equal(typeof e, 'object', name);
      assert.ok(Object.isFrozen(e), `${name} is frozen`);
      assert.ok(Object.keys(e).length > 0, `${name} has members`);
      for (const [k, v] of Object.entries(e)) {
        assert.equal(typeof v, 'number', `${name}.${k}`);
        assert.ok(Number.isInteger(v) && v >= 0, `${name}.${k} = ${v} is a non-negative integer`);
      }
      assert.throws(() => {
        'use strict';
        e.NEW_MEMBER = 1;
      }, TypeError);
    }
  });

  test('flat names equal the enum members', () => {
    let checked = 0;
    for (const [name, { prefix, suffix }] of Object.entries(enums)) {
      for (const [member, value] of Object.entries(ssl[name])) {
        const flat = prefix + member + suffix;
        assert.ok(flat in ssl, `flat export ${flat} (from ${name}.${member})`);
        assert.equal(ssl[flat], value, `${flat} === ${name}.${member}`);
        checked++;
      }
    }
    assert.ok(checked > 60, `checked ${checked} names`);
  });

  test('values from API.md §2 and pyOpenSSL / OpenSSL 3', () => {
    const expected = {
      SSLv2_METHOD: 1,
      SSLv3_METHOD: 2,
      SSLv23_METHOD: 3,
      TLSv1_METHOD: 4,
      TLSv1_1_METHOD: 5,
      TLSv1_2_METHOD: 6,
      TLS_METHOD: 7,
      TLS_SERVER_METHOD: 8,
      TLS_CLIENT_METHOD: 9,
      VERIFY_NONE: 0,
      VERIFY_PEER: 1,
      VERIFY_FAIL_IF_NO_PEER_CERT: 2,
      VERIFY_CLIENT_ONCE: 4,
      FILETYPE_PEM: 1,
      FILETYPE_ASN1: 2,
      OP_ALL: 0x80000850,
      OP_NO_SSLv2: 0,
      OP_NO_SSLv3: 0x2000000,
      OP_NO_TLSv1: 0x4000000,
      OP_NO_TLSv1_1: 0x10000000,
      OP_NO_TLSv1_2: 0x8000000,
      OP_NO_TLSv1_3: 0x20000000,
      OP_NO_COMPRESSION: 0x20000,
      OP_NO_TICKET: 0x4000,
      OP_CIPHER_SERVER_PREFERENCE: 0x400000,
      OP_NO_RENEGOTIATION: 0x40000000,
      OP_IGNORE_UNEXPECTED_EOF: 0x80,
      OP_NO_QUERY_MTU: 0x1000,
      OP_COOKIE_EXCHANGE: 0x2000,
      OP_SINGLE_DH_USE: 0,
      OP_EPHEMERAL_RSA: 0,
      SSL3_VERSION: 0x300,
      TLS1_VERSION: 0x301,
      TLS1_1_VERSION: 0x302,
      TLS1_2_VERSION: 0x303,
      TLS1_3_VERSION: 0x304,
      SESS_CACHE_OFF: 0,
      SESS_CACHE_CLIENT: 1,
      SESS_CACHE_SERVER: 2,
      SESS_CACHE_BOTH: 3,
      SENT_SHUTDOWN: 1,
      RECEIVED_SHUTDOWN: 2,
      SSL_CB_HANDSHAKE_START: 0x10,
      SSL_CB_HANDSHAKE_DONE: 0x20,
      SSL_CB_ALERT: 0x4000,
      SSL_ST_CONNECT: 0x1000,
      SSL_ST_ACCEPT: 0x2000,
      MSG_PEEK: 2,
    };
    for (const [k, v] of Object.entries(expected)) assert.equal(ssl[k], v, k);
    assert.ok(ssl.OP_ALL > 0, 'OP_ALL is not negative');
    assert.equal(ssl.Options.OP_ALL, 0x80000850);
    assert.equal(ssl.Method.TLS_CLIENT, 9);
    assert.equal(ssl.RecvFlags.MSG_PEEK, 2);
    assert.equal(ssl.Version.TLS1_3_VERSION, 0x304);
  });

  test('X509VerificationCodes: OpenSSL 3 numbers', () => {
    const expected = {
      OK: 0,
      ERR_UNABLE_TO_GET_ISSUER_CERT: 2,
      ERR_CERT_SIGNATURE_FAILURE: 7,
      ERR_CERT_NOT_YET_VALID: 9,
      ERR_CERT_HAS_EXPIRED: 10,
      ERR_DEPTH_ZERO_SELF_SIGNED_CERT: 18,
      ERR_SELF_SIGNED_CERT_IN_CHAIN: 19,
      ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20,
      ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21,
      ERR_CERT_CHAIN_TOO_LONG: 22,
      ERR_CERT_REVOKED: 23,
      ERR_INVALID_PURPOSE: 26,
      ERR_UNHANDLED_CRITICAL_EXTENSION: 34,
      ERR_PERMITTED_VIOLATION: 47,
      ERR_APPLICATION_VERIFICATION: 50,
      ERR_HOSTNAME_MISMATCH: 62,
      ERR_IP_ADDRESS_MISMATCH: 64,
      ERR_INVALID_CA: 79,
    };
    for (const [k, v] of Object.entries(expected)) assert.equal(X509VerificationCodes[k], v, k);
    assert.ok(Object.keys(X509VerificationCodes).length >= 60);
    assert.ok(!Object.keys(X509VerificationCodes).some((k) => k.startsWith('X509_V_')), 'no prefix');
  });

  test('NO_OVERLAPPING_PROTOCOLS is a frozen sentinel; version has package and rustls', () => {
    assert.ok(NO_OVERLAPPING_PROTOCOLS !== null && typeof NO_OVERLAPPING_PROTOCOLS === 'object');
    assert.ok(Object.isFrozen(NO_OVERLAPPING_PROTOCOLS));
    assert.equal(typeof version.package, 'string');
    assert.equal(typeof version.rustls, 'string');
    assert.match(version.rustls, /^0\.\d+/);
  });
});

// ---------------------------------------------------------------------------------------
describe('loading', () => {
  test('require("rustls-ssl") gives the same classes as the ESM import', () => {
    const require = createRequire(import.meta.url);
    const cjs = require('rustls-ssl');
    assert.equal(cjs.Context, Context);
    assert.equal(cjs.Connection, Connection);
    assert.equal(cjs.SSLError, SSLError);
    assert.equal(cjs.WantReadError, WantReadError);
    assert.equal(cjs.OP_ALL, 0x80000850);
    // usable at once: no init call
    const ctx = new cjs.Context(cjs.TLS_CLIENT_METHOD);
    assert.ok(ctx instanceof Context);
    assert.equal(ctx.getVerifyMode(), cjs.VERIFY_PEER);
  });

  test('classes are usable as soon as the import returns', () => {
    const ctx = new Context(Method.TLS);
    const conn = new Connection(ctx, null);
    assert.equal(conn.getContext() instanceof Context, true);
    assert.equal(conn.getProtocolVersionName(), 'Unknown');
  });

  test('free() releases an object; using it afterwards throws, not traps', async () => {
    const ctx = new Context(Method.TLS);
    const conn = new Connection(ctx, null);
    conn.free();
    assert.throws(() => conn.pending());
    // the module still works
    const { c, s } = bioPair();
    await bioHandshake(c, s);
    assert.equal(await c.send(bytes('x')), 1);
  });
});

test('install(), which the entries need exported, cannot rewire a loaded package', () => {
  const before = ssl.Context;
  const evil = new Proxy({}, { get: () => () => ({}) });
  assert.throws(() => ssl.install(evil, { crypto: { name: 'evil' } }), (e) => e instanceof TypeError && e.code === 'ERR_INVALID_STATE');
  assert.equal(ssl.Context, before);
  assert.equal(ssl.cryptoProvider(), process.env.RUSTLS_SSL_CRYPTO === 'ring' ? 'ring' : 'node:crypto');
  assert.ok(new ssl.Context(ssl.TLS_CLIENT_METHOD));
});

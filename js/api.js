// @ts-check
// Assembles the public API from a loaded wasm module: the same for Node (js/node.mjs) and
// browsers (js/web.mjs). Exports are live bindings filled by `install`, so the list of names
// is written once, here, and both entries re-export it with `export *`.

import {
  SSLError,
  WantReadError,
  WantWriteError,
  WantX509LookupError,
  ZeroReturnError,
  SysCallError,
} from './errors.js';
import { memoryPair, socketTransport, streamTransport } from './transports.js';
import { wispClient } from './wisp.js';
import { transportOf } from './stream-common.js';
import { toWebStreams } from './web-streams.js';

export {
  SSLError,
  SSLError as Error,
  WantReadError,
  WantWriteError,
  WantX509LookupError,
  ZeroReturnError,
  SysCallError,
  memoryPair,
  socketTransport,
  streamTransport,
  toWebStreams,
  wispClient,
};

/** pyOpenSSL's sentinel for an ALPN select callback that accepts no protocol. */
export const NO_OVERLAPPING_PROTOCOLS = Object.freeze({
  toString: () => 'NO_OVERLAPPING_PROTOCOLS',
});

// Classes from the wasm module.
export let Context, Connection, X509, X509Name, X509Store, PKey, Session;
export let loadCertificate, dumpCertificate, loadPrivateKey, webSocketTransport;
/** @type {Readonly<{package: string, rustls: string}>} */
export let version;
/**
 * Which crypto protects records, exchanges keys and checks signatures: 'node:crypto' (the
 * Node entry's default) or 'ring' (browsers, or Node with RUSTLS_SSL_CRYPTO=ring).
 * @type {() => 'node:crypto' | 'ring'}
 */
export let cryptoProvider;

// Frozen enums (docs/api.md) and pyOpenSSL's flat names, numbers from src/ssl/constants.rs.
export let Method, VerifyMode, FileType, Options, Version, SessionCacheMode, Shutdown, InfoCallback, RecvFlags, X509VerificationCodes;
export let
  SSLv2_METHOD, SSLv3_METHOD, SSLv23_METHOD, TLSv1_METHOD, TLSv1_1_METHOD, TLSv1_2_METHOD,
  TLS_METHOD, TLS_SERVER_METHOD, TLS_CLIENT_METHOD, VERIFY_NONE, VERIFY_PEER,
  VERIFY_FAIL_IF_NO_PEER_CERT, VERIFY_CLIENT_ONCE, FILETYPE_PEM, FILETYPE_ASN1, OP_NO_SSLv2,
  OP_NO_SSLv3, OP_NO_TLSv1, OP_NO_TLSv1_1, OP_NO_TLSv1_2, OP_NO_TLSv1_3, OP_NO_COMPRESSION,
  OP_NO_TICKET, OP_CIPHER_SERVER_PREFERENCE, OP_NO_RENEGOTIATION, OP_IGNORE_UNEXPECTED_EOF,
  OP_LEGACY_SERVER_CONNECT, OP_TLS_ROLLBACK_BUG, OP_DONT_INSERT_EMPTY_FRAGMENTS,
  OP_NO_QUERY_MTU, OP_COOKIE_EXCHANGE, OP_ALL, OP_SINGLE_DH_USE, OP_SINGLE_ECDH_USE,
  OP_EPHEMERAL_RSA, OP_MICROSOFT_SESS_ID_BUG, OP_NETSCAPE_CHALLENGE_BUG,
  OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG, OP_SSLREF2_REUSE_CERT_TYPE_BUG,
  OP_MICROSOFT_BIG_SSLV3_BUFFER, OP_MSIE_SSLV2_RSA_PADDING, OP_SSLEAY_080_CLIENT_DH_BUG,
  OP_TLS_D5_BUG, OP_TLS_BLOCK_PADDING_BUG, OP_PKCS1_CHECK_1, OP_PKCS1_CHECK_2,
  OP_NETSCAPE_CA_DN_BUG, OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG, SSL3_VERSION, TLS1_VERSION,
  TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION, SESS_CACHE_OFF, SESS_CACHE_CLIENT,
  SESS_CACHE_SERVER, SESS_CACHE_BOTH, SESS_CACHE_NO_AUTO_CLEAR, SESS_CACHE_NO_INTERNAL_LOOKUP,
  SESS_CACHE_NO_INTERNAL_STORE, SESS_CACHE_NO_INTERNAL, SENT_SHUTDOWN, RECEIVED_SHUTDOWN,
  SSL_ST_CONNECT, SSL_ST_ACCEPT, SSL_ST_MASK, SSL_CB_LOOP, SSL_CB_EXIT, SSL_CB_READ,
  SSL_CB_WRITE, SSL_CB_ALERT, SSL_CB_READ_ALERT, SSL_CB_WRITE_ALERT, SSL_CB_ACCEPT_LOOP,
  SSL_CB_ACCEPT_EXIT, SSL_CB_CONNECT_LOOP, SSL_CB_CONNECT_EXIT, SSL_CB_HANDSHAKE_START,
  SSL_CB_HANDSHAKE_DONE, MSG_PEEK;

let installed = false;

/**
 * Wires a wasm module (either build) to the JS side and fills the exports.
 * @param {any} wasm the wasm-bindgen module
 * @param {{ readFile?: (p: string) => Uint8Array, readDir?: (p: string) => string[], crypto?: object | null, importRoots?: () => Promise<{ default: string }> }} host
 */
export function install(wasm, host) {
  // Each entry calls this once, as it loads. It has to be exported for them, and so is
  // visible to users too: a later call must not rewire a working package.
  if (installed) {
    throw Object.assign(new TypeError('install() is internal to rustls-ssl, and the package is already set up'), {
      code: 'ERR_INVALID_STATE',
    });
  }
  installed = true;
  wasm.__setErrorClasses({ SSLError, WantReadError, WantWriteError, ZeroReturnError, SysCallError });
  wasm.__setNoOverlap(NO_OVERLAPPING_PROTOCOLS);
  wasm.__setHost({ ...host, loadRoots: host.importRoots && rootsLoader(host.importRoots) });
  wasm.__setHostCrypto(host.crypto ?? null);
  cryptoProvider = () => wasm.__cryptoProvider();
  ({ Context, X509, X509Name, X509Store, PKey, Session } = wasm);
  Connection = adoptingConnection(wasm.Connection);
  ({ loadCertificate, dumpCertificate, loadPrivateKey, webSocketTransport } = wasm);
  version = Object.freeze(wasm.__versions());

  const c = wasm.__constants();
  const freeze = (/** @type {object} */ o) => Object.freeze(o);
  ({ Method, VerifyMode, FileType, Options, Version, SessionCacheMode, Shutdown, InfoCallback, RecvFlags } = c);
  [Method, VerifyMode, FileType, Options, Version, SessionCacheMode, Shutdown, InfoCallback, RecvFlags] = [Method, VerifyMode, FileType, Options, Version, SessionCacheMode, Shutdown, InfoCallback, RecvFlags].map(freeze);
  X509VerificationCodes = freeze(c.X509VerificationCodes);
  ({
    SSLv2_METHOD, SSLv3_METHOD, SSLv23_METHOD, TLSv1_METHOD, TLSv1_1_METHOD, TLSv1_2_METHOD,
    TLS_METHOD, TLS_SERVER_METHOD, TLS_CLIENT_METHOD, VERIFY_NONE, VERIFY_PEER,
    VERIFY_FAIL_IF_NO_PEER_CERT, VERIFY_CLIENT_ONCE, FILETYPE_PEM, FILETYPE_ASN1, OP_NO_SSLv2,
    OP_NO_SSLv3, OP_NO_TLSv1, OP_NO_TLSv1_1, OP_NO_TLSv1_2, OP_NO_TLSv1_3, OP_NO_COMPRESSION,
    OP_NO_TICKET, OP_CIPHER_SERVER_PREFERENCE, OP_NO_RENEGOTIATION, OP_IGNORE_UNEXPECTED_EOF,
    OP_LEGACY_SERVER_CONNECT, OP_TLS_ROLLBACK_BUG, OP_DONT_INSERT_EMPTY_FRAGMENTS,
    OP_NO_QUERY_MTU, OP_COOKIE_EXCHANGE, OP_ALL, OP_SINGLE_DH_USE, OP_SINGLE_ECDH_USE,
    OP_EPHEMERAL_RSA, OP_MICROSOFT_SESS_ID_BUG, OP_NETSCAPE_CHALLENGE_BUG,
    OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG, OP_SSLREF2_REUSE_CERT_TYPE_BUG,
    OP_MICROSOFT_BIG_SSLV3_BUFFER, OP_MSIE_SSLV2_RSA_PADDING, OP_SSLEAY_080_CLIENT_DH_BUG,
    OP_TLS_D5_BUG, OP_TLS_BLOCK_PADDING_BUG, OP_PKCS1_CHECK_1, OP_PKCS1_CHECK_2,
    OP_NETSCAPE_CA_DN_BUG, OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG, SSL3_VERSION, TLS1_VERSION,
    TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION, SESS_CACHE_OFF, SESS_CACHE_CLIENT,
    SESS_CACHE_SERVER, SESS_CACHE_BOTH, SESS_CACHE_NO_AUTO_CLEAR,
    SESS_CACHE_NO_INTERNAL_LOOKUP, SESS_CACHE_NO_INTERNAL_STORE, SESS_CACHE_NO_INTERNAL,
    SENT_SHUTDOWN, RECEIVED_SHUTDOWN, SSL_ST_CONNECT, SSL_ST_ACCEPT, SSL_ST_MASK, SSL_CB_LOOP,
    SSL_CB_EXIT, SSL_CB_READ, SSL_CB_WRITE, SSL_CB_ALERT, SSL_CB_READ_ALERT,
    SSL_CB_WRITE_ALERT, SSL_CB_ACCEPT_LOOP, SSL_CB_ACCEPT_EXIT, SSL_CB_CONNECT_LOOP,
    SSL_CB_CONNECT_EXIT, SSL_CB_HANDSHAKE_START, SSL_CB_HANDSHAKE_DONE, MSG_PEEK
  } = c.flat);

  addNameGetters(X509Name);
  for (const cls of [Context, wasm.Connection, X509, X509Name, X509Store, PKey, Session]) {
    guardFreed(cls, cls === wasm.Connection ? PROMISE_METHODS : new Set());
    if (Symbol.dispose && !cls.prototype[Symbol.dispose]) cls.prototype[Symbol.dispose] = cls.prototype.free;
  }
}

/**
 * The exported `Connection`: the wasm class, plus one step at construction that tells the
 * wasm side which object the caller holds, so callbacks receive that very object as `conn`.
 * @param {any} Base
 */
function adoptingConnection(Base) {
  const Sub = class Connection extends Base {
    /** @param {any} context @param {any} transport */
    constructor(context, transport) {
      super(context, transport);
      this.__adopt(this);
      if (transport) transportOf.set(this, transport);
    }
  };
  for (const [name, [required, optional]] of Object.entries(SIGNAL_METHODS)) {
    Object.defineProperty(Sub.prototype, name, {
      value: withOptions(Base, name, required, optional),
      writable: true,
      configurable: true,
    });
  }
  return Sub;
}

/**
 * The promise methods that take a last `{ signal }` (docs/api.md), with how many required and
 * optional positional arguments come before it.
 * @type {Record<string, [number, number]>}
 */
const SIGNAL_METHODS = {
  doHandshake: [0, 0],
  shutdown: [0, 0],
  send: [1, 1],
  write: [1, 1],
  sendall: [1, 1],
  recv: [1, 1],
  read: [1, 1],
  recvInto: [1, 2],
};

/**
 * `name(...positional, { signal }?)` → the wasm method's `(...positional, signal)`. The
 * options object may follow the required arguments or any of the optional ones
 * (`recv(100, { signal })`, `recv(100, 0, { signal })`); trailing `undefined`s and `null`s
 * are absent arguments.
 * @param {any} Base @param {string} name @param {number} required @param {number} optional
 */
function withOptions(Base, name, required, optional) {
  const method = {
    /** @this {any} @param {any[]} args */
    [name](...args) {
      let n = args.length;
      // `null` is absent too (docs/api.md), for an optional argument as for the options.
      while (n > required && (args[n - 1] === undefined || args[n - 1] === null)) n--;
      let signal;
      try {
        if (n > required && isOptions(args[n - 1])) {
          signal = args[n - 1].signal;
          n--;
        }
        if (n > required + optional) {
          throw invalidArgType(
            `The "options" argument of ${name}() must be an object such as { signal }, not ${describe(args[required + optional])}`,
          );
        }
      } catch (err) {
        return Promise.reject(err);
      }
      const positional = args.slice(0, n);
      positional.length = required + optional;
      return Base.prototype[name].call(this, ...positional, signal);
    },
  }[name];
  // What the method declares: its positional arguments and the options object.
  Object.defineProperty(method, 'length', { value: required + optional + 1 });
  return method;
}

/** An options object, as opposed to a flags number or a byte buffer. */
function isOptions(/** @type {unknown} */ v) {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer);
}

/** @param {string} message */
function invalidArgType(message) {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' });
}

/** @param {unknown} v */
function describe(v) {
  if (v === null) return 'null';
  if (typeof v === 'object' || typeof v === 'function') return `an instance of ${v.constructor?.name ?? 'Object'}`;
  return `type ${typeof v} (${String(v)})`;
}

/** The methods that return promises: they reject, never throw (docs/api.md). */
const PROMISE_METHODS = new Set(['doHandshake', 'send', 'sendall', 'recv', 'recvInto', 'read', 'write', 'shutdown']);

/**
 * A method called on an object after `free()` (or on something that is not one of these
 * objects at all) would reach wasm with a null or foreign pointer and throw wasm-bindgen's
 * "null pointer passed to rust", synchronously even from promise methods. Each method and
 * getter checks first and says what happened; a second `free()` does nothing.
 * @param {any} cls @param {Set<string>} promiseMethods
 */
function guardFreed(cls, promiseMethods) {
  const proto = cls.prototype;
  /** @param {any} self @param {string} name */
  const misuse = (self, name) => {
    const live = self instanceof cls;
    const err = new TypeError(
      live
        ? `${cls.name}.${name} used on a freed ${cls.name} (after free() or dispose)`
        : `${cls.name}.${name} used on something that is not a ${cls.name}`,
    );
    Object.defineProperty(err, 'code', {
      value: live ? 'ERR_USE_AFTER_FREE' : 'ERR_INVALID_THIS',
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return err;
  };
  /** @param {any} self */
  const usable = (self) => self instanceof cls && Boolean(self.__wbg_ptr);
  for (const key of Reflect.ownKeys(proto)) {
    const desc = Object.getOwnPropertyDescriptor(proto, key);
    if (key === 'constructor' || !desc) continue;
    // Symbol-keyed methods too: wasm-bindgen's `[Symbol.dispose]` is its own unguarded `free`.
    const name = typeof key === 'symbol' ? `[${key.description}]` : key;
    if (typeof desc.get === 'function') {
      const get = desc.get;
      Object.defineProperty(proto, key, {
        ...desc,
        get() {
          if (!usable(this)) throw misuse(this, name);
          return get.call(this);
        },
      });
      continue;
    }
    if (typeof desc.value !== 'function') continue;
    const method = desc.value;
    const returnsPromise = promiseMethods.has(name);
    const guarded = {
      /** @this {any} @param {any[]} args */
      [name](...args) {
        if (!usable(this)) {
          if ((key === 'free' || key === Symbol.dispose) && this instanceof cls) return undefined;
          const err = misuse(this, `${name}()`);
          if (returnsPromise) return Promise.reject(err);
          throw err;
        }
        return method.apply(this, args);
      },
    }[name];
    Object.defineProperty(proto, key, { ...desc, value: guarded });
  }
}

/** `name.CN`, `name.O`, … as pyOpenSSL's X509Name attributes (null when absent). */
function addNameGetters(/** @type {any} */ cls) {
  for (const attr of ['CN', 'C', 'ST', 'L', 'O', 'OU', 'emailAddress', 'serialNumber', 'DC', 'UID']) {
    if (Object.prototype.hasOwnProperty.call(cls.prototype, attr)) continue;
    Object.defineProperty(cls.prototype, attr, {
      get() {
        return this.get(attr) ?? null;
      },
      configurable: true,
    });
  }
}

/**
 * The bundled roots are a module of their own beside the wasm (src/ssl/roots.rs), imported
 * the first time a connection needs them. Connections that start together share one import;
 * a failed one is forgotten so that the next connection tries again.
 * @param {() => Promise<{ default: string }>} importRoots
 */
function rootsLoader(importRoots) {
  /** @type {Promise<Uint8Array> | null} */
  let pending = null;
  return () =>
    (pending ??= importRoots().then(
      (m) => Uint8Array.from(atob(m.default), (c) => c.charCodeAt(0)),
      (e) => {
        pending = null;
        throw e;
      },
    ));
}

// Type declarations for rustls-ssl: pyOpenSSL's SSL module for JavaScript, over rustls.
//
// What every entry exports, and nothing that needs Node: web.d.ts (the `browser`, `workerd`
// and default conditions) is this file as it is, node.d.ts (the `node` and `deno` conditions)
// adds `toDuplex` and `connect`. So that nothing here needs `@types/node`, no `node:` import
// or Node global may appear in this file.
//
// Hand-written, and kept honest by js-tests/types.test.mjs: every name declared exists at
// runtime and every runtime export is declared (for the Node entry and for the web entries),
// every constant has exactly its runtime value, and every class declares exactly the methods
// and getters its prototype has. The contract these follow is the README's API section.

// `[Symbol.dispose]()` below needs the symbol's type. Libraries before ES2026 lack it; this
// is the declaration lib.esnext.disposable has, and the two merge when both are present.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

// ---------------------------------------------------------------------------------------
// Argument shapes
// ---------------------------------------------------------------------------------------

/**
 * BytesLike as the package accepts them: a `Uint8Array` (a Node `Buffer` included), any other
 * `ArrayBufferView` (its bytes), an `ArrayBuffer`, or a string (taken as UTF-8).
 */
export type BytesLike = Uint8Array | ArrayBufferView | ArrayBuffer | string;

/** Text, such as a path or a host name: a string, or its UTF-8 bytes. */
export type TextLike = string | Uint8Array;

/** pyOpenSSL's error-queue entry: `[lib, func, reason]` (`func` is `""`, as on OpenSSL 3). */
export type ErrorTriple = [lib: string, func: string, reason: string];

// ---------------------------------------------------------------------------------------
// Constants: frozen enum objects, and pyOpenSSL's flat names with the same values
// ---------------------------------------------------------------------------------------

/** TLS methods for `new Context(method)`. Only TLS 1.2 and 1.3 exist on rustls. */
export declare const Method: {
  /** Throws `SSLError` `unsupported protocol` when given to `new Context`. */
  readonly SSLv2: 1;
  /** Throws `SSLError` `unsupported protocol` when given to `new Context`. */
  readonly SSLv3: 2;
  /** TLS 1.2 or 1.3. */
  readonly SSLv23: 3;
  /** Throws `SSLError` `unsupported protocol` when given to `new Context`. */
  readonly TLSv1: 4;
  /** Throws `SSLError` `unsupported protocol` when given to `new Context`. */
  readonly TLSv1_1: 5;
  /** TLS 1.2 only. */
  readonly TLSv1_2: 6;
  /** TLS 1.2 or 1.3. */
  readonly TLS: 7;
  /** TLS 1.2 or 1.3, server side only. */
  readonly TLS_SERVER: 8;
  /** TLS 1.2 or 1.3, client side only; verifies the server by default. */
  readonly TLS_CLIENT: 9;
};
/** One of the `Method` values. */
export type MethodValue = (typeof Method)[keyof typeof Method];
export declare const SSLv2_METHOD: 1;
export declare const SSLv3_METHOD: 2;
export declare const SSLv23_METHOD: 3;
export declare const TLSv1_METHOD: 4;
export declare const TLSv1_1_METHOD: 5;
export declare const TLSv1_2_METHOD: 6;
export declare const TLS_METHOD: 7;
export declare const TLS_SERVER_METHOD: 8;
export declare const TLS_CLIENT_METHOD: 9;

/** Verify-mode bits for `setVerify(mode)`; combine them with `|`. */
export declare const VerifyMode: {
  readonly NONE: 0;
  readonly PEER: 1;
  readonly FAIL_IF_NO_PEER_CERT: 2;
  readonly CLIENT_ONCE: 4;
};
export declare const VERIFY_NONE: 0;
export declare const VERIFY_PEER: 1;
export declare const VERIFY_FAIL_IF_NO_PEER_CERT: 2;
export declare const VERIFY_CLIENT_ONCE: 4;

/** Encodings for `loadCertificate`, `dumpCertificate`, `loadPrivateKey` and `*File`. */
export declare const FileType: {
  readonly PEM: 1;
  readonly ASN1: 2;
};
/** `FILETYPE_PEM` or `FILETYPE_ASN1`. */
export type FileTypeValue = (typeof FileType)[keyof typeof FileType];
export declare const FILETYPE_PEM: 1;
export declare const FILETYPE_ASN1: 2;

/**
 * `OP_*` option bits for `Context.setOptions(mask)`, with OpenSSL 3's values. Masks are
 * unsigned 32-bit: `OP_ALL | x` may be negative in JS, and is normalised with `>>> 0`.
 * The ones rustls cannot honour are accepted and do nothing.
 */
export declare const Options: {
  readonly OP_NO_SSLv2: 0;
  readonly OP_NO_SSLv3: 0x2000000;
  readonly OP_NO_TLSv1: 0x4000000;
  readonly OP_NO_TLSv1_1: 0x10000000;
  readonly OP_NO_TLSv1_2: 0x8000000;
  readonly OP_NO_TLSv1_3: 0x20000000;
  readonly OP_NO_COMPRESSION: 0x20000;
  readonly OP_NO_TICKET: 0x4000;
  readonly OP_CIPHER_SERVER_PREFERENCE: 0x400000;
  readonly OP_NO_RENEGOTIATION: 0x40000000;
  readonly OP_IGNORE_UNEXPECTED_EOF: 0x80;
  readonly OP_LEGACY_SERVER_CONNECT: 4;
  readonly OP_TLS_ROLLBACK_BUG: 0x800000;
  readonly OP_DONT_INSERT_EMPTY_FRAGMENTS: 0x800;
  readonly OP_NO_QUERY_MTU: 0x1000;
  readonly OP_COOKIE_EXCHANGE: 0x2000;
  readonly OP_ALL: 0x80000850;
  readonly OP_SINGLE_DH_USE: 0;
  readonly OP_SINGLE_ECDH_USE: 0;
  readonly OP_EPHEMERAL_RSA: 0;
  readonly OP_MICROSOFT_SESS_ID_BUG: 0;
  readonly OP_NETSCAPE_CHALLENGE_BUG: 0;
  readonly OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG: 0;
  readonly OP_SSLREF2_REUSE_CERT_TYPE_BUG: 0;
  readonly OP_MICROSOFT_BIG_SSLV3_BUFFER: 0;
  readonly OP_MSIE_SSLV2_RSA_PADDING: 0;
  readonly OP_SSLEAY_080_CLIENT_DH_BUG: 0;
  readonly OP_TLS_D5_BUG: 0;
  readonly OP_TLS_BLOCK_PADDING_BUG: 0;
  readonly OP_PKCS1_CHECK_1: 0;
  readonly OP_PKCS1_CHECK_2: 0;
  readonly OP_NETSCAPE_CA_DN_BUG: 0;
  readonly OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG: 0;
};
export declare const OP_NO_SSLv2: 0;
export declare const OP_NO_SSLv3: 0x2000000;
export declare const OP_NO_TLSv1: 0x4000000;
export declare const OP_NO_TLSv1_1: 0x10000000;
export declare const OP_NO_TLSv1_2: 0x8000000;
export declare const OP_NO_TLSv1_3: 0x20000000;
export declare const OP_NO_COMPRESSION: 0x20000;
export declare const OP_NO_TICKET: 0x4000;
export declare const OP_CIPHER_SERVER_PREFERENCE: 0x400000;
export declare const OP_NO_RENEGOTIATION: 0x40000000;
export declare const OP_IGNORE_UNEXPECTED_EOF: 0x80;
export declare const OP_LEGACY_SERVER_CONNECT: 4;
export declare const OP_TLS_ROLLBACK_BUG: 0x800000;
export declare const OP_DONT_INSERT_EMPTY_FRAGMENTS: 0x800;
export declare const OP_NO_QUERY_MTU: 0x1000;
export declare const OP_COOKIE_EXCHANGE: 0x2000;
export declare const OP_ALL: 0x80000850;
export declare const OP_SINGLE_DH_USE: 0;
export declare const OP_SINGLE_ECDH_USE: 0;
export declare const OP_EPHEMERAL_RSA: 0;
export declare const OP_MICROSOFT_SESS_ID_BUG: 0;
export declare const OP_NETSCAPE_CHALLENGE_BUG: 0;
export declare const OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG: 0;
export declare const OP_SSLREF2_REUSE_CERT_TYPE_BUG: 0;
export declare const OP_MICROSOFT_BIG_SSLV3_BUFFER: 0;
export declare const OP_MSIE_SSLV2_RSA_PADDING: 0;
export declare const OP_SSLEAY_080_CLIENT_DH_BUG: 0;
export declare const OP_TLS_D5_BUG: 0;
export declare const OP_TLS_BLOCK_PADDING_BUG: 0;
export declare const OP_PKCS1_CHECK_1: 0;
export declare const OP_PKCS1_CHECK_2: 0;
export declare const OP_NETSCAPE_CA_DN_BUG: 0;
export declare const OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG: 0;

/** Protocol versions for `setMinProtoVersion` / `setMaxProtoVersion`. */
export declare const Version: {
  readonly SSL3_VERSION: 0x300;
  readonly TLS1_VERSION: 0x301;
  readonly TLS1_1_VERSION: 0x302;
  readonly TLS1_2_VERSION: 0x303;
  readonly TLS1_3_VERSION: 0x304;
};
/** A `Version` value, or `0` for "no bound". */
export type ProtoVersion = (typeof Version)[keyof typeof Version] | 0;
export declare const SSL3_VERSION: 0x300;
export declare const TLS1_VERSION: 0x301;
export declare const TLS1_1_VERSION: 0x302;
export declare const TLS1_2_VERSION: 0x303;
export declare const TLS1_3_VERSION: 0x304;

/** Session-cache mode bits for `Context.setSessionCacheMode(mode)`; combine with `|`. */
export declare const SessionCacheMode: {
  readonly SESS_CACHE_OFF: 0;
  readonly SESS_CACHE_CLIENT: 1;
  readonly SESS_CACHE_SERVER: 2;
  readonly SESS_CACHE_BOTH: 3;
  readonly SESS_CACHE_NO_AUTO_CLEAR: 0x80;
  readonly SESS_CACHE_NO_INTERNAL_LOOKUP: 0x100;
  readonly SESS_CACHE_NO_INTERNAL_STORE: 0x200;
  readonly SESS_CACHE_NO_INTERNAL: 0x300;
};

/**
 * Info-callback `where` bits. Only `SSL_CB_HANDSHAKE_START` (with `SSL_ST_CONNECT` or
 * `SSL_ST_ACCEPT`) and `SSL_CB_HANDSHAKE_DONE` are ever passed: rustls has no state-machine hook.
 */
export declare const InfoCallback: {
  readonly SSL_ST_CONNECT: 0x1000;
  readonly SSL_ST_ACCEPT: 0x2000;
  readonly SSL_ST_MASK: 0xfff;
  readonly SSL_CB_LOOP: 1;
  readonly SSL_CB_EXIT: 2;
  readonly SSL_CB_READ: 4;
  readonly SSL_CB_WRITE: 8;
  readonly SSL_CB_ALERT: 0x4000;
  readonly SSL_CB_READ_ALERT: 0x4004;
  readonly SSL_CB_WRITE_ALERT: 0x4008;
  readonly SSL_CB_ACCEPT_LOOP: 0x2001;
  readonly SSL_CB_ACCEPT_EXIT: 0x2002;
  readonly SSL_CB_CONNECT_LOOP: 0x1001;
  readonly SSL_CB_CONNECT_EXIT: 0x1002;
  readonly SSL_CB_HANDSHAKE_START: 0x10;
  readonly SSL_CB_HANDSHAKE_DONE: 0x20;
};
export declare const SESS_CACHE_OFF: 0;
export declare const SESS_CACHE_CLIENT: 1;
export declare const SESS_CACHE_SERVER: 2;
export declare const SESS_CACHE_BOTH: 3;
export declare const SESS_CACHE_NO_AUTO_CLEAR: 0x80;
export declare const SESS_CACHE_NO_INTERNAL_LOOKUP: 0x100;
export declare const SESS_CACHE_NO_INTERNAL_STORE: 0x200;
export declare const SESS_CACHE_NO_INTERNAL: 0x300;
export declare const SSL_ST_CONNECT: 0x1000;
export declare const SSL_ST_ACCEPT: 0x2000;
export declare const SSL_ST_MASK: 0xfff;
export declare const SSL_CB_LOOP: 1;
export declare const SSL_CB_EXIT: 2;
export declare const SSL_CB_READ: 4;
export declare const SSL_CB_WRITE: 8;
export declare const SSL_CB_ALERT: 0x4000;
export declare const SSL_CB_READ_ALERT: 0x4004;
export declare const SSL_CB_WRITE_ALERT: 0x4008;
export declare const SSL_CB_ACCEPT_LOOP: 0x2001;
export declare const SSL_CB_ACCEPT_EXIT: 0x2002;
export declare const SSL_CB_CONNECT_LOOP: 0x1001;
export declare const SSL_CB_CONNECT_EXIT: 0x1002;
export declare const SSL_CB_HANDSHAKE_START: 0x10;
export declare const SSL_CB_HANDSHAKE_DONE: 0x20;

/** `getShutdown()` / `setShutdown(bits)` bits. */
export declare const Shutdown: {
  readonly SENT_SHUTDOWN: 1;
  readonly RECEIVED_SHUTDOWN: 2;
};
export declare const SENT_SHUTDOWN: 1;
export declare const RECEIVED_SHUTDOWN: 2;

/** Flags for `recv` / `recvInto`. */
export declare const RecvFlags: {
  /** Return the data without consuming it. */
  readonly MSG_PEEK: 2;
};
export declare const MSG_PEEK: 2;

/**
 * OpenSSL 3's `X509_V_*` verify results, without the prefix, as `getVerifyResult()` and
 * the verify callback's `errno` report them.
 */
export declare const X509VerificationCodes: {
  readonly OK: 0;
  readonly ERR_UNSPECIFIED: 1;
  readonly ERR_UNABLE_TO_GET_ISSUER_CERT: 2;
  readonly ERR_UNABLE_TO_GET_CRL: 3;
  readonly ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE: 4;
  readonly ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE: 5;
  readonly ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 6;
  readonly ERR_CERT_SIGNATURE_FAILURE: 7;
  readonly ERR_CRL_SIGNATURE_FAILURE: 8;
  readonly ERR_CERT_NOT_YET_VALID: 9;
  readonly ERR_CERT_HAS_EXPIRED: 10;
  readonly ERR_CRL_NOT_YET_VALID: 11;
  readonly ERR_CRL_HAS_EXPIRED: 12;
  readonly ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD: 13;
  readonly ERR_ERROR_IN_CERT_NOT_AFTER_FIELD: 14;
  readonly ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD: 15;
  readonly ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD: 16;
  readonly ERR_OUT_OF_MEM: 17;
  readonly ERR_DEPTH_ZERO_SELF_SIGNED_CERT: 18;
  readonly ERR_SELF_SIGNED_CERT_IN_CHAIN: 19;
  readonly ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 20;
  readonly ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: 21;
  readonly ERR_CERT_CHAIN_TOO_LONG: 22;
  readonly ERR_CERT_REVOKED: 23;
  readonly ERR_NO_ISSUER_PUBLIC_KEY: 24;
  readonly ERR_PATH_LENGTH_EXCEEDED: 25;
  readonly ERR_INVALID_PURPOSE: 26;
  readonly ERR_CERT_UNTRUSTED: 27;
  readonly ERR_CERT_REJECTED: 28;
  readonly ERR_SUBJECT_ISSUER_MISMATCH: 29;
  readonly ERR_AKID_SKID_MISMATCH: 30;
  readonly ERR_AKID_ISSUER_SERIAL_MISMATCH: 31;
  readonly ERR_KEYUSAGE_NO_CERTSIGN: 32;
  readonly ERR_UNABLE_TO_GET_CRL_ISSUER: 33;
  readonly ERR_UNHANDLED_CRITICAL_EXTENSION: 34;
  readonly ERR_KEYUSAGE_NO_CRL_SIGN: 35;
  readonly ERR_UNHANDLED_CRITICAL_CRL_EXTENSION: 36;
  readonly ERR_INVALID_NON_CA: 37;
  readonly ERR_PROXY_PATH_LENGTH_EXCEEDED: 38;
  readonly ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE: 39;
  readonly ERR_PROXY_CERTIFICATES_NOT_ALLOWED: 40;
  readonly ERR_INVALID_EXTENSION: 41;
  readonly ERR_INVALID_POLICY_EXTENSION: 42;
  readonly ERR_NO_EXPLICIT_POLICY: 43;
  readonly ERR_DIFFERENT_CRL_SCOPE: 44;
  readonly ERR_UNSUPPORTED_EXTENSION_FEATURE: 45;
  readonly ERR_UNNESTED_RESOURCE: 46;
  readonly ERR_PERMITTED_VIOLATION: 47;
  readonly ERR_EXCLUDED_VIOLATION: 48;
  readonly ERR_SUBTREE_MINMAX: 49;
  readonly ERR_APPLICATION_VERIFICATION: 50;
  readonly ERR_UNSUPPORTED_CONSTRAINT_TYPE: 51;
  readonly ERR_UNSUPPORTED_CONSTRAINT_SYNTAX: 52;
  readonly ERR_UNSUPPORTED_NAME_SYNTAX: 53;
  readonly ERR_CRL_PATH_VALIDATION_ERROR: 54;
  readonly ERR_PATH_LOOP: 55;
  readonly ERR_SUITE_B_INVALID_VERSION: 56;
  readonly ERR_SUITE_B_INVALID_ALGORITHM: 57;
  readonly ERR_SUITE_B_INVALID_CURVE: 58;
  readonly ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM: 59;
  readonly ERR_SUITE_B_LOS_NOT_ALLOWED: 60;
  readonly ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256: 61;
  readonly ERR_HOSTNAME_MISMATCH: 62;
  readonly ERR_EMAIL_MISMATCH: 63;
  readonly ERR_IP_ADDRESS_MISMATCH: 64;
  readonly ERR_DANE_NO_MATCH: 65;
  readonly ERR_EE_KEY_TOO_SMALL: 66;
  readonly ERR_CA_KEY_TOO_SMALL: 67;
  readonly ERR_CA_MD_TOO_WEAK: 68;
  readonly ERR_INVALID_CALL: 69;
  readonly ERR_STORE_LOOKUP: 70;
  readonly ERR_NO_VALID_SCTS: 71;
  readonly ERR_PROXY_SUBJECT_NAME_VIOLATION: 72;
  readonly ERR_OCSP_VERIFY_NEEDED: 73;
  readonly ERR_OCSP_VERIFY_FAILED: 74;
  readonly ERR_OCSP_CERT_UNKNOWN: 75;
  readonly ERR_UNSUPPORTED_SIGNATURE_ALGORITHM: 76;
  readonly ERR_SIGNATURE_ALGORITHM_MISMATCH: 77;
  readonly ERR_SIGNATURE_ALGORITHM_INCONSISTENCY: 78;
  readonly ERR_INVALID_CA: 79;
  readonly ERR_PATHLEN_INVALID_FOR_NON_CA: 80;
  readonly ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN: 81;
  readonly ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA: 82;
  readonly ERR_ISSUER_NAME_EMPTY: 83;
  readonly ERR_SUBJECT_NAME_EMPTY: 84;
  readonly ERR_MISSING_AUTHORITY_KEY_IDENTIFIER: 85;
  readonly ERR_MISSING_SUBJECT_KEY_IDENTIFIER: 86;
  readonly ERR_EMPTY_SUBJECT_ALT_NAME: 87;
  readonly ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL: 88;
  readonly ERR_CA_BCONS_NOT_CRITICAL: 89;
  readonly ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL: 90;
  readonly ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL: 91;
  readonly ERR_CA_CERT_MISSING_KEY_USAGE: 92;
  readonly ERR_EXTENSIONS_REQUIRE_VERSION_3: 93;
  readonly ERR_EC_KEY_EXPLICIT_PARAMS: 94;
};

declare const noOverlappingProtocols: unique symbol;
/** The type of the `NO_OVERLAPPING_PROTOCOLS` sentinel (compared by identity). */
export interface NoOverlappingProtocols {
  readonly [noOverlappingProtocols]: true;
  toString(): 'NO_OVERLAPPING_PROTOCOLS';
}
/** Returned by an ALPN select callback to go on without ALPN. */
export declare const NO_OVERLAPPING_PROTOCOLS: NoOverlappingProtocols;

/** The versions this build was made from. */
export declare const version: Readonly<{ package: string; rustls: string }>;
/**
 * Which crypto protects records, exchanges keys and checks signatures: `'node:crypto'` in the
 * Node entry (native AES-GCM and ChaCha20, NIST-curve key exchange, ECDSA verification; *ring*
 * for the rest), `'ring'` in the web entry, or in Node with `RUSTLS_SSL_CRYPTO=ring`.
 */
export declare function cryptoProvider(): 'node:crypto' | 'ring';

// ---------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------

/**
 * Any TLS failure (pyOpenSSL's `SSL.Error`, also exported as `Error`). `errors` is the
 * error queue, `[lib, func, reason][]`; `message` joins the reasons. Bad argument types are
 * plain `TypeError`s (`code` `ERR_INVALID_ARG_TYPE`) and out-of-range values `RangeError`s
 * (`ERR_OUT_OF_RANGE`), not `SSLError`s; a call on a freed object is a `TypeError` with
 * `ERR_USE_AFTER_FREE`.
 */
export declare class SSLError extends globalThis.Error {
  constructor(errors?: ErrorTriple[], message?: string, options?: { cause?: unknown });
  /** pyOpenSSL's error queue: `[lib, func, reason]` triples. */
  errors: ErrorTriple[];
  /**
   * Node's error code: a verification failure's X509 name (`CERT_HAS_EXPIRED`,
   * `ERR_TLS_CERT_ALTNAME_INVALID`, …), `ERR_SSL_<REASON>` in OpenSSL's words
   * (`ERR_SSL_WRONG_VERSION_NUMBER`), `ERR_SSL_WANT_READ`, `ECONNRESET`, … (docs/api.md).
   */
  code: string;
  /** On a certificate verification failure: the `X509_V_*` number (`X509VerificationCodes`). */
  verifyResult?: number;
}
export { SSLError as Error };

/** The operation needs more bytes from the peer than the transport has now. */
export declare class WantReadError extends SSLError {
  #private;
  constructor(errors?: ErrorTriple[]);
}

/** The transport would not take the outgoing bytes now; they stay queued. */
export declare class WantWriteError extends SSLError {
  #private;
  constructor(errors?: ErrorTriple[]);
}

/** Exported for completeness, as in pyOpenSSL; never raised. */
export declare class WantX509LookupError extends SSLError {
  #private;
}

/** The peer closed the TLS session cleanly (close_notify received). */
export declare class ZeroReturnError extends SSLError {
  #private;
  constructor(errors?: ErrorTriple[]);
}

/**
 * The transport failed, or ended without close_notify: then `errno` is −1 and `errstr`
 * `"Unexpected EOF"`.
 */
export declare class SysCallError extends SSLError {
  #private;
  constructor(errno?: number, errstr?: string, options?: { cause?: unknown });
  errno: number;
  errstr: string;
  /** What the transport threw or rejected with, if anything. */
  cause?: unknown;
}

// ---------------------------------------------------------------------------------------
// Callbacks
// ---------------------------------------------------------------------------------------

/**
 * Called for each certificate of the chain, deepest first: once per error with `ok` false
 * and that `errno` (an `X509VerificationCodes` value), then once with `ok` true. Must return
 * a boolean (a Promise fails the handshake with a `TypeError`): `true` overrides that one error.
 */
export type VerifyCallback = (
  conn: Connection,
  x509: X509,
  errno: number,
  depth: number,
  ok: boolean,
) => boolean;

/**
 * Server side: picks one of the protocols the client offered, `NO_OVERLAPPING_PROTOCOLS` to
 * go on without ALPN, or `""` to refuse the handshake.
 */
export type AlpnSelectCallback = (
  conn: Connection,
  offered: string[],
) => string | Uint8Array | NoOverlappingProtocols;

/** Server side: runs on the ClientHello; may call `conn.setContext(other)`. */
export type ServernameCallback = (conn: Connection) => void;

/** `where` is `SSL_CB_HANDSHAKE_START` (with `SSL_ST_CONNECT`/`SSL_ST_ACCEPT`) or `SSL_CB_HANDSHAKE_DONE`. */
export type InfoCallbackFunction = (conn: Connection, where: number, ret: number) => void;

/** An NSS key-log line (`LABEL <client random> <secret>`, hex), for Wireshark. */
export type KeylogCallback = (conn: Connection, line: Uint8Array<ArrayBuffer>) => void;

/** Asked for the passphrase of an encrypted PKCS#8 key; `verify` is always `false`. */
export type PasswdCallback<T = null> = (maxLength: number, verify: boolean, userdata: T) => string | Uint8Array;

// ---------------------------------------------------------------------------------------
// Transports
// ---------------------------------------------------------------------------------------

/**
 * What `new Connection(context, transport)` talks through: a pair of callbacks in the shape
 * of a non-blocking socket. Any object with these two methods works.
 */
export interface Transport {
  /**
   * Takes outgoing ciphertext. Returns how many bytes it took (`undefined`: all of them;
   * `0`: would block, the operation rejects with `WantWriteError`). A throw or rejection
   * becomes `SysCallError` with it as `cause`. `data` is only valid during the call: copy it
   * to keep it.
   */
  send(data: Uint8Array<ArrayBuffer>): number | void | Promise<number | void>;
  /**
   * Gives incoming ciphertext: up to `maxBytes` bytes, an empty array for end of stream, or
   * `null` for "nothing now" (the operation rejects with `WantReadError`).
   */
  recv(maxBytes: number): Uint8Array | null | Promise<Uint8Array | null>;
  /** End of the outgoing stream (the ready-made transports have it). */
  close?(): void | Promise<void>;
}

/** One side of `memoryPair()` whose `recv` waits for data. */
export interface MemoryTransport extends Transport {
  send(data: Uint8Array): number;
  recv(maxBytes: number): Uint8Array<ArrayBuffer> | Promise<Uint8Array<ArrayBuffer>>;
  /** End of stream for the other side. */
  close(): void;
}

/** One side of `memoryPair({ blocking: false })`: `recv` answers `null` when empty. */
export interface NonBlockingMemoryTransport extends Transport {
  send(data: Uint8Array): number;
  recv(maxBytes: number): Uint8Array<ArrayBuffer> | null;
  close(): void;
}

/** Two connected in-memory transports: what one side sends, the other receives. */
export declare function memoryPair(options: { blocking: false }): [NonBlockingMemoryTransport, NonBlockingMemoryTransport];
export declare function memoryPair(options?: { blocking?: true }): [MemoryTransport, MemoryTransport];
export declare function memoryPair(options?: { blocking?: boolean }): [MemoryTransport | NonBlockingMemoryTransport, MemoryTransport | NonBlockingMemoryTransport];

/** What `socketTransport` needs of its socket: a Node `net.Socket` or any Node `Duplex`. */
export interface NodeSocketLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener: (...args: any[]) => void): unknown;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  pause(): unknown;
  resume(): unknown;
  isPaused(): boolean;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}

/** The transport `socketTransport(socket)` returns. */
export interface SocketTransport<S extends NodeSocketLike = NodeSocketLike> extends Transport {
  readonly socket: S;
  /** Resolves once the socket took the bytes (after 'drain' when its buffer is full). */
  send(data: Uint8Array): number | Promise<number>;
  /** Waits for data; end of stream is an empty array; a socket error is thrown. */
  recv(maxBytes: number): Promise<Uint8Array>;
  /** Ends the socket's writable side. */
  close(): void;
}

/** A transport over a Node `net.Socket` (or any Node `Duplex`), paused when reads lag. */
export declare function socketTransport<S extends NodeSocketLike>(socket: S): SocketTransport<S>;

/** The transport `streamTransport({ readable, writable })` returns. */
export interface StreamTransport extends Transport {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array<ArrayBuffer>>;
  send(data: Uint8Array): Promise<number>;
  recv(maxBytes: number): Uint8Array | Promise<Uint8Array>;
  /** Closes `writable` after the sends before it. */
  close(): Promise<void>;
}

/** A transport over a pair of WHATWG streams (also a Direct Sockets `TCPSocket`'s). */
export declare function streamTransport(streams: {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array<ArrayBuffer>>;
}): StreamTransport;

/** What `webSocketTransport` needs: a browser `WebSocket`, or the `ws` package's. */
export interface WebSocketLike {
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: string;
}

/**
 * The transport `webSocketTransport(ws)` returns: raw bytes in binary messages (websockify's
 * convention); records may span messages.
 */
export interface WebSocketTransport<S extends WebSocketLike = WebSocketLike> extends Transport {
  /** Sends one binary message (a copy); a promise while connecting or when the buffer is full. */
  send(data: BytesLike): number | Promise<number>;
  /** Up to `maxBytes` queued bytes; waits when none; an empty array after a clean close. */
  recv(maxBytes: number): Uint8Array<ArrayBuffer> | Promise<Uint8Array<ArrayBuffer>>;
  /** Closes the socket (code 1000) and stops listening to it. */
  close(): void;
  /** The socket's `readyState`: 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  readonly bufferedAmount: number;
  /** Received bytes `recv` has not returned yet. */
  readonly queued: number;
  /** The WebSocket this transport wraps. */
  readonly socket: S;
  /** Stops listening and releases the wasm memory. */
  free(): void;
  [Symbol.dispose](): void;
}

/** A transport over a WebSocket; sets `ws.binaryType = 'arraybuffer'` and listens at once. */
export declare function webSocketTransport<S extends WebSocketLike>(ws: S): WebSocketTransport<S>;

/**
 * One TCP stream through a Wisp server: the transport `WispClient.transport(host, port)`
 * returns. CONNECT goes out on the first `send` or `recv`.
 */
export interface WispTransport extends Transport {
  /**
   * Sends DATA packets (a copy), within the server's CONTINUE credit: a number when it all
   * went at once, a promise while it waits for the tunnel, for credit or for the socket's
   * buffer to drain.
   */
  send(data: Uint8Array): number | Promise<number>;
  /**
   * Up to `maxBytes` received bytes; waits when none. After the server's voluntary CLOSE
   * (0x02) or `close()`: an empty array. A CLOSE with another reason, the WebSocket failing,
   * a malformed packet, or more than 4 MiB left unread: `SysCallError` (after the queued bytes).
   */
  recv(maxBytes: number): Uint8Array | Promise<Uint8Array>;
  /** Sends CLOSE (0x02) after the sends before it; the stream ends both ways. */
  close(): Promise<void>;
  readonly host: string;
  readonly port: number;
  /** The Wisp stream id: 0 until CONNECT was sent. */
  readonly streamId: number;
  /** Received bytes `recv` has not returned yet. */
  readonly queued: number;
}

/** Many TCP streams over one WebSocket, in the Wisp protocol (v1; v2 servers too). */
export interface WispClient<S extends WebSocketLike = WebSocketLike> {
  /** One TCP stream to `host:port` through the server (a host name or an IP address). */
  transport(host: string, port: number): WispTransport;
  /** Closes the WebSocket (code 1000); every stream ends. */
  close(): void;
  /** The WebSocket this client runs over. */
  readonly socket: S;
}

/**
 * A Wisp client over `ws`, open or still connecting: sets `ws.binaryType = 'arraybuffer'` and
 * listens at once, so pass it the socket as soon as it is made.
 */
export declare function wispClient<S extends WebSocketLike>(ws: S): WispClient<S>;

// ---------------------------------------------------------------------------------------
// Streams and connect (docs/api.md)
// ---------------------------------------------------------------------------------------

/**
 * `{ readable, writable }` over a Connection of either role, in every runtime. The first read
 * or write runs the handshake; chunks written go through `sendall`; closing the writable
 * sends close_notify and then closes the transport; the peer's close_notify ends the
 * readable; any other failure errors both with the package's error.
 */
export declare function toWebStreams(conn: Connection): {
  readable: ReadableStream<Uint8Array<ArrayBuffer>>;
  writable: WritableStream<Uint8Array>;
};

/**
 * The last argument of `Connection`'s promise methods (docs/api.md).
 */
export interface CallOptions {
  /**
   * Aborting rejects the pending call at once with `signal.reason` (an `AbortError`
   * `DOMException` by default); an already-aborted signal rejects before anything is done.
   * Nothing already taken is lost or sent twice: an aborted `recv` leaves the data for the
   * next one; a `send`/`sendall` aborted after a record was taken is in the state
   * `WantWriteError` leaves (retry with the same data to complete it). See the README's
   * "Timeouts and cancellation".
   */
  signal?: AbortSignal | null;
}

// ---------------------------------------------------------------------------------------
// Certificates and keys
// ---------------------------------------------------------------------------------------

/** A certificate, as pyOpenSSL's `crypto.X509`. */
export declare class X509 {
  private constructor();
  /** The first certificate in PEM text. */
  static fromPem(text: BytesLike): X509;
  static fromDer(bytes: BytesLike): X509;
  toPem(): string;
  toDer(): Uint8Array<ArrayBuffer>;
  getSubject(): X509Name;
  getIssuer(): X509Name;
  getSerialNumber(): bigint;
  /** `"YYYYMMDDhhmmssZ"`. */
  getNotBefore(): string;
  /** `"YYYYMMDDhhmmssZ"`. */
  getNotAfter(): string;
  hasExpired(): boolean;
  /** `"AB:CD:…"`; `name` is `"sha1"`, `"sha256"`, `"sha384"` or `"sha512"`. */
  digest(name: TextLike): string;
  /** `["DNS:localhost", "IP Address:127.0.0.1", …]`. */
  getSubjectAltNames(): string[];
  /** OpenSSL's long name, e.g. `"sha256WithRSAEncryption"`. */
  getSignatureAlgorithm(): string;
  /** 0-based, as pyOpenSSL (2 is v3). */
  getVersion(): number;
  free(): void;
  [Symbol.dispose](): void;
}

/** A distinguished name, as pyOpenSSL's `crypto.X509Name`; absent attributes are `null`. */
export declare class X509Name {
  private constructor();
  /** `[name, value]` pairs in DER order, with OpenSSL short names. */
  getComponents(): Array<[string, string]>;
  /** RFC 4514, e.g. `CN=Testing Root CA,O=Testing,L=Chicago,ST=IL,C=US`. */
  toString(): string;
  /** The last value of a component (`"CN"`, `"O"`, …), `undefined` when absent. */
  get(shortName: TextLike): string | undefined;
  toDer(): Uint8Array<ArrayBuffer>;
  readonly CN: string | null;
  readonly C: string | null;
  readonly ST: string | null;
  readonly L: string | null;
  readonly O: string | null;
  readonly OU: string | null;
  readonly emailAddress: string | null;
  readonly serialNumber: string | null;
  readonly DC: string | null;
  readonly UID: string | null;
  free(): void;
  [Symbol.dispose](): void;
}

/** A private key, as pyOpenSSL's `crypto.PKey`. */
export declare class PKey {
  private constructor();
  /** PKCS#1, PKCS#8 or SEC1 PEM; an `ENCRYPTED PRIVATE KEY` needs `passphrase`. */
  static fromPem(text: BytesLike, passphrase?: BytesLike | null): PKey;
  static fromDer(bytes: BytesLike): PKey;
  getType(): 'RSA' | 'EC' | 'Ed25519';
  getBits(): number;
  /** The DER in the key's own encoding, never encrypted. */
  toDer(): Uint8Array<ArrayBuffer>;
  free(): void;
  [Symbol.dispose](): void;
}

/** A Context's trust anchors (from `getCertStore()`); `new X509Store()` stands alone. */
export declare class X509Store {
  constructor();
  /** Adds a trust anchor: an `X509`, PEM text or DER bytes. */
  addCert(cert: X509 | BytesLike): void;
  free(): void;
  [Symbol.dispose](): void;
}

/** An opaque session for resumption (`getSession()` / `setSession()`). */
export declare class Session {
  /** An empty session; it belongs to no Context, so `setSession` refuses it. */
  constructor();
  free(): void;
  [Symbol.dispose](): void;
}

/** pyOpenSSL's `load_certificate(type, buffer)`. */
export declare function loadCertificate(fileType: FileTypeValue, data: BytesLike): X509;
/** pyOpenSSL's `dump_certificate(type, cert)`: PEM text as UTF-8 bytes, or DER. */
export declare function dumpCertificate(fileType: FileTypeValue, x509: X509): Uint8Array<ArrayBuffer>;
/** pyOpenSSL's `load_privatekey(type, buffer, passphrase=None)`. */
export declare function loadPrivateKey(fileType: FileTypeValue, data: BytesLike, passphrase?: BytesLike | null): PKey;

// ---------------------------------------------------------------------------------------
// Context
// ---------------------------------------------------------------------------------------

/**
 * TLS settings shared by connections (pyOpenSSL's `SSL.Context`). A Connection takes a
 * snapshot of them when it is created. `*File` methods read files in Node and throw
 * `SSLError` in a browser.
 */
export declare class Context {
  /** `SSLv2`, `SSLv3`, `TLSv1` and `TLSv1_1` throw `SSLError` `unsupported protocol`. */
  constructor(method: MethodValue);

  // identity
  /** An `X509`, PEM text or DER bytes. */
  useCertificate(cert: X509 | BytesLike): void;
  useCertificateFile(path: TextLike, fileType?: FileTypeValue | null): void;
  useCertificateChainFile(path: TextLike): void;
  /** The leaf first, then its intermediates, as PEM. */
  useCertificateChain(pem: BytesLike): void;
  addExtraChainCert(cert: X509 | BytesLike): void;
  /** A `PKey`, PEM text or DER bytes; throws `SSLError` if it does not match the certificate. */
  usePrivateKey(key: PKey | BytesLike): void;
  usePrivateKeyFile(path: TextLike, fileType?: FileTypeValue | null): void;
  checkPrivateKey(): void;
  setPasswdCb(callback: PasswdCallback<null>): void;
  setPasswdCb<T>(callback: PasswdCallback<T>, userdata: T): void;

  // trust
  /** Trust anchors from a file, every file of a directory, or PEM/DER data (for browsers). */
  loadVerifyLocations(cafile: TextLike, capath?: TextLike | null, cadata?: BytesLike | null): void;
  loadVerifyLocations(cafile: null | undefined, capath: TextLike, cadata?: BytesLike | null): void;
  loadVerifyLocations(cafile: null | undefined, capath: null | undefined, cadata: BytesLike): void;
  /** The bundled Mozilla root set. */
  setDefaultVerifyPaths(): void;
  getCertStore(): X509Store;
  /** `mode`: `VerifyMode` bits. */
  setVerify(mode: number, callback?: VerifyCallback | null): void;
  getVerifyMode(): number;
  /** At most `depth` intermediates. */
  setVerifyDepth(depth: number): void;
  getVerifyDepth(): number;
  loadClientCa(cafile: TextLike): void;
  /** `X509Name`s, or `X509`s whose subject is used. */
  setClientCaList(list: ReadonlyArray<X509Name | X509>): void;
  addClientCa(cert: X509 | X509Name): void;

  // policy
  /** Adds `OP_*` bits; returns the new mask. */
  setOptions(mask: number): number;
  getOptions(): number;
  /** Stored, no effect; returns the new mask. */
  setMode(mask: number): number;
  /** OpenSSL cipher-list syntax, for the TLS 1.2 suites. */
  setCipherList(spec: TextLike): void;
  setTls13Ciphersuites(spec: TextLike): void;
  setMinProtoVersion(version: ProtoVersion): void;
  setMaxProtoVersion(version: ProtoVersion): void;
  /** A curve name: `"prime256v1"`, `"secp384r1"`, `"X25519"`. */
  setTmpEcdh(curve: TextLike): void;
  /** An array of group names, or a `":"`-separated string. */
  setGroups(names: TextLike | ReadonlyArray<TextLike>): void;
  /** The file must hold DH PARAMETERS; they are then ignored (rustls has no DHE). */
  loadTmpDh(dhfile: TextLike): void;

  // negotiation
  /** Strings or byte arrays; an empty list is a `RangeError`. */
  setAlpnProtos(protos: ReadonlyArray<BytesLike>): void;
  setAlpnSelectCallback(callback: AlpnSelectCallback | null): void;
  setTlsextServernameCallback(callback: ServernameCallback | null): void;

  // sessions
  /** Returns the previous mode. */
  setSessionCacheMode(mode: number): number;
  getSessionCacheMode(): number;
  /** At most 32 bytes; separates server session caches. */
  setSessionId(id: BytesLike): void;
  /** Seconds; returns the previous value. */
  setTimeout(seconds: number): number;
  getTimeout(): number;

  // hooks and data
  setInfoCallback(callback: InfoCallbackFunction | null): void;
  setKeylogCallback(callback: KeylogCallback | null): void;
  setAppData(data: unknown): void;
  /** `null` until set. */
  getAppData(): unknown;

  /** Releases the wasm memory now. */
  free(): void;
  [Symbol.dispose](): void;
}

// ---------------------------------------------------------------------------------------
// Connection
// ---------------------------------------------------------------------------------------

/**
 * One TLS connection (pyOpenSSL's `SSL.Connection`) over a transport, or over memory BIOs
 * when `transport` is `null`. Promise methods never throw: every failure, `WantReadError`
 * and `WantWriteError` included, is a rejection.
 */
export declare class Connection {
  /** A `TypeError` if `context` is not a `Context`. */
  constructor(context: Context, transport?: Transport | null);

  // roles and settings
  setConnectState(): void;
  setAcceptState(): void;
  /** SNI, and the name the server certificate must match (an IP literal sends no SNI). */
  setTlsextHostName(name: TextLike): void;
  getServername(): string | null;
  setAlpnProtos(protos: ReadonlyArray<BytesLike>): void;
  setVerify(mode: number, callback?: VerifyCallback | null): void;
  getVerifyMode(): number;
  useCertificate(cert: X509 | BytesLike): void;
  /** A `PKey`, or unencrypted PEM/DER. */
  usePrivateKey(key: PKey | BytesLike): void;
  /** Switches to another Context's settings (typically in the servername callback). */
  setContext(context: Context): void;
  getContext(): Context;
  setInfoCallback(callback: InfoCallbackFunction | null): void;
  /** A `RangeError` for another Context's session. */
  setSession(session: Session): void;
  /** `null` until the server's session data arrived (TLS 1.3: after the first `recv`). */
  getSession(): Session | null;
  setAppData(data: unknown): void;
  /** `null` until set. */
  getAppData(): unknown;
  setShutdown(bits: number): void;
  getShutdown(): number;

  // I/O: promises. Each takes a last `{ signal }` (CallOptions), after the required
  // arguments or after the optional ones.
  doHandshake(options?: CallOptions | null): Promise<void>;
  /** Sends at most one 16 KiB record of `data`; resolves with how much it took. */
  send(data: BytesLike, options?: CallOptions | null): Promise<number>;
  send(data: BytesLike, flags?: number | null, options?: CallOptions | null): Promise<number>;
  /** Alias of `send`. */
  write(data: BytesLike, options?: CallOptions | null): Promise<number>;
  write(data: BytesLike, flags?: number | null, options?: CallOptions | null): Promise<number>;
  /** Sends all of `data`; resolves with its length. */
  sendall(data: BytesLike, options?: CallOptions | null): Promise<number>;
  sendall(data: BytesLike, flags?: number | null, options?: CallOptions | null): Promise<number>;
  /** Up to `bufsiz` bytes of plaintext; `flags` may be `MSG_PEEK`. */
  recv(bufsiz: number, options?: CallOptions | null): Promise<Uint8Array<ArrayBuffer>>;
  recv(bufsiz: number, flags?: number | null, options?: CallOptions | null): Promise<Uint8Array<ArrayBuffer>>;
  /** Alias of `recv`. */
  read(bufsiz: number, options?: CallOptions | null): Promise<Uint8Array<ArrayBuffer>>;
  read(bufsiz: number, flags?: number | null, options?: CallOptions | null): Promise<Uint8Array<ArrayBuffer>>;
  /** Reads into `buffer` (at most `nbytes`); resolves with the count. */
  recvInto(buffer: Uint8Array, options?: CallOptions | null): Promise<number>;
  recvInto(buffer: Uint8Array, nbytes?: number | null, options?: CallOptions | null): Promise<number>;
  recvInto(buffer: Uint8Array, nbytes?: number | null, flags?: number | null, options?: CallOptions | null): Promise<number>;
  /**
   * `false` after sending close_notify, `true` once the peer's has been received; called
   * again before it arrived, rejects with `WantReadError` when the transport has nothing.
   */
  shutdown(options?: CallOptions | null): Promise<boolean>;

  // memory BIO (a TypeError on a transport connection)
  /** Feeds ciphertext from the peer; returns the count. */
  bioWrite(data: BytesLike): number;
  /** Ciphertext for the peer; throws `WantReadError` when there is none. */
  bioRead(bufsiz: number): Uint8Array<ArrayBuffer>;
  /** End of the incoming stream. */
  bioShutdown(): void;

  // state
  pending(): number;
  wantRead(): boolean;
  wantWrite(): boolean;
  getStateString(): string;
  isHandshakeDone(): boolean;
  isSessionReused(): boolean;

  // peer and parameters
  getPeerCertificate(): X509 | null;
  /** The leaf excluded on the server side; `null` when the peer sent none. */
  getPeerCertChain(): X509[] | null;
  getVerifiedChain(): X509[] | null;
  getCertificate(): X509 | null;
  /** An `X509VerificationCodes` value; 0 when verification passed. */
  getVerifyResult(): number;
  getCipherName(): string | null;
  getCipherBits(): number | null;
  getCipherVersion(): string | null;
  getCipherList(): string[];
  /** `"TLSv1.3"`, `"TLSv1.2"`, or `"Unknown"` before the handshake. */
  getProtocolVersionName(): string;
  /** `0x304`, `0x303`, or 0 before the handshake. */
  getProtocolVersion(): number;
  getGroupName(): string | null;
  /** `""` when none was negotiated. */
  getAlpnProtoNegotiated(): string;
  getClientCaList(): X509Name[];
  exportKeyingMaterial(label: BytesLike, length: number, context?: BytesLike | null): Uint8Array<ArrayBuffer>;

  // not possible on rustls: kept so that ported code fails loudly
  /** Always throws `SSLError` `renegotiation is not supported`. */
  renegotiate(): never;
  renegotiatePending(): false;
  totalRenegotiations(): 0;
  getFinished(): null;
  getPeerFinished(): null;
  masterKey(): null;
  serverRandom(): null;
  clientRandom(): null;

  /** Releases the wasm memory now. */
  free(): void;
  [Symbol.dispose](): void;
}

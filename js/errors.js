// @ts-check
// The error classes of docs/api.md, defined once. The wasm module builds its errors from
// these very constructors (handed over in api.js), so `instanceof` works on every error the
// package raises, and then sets each one's `code` (and `verifyResult`) itself (docs/api.md,
// src/wasm/errors.rs). The codes here are only for instances made in JS.

/** Any TLS failure. `errors` has pyOpenSSL's error-queue shape: `[lib, func, reason][]`. */
export class SSLError extends Error {
  /**
   * @param {Array<[string, string, string]>} [errors]
   * @param {string} [message] defaults to the reasons joined
   * @param {ErrorOptions} [options]
   */
  constructor(errors = [], message, options) {
    super(message ?? (errors.map((e) => e[2]).join('; ') || 'SSL error'), options);
    this.name = new.target.name;
    this.errors = errors;
    /** Node's error code: `ERR_SSL_<REASON>`, a verification failure's X509 name, … */
    this.code = 'ERR_SSL_ERROR';
  }
}

/** The operation needs more bytes from the peer than the transport has now. */
export class WantReadError extends SSLError {
  code = 'ERR_SSL_WANT_READ';

  /** @param {Array<[string, string, string]>} [errors] */
  constructor(errors = []) {
    super(errors, 'want read: no data from the peer yet; call again when the transport has more');
  }
}

/** The transport would not take the outgoing bytes now; they stay queued. */
export class WantWriteError extends SSLError {
  code = 'ERR_SSL_WANT_WRITE';

  /** @param {Array<[string, string, string]>} [errors] */
  constructor(errors = []) {
    super(errors, 'want write: the transport would not take more data now; call again later');
  }
}

/** Exported for completeness, as in pyOpenSSL; never raised. */
export class WantX509LookupError extends SSLError {
  code = 'ERR_SSL_WANT_X509_LOOKUP';
}

/** The peer closed the TLS session cleanly (close_notify received). */
export class ZeroReturnError extends SSLError {
  code = 'ERR_SSL_ZERO_RETURN';

  /** @param {Array<[string, string, string]>} [errors] */
  constructor(errors = []) {
    super(errors, 'the peer closed the TLS session (close_notify)');
  }
}

/** The transport failed, or ended without close_notify (`errno` −1, "Unexpected EOF"). */
export class SysCallError extends SSLError {
  /**
   * @param {number} [errno]
   * @param {string} [errstr]
   * @param {ErrorOptions} [options] `cause`: what the transport threw
   */
  constructor(errno = -1, errstr = 'Unexpected EOF', options) {
    super([['system library', '', errstr]], errstr, options);
    this.errno = errno;
    this.errstr = errstr;
    // What the transport threw names the failure when it can (`EPIPE`, …); an EOF is a reset.
    const cause = /** @type {{ code?: unknown } | undefined} */ (options?.cause);
    this.code = typeof cause?.code === 'string' ? cause.code : 'ECONNRESET';
  }
}

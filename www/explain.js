// @ts-check
// Turns a failed connection into a sentence a person can act on. The raw error (its class,
// message and cause) is kept as a second, technical line.

/** WebSocket close codes that mean "closed normally" (RFC 6455 §7.4.1). */
const CLEAN_CLOSES = [1000, 1005];

/** Thrown by the page when the WebSocket closes or fails before it opened. */
export class TunnelClosedError extends Error {
  /** @param {string} url @param {number} code @param {string} reason */
  constructor(url, code, reason) {
    super(`the WebSocket to ${url} closed before it opened (code ${code}${reason ? `: ${reason}` : ''})`);
    this.name = 'TunnelClosedError';
    this.code = code;
    this.reason = reason;
  }
}

/**
 * @typedef {object} Failure
 * @property {any} err what was thrown
 * @property {any} ssl the rustls-ssl module
 * @property {any} [conn] the Connection, when there was one
 * @property {any} [leaf] the server's certificate (an X509) when it was rejected
 * @property {string} host the name the certificate had to match
 * @property {string} url the tunnel URL
 * @property {{ code: number, reason: string } | null} wsClose how the WebSocket closed, if it did
 * @property {boolean} handshakeDone
 */

/**
 * @param {Failure} f
 * @returns {{ message: string, detail: string }}
 */
export function explain(f) {
  return { message: sentence(f), detail: technical(f.err) };
}

/** @param {Failure} f */
function sentence({ err, ssl, conn, leaf, host, url, wsClose, handshakeDone }) {
  if (err instanceof TunnelClosedError) {
    const why = err.reason || (err.code === 1006 ? 'no WebSocket could be opened' : 'no reason given');
    return `The tunnel refused the connection: ${why} (WebSocket close code ${err.code}). Check the tunnel URL ${url} and that npm start is still running.`;
  }
  if (err?.name === 'SyntaxError' && !conn) {
    return `The tunnel URL “${url}” is not a WebSocket URL: it should look like ws://127.0.0.1:8080/tunnel?target=HOST:PORT.`;
  }
  const close = wsClose ?? closeFromCause(err);
  if (!handshakeDone && close && !CLEAN_CLOSES.includes(close.code)) {
    return `The tunnel refused the connection: ${close.reason || 'no reason given'} (WebSocket close code ${close.code}).`;
  }

  const code = verifyResult(conn);
  if (err instanceof ssl.SSLError && code) {
    const reason = verifyReason(err, ssl, code);
    if (code === 62 || code === 64) {
      const names = validNames(leaf ?? peerLeaf(conn));
      const valid = names ? ` It is valid for ${names}.` : '';
      return `The server's certificate does not match the host name “${host}”: ${reason} (verify code ${code}).${valid}`;
    }
    const issuer = issuerOf(leaf ?? peerLeaf(conn));
    const hint = code === 20 && issuer ? ` It was issued by “${issuer}”, which this page does not trust (it trusts only the demo CA from /ca.pem).` : '';
    return `The server's certificate is not trusted: ${reason} (verify code ${code}).${hint}`;
  }
  if (err instanceof ssl.SysCallError) {
    const cause = err.cause?.message ? `: ${err.cause.message}` : '';
    return handshakeDone
      ? `The connection broke while talking to the server${cause}.`
      : `The connection closed before the TLS handshake finished${cause}.`;
  }
  if (err instanceof ssl.SSLError) {
    return handshakeDone ? `TLS error: ${err.message}.` : `The TLS handshake failed: ${err.message}.`;
  }
  return `Something went wrong: ${err?.message ?? String(err)}`;
}

/** The close code and reason the WebSocket transport put on its error, if any. @param {any} err */
function closeFromCause(err) {
  const cause = err?.cause;
  if (cause && typeof cause.closeCode === 'number') {
    const reason = /: (.*)$/.exec(cause.message ?? '')?.[1] ?? '';
    return { code: cause.closeCode, reason };
  }
  return null;
}

/** @param {any} conn */
function verifyResult(conn) {
  try {
    return conn ? conn.getVerifyResult() : 0;
  } catch {
    return 0;
  }
}

/**
 * OpenSSL's reason text: from the error ("certificate verify failed: <reason> (detail)"), else
 * from the code's name.
 * @param {any} err @param {any} ssl @param {number} code
 */
function verifyReason(err, ssl, code) {
  const m = /certificate verify failed: ([^(]+?)\s*(?:\(|$)/.exec(err.message);
  if (m) return m[1];
  const name = Object.entries(ssl.X509VerificationCodes).find(([, v]) => v === code)?.[0];
  return name ? name.replace(/^ERR_/, '').replace(/_/g, ' ').toLowerCase() : 'verification failed';
}

/** @param {any} conn */
function peerLeaf(conn) {
  try {
    return conn?.getPeerCertificate() ?? null;
  } catch {
    return null;
  }
}

/** A certificate's names, "localhost, 127.0.0.1". @param {any} cert */
function validNames(cert) {
  try {
    const sans = cert?.getSubjectAltNames() ?? [];
    return sans.map((/** @type {string} */ s) => s.replace(/^[^:]+:/, '')).join(', ');
  } catch {
    return '';
  }
}

/** @param {any} cert */
function issuerOf(cert) {
  try {
    return cert?.getIssuer().toString() ?? '';
  } catch {
    return '';
  }
}

/** `SSLError: message (cause: …)`, for the technical line. @param {any} err */
function technical(err) {
  if (!err) return '';
  const name = err.name && err.name !== 'Error' ? err.name : err.constructor?.name ?? 'Error';
  let text = `${name}: ${err.message ?? String(err)}`;
  if (err.cause?.message) text += ` (cause: ${err.cause.message})`;
  return text;
}

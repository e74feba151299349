// @ts-check
// Renders a connection's certificates: the verified chain (leaf to trust anchor) when
// verification passed, else what the server sent. Each certificate is a `.cert` card.

/**
 * Fills `container` from `conn`; returns how many certificates it shows.
 * @param {HTMLElement} container
 * @param {any} conn a Connection after the handshake, or after it failed (the peer's
 *   certificates stay readable after a failed verification, as with OpenSSL)
 */
export function showChain(container, conn) {
  const sent = safe(() => conn.getPeerCertChain()) ?? [];
  const verified = safe(() => conn.getVerifiedChain()) ?? [];
  const sentPrints = new Set(sent.map((/** @type {any} */ c) => c.digest('sha256')));
  container.replaceChildren();
  const note = document.createElement('p');
  note.className = 'chain-note';
  container.append(note);

  if (verified.length) {
    note.textContent = `Verified: getVerifiedChain() gives ${count(verified.length)}, leaf first; the server sent ${count(sent.length)} (getPeerCertChain()).`;
    verified.forEach((/** @type {any} */ cert, /** @type {number} */ i) => {
      const sha256 = cert.digest('sha256');
      const badges = [role(cert, i), sentPrints.has(sha256) ? 'sent by the server' : 'from the trust store'];
      container.append(certCard(cert, sha256, badges, 'trusted'));
    });
    return verified.length;
  }
  if (sent.length) {
    const code = safe(() => conn.getVerifyResult()) ?? 0;
    note.textContent = `Not verified. What the server presented, leaf first (${count(sent.length)}):`;
    sent.forEach((/** @type {any} */ cert, /** @type {number} */ i) => {
      const badges = [role(cert, i), 'sent by the server'];
      if (code && i === 0) badges.push(`rejected: verify code ${code}`);
      container.append(certCard(cert, cert.digest('sha256'), badges, 'untrusted'));
    });
    return sent.length;
  }
  note.className = 'empty';
  note.textContent = 'The server presented no certificate.';
  return 0;
}

/** @param {number} n */
function count(n) {
  return n === 1 ? '1 certificate' : `${n} certificates`;
}

/** @param {any} cert @param {number} i its place in the chain, 0 = leaf */
function role(cert, i) {
  return i === 0 ? 'leaf' : isSelfSigned(cert) ? 'root CA' : 'CA';
}

/**
 * @param {any} cert an X509 @param {string} sha256 @param {string[]} badges
 * @param {'trusted' | 'untrusted'} kind
 */
function certCard(cert, sha256, badges, kind) {
  const card = document.createElement('article');
  card.className = `cert ${kind}`;
  const head = document.createElement('header');
  const subject = document.createElement('h3');
  subject.className = 'subject';
  subject.textContent = cert.getSubject().toString() || '(empty subject)';
  head.append(subject);
  for (const b of badges) {
    const span = document.createElement('span');
    span.className = b.startsWith('rejected') ? 'badge bad' : 'badge';
    span.textContent = b;
    head.append(span);
  }
  card.append(head);

  const dl = document.createElement('dl');
  const sans = cert.getSubjectAltNames();
  const expired = safe(() => cert.hasExpired());
  /** @type {Array<[string, string, string?]>} */
  const rows = [
    ['Issuer', cert.getIssuer().toString()],
    ['Valid from', asnDate(cert.getNotBefore())],
    ['Valid until', asnDate(cert.getNotAfter()) + (expired ? ' (expired)' : '')],
    ['Names (SAN)', sans.length ? sans.join(', ') : '(none)'],
    ['Serial', `0x${cert.getSerialNumber().toString(16)}`, 'mono'],
    ['Signature', cert.getSignatureAlgorithm()],
    ['SHA-256', sha256, 'mono print'],
    ['SHA-1', cert.digest('sha1'), 'mono print'],
  ];
  for (const [name, value, cls] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    if (cls) dd.className = cls;
    dl.append(dt, dd);
  }
  card.append(dl);
  return card;
}

/** `20261126002753Z` → `2026-11-26 00:27:53 UTC`. @param {string | null} t */
function asnDate(t) {
  const m = t && /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(t);
  return m ? `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6]} UTC` : t ?? '(unknown)';
}

/** @param {any} cert */
function isSelfSigned(cert) {
  return cert.getSubject().toString() === cert.getIssuer().toString();
}

/** @template T @param {() => T} fn @returns {T | null} */
function safe(fn) {
  try {
    return fn();
  } catch {
    return null;
  }
}

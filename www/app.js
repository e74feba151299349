// @ts-check
// The demo page: a TLS client running in the page (rustls-ssl's web build), reaching a TCP
// server through a WebSocket tunnel (websockify-style, or one stream of a Wisp connection).
// Connect handshakes, sends one HTTP/1.1 request, reads the reply to the end and shows what
// happened. When it finishes, `document.body.dataset.state` is "done" or "error" (the browser
// tests wait on it).
import { showChain } from './chain.js';
import { explain, TunnelClosedError } from './explain.js';
import { instrument, Timeline } from './timeline.js';

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));
const ui = {
  form: $('form'),
  kind: $('kind'),
  tunnel: $('tunnel'),
  host: $('host'),
  target: $('target'),
  connect: $('connect'),
  status: $('status'),
  error: $('error'),
  errorMessage: $('error-message'),
  errorDetail: $('error-detail'),
  protocol: $('protocol'),
  cipher: $('cipher'),
  cipherDetail: $('cipher-detail'),
  group: $('group'),
  alpn: $('alpn'),
  verify: $('verify'),
  chain: $('chain'),
  timeline: $('timeline'),
  timelineEmpty: $('timeline-empty'),
  response: $('response'),
  versions: $('versions'),
};

/** The most of the reply the page keeps. */
const MAX_RESPONSE = 256 * 1024;
const CONFIG_URL = new URL('../config.json', import.meta.url);
const CA_URL = new URL('../ca.pem', import.meta.url);

/** @type {{ tunnel?: string, wisp?: string, targets?: Record<string, string> }} */
let config = {};
/** @type {any} the rustls-ssl module */
let ssl;

try {
  [ssl, config] = await Promise.all([import('../js/web.mjs'), loadConfig()]);
  ui.versions.textContent = `rustls-ssl ${ssl.version.package}, rustls ${ssl.version.rustls}.`;
  setUp();
} catch (err) {
  setStatus('failed', 'failed');
  showError(`Could not load rustls-ssl in this page: ${/** @type {Error} */ (err).message}. Run npm run build, then reload.`, '');
  document.body.dataset.state = 'error';
}

async function loadConfig() {
  try {
    const res = await fetch(CONFIG_URL, { cache: 'no-store' });
    return res.ok ? await res.json() : {};
  } catch {
    return {};
  }
}

function setUp() {
  const targets = config.targets ?? {};
  for (const option of ui.target.options) {
    const address = targets[option.value];
    if (address) option.textContent += ` · ${address}`;
  }
  const showUrl = () => {
    const address = targets[ui.target.value] ?? '';
    if (ui.kind.value === 'wisp') ui.tunnel.value = config.wisp ?? '';
    else if (config.tunnel) ui.tunnel.value = withTarget(ui.tunnel.value.includes('/tunnel') ? ui.tunnel.value : config.tunnel, address);
  };
  showUrl();
  ui.kind.addEventListener('change', showUrl);
  ui.target.addEventListener('change', () => {
    if (ui.kind.value !== 'wisp') showUrl();
  });
  ui.form.addEventListener('submit', (/** @type {Event} */ e) => {
    e.preventDefault();
    void run();
  });
  ui.connect.disabled = false;
  setStatus('ready', '');
}

/**
 * `url` with its `target` parameter set to `address` (written raw, `HOST:PORT`, as websockify
 * users type it); other parameters are kept.
 * @param {string} url @param {string} address
 */
function withTarget(url, address) {
  const [base, query = ''] = url.split('#')[0].split('?');
  const rest = query.split('&').filter((p) => p && !p.startsWith('target='));
  return `${base}?${[...rest, `target=${address}`].join('&')}`;
}

/** The tunnel URL to open: the field, with the selected target added if it names none. */
function tunnelUrl() {
  const url = ui.tunnel.value.trim();
  if (ui.kind.value === 'wisp') return url; // the stream names the target, not the URL
  const hasTarget = /[?&]target=/.test(url);
  const address = config.targets?.[ui.target.value];
  return hasTarget || !address ? url : withTarget(url, address);
}

/** One Connect click, start to finish. */
async function run() {
  const url = tunnelUrl();
  const host = ui.host.value.trim();
  reset();
  const timeline = new Timeline(ui.timeline);
  /** @type {{ code: number, reason: string } | null} */
  let wsClose = null;
  /** @type {any} */
  let transport = null;
  /** @type {any} */
  let conn = null;
  let handshakeDone = false;
  try {
    const ctx = new ssl.Context(ssl.TLS_CLIENT_METHOD);
    ctx.loadVerifyLocations(null, null, await fetchCa());
    ctx.setAlpnProtos(['http/1.1']);

    timeline.event('WebSocket opening', url, 'phase');
    const ws = new WebSocket(url);
    if (ui.kind.value === 'wisp') {
      // One Wisp stream to the selected server; the same client could carry many more.
      const [, target, port] = /^(.*):(\d+)$/.exec(config.targets?.[ui.target.value] ?? '') ?? [];
      const client = ssl.wispClient(ws);
      const stream = client.transport(target ?? '', Number(port));
      transport = {
        send: (/** @type {Uint8Array} */ data) => stream.send(data),
        recv: (/** @type {number} */ max) => stream.recv(max),
        close: () => client.close(),
        get readyState() {
          return ws.readyState;
        },
      };
      timeline.event('Wisp stream', `CONNECT ${target}:${port}`, 'phase');
    } else {
      transport = ssl.webSocketTransport(ws);
    }
    ws.addEventListener('open', () => timeline.event('WebSocket open', ws.protocol ? `subprotocol ${ws.protocol}` : ''));
    ws.addEventListener('close', (e) => {
      wsClose = { code: e.code, reason: e.reason };
      timeline.event('WebSocket closed', `code ${e.code}${e.reason ? ` · ${e.reason}` : ''}`);
    });
    await opened(ws, url);

    conn = new ssl.Connection(ctx, instrument(transport, timeline));
    conn.setConnectState();
    conn.setTlsextHostName(host);
    timeline.event('TLS handshake start', `server name ${host}`, 'phase');
    await conn.doHandshake();
    handshakeDone = true;
    timeline.event('TLS handshake done', `${conn.getProtocolVersionName()} · ${conn.getCipherName()}`, 'ok');
    showNegotiated(conn);
    showChain(ui.chain, conn);
    setStatus('connected', 'connected');

    const request = `GET / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: rustls-ssl demo page\r\nConnection: close\r\n\r\n`;
    const sent = await conn.sendall(request);
    timeline.event('request sent', `GET / HTTP/1.1 · ${sent} bytes of plaintext`, 'phase');
    const { text, ending } = await readAll(conn, timeline);
    timeline.event(ending === 'close_notify' ? 'closed' : 'closed without close_notify',
      ending === 'close_notify' ? 'the server ended the TLS session (close_notify)' : ending, 'ok');
    ui.response.textContent = text || '(the server sent no reply)';
    await closeQuietly(conn, transport);
    document.body.dataset.state = 'done';
  } catch (err) {
    console.warn(err);
    if (conn && !handshakeDone) showHandshakeFailure(conn);
    else if (!conn) ui.chain.replaceChildren(placeholder('No certificate: the handshake did not start.'));
    // A rejected certificate is still there to read, as with OpenSSL.
    const leaf = (conn && !handshakeDone && safePeer(conn)) || null;
    const { message, detail } = explain({ err, ssl, conn, leaf, host, url, wsClose, handshakeDone });
    const what = conn && !handshakeDone ? 'TLS handshake failed' : 'failed';
    timeline.event(what, message.split(/\.(?:\s|$)/)[0], 'bad');
    showError(message, detail);
    setStatus('failed', 'failed');
    if (!handshakeDone) ui.response.replaceChildren(placeholder('No reply: the connection failed before a request was sent.'));
    try {
      transport?.close();
    } catch {
      // the socket may already be gone
    }
    document.body.dataset.state = 'error';
  } finally {
    ui.connect.disabled = false;
  }
}

/** The demo CA, PEM text (the page trusts nothing else). */
async function fetchCa() {
  const res = await fetch(CA_URL, { cache: 'no-store' });
  if (!res.ok) throw new Error(`could not fetch the demo CA from ${CA_URL} (HTTP ${res.status})`);
  return res.text();
}

/**
 * Resolves when `ws` is open; rejects with TunnelClosedError if it closes first.
 * @param {WebSocket} ws @param {string} url
 */
function opened(ws, url) {
  return new Promise((resolve, reject) => {
    if (ws.readyState === WebSocket.OPEN) return resolve(undefined);
    ws.addEventListener('open', () => resolve(undefined), { once: true });
    ws.addEventListener('close', (e) => reject(new TunnelClosedError(url, e.code, e.reason)), { once: true });
  });
}

/**
 * Reads the reply until the server closes: ZeroReturnError (close_notify) or SysCallError
 * (the stream ended without one). Other errors propagate.
 * @param {any} conn @param {Timeline} timeline
 */
async function readAll(conn, timeline) {
  const decoder = new TextDecoder();
  let text = '';
  let total = 0;
  for (;;) {
    let chunk;
    try {
      chunk = await conn.recv(16384);
    } catch (err) {
      if (err instanceof ssl.ZeroReturnError) return { text: text + decoder.decode(), ending: 'close_notify' };
      if (err instanceof ssl.SysCallError) {
        if (total === 0) throw err;
        return { text: text + decoder.decode(), ending: err.message };
      }
      throw err;
    }
    if (total === 0) timeline.event('first response bytes', `${chunk.length} bytes of plaintext`, 'phase');
    total += chunk.length;
    if (text.length < MAX_RESPONSE) text += decoder.decode(chunk, { stream: true });
  }
}

/** Sends our close_notify if the tunnel is still open, then closes it. @param {any} conn @param {any} transport */
async function closeQuietly(conn, transport) {
  try {
    if (transport.readyState === WebSocket.OPEN) await conn.shutdown();
  } catch {
    // the server may have gone already; its close_notify was read
  }
  transport.close();
}

/** @param {any} conn */
function showNegotiated(conn) {
  ui.protocol.textContent = conn.getProtocolVersionName();
  ui.cipher.textContent = conn.getCipherName();
  ui.cipherDetail.textContent = `${conn.getCipherBits()}-bit key · ${conn.getCipherVersion()}`;
  ui.group.textContent = conn.getGroupName() ?? '—';
  ui.alpn.textContent = conn.getAlpnProtoNegotiated() || '(none)';
  showVerify(conn.getVerifyResult());
}

/** The peer's leaf, or null if there is none to read. @param {any} conn */
function safePeer(conn) {
  try {
    return conn.getPeerCertificate();
  } catch {
    return null;
  }
}

/**
 * What a failed handshake still tells: the verify result and the certificates received.
 * @param {any} conn
 */
function showHandshakeFailure(conn) {
  try {
    const code = conn.getVerifyResult();
    if (code) showVerify(code);
    if (conn.getPeerCertificate()) showChain(ui.chain, conn);
    else ui.chain.replaceChildren(placeholder('No certificate: the handshake did not get that far.'));
  } catch {
    // nothing more to show
  }
}

/** Shows a verify result: "ok (0)" or "failed (code 20)", OpenSSL's name as the tooltip. @param {number} code */
function showVerify(code) {
  const name = Object.entries(ssl.X509VerificationCodes).find(([, v]) => v === code)?.[0];
  ui.verify.textContent = code === 0 ? 'ok (0)' : `failed (code ${code})`;
  ui.verify.title = name ? `X509_V_${name}` : '';
}

function reset() {
  delete document.body.dataset.state;
  ui.connect.disabled = true;
  setStatus('connecting…', 'connecting');
  ui.error.hidden = true;
  ui.errorMessage.textContent = '';
  ui.errorDetail.textContent = '';
  for (const el of [ui.protocol, ui.cipher, ui.group, ui.alpn, ui.verify]) el.textContent = '—';
  ui.verify.title = '';
  ui.cipherDetail.textContent = '';
  ui.chain.replaceChildren(placeholder('The server’s certificates appear here after the handshake.'));
  ui.response.replaceChildren(placeholder('Waiting for the reply…'));
  ui.timelineEmpty.hidden = true;
}

/** @param {string} text */
function placeholder(text) {
  const span = document.createElement('span');
  span.className = 'empty';
  span.textContent = text;
  return span;
}

/** @param {string} text @param {string} state for the CSS */
function setStatus(text, state) {
  ui.status.textContent = text;
  ui.status.dataset.state = state;
}

/** @param {string} message @param {string} detail */
function showError(message, detail) {
  ui.errorMessage.textContent = message;
  ui.errorDetail.textContent = detail;
  ui.errorDetail.hidden = !detail;
  ui.error.hidden = false;
}

// @ts-check
// The demo page's HTTP handler: files from a few folders of the repository (the page, the
// package's JS entries and the web build of the wasm), with the MIME types browsers insist on
// for modules and wasm, plus a few generated routes. Paths are resolved and checked against
// the allowed folders (after following symlinks), so `..` cannot leave them.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** By extension; anything else is served as bytes. */
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.pem': 'application/x-pem-file',
};

/**
 * @typedef {object} Generated a response made in memory
 * @property {string} type Content-Type
 * @property {string | Uint8Array} body
 */

/**
 * @param {object} options
 * @param {string} options.root the repository folder
 * @param {string[]} options.folders folders under `root` whose files are served as `/<folder>/…`
 * @param {string} options.index where `/` redirects to
 * @param {Record<string, () => Generated>} [options.routes] exact paths answered in memory
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => Promise<void>}
 */
export function createStaticHandler({ root, folders, index, routes = {} }) {
  const roots = folders.map((f) => path.resolve(root, f));
  /** @type {Promise<string[]> | null} */
  let realRoots = null;

  return async function serve(req, res) {
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('cache-control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return sendText(res, 405, 'method not allowed');
    }
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/') {
      res.writeHead(302, { location: index });
      return void res.end();
    }
    const route = Object.hasOwn(routes, pathname) ? routes[pathname] : null;
    if (route) {
      const { type, body } = route();
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      return void res.end(req.method === 'HEAD' ? undefined : body);
    }

    let decoded;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return sendText(res, 400, 'bad request');
    }
    if (decoded.includes('\0')) return sendText(res, 400, 'bad request');
    let file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
    if (!inside(roots, file)) return sendText(res, 404, 'not found');

    try {
      // Follow symlinks, then check again: a link inside www/ must not lead out of it.
      file = await realpath(file);
      realRoots ??= Promise.all(roots.map((r) => realpath(r).catch(() => r)));
      if (!inside(await realRoots, file)) return sendText(res, 404, 'not found');
      let info = await stat(file);
      if (info.isDirectory()) {
        file = path.join(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return sendText(res, 404, 'not found');
      res.writeHead(200, {
        'content-type': MIME[/** @type {keyof MIME} */ (path.extname(file).toLowerCase())] ?? 'application/octet-stream',
        'content-length': info.size,
      });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch {
      sendText(res, 404, 'not found');
    }
  };
}

/** Whether `file` is one of `roots` or below one. @param {string[]} roots @param {string} file */
function inside(roots, file) {
  return roots.some((r) => file === r || file.startsWith(r + path.sep));
}

/**
 * @param {import('node:http').ServerResponse} res @param {number} status @param {string} text
 */
function sendText(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text + '\n');
}

// @ts-check
// The Node entry (ESM; js/index.cjs re-exports it for require()). Instantiates the same wasm
// file as the web entry, but synchronously from disk, so the classes are usable as soon as
// the import returns and require() can load this module (no top-level await).
import { readFileSync, readdirSync } from 'node:fs';
import * as wasm from '../pkg/web/rustls_ssl.js';
import { install } from './api.js';
import { nodeHostCrypto } from './host-crypto.js';

// initSync compiles and instantiates without fetch or import.meta.url (only the glue's async
// init uses those); the URL resolves against this file, wherever the package is installed.
wasm.initSync({ module: readFileSync(new URL('../pkg/web/rustls_ssl_bg.wasm', import.meta.url)) });
install(wasm, {
  readFile: (path) => new Uint8Array(readFileSync(path)),
  readDir: (path) => readdirSync(path),
  // Record encryption, key exchange and signature checks go to node:crypto (OpenSSL, native
  // AES): many times faster than *ring* in wasm. RUSTLS_SSL_CRYPTO=ring keeps *ring* for
  // everything, as in browsers (to compare, or to run the tests on both).
  crypto: process.env.RUSTLS_SSL_CRYPTO === 'ring' ? null : nodeHostCrypto(),
  // Mozilla's roots, imported the first time a connection verifies with them (src/ssl/roots.rs).
  importRoots: () => import('../pkg/web/roots.js'),
});

export * from './api.js';
// Node only: they need node:stream and node:net, so the web entry does not have them.
export { connect, toDuplex } from './node-streams.js';

// The Deno entry (the `deno` export condition). Deno also matches `node`, and js/node.mjs
// works there, but only with --allow-read: it reads the wasm with readFileSync, and Deno
// checks that against the user's permissions. A source-phase import is module loading, which
// needs no permission, and gives the compiled WebAssembly.Module that initSync instantiates
// synchronously, so the classes are usable as soon as the import returns, as in Node.
// (No @ts-check: TypeScript does not parse `import source` yet.)
import source wasmModule from '../pkg/web/rustls_ssl_bg.wasm';
import { readFileSync, readdirSync } from 'node:fs';
import * as wasm from '../pkg/web/rustls_ssl.js';
import { install } from './api.js';

wasm.initSync({ module: wasmModule });
// The `*File` methods read through node:fs, so they ask for --allow-read when called (and
// only then), the way Deno code expects.
install(wasm, {
  readFile: (path) => new Uint8Array(readFileSync(path)),
  readDir: (path) => readdirSync(path),
  // Module loading, like the wasm: no --allow-read needed for the bundled roots.
  importRoots: () => import('../pkg/web/roots.js'),
});

export * from './api.js';
// Deno has node:stream and node:net: `connect` and `toDuplex` work there as in Node.
export { connect, toDuplex } from './node-streams.js';

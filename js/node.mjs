// @ts-check
// The Node entry (ESM; js/index.cjs re-exports it for require()). Loads the nodejs build of
// the wasm synchronously, so the classes are usable as soon as the import returns.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { install } from './api.js';

const require = createRequire(import.meta.url);
install(require('../pkg/node/rustls_ssl.js'), {
  readFile: (path) => new Uint8Array(readFileSync(path)),
  readDir: (path) => readdirSync(path),
});

export * from './api.js';

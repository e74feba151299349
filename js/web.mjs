// @ts-check
// The browser and bundler entry: instantiates the web build of the wasm with top-level
// await, so importers never call an init function. No file access here: `*File` methods
// throw SSLError saying to pass the data instead.
import init, * as wasm from '../pkg/web/rustls_ssl.js';
import { install } from './api.js';

await init({ module_or_path: new URL('../pkg/web/rustls_ssl_bg.wasm', import.meta.url) });
// A separate file, fetched only when a connection first verifies with the bundled roots;
// bundlers split it into a chunk of its own.
install(wasm, { importRoots: () => import('../pkg/web/roots.js') });

export * from './api.js';

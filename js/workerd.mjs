// @ts-check
// The Cloudflare Workers entry (the `workerd` export condition, which wrangler's bundler and
// workerd's own tooling match). A Worker may not compile wasm from bytes at run time, and
// should not fetch at the top level, so the wasm comes in as a module: wrangler's default
// module rules turn this `.wasm` import into a WebAssembly.Module (a `wasm` module in a
// workerd config), which initSync instantiates synchronously. Nothing here needs
// `nodejs_compat`; `connect`/`toDuplex` (node:stream) are not exported, `toWebStreams` and
// `streamTransport` (e.g. over a `cloudflare:sockets` socket) are.
// @ts-ignore: a `.wasm` module import; its default export is a WebAssembly.Module
import wasmModule from '../pkg/web/rustls_ssl_bg.wasm';
import * as wasm from '../pkg/web/rustls_ssl.js';
import { install } from './api.js';

wasm.initSync({ module: wasmModule });
// Bundled with the Worker by wrangler; a workerd config lists it as an ES module.
install(wasm, { importRoots: () => import('../pkg/web/roots.js') });

export * from './api.js';

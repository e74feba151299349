// Type declarations for rustls-ssl under the `browser` and `workerd` export conditions and the
// default (js/web.mjs, js/workerd.mjs): exactly index.d.ts. Those entries have no node:stream,
// so `toDuplex` and `connect` are not here, and nothing here needs `@types/node`; node.d.ts
// adds them for the `node` and `deno` entries.

export * from './index.js';

// The module Web Worker of the runtimes test. It imports the package by name; the test's
// server rewrites that one specifier to the file the `browser` condition resolves to (the
// step a bundler does: Chromium has no import maps in workers). On a message
// { tunnelUrl, caPem, message } it runs the shared scenario against the test's node:tls
// server through the WebSocket tunnel (`webSocketTransport`) and posts the result back.
import * as ssl from 'rustls-ssl';
import { runScenario } from './scenario.mjs';

self.onmessage = async (/** @type {MessageEvent} */ event) => {
  const { tunnelUrl, caPem, message } = event.data;
  try {
    const open = () => ssl.webSocketTransport(new WebSocket(tunnelUrl));
    const result = await runScenario(ssl, open, { caPem, message });
    self.postMessage({
      ok: true,
      // A dedicated worker: no DOM, its own global scope.
      scope: Object.prototype.toString.call(self),
      hasDocument: typeof document !== 'undefined',
      result,
    });
  } catch (err) {
    const e = /** @type {any} */ (err);
    self.postMessage({ ok: false, error: `${e?.name}: ${e?.message}\n${e?.stack ?? ''}` });
  }
};
self.postMessage({ ready: true });

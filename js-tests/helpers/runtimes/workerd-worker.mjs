// The Worker the workerd test serves (helpers/runtimes/workerd.mjs writes its config). Each
// POST { port, caPem, message } runs the shared scenario against the test's node:tls server
// on 127.0.0.1, over TCP from `cloudflare:sockets` wrapped in `streamTransport`, and answers
// with the result as JSON (or a 500 with the error).
import { connect } from 'cloudflare:sockets';
import * as ssl from 'rustls-ssl';
import { runScenario } from './scenario.mjs';

export default {
  /** @param {Request} request */
  async fetch(request) {
    try {
      const { port, caPem, message } = await request.json();
      const open = async () => {
        const socket = connect({ hostname: '127.0.0.1', port });
        await socket.opened;
        // A Socket has `readable` and `writable`: it is a streamTransport argument as it is.
        const transport = ssl.streamTransport(socket);
        return {
          send: (/** @type {Uint8Array} */ data) => transport.send(data),
          recv: (/** @type {number} */ max) => transport.recv(max),
          close: async () => {
            await transport.close();
            await socket.close();
          },
        };
      };
      const result = await runScenario(ssl, open, { caPem, message });
      return Response.json({
        userAgent: navigator.userAgent,
        // No nodejs_compat: the Node built-ins are not there to fall back on.
        hasProcess: typeof globalThis.process !== 'undefined',
        version: ssl.version,
        result,
      });
    } catch (err) {
      const e = /** @type {any} */ (err);
      return new Response(`${e?.name}: ${e?.message}\n${e?.stack ?? ''}`, { status: 500 });
    }
  },
};

// A client and a server Connection in one page, joined by memoryPair(): the package imported
// by name, as an app bundled with Vite would, with the certificates embedded as text.
// The negotiated protocol goes into document.body.dataset.result ("error: …" on failure);
// js-tests/vite.test.mjs builds this app and reads it.
import { Context, Connection, memoryPair, TLS_CLIENT_METHOD, TLS_SERVER_METHOD } from 'rustls-ssl';

import caPem from '../fixtures/ca.pem?raw';
import chainPem from '../fixtures/server-ecdsa-chain.pem?raw';
import keyPem from '../fixtures/server-ecdsa.key?raw';

async function handshake() {
  const serverCtx = new Context(TLS_SERVER_METHOD);
  serverCtx.useCertificateChain(chainPem);
  serverCtx.usePrivateKey(keyPem);
  const clientCtx = new Context(TLS_CLIENT_METHOD);
  clientCtx.loadVerifyLocations(null, null, caPem);

  const [a, b] = memoryPair();
  const client = new Connection(clientCtx, a);
  client.setConnectState();
  client.setTlsextHostName('localhost');
  const server = new Connection(serverCtx, b);
  server.setAcceptState();
  await Promise.all([client.doHandshake(), server.doHandshake()]);

  const message = new TextEncoder().encode('hello from a Vite build');
  await client.sendall(message);
  const echoed = new TextDecoder().decode(await server.recv(1024));
  if (echoed !== 'hello from a Vite build') throw new Error(`server got ${JSON.stringify(echoed)}`);

  // A client with no trust loaded: the bundled roots come in as a chunk of their own, and do
  // not trust the test CA (20). A failed chunk load would say "cannot load ...".
  const [c2, s2] = memoryPair();
  const bundled = new Connection(new Context(TLS_CLIENT_METHOD), c2);
  bundled.setConnectState();
  bundled.setTlsextHostName('localhost');
  const server2 = new Connection(serverCtx, s2);
  server2.setAcceptState();
  server2.doHandshake().catch(() => {});
  const defaultRoots = await bundled.doHandshake().then(
    () => 'accepted',
    (e) => `${bundled.getVerifyResult()} ${e.message}`,
  );
  return {
    protocol: client.getProtocolVersionName(),
    cipher: client.getCipherName(),
    peer: client.getPeerCertificate()?.getSubject().CN ?? null,
    defaultRoots,
  };
}

handshake().then(
  (r) => {
    document.getElementById('out').textContent = JSON.stringify(r, null, 2);
    document.body.dataset.result = r.protocol;
  },
  (err) => {
    document.getElementById('out').textContent = String(err?.stack ?? err);
    document.body.dataset.result = `error: ${err?.name}: ${err?.message}`;
  },
);

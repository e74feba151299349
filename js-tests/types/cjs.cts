// CommonJS use: `require('rustls-ssl')` gets the same declarations (Node ≥ 20.19 can
// require() the package's ES module).
import ssl = require('rustls-ssl');

export function clientContext(): ssl.Context {
  const ctx = new ssl.Context(ssl.TLS_CLIENT_METHOD);
  ctx.setVerify(ssl.VERIFY_PEER, (conn: ssl.Connection, x509: ssl.X509, errno: number, depth: number, ok: boolean) => ok);
  return ctx;
}

export async function read(conn: ssl.Connection): Promise<Uint8Array> {
  return conn.recv(1024);
}

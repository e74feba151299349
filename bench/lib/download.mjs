// How a benchmark client asks the server (bench/lib/server.mjs) for bytes and, for the
// libraries whose reads are pulled, takes them in: the same in Node (clients.mjs) and in the
// browser page (browser/page.mjs). No imports: the page loads this file as it is.

const encoder = new TextEncoder();

/** The request for `n` bytes: the count in decimal and a newline. */
export const request = (n) => encoder.encode(`${n}\n`);

/**
 * Sends the request with `write`, then pulls until `n` bytes have come, each chunk fed to
 * `check` when there is one. `read` resolves to the next chunk, or to undefined at the end.
 */
async function pull(write, read, n, check) {
  await write(request(n));
  let left = n;
  while (left > 0) {
    const d = await read();
    if (!d) throw new Error('connection ended');
    check?.update(d);
    left -= d.length;
  }
}

/** `download(n, check)` over a rustls-ssl Connection, whose recv ends with an empty array. */
export function rustlsDownload(conn) {
  const read = async () => {
    const d = await conn.recv(65536);
    return d.length ? d : undefined;
  };
  return (n, check) => pull((b) => conn.sendall(b), read, n, check);
}

/** `download(n, check)` over a subtls connection, whose read ends with undefined. */
export function subtlsDownload(tls) {
  return (n, check) => pull((b) => tls.write(b), () => tls.read(), n, check);
}

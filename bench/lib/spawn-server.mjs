// Starts bench/lib/server.mjs as a child process (fork, so it reports its ports over IPC).
// Its file-descriptor limit is raised first where the shell allows (the 10,000-connection
// row needs one descriptor per connection on the server side too).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

/** `node ARGS…` under `ulimit -n` raised as far as allowed (the hard limit at most). */
export function nodeWithFds(args, { want = 32768, ...options } = {}) {
  const quoted = [process.execPath, ...args].map((a) => `'${String(a).replaceAll("'", "'\\''")}'`).join(' ');
  const script = `h=$(ulimit -Hn); if [ "$h" = unlimited ] || [ "$h" -ge ${want} ]; then ulimit -n ${want}; else ulimit -n "$h"; fi 2>/dev/null; exec ${quoted}`;
  return spawn('/bin/sh', ['-c', script], options);
}

/** @returns {Promise<{ ports: Record<string, number>, close: () => void, child: import('node:child_process').ChildProcess }>} */
export async function startServer() {
  const child = nodeWithFds([SERVER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.ports));
    child.once('exit', (code) => reject(new Error(`benchmark server exited (${code}) before listening`)));
  });
  return { ports, child, close: () => child.kill() };
}

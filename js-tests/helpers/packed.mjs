// The package as a user installs it, for the tests that check the tarball and run it in other
// runtimes: `npm pack` at the repository root (its prepack step, scripts/build.sh, is a no-op
// when pkg/ is current), then `npm install <tarball>` offline into a fresh folder outside the
// repository (so nothing the repository has, its node_modules included, is found by walking
// up from the install).
//
// Installing is shared between test files (each `node --test` file is its own process): the
// folder is <tmp>/rustls-ssl-packed-<hash of the repository path>/app-<sha256 of the tarball>,
// so a second file packs again (cheap) but reuses the install of byte-identical contents, any
// change to what would be published gives a new folder, and two checkouts never share one.
// The install is made in a temporary folder and renamed into place, so a half-done install is
// never reused.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CACHE = path.join(os.tmpdir(), `rustls-ssl-packed-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`);

/**
 * @returns {Promise<{ app: string, pkg: string, tarball: string }>} `app`: a folder whose
 *   node_modules/rustls-ssl is the installed tarball (`pkg`); put scripts there. `tarball`:
 *   the packed file itself, byte for byte what was installed
 */
export async function packedApp() {
  mkdirSync(CACHE, { recursive: true });
  const packDir = mkdtempSync(path.join(CACHE, 'pack-'));
  try {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], {
      cwd: ROOT,
      maxBuffer: 64 << 20,
      timeout: 15 * 60_000, // prepack builds the wasm when pkg/ is stale
    });
    const [report] = JSON.parse(stdout);
    const tarball = path.join(packDir, report.filename);
    const hash = createHash('sha256').update(readFileSync(tarball)).digest('hex').slice(0, 16);
    const app = path.join(CACHE, `app-${hash}`);
    const kept = path.join(CACHE, `rustls-ssl-${hash}.tgz`);
    if (!existsSync(path.join(app, '.installed'))) {
      const tmp = mkdtempSync(path.join(CACHE, 'installing-'));
      writeFileSync(path.join(tmp, 'package.json'), JSON.stringify({ name: 'app', private: true }));
      await run(
        'npm',
        ['install', tarball, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-update-notifier', '--cache', path.join(packDir, 'cache')],
        { cwd: tmp, timeout: 5 * 60_000 },
      );
      writeFileSync(path.join(tmp, '.installed'), `${report.filename}\n`);
      // Older installs are of contents that no longer match the tree.
      for (const old of readdirSync(CACHE)) {
        if (/^(app-|rustls-ssl-)/.test(old)) rmSync(path.join(CACHE, old), { recursive: true, force: true });
      }
      try {
        renameSync(tmp, app);
        renameSync(tarball, kept);
      } catch (err) {
        // Another test process installed the same contents first: use that one.
        rmSync(tmp, { recursive: true, force: true });
        if (!existsSync(path.join(app, '.installed'))) throw err;
      }
    }
    // Kept beside the install it matches (an earlier run's copy may have been cleared).
    if (!existsSync(kept) && existsSync(tarball)) renameSync(tarball, kept);
    return { app, pkg: path.join(app, 'node_modules', 'rustls-ssl'), tarball: kept };
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

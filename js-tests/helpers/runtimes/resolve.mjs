// The two steps a bundler takes that a runtime without one does not: resolve a package's
// `exports['.']` under a set of conditions (Node's algorithm: the first key, in the object's
// order, that is a wanted condition or "default"; nested objects likewise), and list the
// module graph of a file by following its static relative imports. The Web Worker and
// workerd tests use them to load the installed package as a bundler for those targets would.

import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * @param {string} pkgDir an installed package's folder
 * @param {string[]} conditions e.g. wrangler's `['workerd', 'worker', 'browser', 'import']`
 * @returns {string} the absolute path `.` resolves to
 */
export function resolveExport(pkgDir, conditions) {
  const pkg = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  /** @param {any} target @returns {string | null} */
  const walk = (target) => {
    if (typeof target === 'string') return target;
    if (!target || typeof target !== 'object' || Array.isArray(target)) return null;
    for (const [key, value] of Object.entries(target)) {
      if (key !== 'default' && !conditions.includes(key)) continue;
      const found = walk(value);
      if (found !== null) return found;
    }
    return null;
  };
  const found = walk(pkg.exports?.['.']);
  if (!found) throw new Error(`${pkg.name}: no export for conditions ${conditions.join(', ')}`);
  return path.resolve(pkgDir, found);
}

/**
 * Every file `entry` reaches through static `import … from '…'`, `export … from '…'`,
 * `import '…'` and `import('…')` with a relative specifier, the entry first; non-relative specifiers
 * (`node:…`, `cloudflare:…`) are listed apart, by the file that imports them.
 * @param {string} entry an absolute path
 * @returns {{ files: string[], external: Array<[string, string]> }}
 */
export function moduleGraph(entry) {
  const files = [entry];
  /** @type {Array<[string, string]>} */
  const external = [];
  // Static imports and re-exports, and `import('...')` of a literal (the bundled roots, loaded
  // on first use), which bundlers follow too.
  const spec = /(?:^|[\s;}(>])(?:import|export)\s*(?:\(\s*|[\w*{}\s,$]+?\s*from\s*)?['"]([^'"]+)['"]/g;
  for (let i = 0; i < files.length; i++) {
    if (!/\.m?js$/.test(files[i])) continue;
    const source = readFileSync(files[i], 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
    for (const m of source.matchAll(spec)) {
      const s = m[1];
      if (!s.startsWith('./') && !s.startsWith('../')) {
        external.push([files[i], s]);
        continue;
      }
      const file = path.resolve(path.dirname(files[i]), s);
      if (!files.includes(file)) files.push(file);
    }
  }
  return { files, external };
}

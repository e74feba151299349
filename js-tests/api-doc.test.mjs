// docs/api.md against the package: every runtime export is named on it in backticks, and every
// method and getter of every exported class as `name(` or `.name`, so a name added to the
// package cannot ship undocumented. And the README points users to it, not to a file outside
// the repository.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as ssl from 'rustls-ssl';

const doc = readFileSync(new URL('../docs/api.md', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The entries' wiring, exported by api.js for js/node.mjs and js/web.mjs (types.test.mjs too). */
const INTERNAL_EXPORTS = new Set(['install']);

/** Backticked spans of the doc, and the identifiers at their start. */
const spans = [...doc.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
const named = new Set(spans.map((s) => s.match(/^[.]?([A-Za-z_$][\w$]*)/)?.[1]).filter(Boolean));

test('every export of the package is named in docs/api.md', () => {
  const exports = Object.keys(ssl).filter((k) => !INTERNAL_EXPORTS.has(k));
  assert.ok(exports.length > 100, `only ${exports.length} exports`);
  const missing = exports.filter((name) => !named.has(name));
  assert.deepEqual(missing, [], `exports docs/api.md does not mention: ${missing.join(', ')}`);
});

test('every method and getter of the exported classes is named in docs/api.md', () => {
  const classes = Object.entries(ssl).filter(([, v]) => typeof v === 'function' && /^[A-Z]/.test(v.name) && v.prototype);
  let checked = 0;
  const missing = [];
  for (const [name, cls] of classes) {
    const members = new Set();
    for (let p = cls.prototype; p && p !== Object.prototype && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
      for (const key of Object.getOwnPropertyNames(p)) members.add(key);
    }
    // Static factories (X509.fromPem, PKey.fromDer); wasm-bindgen's own `__wrap` is internal.
    for (const key of Object.getOwnPropertyNames(cls)) {
      if (typeof cls[key] === 'function' && !key.startsWith('__')) members.add(key);
    }
    for (const member of members) {
      if (member === 'constructor' || member.startsWith('__')) continue;
      checked++;
      const mentioned = spans.some((s) => s.startsWith(`${member}(`) || s.includes(`.${member}`) || s === member);
      if (!mentioned) missing.push(`${name}.${member}`);
    }
  }
  assert.ok(checked > 120, `only ${checked} members checked`);
  assert.deepEqual(missing, [], `members docs/api.md does not mention: ${missing.join(', ')}`);
});

test('the README links to docs/api.md, and to no contract outside the repository', () => {
  assert.match(readme, /\]\(docs\/api\.md[#)]/);
  assert.doesNotMatch(readme, /\.\.\/shared|API\.md §/);
});

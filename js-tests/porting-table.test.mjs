// The README's porting table (its "API" section) against the package: every name its tables say rustls-ssl has is exported
// (or is a method of the class the table is about), and every pyOpenSSL name they say is not
// exported or not provided is indeed absent, so the table cannot drift from the code.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import * as ssl from 'rustls-ssl';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('## API: ');
const doc = readme.slice(start, readme.indexOf('\n## ', start + 1));
assert.ok(start >= 0 && doc.length > 1000, 'the README has its API section');

/** `{ section, cells }` for every body row of every table, `section` its `##`/`###` title. */
function rows() {
  const out = [];
  let section = '';
  for (const line of doc.split('\n')) {
    const h = line.match(/^#{3,4} (.*)/);
    if (h) section = h[1].trim();
    if (!line.startsWith('|') || /^\|\s*-/.test(line)) continue;
    // `\|` inside a cell is a literal bar, not a column break.
    const cells = line
      .replace(/\\\|/g, '\u0000')
      .split('|')
      .slice(1, -1)
      .map((c) => c.replace(/\u0000/g, '|').trim());
    if (cells[0] === 'pyOpenSSL') continue;
    out.push({ section, cells });
  }
  return out;
}

/** JS's own names, which the tables mention as error classes and types. */
const JS_BUILTINS = new Set(['RangeError', 'TypeError', 'SyntaxError', 'Promise', 'Uint8Array', 'NAME']);

const camel = (snake) => snake.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
const CLASS_OF = { '`Context`': ssl.Context, '`Connection`': ssl.Connection };

test('the tables cover something', () => {
  assert.ok(rows().length > 150, `only ${rows().length} rows`);
});

test('constants said to be exported are, with the value given; the others are not', () => {
  let checked = 0;
  for (const { section, cells } of rows()) {
    if (CLASS_OF[section] || section === 'Translations that apply everywhere') continue;
    const [py, ours] = cells;
    if (/not exported/.test(ours)) {
      for (const name of py.match(/`([A-Z][A-Za-z0-9_]+)`/g) ?? []) {
        assert.equal(ssl[name.slice(1, -1)], undefined, `${name} is exported, but the table says not`);
        checked++;
      }
      continue;
    }
    for (const [, name, member] of ours.matchAll(/`([A-Z][A-Za-z0-9_]*)(?:\.([A-Za-z0-9_*]+))?`/g)) {
      if (JS_BUILTINS.has(name)) continue;
      assert.ok(name in ssl, `${section}: ${name} is not exported`);
      if (member && member !== '*') assert.ok(member in ssl[name], `${section}: ${name}.${member} does not exist`);
      checked++;
    }
    // Values written as `NAME` (0x…) or `NAME` (n) in the pyOpenSSL column are the package's.
    for (const [, name, value] of py.matchAll(/`([A-Z][A-Za-z0-9_]+)` \((0x[0-9a-f]+|\d+)\)/g)) {
      if (!(name in ssl) || /not exported/.test(ours)) continue;
      assert.equal(ssl[name], Number(value), `${name}`);
      checked++;
    }
  }
  assert.ok(checked > 80, `only ${checked} names checked`);
});

test('Context and Connection methods: the ones named exist, the ones "not provided" do not', () => {
  let checked = 0;
  for (const { section, cells } of rows()) {
    const cls = CLASS_OF[section];
    if (!cls) continue;
    const [py, ours] = cells;
    for (const [, name] of ours.matchAll(/`([a-z][A-Za-z0-9]*)\(/g)) {
      assert.equal(typeof cls.prototype[name], 'function', `${section}.${name} is in the table but not the class`);
      checked++;
    }
    if (/^not provided/.test(ours)) {
      for (const [, name] of py.matchAll(/`([a-z][a-z0-9_]*)\(/g)) {
        assert.equal(cls.prototype[camel(name)], undefined, `${section}.${camel(name)} exists, but the table says not provided`);
        checked++;
      }
    }
  }
  assert.ok(checked > 90, `only ${checked} methods checked`);
});

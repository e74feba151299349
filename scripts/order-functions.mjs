// node scripts/order-functions.mjs FILE.wasm
//
// Renames every function in FILE's name section (in place) to a sort key, so that wasm-opt's
// `--reorder-functions-by-name` (scripts/build.sh) lays similar functions side by side:
// every instantiation of one generic, every impl of one trait method (all the `Debug::fmt`s,
// all the `Codec::read`s, all the `drop_in_place`s), smallest first. gzip only finds repeats
// within 32 KB, and rustc emits functions in an order that scatters them: this ordering alone
// took 17 KB off the gzipped wasm (docs/size.md). Nothing but the order changes; wasm-opt
// renumbers every call and table entry, and `--strip-debug` drops the names afterwards.
//
// A module without a name section is written back unchanged (then only the size suffers,
// which js-tests/pack.test.mjs would notice).

import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/order-functions.mjs FILE.wasm');
  process.exit(2);
}
const wasm = readFileSync(file);

function readU32(buf, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = buf[at++];
    if (byte === undefined) throw new Error(`${file}: truncated LEB128 at ${at}`);
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function u32(value) {
  const out = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return Buffer.from(out);
}

const name = (bytes) => Buffer.concat([u32(bytes.length), bytes]);

const sections = [];
for (let at = 8; at < wasm.length; ) {
  const id = wasm[at];
  const [size, body] = readU32(wasm, at + 1);
  sections.push({ id, start: at, body, end: body + size });
  at = body + size;
}

// Function indices count imported functions first; code section entries follow them.
let imported = 0;
for (const s of sections.filter((s) => s.id === 2)) {
  let [count, at] = readU32(wasm, s.body);
  for (let i = 0; i < count; i++) {
    for (let field = 0; field < 2; field++) {
      const [len, next] = readU32(wasm, at);
      at = next + len;
    }
    const kind = wasm[at++];
    if (kind === 0) {
      imported++;
      [, at] = readU32(wasm, at);
    } else if (kind === 1) {
      at++; // reftype
      const [flags, next] = readU32(wasm, at);
      [, at] = readU32(wasm, next);
      if (flags & 1) [, at] = readU32(wasm, at);
    } else if (kind === 2) {
      const [flags, next] = readU32(wasm, at);
      [, at] = readU32(wasm, next);
      if (flags & 1) [, at] = readU32(wasm, at);
    } else if (kind === 3) {
      at += 2; // valtype, mutability
    } else if (kind === 4) {
      at++;
      [, at] = readU32(wasm, at);
    } else {
      throw new Error(`${file}: unknown import kind ${kind}`);
    }
  }
}
const sizes = new Map();
for (const s of sections.filter((s) => s.id === 10)) {
  let [count, at] = readU32(wasm, s.body);
  for (let i = 0; i < count; i++) {
    const [size, body] = readU32(wasm, at);
    sizes.set(imported + i, size);
    at = body + size;
  }
}

const collapse = (s) => s.replace(/<.*>/, '<>');

/** Trait impls by trait and method, then type; everything else by path; generics collapsed. */
function sortKey(fn, index) {
  const path = fn.replace(/::h[0-9a-f]{16}$/, '');
  const size = String(sizes.get(index) ?? 0).padStart(8, '0');
  const impl = /^<(.+?) as (.+?)>::(.+)$/.exec(path);
  const key = impl ? `${collapse(impl[2])}::${impl[3]}|${collapse(impl[1])}` : collapse(path);
  // The index keeps keys unique and ties in their original order.
  return `${key}|${size}#${index}`;
}

function renamed(section) {
  let [len, at] = readU32(wasm, section.body);
  if (wasm.subarray(at, at + len).toString() !== 'name') return null;
  at += len;
  const parts = [name(Buffer.from('name'))];
  while (at < section.end) {
    const id = wasm[at];
    const [size, body] = readU32(wasm, at + 1);
    let payload = wasm.subarray(body, body + size);
    if (id === 1) {
      let [count, p] = readU32(payload, 0);
      const entries = [u32(count)];
      for (let i = 0; i < count; i++) {
        const [index, q] = readU32(payload, p);
        const [n, r] = readU32(payload, q);
        const fn = payload.subarray(r, r + n).toString();
        entries.push(u32(index), name(Buffer.from(sortKey(fn, index))));
        p = r + n;
      }
      payload = Buffer.concat(entries);
    }
    parts.push(Buffer.from([id]), u32(payload.length), payload);
    at = body + size;
  }
  const content = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0]), u32(content.length), content]);
}

const out = [wasm.subarray(0, 8)];
for (const s of sections) {
  out.push((s.id === 0 && renamed(s)) || wasm.subarray(s.start, s.end));
}
writeFileSync(file, Buffer.concat(out));

// Turns a results JSON (bench/results/*.json, written by bench/run.mjs) into what people read:
// the terminal table, the README's markdown table and the SVG chart. Pure functions of the
// JSON, so `node bench/run.mjs --readme` / `--chart` can redo them without re-measuring.

const UNITS = {
  ms: (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) + ' ms',
  'MiB/s': (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1)) + ' MiB/s',
  bytes: (v) => (Math.abs(v) >= 1024 * 1024 ? (v / 1048576).toFixed(1) + ' MiB' : (v / 1024).toFixed(1) + ' KiB'),
};

export const fmtValue = (v, unit) => (v == null || !Number.isFinite(v) ? '?' : (UNITS[unit] ?? String)(v));

/** lib / Node's tls for the row's medians (the issue's convention for every row). */
export function ratio(row, lib, base = 'node:tls') {
  const a = row.results[lib]?.median;
  const b = row.results[base]?.median;
  return a > 0 && b > 0 ? a / b : null;
}

export const fmtRatio = (r) => (r == null ? '' : (r >= 10 ? r.toFixed(0) : r >= 0.1 ? r.toFixed(2) : r.toFixed(3)) + '×');

/** What one cell says: value, p95 for latency rows, ratio to Node's tls. */
function cell(row, lib, { p95 = true, base = 'node:tls' } = {}) {
  const r = row.results[lib];
  if (!r) return '–';
  if (r.na) return `n/a (${r.na})`;
  if (r.error) return `failed (${r.error})`;
  let s = fmtValue(r.median, row.unit);
  if (p95 && r.p95 != null && row.kind === 'handshake') s += ` (p95 ${fmtValue(r.p95, row.unit)})`;
  if (lib !== base) {
    const q = ratio(row, lib, base);
    if (q != null) s += ` · ${fmtRatio(q)}`;
  }
  return s;
}

const direction = (row) => (row.better === 'higher' ? 'higher is better' : 'lower is better');

/** The terminal table: one line per row, one column per library. */
export function textTable(results) {
  const libs = Object.keys(results.libraries);
  const base = results.baseline ?? 'node:tls';
  const head = ['', ...libs.map((l) => results.libraries[l])];
  const lines = results.rows.map((row) => [`${row.label} (${direction(row)})`, ...libs.map((l) => cell(row, l, { base }))]);
  const widths = head.map((_, i) => Math.max(...[head, ...lines].map((r) => r[i].length)));
  const fmt = (r) => r.map((c, i) => c.padEnd(widths[i])).join(' │ ');
  return [fmt(head), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...lines.map(fmt)].join('\n');
}

/** The README's table: ratios to the baseline first, the measured values after. */
export function markdownTable(results) {
  const libs = Object.keys(results.libraries);
  const base = results.baseline ?? 'node:tls';
  const others = libs.filter((l) => l !== base);
  const out = [];
  out.push(`| (× ${results.libraries[base]}) | ${others.map((l) => results.libraries[l]).join(' | ')} | ${results.libraries[base]} |`);
  out.push(`|---|${others.map(() => '---:|').join('')}---:|`);
  for (const row of results.rows) {
    const cells = others.map((l) => {
      const r = row.results[l];
      if (!r) return '–';
      if (r.na) return `n/a: ${r.na}`;
      if (r.error) return 'failed';
      const q = ratio(row, l, base);
      return q == null ? fmtValue(r.median, row.unit) : `**${fmtRatio(q)}** ${fmtValue(r.median, row.unit)}`;
    });
    const b = row.results[base];
    const baseCell = b?.na ? `n/a: ${b.na}` : b?.median != null ? fmtValue(b.median, row.unit) : '–';
    out.push(`| ${row.label} (${direction(row)}) | ${cells.join(' | ')} | ${baseCell} |`);
  }
  const s = results.scale;
  if (s) {
    for (const [lib, r] of Object.entries(s)) {
      const what = r.skipped
        ? `skipped: ${r.skipped}`
        : `${r.ok.toLocaleString('en')} of ${r.n.toLocaleString('en')} connected and answered, ${(r.totalMs / 1000).toFixed(1)} s, ` +
          `${fmtValue(r.memory.total, 'bytes')} heap+external (${fmtValue(r.perConn.total, 'bytes')} per connection)` +
          (r.memory.rss != null ? `, RSS +${fmtValue(r.memory.rss, 'bytes')}` : '');
      out.push(`| ${(r.n ?? 0).toLocaleString('en')} concurrent connections, one process (${results.libraries[lib] ?? lib}) | ${what} ${others.slice(1).map(() => '|').join(' ')} | |`);
    }
  }
  return out.join('\n');
}

const esc = (s) => String(s).replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
const COLORS = ['#c2410c', '#2563eb', '#7c3aed', '#059669', '#ca8a04'];

/**
 * Grouped horizontal bars of each library's ratio to the baseline, one group per row, on a
 * log scale (0.01× … 100×) with the 1.0× line marked: bars start at 1.0× and run left or
 * right to the ratio, so a bar's length is how many times off the baseline it is. Each row
 * says which way is better.
 */
export function svgChart(results, { title } = {}) {
  const base = results.baseline ?? 'node:tls';
  const libs = Object.keys(results.libraries).filter((l) => l !== base);
  const rows = results.rows;
  const W = 980;
  const labelW = 330;
  const plotX = labelW + 10;
  const plotW = W - plotX - 90;
  const barH = 13;
  const groupH = Math.max(38, libs.length * (barH + 3) + 14);
  const top = 70;
  const H = top + rows.length * groupH + 50;
  const [lo, hi] = [0.01, 100];
  const x = (r) => plotX + ((Math.log10(Math.min(hi, Math.max(lo, r))) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotW;
  const s = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`);
  s.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  s.push(`<text x="12" y="22" font-size="15" font-weight="600">${esc(title ?? `Ratio to ${results.libraries[base]} (log scale; 1.0× = same as ${results.libraries[base]})`)}</text>`);
  s.push(`<text x="12" y="40" fill="#555">${esc(`${results.date ?? ''} · ${results.machine?.cpus ?? '?'} CPUs · Node ${results.machine?.node ?? '?'}${results.machine?.loadBefore ? ` · load average ${results.machine.loadBefore}` : ''}`)}</text>`);
  libs.forEach((l, i) => {
    const lx = 12 + i * 220;
    s.push(`<rect x="${lx}" y="50" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 17}" y="60">${esc(results.libraries[l])}</text>`);
  });
  for (const t of [0.01, 0.1, 1, 10, 100]) {
    s.push(`<line x1="${x(t)}" y1="${top - 4}" x2="${x(t)}" y2="${H - 40}" stroke="${t === 1 ? '#111' : '#ddd'}" stroke-width="${t === 1 ? 1.5 : 1}"/>`);
    s.push(`<text x="${x(t)}" y="${H - 26}" text-anchor="middle" fill="#333">${t}×</text>`);
  }
  s.push(`<text x="${x(1)}" y="${H - 10}" text-anchor="middle" fill="#111">${esc(results.libraries[base])} = 1.0×</text>`);
  rows.forEach((row, gi) => {
    const gy = top + gi * groupH;
    if (gi % 2) s.push(`<rect x="0" y="${gy - 4}" width="${W}" height="${groupH}" fill="#f6f7f9"/>`);
    s.push(`<text x="${labelW}" y="${gy + groupH / 2 - 6}" text-anchor="end" font-weight="600">${esc(row.label)}</text>`);
    s.push(`<text x="${labelW}" y="${gy + groupH / 2 + 9}" text-anchor="end" fill="#666">${esc(direction(row))}</text>`);
    libs.forEach((l, i) => {
      const y = gy + i * (barH + 3);
      const r = row.results[l];
      const q = ratio(row, l, base);
      if (q == null) {
        const baseR = row.results[base];
        const why = r?.na
          ? `n/a: ${r.na}`
          : r?.error
            ? 'failed'
            : r?.median != null
              ? `${fmtValue(r.median, row.unit)} (${results.libraries[base]}: ${baseR?.na ? `n/a, ${baseR.na}` : 'no number'})`
              : 'not run';
        s.push(`<text x="${x(1) + 6}" y="${y + barH - 2}" fill="#888" font-style="italic">${esc(why)}</text>`);
        return;
      }
      const good = row.better === 'higher' ? q >= 1 : q <= 1;
      const [a, b] = [x(1), x(q)].sort((m, n) => m - n);
      s.push(`<rect x="${a}" y="${y}" width="${Math.max(1, b - a)}" height="${barH}" fill="${COLORS[i % COLORS.length]}" fill-opacity="${good ? 1 : 0.75}"><title>${esc(`${results.libraries[l]}: ${fmtRatio(q)} (${fmtValue(r.median, row.unit)})`)}</title></rect>`);
      // Left of the line the row labels are near: a ratio below 1 is written right of it.
      s.push(`<text x="${(q >= 1 ? b : x(1)) + 4}" y="${y + barH - 2}" fill="#222">${esc(fmtRatio(q))}</text>`);
    });
  });
  s.push('</svg>');
  return s.join('\n') + '\n';
}

/** The browser chart's title (bench/browser.mjs draws it; bench/run.mjs --chart redraws it). */
export const BROWSER_TITLE = 'In Chromium: rustls-ssl (web build) as a ratio to subtls 0.5 (log scale)';

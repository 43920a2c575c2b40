// SVG charts of a bench run (no dependencies): one horizontal bar chart for throughput rows and one
// for latency rows, each scenario drawn beside its ceiling, so docs/benchmarks.md shows ratios at a
// glance. Plain SVG 1.1 with inline attributes: renders on GitHub and in any browser.

const W = 1000;
const LABEL_W = 470;
const ROW_H = 44;
const PAD = 16;
const COLORS = { ours: '#3b6fd6', ceiling: '#b8c2d6', p99: '#d6453b' };

const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

const fmt = (v, unit) =>
  v === null || v === undefined
    ? '–'
    : unit === 'ms'
      ? `${v >= 100 ? Math.round(v) : v.toFixed(1)} ms`
      : `${Math.round(v).toLocaleString('en')} ${unit}`;

/**
 * A bar chart of `rows` (bench-results.json objects): per row a bar for our median, a lighter bar for
 * the ceiling and, for latency rows, a red tick at our p99. Returns an SVG document.
 */
export function barChart(rows, { title, unit, perRow = false }) {
  const bars = rows.filter((r) => r.median !== null);
  const rowMax = (r) => Math.max(1e-9, r.median, r.ceiling ?? 0, unit === 'ms' ? (r.p99 ?? 0) : 0);
  const max = Math.max(...bars.map(rowMax), 1);
  const plotW = W - LABEL_W - PAD * 2 - 230;
  let scale = max;
  const x = (v) => LABEL_W + (v / scale) * plotW;
  const height = 56 + bars.length * ROW_H + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PAD}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ];
  bars.forEach((r, i) => {
    const y = 44 + i * ROW_H;
    // Latencies range from milliseconds (reads) to seconds (freshness): each row gets its own scale.
    scale = perRow ? rowMax(r) : max;
    parts.push(`<text x="${LABEL_W - 8}" y="${y + 17}" text-anchor="end">${esc(r.scenario)}</text>`);
    parts.push(
      `<rect x="${LABEL_W}" y="${y + 4}" width="${Math.max(1, x(r.median) - LABEL_W)}" height="14" fill="${COLORS.ours}"/>`,
    );
    parts.push(`<text x="${x(r.median) + 4}" y="${y + 15}">${esc(fmt(r.median, unit))}</text>`);
    if (r.ceiling !== null) {
      parts.push(
        `<rect x="${LABEL_W}" y="${y + 20}" width="${Math.max(1, x(r.ceiling) - LABEL_W)}" height="10" fill="${COLORS.ceiling}"/>`,
      );
      const ratio = r.ratio === null ? '' : ` (ratio ${r.ratio})`;
      parts.push(
        `<text x="${x(r.ceiling) + 4}" y="${y + 29}" fill="#555">${esc(`ceiling ${fmt(r.ceiling, unit)}${ratio}`)}</text>`,
      );
    }
    if (unit === 'ms' && r.p99 !== null) {
      parts.push(`<rect x="${x(r.p99) - 1}" y="${y + 1}" width="2" height="20" fill="${COLORS.p99}"/>`);
      parts.push(
        `<text x="${W - PAD}" y="${y + 15}" text-anchor="end" fill="${COLORS.p99}">${esc(`p99 ${fmt(r.p99, unit)}`)}</text>`,
      );
    }
  });
  const ly = height - 14;
  parts.push(
    `<rect x="${PAD}" y="${ly - 9}" width="12" height="10" fill="${COLORS.ours}"/><text x="${PAD + 16}" y="${ly}">Mesh-Trace (median)</text>`,
    `<rect x="${PAD + 150}" y="${ly - 9}" width="12" height="10" fill="${COLORS.ceiling}"/><text x="${PAD + 166}" y="${ly}">ceiling (same work without the service)</text>`,
  );
  if (unit === 'ms')
    parts.push(
      `<rect x="${PAD + 420}" y="${ly - 10}" width="2" height="12" fill="${COLORS.p99}"/><text x="${PAD + 428}" y="${ly}">p99</text>`,
    );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

/** The two charts of a run: throughput rows (unit spans/s) and latency rows (unit ms). */
export function runCharts(results, caption) {
  return {
    'bench-throughput.svg': barChart(
      results.filter((r) => r.unit === 'spans/s'),
      { title: `Throughput, spans/s — ${caption}`, unit: 'spans/s' },
    ),
    'bench-latency.svg': barChart(
      results.filter((r) => r.unit === 'ms'),
      { title: `Latency, ms (each row on its own scale) — ${caption}`, unit: 'ms', perRow: true },
    ),
  };
}

/** Nearest-rank percentile of an unsorted array (p in 0..100); null when empty. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export const median = (values) => percentile(values, 50);

export const round = (v, digits = 1) => (v === null || v === undefined ? null : Number(v.toFixed(digits)));

/**
 * One row of bench-results.json. `runs` holds the per-run figures the median is taken from.
 * Throughput rows leave p50/p99 null; latency rows report percentiles of the pooled samples.
 */
export function result({
  scenario,
  unit,
  runs,
  samples,
  ceiling = null,
  rssMb = null,
  higherIsBetter = true,
}) {
  const med = median(runs);
  const pool = samples ?? runs;
  let ratio = null;
  if (ceiling !== null && med !== null && ceiling > 0 && med > 0) {
    ratio = higherIsBetter ? med / ceiling : ceiling / med;
  }
  const digits = unit === 'ms' ? 2 : 0;
  return {
    scenario,
    unit,
    median: round(med, digits),
    p50: samples ? round(percentile(samples, 50), digits) : null,
    p99: samples ? round(percentile(samples, 99), digits) : null,
    min: round(Math.min(...pool), digits),
    max: round(Math.max(...pool), digits),
    runs: runs.map((v) => round(v, digits)),
    ceiling: round(ceiling, digits),
    ratio: round(ratio, 3),
    rss_mb: round(rssMb, 0),
  };
}

export function markdownTable(rows) {
  const cell = (v) => (v === null || v === undefined ? '–' : String(v));
  const lines = [
    '| scenario | unit | median | p50 | p99 | min | max | runs | ceiling | ratio | RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.unit} | ${cell(r.median)} | ${cell(r.p50)} | ${cell(r.p99)} | ${cell(r.min)} | ${cell(r.max)} | ${r.runs.length} | ${cell(r.ceiling)} | ${cell(r.ratio)} | ${cell(r.rss_mb)} |`,
    );
  }
  return lines.join('\n');
}

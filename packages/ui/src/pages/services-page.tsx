import { api, type ServiceStats } from '../api.js';
import { Async, DataTable } from '../components.js';
import { formatAge, formatCount, formatDuration, formatPercent } from '../format.js';
import { Link } from '../router.js';
import { DEFAULT_QUERY, formatTraceQuery } from '../trace-query.js';
import { useLoad } from '../use-api.js';
import { serviceColour } from '../waterfall.js';

const BUCKETS = 12;
const RANGE_MS = 24 * 3_600_000;

/**
 * The services table of the last 24 hours, with a sparkline of spans per 2-hour bucket. The API has
 * no time series, so the sparkline is BUCKETS range queries over the per-minute rollups, made once
 * for the whole table (not per service) and in parallel with the table itself.
 */
async function loadServices(signal: AbortSignal) {
  const now = Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const step = RANGE_MS / BUCKETS;
  const [table, ...buckets] = await Promise.all([
    api<{ data: ServiceStats[] }>('/v1/services', { query: { start_time: iso(now - RANGE_MS) }, signal }),
    ...Array.from({ length: BUCKETS }, (_, i) =>
      api<{ data: ServiceStats[] }>('/v1/services', {
        query: {
          start_time: iso(now - RANGE_MS + i * step),
          end_time: iso(now - RANGE_MS + (i + 1) * step - 1),
        },
        signal,
      }).catch(() => ({ data: [] as ServiceStats[] })),
    ),
  ]);
  const series = new Map<string, number[]>();
  buckets.forEach((b, i) => {
    for (const s of b.data) {
      const arr = series.get(s.service) ?? new Array<number>(BUCKETS).fill(0);
      arr[i] = s.span_count;
      series.set(s.service, arr);
    }
  });
  return { services: table.data, series };
}

export function ServicesPage() {
  const data = useLoad(loadServices, []);
  return (
    <section aria-labelledby="services-title">
      <h1 id="services-title">Services</h1>
      <p className="muted small">
        Last 24 hours, from the per-minute rollups. Latency quantiles are per span.
      </p>
      <Async
        value={data}
        onRetry={data.reload}
        isEmpty={(d) => d.services.length === 0}
        empty="No service has sent spans in the last 24 hours."
      >
        {(d) => (
          <DataTable
            columns={[
              'Service',
              { label: 'Spans', num: true },
              'Spans / 2 h',
              { label: 'Error rate', num: true },
              { label: 'p50', num: true },
              { label: 'p99', num: true },
              'Last seen',
              'Clusters',
            ]}
          >
            {d.services.map((s) => (
              <tr key={s.service}>
                <td>
                  <span className="svc-dot" style={{ background: serviceColour(s.service) }} />{' '}
                  <Link
                    to={`/traces${formatTraceQuery({ ...DEFAULT_QUERY, service: s.service, range: '24h' })}`}
                  >
                    {s.service}
                  </Link>
                </td>
                <td className="num">{formatCount(s.span_count)}</td>
                <td>
                  <Sparkline values={d.series.get(s.service) ?? []} colour={serviceColour(s.service)} />
                </td>
                <td className={`num ${s.error_rate >= 0.05 ? 'err-count' : ''}`}>
                  {formatPercent(s.error_rate)}
                </td>
                <td className="num">{formatDuration(s.p50_ms)}</td>
                <td className="num">{formatDuration(s.p99_ms)}</td>
                <td title={s.last_seen}>{formatAge(s.last_seen)}</td>
                <td>{s.clusters.join(', ') || <span className="muted">—</span>}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Async>
    </section>
  );
}

function Sparkline({ values, colour }: { values: number[]; colour: string }) {
  if (values.length === 0) return <span className="muted">—</span>;
  const max = Math.max(1, ...values);
  const w = 120;
  const h = 24;
  const pts = values
    .map((v, i) => `${(i / Math.max(1, values.length - 1)) * w},${h - 2 - (v / max) * (h - 4)}`)
    .join(' ');
  return (
    <svg
      width={w}
      height={h}
      className="sparkline"
      role="img"
      aria-label={`spans per 2 hours: ${values.join(', ')}`}
    >
      <polyline points={pts} fill="none" stroke={colour} strokeWidth="1.5" />
    </svg>
  );
}

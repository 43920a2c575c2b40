import { type FormEvent, useMemo, useState } from 'react';
import { api, type ServiceStats, type Topology } from '../api.js';
import { Async } from '../components.js';
import { formatCount, formatDuration, formatPercent } from '../format.js';
import { edgeColour, layoutGraph } from '../graph-layout.js';
import { navigate } from '../router.js';
import { edgeSearch, formatTraceQuery, type RangePreset } from '../trace-query.js';
import { useLoad } from '../use-api.js';
import { serviceColour } from '../waterfall.js';

const WINDOWS = ['1h', '6h', '24h'] as const;
type Window = (typeof WINDOWS)[number];
const SIZE = { width: 1100, height: 560 };

export function ServiceMapPage({ search }: { search: string }) {
  const params = new URLSearchParams(search);
  const win: Window = (WINDOWS as readonly string[]).includes(params.get('window') ?? '')
    ? (params.get('window') as Window)
    : '1h';
  const cluster = params.get('cluster') ?? '';
  const [clusterInput, setClusterInput] = useState(cluster);
  const topo = useLoad(
    (signal) => api<Topology>('/v1/topology', { query: { time_window: win, cluster }, signal }),
    [win, cluster],
  );
  // The clusters the services report, for the selector.
  const clusters = useLoad(
    (signal) =>
      api<{ data: ServiceStats[] }>('/v1/services', { signal }).then((r) =>
        [...new Set(r.data.flatMap((s) => s.clusters))].sort(),
      ),
    [],
  );
  const go = (w: Window, c: string) => {
    const p = new URLSearchParams();
    if (w !== '1h') p.set('window', w);
    if (c) p.set('cluster', c);
    navigate(`/map${p.size ? `?${p}` : ''}`);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    go(win, clusterInput.trim());
  };
  return (
    <section aria-labelledby="map-title">
      <h1 id="map-title">Service map</h1>
      <form className="filters" onSubmit={submit} aria-label="Map filters">
        <label>
          Time window
          <select value={win} onChange={(e) => go(e.target.value as Window, cluster)}>
            {WINDOWS.map((w) => (
              <option key={w} value={w}>
                last {w}
              </option>
            ))}
          </select>
        </label>
        <label>
          Cluster
          <input
            list="clusters"
            value={clusterInput}
            onChange={(e) => setClusterInput(e.target.value)}
            placeholder="all"
          />
          <datalist id="clusters">
            {(clusters.data ?? []).map((c) => (
              <option key={c} value={c} />
            ))}
          </datalist>
        </label>
        <button type="submit">Apply</button>
      </form>
      <Async
        value={topo}
        onRetry={topo.reload}
        isEmpty={(t) => t.nodes.length === 0 && t.edges.length === 0}
        empty="No spans in this window. Send traces, or widen the window."
      >
        {(t) => <Graph topo={t} window={win} />}
      </Async>
    </section>
  );
}

function Graph({ topo, window }: { topo: Topology; window: Window }) {
  const { nodes, byService } = useMemo(() => layoutGraph(topo.nodes, topo.edges, SIZE), [topo]);
  const [hover, setHover] = useState<string | null>(null);
  const open = (source: string, target: string) =>
    navigate(`/traces${formatTraceQuery({ ...edgeSearch(source, target), range: window as RangePreset })}`);
  return (
    <>
      <p className="muted small">
        Circle area: spans in the window. Edge colour: error rate (green none, amber ≥ 1%, red ≥ 5%). Select
        an edge (click, or Tab then Enter) to search the traces of those calls.
      </p>
      <svg
        className="service-map"
        viewBox={`0 0 ${SIZE.width} ${SIZE.height}`}
        role="img"
        aria-label={`Service map: ${topo.nodes.length} services, ${topo.edges.length} edges`}
      >
        <defs>
          {['#6f9a78', '#b5b84a', '#e0a030', '#d9534f'].map((c) => (
            <marker
              key={c}
              id={`arrow-${c.slice(1)}`}
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" fill={c} />
            </marker>
          ))}
        </defs>
        {topo.edges.map((e) => {
          const a = byService.get(e.source);
          const b = byService.get(e.target);
          if (!a || !b) return null;
          const colour = edgeColour(e.error_rate);
          const dx = b.x - a.x;
          const dy = b.y - a.y;
          const len = Math.hypot(dx, dy) || 1;
          const x1 = a.x + (dx / len) * a.r;
          const y1 = a.y + (dy / len) * a.r;
          const x2 = b.x - (dx / len) * (b.r + 3);
          const y2 = b.y - (dy / len) * (b.r + 3);
          // Bend the line a little so A→B and B→A do not overlap.
          const mx = (x1 + x2) / 2 - (dy / len) * 18;
          const my = (y1 + y2) / 2 + (dx / len) * 18;
          const label = `${formatCount(e.calls)} ${e.calls === 1 ? 'call' : 'calls'} · p99 ${formatDuration(e.p99_ms)}`;
          // The curve's midpoint (quadratic Bézier at t = 0.5): the label sits on the line it describes.
          const lx = 0.25 * x1 + 0.5 * mx + 0.25 * x2;
          const ly = 0.25 * y1 + 0.5 * my + 0.25 * y2;
          const key = `${e.source}->${e.target}`;
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>
            <g
              key={key}
              className={`edge ${hover === key ? 'is-hover' : ''}`}
              role="button"
              tabIndex={0}
              data-edge={key}
              aria-label={`${e.source} calls ${e.target}: ${label}, error rate ${formatPercent(e.error_rate)}. Open traces.`}
              onClick={() => open(e.source, e.target)}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter' || ev.key === ' ') {
                  ev.preventDefault();
                  open(e.source, e.target);
                }
              }}
              onMouseEnter={() => setHover(key)}
              onMouseLeave={() => setHover(null)}
              onFocus={() => setHover(key)}
              onBlur={() => setHover(null)}
            >
              <title>{`${e.source} → ${e.target}\n${label}\nerrors ${e.errors} (${formatPercent(e.error_rate)})`}</title>
              <path d={`M ${x1} ${y1} Q ${mx} ${my} ${x2} ${y2}`} className="edge-hit" />
              <path
                d={`M ${x1} ${y1} Q ${mx} ${my} ${x2} ${y2}`}
                stroke={colour}
                strokeWidth={1.5 + Math.min(5, Math.log10(1 + e.calls))}
                fill="none"
                markerEnd={`url(#arrow-${colour.slice(1)})`}
              />
              <text x={lx} y={ly - 7} className="edge-label" textAnchor="middle">
                {label}
              </text>
            </g>
          );
        })}
        {nodes.map((n) => (
          <g key={n.service} className="node" data-service={n.service}>
            <title>{`${n.service}\n${formatCount(n.span_count)} spans · errors ${formatPercent(n.error_rate)}`}</title>
            <circle
              cx={n.x}
              cy={n.y}
              r={n.r}
              fill={serviceColour(n.service)}
              stroke={n.error_rate > 0.05 ? '#d9534f' : '#fff'}
              strokeWidth={2}
            />
            <text x={n.x} y={n.y + n.r + 15} textAnchor="middle" className="node-label">
              {n.service}
            </text>
            <text x={n.x} y={n.y + n.r + 29} textAnchor="middle" className="node-sub">
              {formatCount(n.span_count)} spans · {formatPercent(n.error_rate)} err
            </text>
          </g>
        ))}
      </svg>
    </>
  );
}

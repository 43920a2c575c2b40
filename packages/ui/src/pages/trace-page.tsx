import { useEffect, useMemo, useState } from 'react';
import { type AgentEvent, fetchTrace, type Span, type TraceDetail } from '../api.js';
import { Async, Json, KeyValues, StatusBadge } from '../components.js';
import { formatDuration, formatTime, isoToMs } from '../format.js';
import { Link, navigate } from '../router.js';
import { useLoad } from '../use-api.js';
import { buildWaterfall, criticalPath, serviceColour, type TimeView, type Waterfall } from '../waterfall.js';
import { WaterfallView } from './waterfall-view.js';

export function TracePage({ traceId, search }: { traceId: string; search: string }) {
  const [progress, setProgress] = useState('');
  const trace = useLoad(
    (signal) => fetchTrace(traceId, signal, (loaded, total) => setProgress(`${loaded} of ${total} spans`)),
    [traceId],
  );
  return (
    <section aria-labelledby="trace-title">
      <p className="crumbs">
        <Link to="/traces">← Traces</Link>
      </p>
      {trace.state === 'loading' && progress ? <p className="muted">Loaded {progress}…</p> : null}
      <Async value={trace} onRetry={trace.reload}>
        {(t) => <TraceView trace={t} initialSpan={new URLSearchParams(search).get('span') ?? undefined} />}
      </Async>
    </section>
  );
}

function TraceView({ trace, initialSpan }: { trace: TraceDetail; initialSpan?: string }) {
  const waterfall = useMemo(() => buildWaterfall(trace.spans), [trace]);
  const critical = useMemo(() => criticalPath(waterfall), [waterfall]);
  const full = useMemo(() => ({ from: 0, to: waterfall.durationMs }), [waterfall]);
  const [view, setView] = useState<TimeView>(full);
  useEffect(() => setView(full), [full]);
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [showCritical, setShowCritical] = useState(true);
  const [selected, setSelectedState] = useState<string | undefined>(initialSpan);
  // The open span is part of the URL, so a link can point at one span of a trace.
  const setSelected = (id: string | undefined) => {
    setSelectedState(id);
    navigate(`${window.location.pathname}${id ? `?span=${id}` : ''}`, { replace: true });
  };
  const span = selected ? waterfall.byId.get(selected)?.span : undefined;
  const zoom = (factor: number) => {
    const mid = (view.from + view.to) / 2;
    const half = Math.min(full.to / 2, ((view.to - view.from) * factor) / 2);
    const from = Math.max(0, Math.min(mid - half, full.to - 2 * half));
    setView({ from, to: from + 2 * half });
  };
  const services = trace.services;

  return (
    <>
      <header className="trace-head">
        <h1 id="trace-title">{trace.name || '(unnamed trace)'}</h1>
        <div className="trace-facts">
          <span className="mono">{trace.trace_id}</span>
          <span>{formatTime(trace.start_time)}</span>
          <span>{formatDuration(trace.duration_ms)}</span>
          <span>
            {trace.span_count} {trace.span_count === 1 ? 'span' : 'spans'}
            {trace.error_count
              ? `, ${trace.error_count} ${trace.error_count === 1 ? 'error' : 'errors'}`
              : ''}
          </span>
          <StatusBadge status={trace.status} />
          <StatusBadge status={trace.lifecycle} />
          {trace.agent_id ? <span>agent {trace.agent_id}</span> : null}
        </div>
        <div className="legend">
          {services.map((s) => (
            <span key={s} className="chip" style={{ borderColor: serviceColour(s) }}>
              <span className="svc-dot" style={{ background: serviceColour(s) }} />
              {s}
            </span>
          ))}
        </div>
      </header>
      <Completion trace={trace} />
      <div className="toolbar" role="toolbar" aria-label="Waterfall">
        <label className="inline">
          <input type="checkbox" checked={showCritical} onChange={(e) => setShowCritical(e.target.checked)} />
          Highlight critical path ({critical.size} spans)
        </label>
        <button type="button" onClick={() => setCollapsed(new Set())}>
          Expand all
        </button>
        <button
          type="button"
          onClick={() =>
            setCollapsed(
              new Set(
                waterfall.nodes.filter((n) => n.depth >= 1 && n.childCount > 0).map((n) => n.span.span_id),
              ),
            )
          }
        >
          Collapse below level 1
        </button>
        <button type="button" onClick={() => zoom(0.5)} aria-label="Zoom in">
          Zoom +
        </button>
        <button type="button" onClick={() => zoom(2)} aria-label="Zoom out">
          Zoom −
        </button>
        <button
          type="button"
          onClick={() => setView(full)}
          disabled={view.from === full.from && view.to === full.to}
        >
          Reset zoom
        </button>
      </div>
      <div className={`trace-body ${span ? 'with-detail' : ''}`}>
        <WaterfallView
          waterfall={waterfall}
          critical={critical}
          showCritical={showCritical}
          agentEvents={trace.events}
          collapsed={collapsed}
          setCollapsed={setCollapsed}
          view={view}
          setView={setView}
          selected={selected}
          onSelect={setSelected}
        />
        {span ? (
          <SpanDetail
            span={span}
            waterfall={waterfall}
            events={trace.events.filter((e) => e.span_id === span.span_id)}
            onSelect={setSelected}
            onZoom={(v) => setView(v)}
            critical={critical.has(span.span_id)}
          />
        ) : null}
      </div>
    </>
  );
}

function Completion({ trace }: { trace: TraceDetail }) {
  const c = trace.completion;
  if (!c && trace.input == null) return null;
  return (
    <details className="completion" open={Boolean(c?.error)}>
      <summary>
        Completion: {c ? <StatusBadge status={c.status} /> : <StatusBadge status="running" />}
        {c?.end_time ? <span className="muted"> at {formatTime(c.end_time)}</span> : null}
      </summary>
      <div className="completion-grid">
        <div>
          <h3>Input</h3>
          <Json value={trace.input} />
        </div>
        <div>
          <h3>Output</h3>
          <Json value={c?.output} />
        </div>
        {c?.error ? (
          <div>
            <h3>Error</h3>
            <Json value={c.error} />
          </div>
        ) : null}
      </div>
    </details>
  );
}

function SpanDetail({
  span,
  waterfall,
  events,
  onSelect,
  onZoom,
  critical,
}: {
  span: Span;
  waterfall: Waterfall<Span>;
  events: AgentEvent[];
  onSelect: (id: string | undefined) => void;
  onZoom: (v: TimeView) => void;
  critical: boolean;
}) {
  const node = waterfall.byId.get(span.span_id);
  const start = node?.startMs ?? 0;
  const end = node?.endMs ?? 0;
  const pad = Math.max((end - start) * 0.05, 0.001);
  return (
    <aside className="span-detail" aria-labelledby="span-title">
      <div className="span-detail-head">
        <h2 id="span-title">{span.name}</h2>
        <button
          type="button"
          className="link-button"
          onClick={() => onSelect(undefined)}
          aria-label="Close span details"
        >
          ✕
        </button>
      </div>
      <dl className="facts">
        <dt>Service</dt>
        <dd>
          <span className="svc-dot" style={{ background: serviceColour(span.service) }} /> {span.service}
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge status={span.status} /> {span.status_message}
        </dd>
        <dt>Kind</dt>
        <dd>{span.kind}</dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(span.duration_ms)} (starts at +{formatDuration(start)})
          {critical ? ' · on the critical path' : ''}
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(span.start_time)}</dd>
        <dt>Span id</dt>
        <dd className="mono">{span.span_id}</dd>
        <dt>Parent</dt>
        <dd className="mono">
          {span.parent_span_id ? (
            waterfall.byId.has(span.parent_span_id) ? (
              <button
                type="button"
                className="link-button mono"
                onClick={() => onSelect(span.parent_span_id ?? undefined)}
              >
                {span.parent_span_id}
              </button>
            ) : (
              `${span.parent_span_id} (not in this trace)`
            )
          ) : (
            'root'
          )}
        </dd>
      </dl>
      <button type="button" onClick={() => onZoom({ from: Math.max(0, start - pad), to: end + pad })}>
        Zoom to this span
      </button>
      <h3>Attributes</h3>
      <KeyValues values={span.attributes} />
      <h3>Resource</h3>
      <KeyValues values={span.resource} />
      <h3>Events ({span.events.length})</h3>
      {span.events.length === 0 ? <p className="muted">none</p> : null}
      {span.events.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: span events have no id; the list never reorders
        <div key={`${e.name}:${i}`} className="event">
          <strong>{e.name}</strong>{' '}
          <span className="muted">+{formatDuration(isoToMs(e.time) - isoToMs(span.start_time))}</span>
          <KeyValues values={e.attributes} />
        </div>
      ))}
      <h3>Agent events ({events.length})</h3>
      {events.length === 0 ? <p className="muted">none</p> : null}
      {events.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: agent events have no id; the list never reorders
        <div key={`${e.timestamp}:${i}`} className="event">
          <strong>{e.type}</strong> <span className="muted">{formatTime(e.timestamp)}</span>
          <Json value={e.data} />
        </div>
      ))}
    </aside>
  );
}

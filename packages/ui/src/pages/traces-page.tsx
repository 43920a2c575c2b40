import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { ApiError, api, type Page, type ServiceStats, type TraceSummary } from '../api.js';
import { Async, DataTable, ErrorBox, Loading, StatusBadge } from '../components.js';
import { formatDuration, formatTime } from '../format.js';
import { Link, navigate } from '../router.js';
import {
  caretAt,
  clientSideFilter,
  formatTraceQuery,
  parseTraceQuery,
  RANGE_PRESETS,
  type RangePreset,
  STATUSES,
  type TraceQuery,
  type TraceRequest,
  traceRequest,
} from '../trace-query.js';
import { useLoad } from '../use-api.js';
import { serviceColour } from '../waterfall.js';

function runRequest(req: TraceRequest, cursor: string | undefined, signal: AbortSignal) {
  return req.kind === 'list'
    ? api<Page<TraceSummary>>('/v1/traces', { query: { ...req.params, cursor }, signal })
    : api<Page<TraceSummary>>('/v1/traces/search', { method: 'POST', body: { ...req.body, cursor }, signal });
}

export function TracesPage({ search }: { search: string }) {
  const query = useMemo(() => parseTraceQuery(search), [search]);
  const [form, setForm] = useState<TraceQuery>(query);
  useEffect(() => setForm(query), [query]);
  // The first page's request is fixed when the query changes or Search is pressed again (the range
  // "last hour" then moves to now); every later page repeats it with a cursor.
  const fresh = (q: TraceQuery) => ({
    query: q,
    req: traceRequest(q, Date.now()),
    cursors: [undefined] as (string | undefined)[],
  });
  const [nav, setNav] = useState(() => fresh(query));
  // Adjusting state during render (not in an effect): no request goes out with the old query's cursor.
  if (nav.query !== query) setNav(fresh(query));
  const cursor = nav.cursors[nav.cursors.length - 1];
  const page = useLoad((signal) => runRequest(nav.req, cursor, signal), [nav.req, cursor]);
  const services = useLoad(
    (signal) =>
      api<{ data: ServiceStats[] }>('/v1/services', { signal }).then((r) => r.data.map((s) => s.service)),
    [],
  );
  const filter = clientSideFilter(query);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const to = `/traces${formatTraceQuery(form)}`;
    if (`${window.location.pathname}${window.location.search}` === to) setNav(fresh(query));
    else navigate(to);
  };
  const set = <K extends keyof TraceQuery>(k: K, v: TraceQuery[K]) => setForm((f) => ({ ...f, [k]: v }));
  const syntax =
    page.state === 'error' && page.error instanceof ApiError && page.error.column !== undefined
      ? page.error
      : undefined;

  return (
    <section aria-labelledby="traces-title">
      <h1 id="traces-title">Traces</h1>
      <form className="filters" onSubmit={submit} aria-label="Trace filters">
        <label>
          Service
          <select value={form.service} onChange={(e) => set('service', e.target.value)}>
            <option value="">any</option>
            {(services.data ?? []).map((s) => (
              <option key={s}>{s}</option>
            ))}
            {form.service && !services.data?.includes(form.service) ? <option>{form.service}</option> : null}
          </select>
        </label>
        <label>
          Time range
          <select value={form.range} onChange={(e) => set('range', e.target.value as RangePreset)}>
            {Object.keys(RANGE_PRESETS).map((r) => (
              <option key={r} value={r}>
                last {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={form.status} onChange={(e) => set('status', e.target.value as TraceQuery['status'])}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Min duration (ms)
          <input
            inputMode="decimal"
            value={form.minMs}
            onChange={(e) => set('minMs', e.target.value)}
            placeholder="0"
            size={8}
          />
        </label>
        <label className="grow">
          Search expression
          <input
            name="q"
            value={form.q}
            onChange={(e) => set('q', e.target.value)}
            placeholder='http.status_code >= 500 AND service.name = "checkout"'
            spellCheck={false}
            aria-invalid={Boolean(syntax)}
            aria-describedby={syntax ? 'q-error' : 'q-help'}
            className="mono"
          />
        </label>
        <button type="submit">Search</button>
      </form>
      <p id="q-help" className="muted small">
        Expressions: <code>name =~ "^GET" AND duration &gt; 250ms</code>, <code>status = error</code>,{' '}
        <code>resource.k8s.cluster.name = "eu-1"</code>. Empty: list traces with the filters.
        {filter
          ? ' With an expression, service, status and min duration filter the results of each page.'
          : ''}
      </p>
      {syntax ? (
        <div className="error-box" role="alert" id="q-error">
          <strong>Search expression error</strong>
          <pre className="caret">{caretAt(query.q, syntax.column ?? 1).join('\n')}</pre>
          <p>{syntax.message}</p>
        </div>
      ) : page.state === 'loading' ? (
        <Loading what="Loading traces" />
      ) : page.state === 'error' ? (
        <ErrorBox error={page.error} onRetry={page.reload} />
      ) : (
        <Async
          value={page}
          isEmpty={(p) => p.data.length === 0}
          empty={
            nav.cursors.length > 1
              ? 'No more traces.'
              : 'No traces match. Widen the time range or clear a filter.'
          }
        >
          {(p) => <TraceTable traces={filter ? p.data.filter(filter) : p.data} />}
        </Async>
      )}
      <div className="pager">
        <button
          type="button"
          disabled={nav.cursors.length <= 1}
          onClick={() => setNav((n) => ({ ...n, cursors: n.cursors.slice(0, -1) }))}
        >
          ← Newer
        </button>
        <span className="muted">page {nav.cursors.length}</span>
        <button
          type="button"
          disabled={!page.data?.next_cursor}
          onClick={() =>
            setNav((n) => ({ ...n, cursors: [...n.cursors, page.data?.next_cursor ?? undefined] }))
          }
        >
          Older →
        </button>
      </div>
    </section>
  );
}

function TraceTable({ traces }: { traces: TraceSummary[] }) {
  const max = Math.max(...traces.map((t) => t.duration_ms), 0.001);
  if (traces.length === 0) return <div className="empty">No trace on this page matches every filter.</div>;
  return (
    <DataTable
      className="traces-table"
      columns={[
        'Started',
        'Trace',
        'Services',
        { label: 'Spans', num: true },
        'Status',
        { label: 'Duration', className: 'duration-col' },
      ]}
    >
      {traces.map((t) => (
        <tr key={t.trace_id}>
          <td className="nowrap">{formatTime(t.start_time)}</td>
          <td>
            <Link to={`/traces/${t.trace_id}`} className="trace-link">
              {t.name || '(unnamed)'}
            </Link>
            <div className="muted small mono">
              {t.trace_id.slice(0, 16)}… · {t.root_service}
              {t.agent_id ? ` · agent ${t.agent_id}` : ''}
            </div>
          </td>
          <td>
            {t.services.map((s) => (
              <span key={s} className="chip" style={{ borderColor: serviceColour(s) }}>
                {s}
              </span>
            ))}
          </td>
          <td className="num">
            {t.span_count}
            {t.error_count ? <span className="err-count"> ({t.error_count} err)</span> : null}
          </td>
          <td>
            <StatusBadge status={t.status} />
            {t.lifecycle !== 'running' ? <StatusBadge status={t.lifecycle} /> : null}
          </td>
          <td className="duration-col">
            <div className="dur-bar">
              <div
                className={`dur-fill ${t.status === 'error' ? 'is-error' : ''}`}
                style={{ width: `${Math.max(1, (t.duration_ms / max) * 100)}%` }}
              />
            </div>
            <span className="dur-label">{formatDuration(t.duration_ms)}</span>
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

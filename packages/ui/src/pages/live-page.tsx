import { type LiveEvent, MeshTraceClient } from '@mesh-trace/sdk';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { api, type Page, session, type TraceSummary } from '../api.js';
import { DataTable, ErrorBox, StatusBadge } from '../components.js';
import { formatDuration, formatTime } from '../format.js';
import { Link, navigate } from '../router.js';
import { useLoad } from '../use-api.js';

interface LiveTrace {
  trace_id: string;
  name: string;
  spans: number;
  status: string;
  updated: string;
}

type Conn = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

const MAX_LOG = 200;

/** What the event's JSON says about its trace, whatever the event type. */
function traceOf(data: Record<string, unknown>): { id?: string; name?: string; status?: string } {
  const nested = (data.trace ?? data.span ?? data.event) as Record<string, unknown> | undefined;
  const id = (data.trace_id ?? nested?.trace_id) as string | undefined;
  const name = (data.name ?? nested?.name) as string | undefined;
  const status = (data.status ?? nested?.status) as string | undefined;
  return { id, name, status };
}

/** One line for the event log: what a person scans for, not the JSON. */
function summarise(type: string, json: string): string {
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.slice(0, 200);
  }
  const str = (k: string) => (typeof d[k] === 'string' || typeof d[k] === 'number' ? String(d[k]) : '');
  const trace = str('trace_id').slice(0, 8);
  switch (type) {
    case 'trace.started':
      return `${str('name')} started · trace ${trace}…`;
    case 'span':
      return `${str('service')} ${str('name')} · ${formatDuration(Number(d.duration_ms))} · ${str('status')}`;
    case 'event':
      return `${str('type')} · trace ${trace}…`;
    case 'trace.completed':
      return `trace ${trace}… ${str('status')}`;
    default:
      return json.slice(0, 200);
  }
}

export function LivePage({ search }: { search: string }) {
  const agent = new URLSearchParams(search).get('agent') ?? '';
  const [input, setInput] = useState(agent);
  useEffect(() => setInput(agent), [agent]);
  // Agents seen in the last 24 h, to pick from.
  const agents = useLoad(
    (signal) =>
      api<Page<TraceSummary>>('/v1/traces', {
        query: { limit: 200, start_time: new Date(Date.now() - 86_400_000).toISOString() },
        signal,
      }).then((p) =>
        [...new Set(p.data.map((t) => t.agent_id).filter((a): a is string => Boolean(a)))].sort(),
      ),
    [],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(input.trim() ? `/live?agent=${encodeURIComponent(input.trim())}` : '/live');
  };
  return (
    <section aria-labelledby="live-title">
      <h1 id="live-title">Live</h1>
      <form className="filters" onSubmit={submit} aria-label="Agent">
        <label>
          Agent id
          <input
            list="agents"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder="agent_123"
          />
          <datalist id="agents">
            {(agents.data ?? []).map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <button type="submit">Watch</button>
      </form>
      {agents.state === 'ok' && agents.data.length > 0 && !agent ? (
        <p className="muted">
          Recently active:{' '}
          {agents.data.slice(0, 12).map((a) => (
            <Link key={a} to={`/live?agent=${encodeURIComponent(a)}`} className="chip">
              {a}
            </Link>
          ))}
        </p>
      ) : null}
      {agent ? (
        <Stream agent={agent} key={agent} />
      ) : (
        <div className="empty">Pick an agent to watch its traces arrive.</div>
      )}
    </section>
  );
}

function Stream({ agent }: { agent: string }) {
  const [conn, setConn] = useState<Conn>('idle');
  const [error, setError] = useState<Error | null>(null);
  const [traces, setTraces] = useState<Map<string, LiveTrace>>(new Map());
  const [log, setLog] = useState<{ id: string; event: string; data: string; at: string }[]>([]);

  useEffect(() => {
    const abort = new AbortController();
    const apply = (e: LiveEvent) => {
      const at = new Date().toISOString();
      setLog((l) => [{ id: e.id, event: e.type, data: JSON.stringify(e.data), at }, ...l].slice(0, MAX_LOG));
      const t = traceOf(e.data);
      const id = t.id;
      if (!id) return;
      setTraces((prev) => {
        const next = new Map(prev);
        const cur = next.get(id) ?? { trace_id: id, name: '', spans: 0, status: 'running', updated: at };
        const upd = { ...cur, updated: at };
        if (e.type === 'trace.started' && t.name) upd.name = t.name;
        if (e.type === 'span') {
          upd.spans += 1;
          if (!upd.name && t.name) upd.name = t.name;
        }
        if (e.type === 'trace.completed') upd.status = t.status ?? 'completed';
        next.delete(id);
        next.set(id, upd); // most recent last
        return next;
      });
    };
    // The SDK's stream (fetch-based: EventSource cannot send the key) reconnects with Last-Event-ID.
    // Its fetch is wrapped only to tell the page when a connection is established.
    const client = new MeshTraceClient({
      baseUrl: window.location.origin,
      apiKey: session.key() ?? '',
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        if (res.ok) {
          setConn('open');
          setError(null);
        }
        return res;
      },
    });
    const stream = client.agents.live(agent, {
      signal: abort.signal,
      onReconnect: ({ error: err }) => {
        setConn('reconnecting');
        if (err instanceof Error) setError(err);
      },
    });
    setConn('connecting');
    void (async () => {
      try {
        for await (const ev of stream) apply(ev);
      } catch (err) {
        if (abort.signal.aborted) return;
        setError(err as Error);
        setConn('closed');
      }
    })();
    return () => abort.abort();
  }, [agent]);

  const list = useMemo(() => [...traces.values()].reverse(), [traces]);
  return (
    <>
      <p className="live-status" aria-live="polite">
        <span className={`dot dot-${conn}`} /> {conn === 'open' ? `Watching ${agent}` : `${conn} (${agent})`}
      </p>
      {error ? <ErrorBox error={error} /> : null}
      <div className="live-grid">
        <div>
          <h2>Traces</h2>
          {list.length === 0 ? (
            <div className="empty">
              {conn === 'open' ? 'Waiting for the agent to send a trace…' : 'No traces yet.'}
            </div>
          ) : (
            <DataTable columns={['Trace', { label: 'Spans seen', num: true }, 'Status', 'Updated']}>
              {list.map((t) => (
                <tr key={t.trace_id}>
                  <td>
                    <Link to={`/traces/${t.trace_id}`}>{t.name || t.trace_id}</Link>
                  </td>
                  <td className="num">{t.spans}</td>
                  <td>
                    <StatusBadge status={t.status} />
                  </td>
                  <td>{formatTime(t.updated)}</td>
                </tr>
              ))}
            </DataTable>
          )}
        </div>
        <div>
          <h2>Events</h2>
          <ol className="event-log" aria-label="Last events, newest first">
            {log.map((e, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: ids repeat only in a resumed stream; position breaks the tie
              <li key={`${e.id}:${i}`}>
                <code>{e.event}</code> <span className="muted small">{e.id}</span>
                <div className="small">{summarise(e.event, e.data)}</div>
              </li>
            ))}
          </ol>
        </div>
      </div>
    </>
  );
}

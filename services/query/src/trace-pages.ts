import type { AuthContext } from '@mesh-trace/auth';
import { DependencyUnavailableError, isRetryable } from '@mesh-trace/errors';
import { listTraceSummaries, type TracePageQuery, type TraceSummary } from '@mesh-trace/storage';
import type { QueryDeps } from './app.js';
import type { CursorBinding, CursorCodec } from './cursor.js';

export interface TracePageResponse {
  data: TraceSummary[];
  next_cursor: string | null;
}

type Filters = Pick<TracePageQuery, 'service' | 'minDurationNs' | 'status' | 'search'>;

/**
 * One page of GET /v1/traces or POST /v1/traces/search. The first page fixes the snapshot: the range
 * start, snapshot end = min(end, now), and ClickHouse's clock (traces first stored later are left out).
 * Later pages continue below the cursor's last item in (start, trace_id) order, so no trace that
 * existed at the first page repeats or is skipped whatever is ingested in between.
 */
export async function tracePage(
  deps: Pick<QueryDeps, 'ch'>,
  cursors: CursorCodec,
  req: {
    auth: AuthContext;
    binding: CursorBinding;
    cursor: string | undefined;
    range: { from: bigint; to: bigint };
    now: bigint;
    limit: number;
    filters: Filters;
    signal: AbortSignal;
  },
): Promise<TracePageResponse> {
  const state = req.cursor === undefined ? undefined : cursors.decode(req.cursor, req.binding);
  const from = state?.from ?? req.range.from;
  // bigints: Math.min does not take them.
  let to = state?.snapshotEnd ?? req.range.to;
  if (!state && to > req.now) to = req.now;
  const page = await withStorage(() =>
    listTraceSummaries(deps.ch, {
      org_id: req.auth.org_id,
      env: req.auth.env,
      from,
      to,
      after: state && { start_ns: state.lastStart, trace_id: state.lastTraceId },
      storedAtOrBeforeMs: state?.storedBeforeMs,
      ...req.filters,
      limit: req.limit,
      signal: req.signal,
    }),
  );
  const last = page.items.at(-1);
  const storedBeforeMs = state?.storedBeforeMs ?? page.readAtMs;
  const next =
    page.hasMore && last && page.lastStartNs !== null && storedBeforeMs !== null
      ? cursors.encode(
          { from, snapshotEnd: to, storedBeforeMs, lastStart: page.lastStartNs, lastTraceId: last.trace_id },
          req.binding,
        )
      : null;
  return { data: page.items, next_cursor: next };
}

/** A storage call whose transient failures (connection refused, reset, timeout) are a 503, not a 500. */
export async function withStorage<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (isRetryable(err)) throw new DependencyUnavailableError('clickhouse', err);
    throw err;
  }
}

/** An abort signal that fires when the client goes away, so ClickHouse stops working for nobody. */
export function requestSignal(res: { on(event: 'close', fn: () => void): unknown }): AbortSignal {
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  return abort.signal;
}

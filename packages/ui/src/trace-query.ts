/** The Traces page's query, kept in the URL so a search can be shared. Pure: trace-query.test.ts. */

export const RANGE_PRESETS = {
  '15m': 15 * 60_000,
  '1h': 60 * 60_000,
  '6h': 6 * 60 * 60_000,
  '24h': 24 * 60 * 60_000,
  '7d': 7 * 24 * 60 * 60_000,
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;
export const STATUSES = ['ok', 'error', 'unset'] as const;

export interface TraceQuery {
  service: string;
  range: RangePreset;
  status: '' | (typeof STATUSES)[number];
  /** Minimum duration in milliseconds, as typed. */
  minMs: string;
  /** The search expression; empty: a plain list. */
  q: string;
}

export const DEFAULT_QUERY: TraceQuery = { service: '', range: '1h', status: '', minMs: '', q: '' };

const isPreset = (v: string): v is RangePreset => Object.hasOwn(RANGE_PRESETS, v);

export function parseTraceQuery(search: string): TraceQuery {
  const p = new URLSearchParams(search);
  const range = p.get('range') ?? '';
  const status = p.get('status') ?? '';
  return {
    service: p.get('service') ?? '',
    range: isPreset(range) ? range : DEFAULT_QUERY.range,
    status: (STATUSES as readonly string[]).includes(status) ? (status as TraceQuery['status']) : '',
    minMs: p.get('min_ms') ?? '',
    q: p.get('q') ?? '',
  };
}

/** The URL query string for `q`, defaults left out (`''` for the default query). */
export function formatTraceQuery(q: TraceQuery): string {
  const p = new URLSearchParams();
  if (q.service) p.set('service', q.service);
  if (q.range !== DEFAULT_QUERY.range) p.set('range', q.range);
  if (q.status) p.set('status', q.status);
  if (q.minMs) p.set('min_ms', q.minMs);
  if (q.q) p.set('q', q.q);
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * The first-page request for a query. The range start is resolved once, here, and the same request
 * is repeated with each cursor: the API binds a cursor to the parameters of its first page.
 */
export type TraceRequest =
  | { kind: 'list'; params: Record<string, string> }
  | { kind: 'search'; body: { query: string; start_time: string; limit: number } };

export function traceRequest(q: TraceQuery, nowMs: number, limit = 50): TraceRequest {
  const start_time = new Date(nowMs - RANGE_PRESETS[q.range]).toISOString();
  if (q.q.trim()) return { kind: 'search', body: { query: q.q, start_time, limit } };
  const params: Record<string, string> = { start_time, limit: String(limit) };
  if (q.service) params.service = q.service;
  if (q.status) params.status = q.status;
  if (q.minMs.trim()) params.min_duration_ms = q.minMs.trim();
  return { kind: 'list', params };
}

/**
 * The search API has no service or status filter; when the form sets them along with an expression,
 * the page keeps the traces that also satisfy them (shown as "also filtered by …").
 */
export function clientSideFilter(
  q: TraceQuery,
): ((t: { services: string[]; status: string; duration_ms: number }) => boolean) | undefined {
  if (!q.q.trim()) return undefined;
  const min = Number(q.minMs);
  const checks: ((t: { services: string[]; status: string; duration_ms: number }) => boolean)[] = [];
  if (q.service) checks.push((t) => t.services.includes(q.service));
  if (q.status) checks.push((t) => t.status === q.status);
  if (q.minMs.trim() && Number.isFinite(min)) checks.push((t) => t.duration_ms >= min);
  return checks.length ? (t) => checks.every((c) => c(t)) : undefined;
}

/** A search expression with a caret under a 1-based column: `["a = = 1", "    ^"]`. */
export function caretAt(query: string, column: number): [string, string] {
  // Show the line the column falls on; the API counts columns over the whole text.
  let offset = Math.max(0, column - 1);
  for (const line of query.split('\n')) {
    if (offset <= line.length) return [line, `${' '.repeat(offset)}^`];
    offset -= line.length + 1;
  }
  return [query, `${' '.repeat(query.length)}^`];
}

/** The search expression for a service-map edge: traces in which `target` was called. */
export function edgeSearch(source: string, target: string): TraceQuery {
  return { ...DEFAULT_QUERY, service: source, q: `service.name = ${JSON.stringify(target)}` };
}

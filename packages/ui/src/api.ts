/**
 * The client of the public API (API.md): the key from sessionStorage as a Bearer token, JSON in and
 * out, and the API's error body turned into an ApiError. Same origin: the query service serves the UI.
 */
import type { ApiKey, CollectorNode, Scope, Trace } from '@mesh-trace/sdk';

const KEY_ITEM = 'mesh-trace.api-key';
export const UNAUTHORIZED_EVENT = 'mesh-trace:unauthorized';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_ITEM),
  signIn: (key: string) => sessionStorage.setItem(KEY_ITEM, key),
  signOut: () => sessionStorage.removeItem(KEY_ITEM),
};

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly details: ErrorDetail[] = [],
    readonly column?: number,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | undefined | null>;

export function withQuery(path: string, query: Query = {}): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

export function authHeaders(key = session.key()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

/** The API error body as an ApiError; a body that is not ours still gives a readable message. */
export async function toApiError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as
    | { error?: string; code?: string; details?: ErrorDetail[]; column?: number; request_id?: string }
    | undefined;
  let message = body?.error ?? `${res.status} ${res.statusText || 'request failed'}`;
  const retry = res.headers.get('retry-after');
  if (res.status === 429 && retry) message += ` (retry in ${retry} s)`;
  return new ApiError(
    res.status,
    message,
    body?.code ?? 'http_error',
    body?.details ?? [],
    body?.column,
    body?.request_id ?? res.headers.get('x-request-id') ?? undefined,
  );
}

export async function api<T>(
  path: string,
  init: { method?: string; body?: unknown; query?: Query; signal?: AbortSignal; key?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(init.key) };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(withQuery(path, init.query), {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: init.signal,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'The query service cannot be reached', 'network_error');
  }
  if (!res.ok) {
    const err = await toApiError(res);
    // A revoked or deleted key: back to sign-in, whatever page asked.
    if (res.status === 401 && init.key === undefined) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
    throw err;
  }
  return (await res.json()) as T;
}

// --- the API's shapes: the SDK's (packages/sdk), narrowed where the UI renders more than the SDK types.
export type {
  AgentEvent,
  AlertEvent,
  AlertRule,
  Page,
  ServiceStats,
  Span,
  Topology,
  TraceSummary,
} from '@mesh-trace/sdk';

export interface TraceDetail extends Trace {
  completion: {
    status: 'completed' | 'errored';
    end_time: string | null;
    output: unknown;
    error: unknown;
    attributes: Record<string, string>;
  } | null;
  input?: unknown;
}

export interface NodeView extends CollectorNode {
  hostname: string;
  version: string;
  heartbeat_age_s: number;
  status: 'ok' | 'stale' | 'down';
}

export interface KeyView extends ApiKey {
  name: string;
  revoked_at: string | null;
}

export const SCOPES: readonly Scope[] = ['ingest', 'read', 'alerts:write', 'admin'];

/**
 * A whole trace: a trace with more spans than one response holds comes in windows (`next_cursor`);
 * the windows are fetched one after another and joined, so the waterfall has every span.
 */
export async function fetchTrace(
  traceId: string,
  signal: AbortSignal,
  onProgress?: (loaded: number, total: number) => void,
): Promise<TraceDetail> {
  const path = `/v1/traces/${encodeURIComponent(traceId)}`;
  const first = await api<TraceDetail>(path, { signal });
  const spans = [...first.spans];
  let cursor = first.next_cursor ?? null;
  while (cursor) {
    onProgress?.(spans.length, first.span_count);
    const next = await api<TraceDetail>(path, { signal, query: { cursor } });
    spans.push(...next.spans);
    cursor = next.next_cursor ?? null;
  }
  return { ...first, spans, next_cursor: null };
}

import { type LiveOptions, LiveStream } from './live.js';
import { Paginator } from './paginator.js';
import { type Query, Transport, type TransportOptions } from './transport.js';
import {
  type AlertEvent,
  type AlertRule,
  type AlertRuleInput,
  type ApiKey,
  type CollectorNode,
  type CreateApiKeyParams,
  type CreatedApiKey,
  type ListAlertEventsParams,
  type ListTracesParams,
  type Page,
  type SearchTracesParams,
  type ServiceStats,
  type Topology,
  type Trace,
  type TraceSummary,
  toIso,
} from './types.js';

export interface ClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  /** The query service (or the all-in-one) base URL: http://localhost:4000 by default. */
  baseUrl?: string;
}

const seg = (s: string) => encodeURIComponent(s);

/**
 * The read and management API (API.md §6). Every method throws MeshTraceError on failure; lists are
 * Paginators (`await list.page()` or `for await (const item of list)`).
 */
export class MeshTraceClient {
  readonly transport: Transport;

  constructor(opts: ClientOptions) {
    this.transport = new Transport({ ...opts, baseUrl: opts.baseUrl ?? 'http://localhost:4000' });
  }

  readonly traces = {
    list: (params: ListTracesParams = {}): Paginator<TraceSummary> => {
      const { cursor, start_time, end_time, ...rest } = params;
      const query: Query = {
        ...rest,
        start_time: start_time === undefined ? undefined : toIso(start_time),
        end_time: end_time === undefined ? undefined : toIso(end_time),
      };
      return new Paginator(
        (c) =>
          this.transport.json<Page<TraceSummary>>('GET', '/v1/traces', { query: { ...query, cursor: c } }),
        cursor,
      );
    },
    /** One trace; a trace larger than one response comes in windows (`next_cursor`), see getAll. */
    get: (traceId: string, opts: { cursor?: string; limit?: number } = {}): Promise<Trace> =>
      this.transport.json<Trace>('GET', `/v1/traces/${seg(traceId)}`, { query: opts }),
    /** One trace with the spans of every window. */
    getAll: async (traceId: string): Promise<Trace> => {
      const first = await this.traces.get(traceId);
      let next = first.next_cursor;
      while (next) {
        const more = await this.traces.get(traceId, { cursor: next });
        first.spans.push(...more.spans);
        next = more.next_cursor;
      }
      first.next_cursor = null;
      return first;
    },
    search: (params: SearchTracesParams): Paginator<TraceSummary> => {
      const { cursor, start_time, end_time, ...rest } = params;
      const body = {
        ...rest,
        ...(start_time === undefined ? {} : { start_time: toIso(start_time) }),
        ...(end_time === undefined ? {} : { end_time: toIso(end_time) }),
      };
      return new Paginator(
        (c) =>
          this.transport.json<Page<TraceSummary>>('POST', '/v1/traces/search', {
            body: c ? { ...body, cursor: c } : body,
          }),
        cursor,
      );
    },
  };

  readonly services = {
    list: async (params: { start_time?: string; end_time?: string } = {}): Promise<ServiceStats[]> =>
      (await this.transport.json<{ data: ServiceStats[] }>('GET', '/v1/services', { query: params })).data,
  };

  readonly topology = {
    get: (params: { cluster?: string; time_window?: '1h' | '6h' | '24h' } = {}): Promise<Topology> =>
      this.transport.json<Topology>('GET', '/v1/topology', { query: params }),
  };

  readonly nodes = {
    list: async (): Promise<CollectorNode[]> =>
      (await this.transport.json<{ data: CollectorNode[] }>('GET', '/v1/nodes')).data,
    get: (nodeId: string): Promise<CollectorNode> => this.transport.json('GET', `/v1/nodes/${seg(nodeId)}`),
    drain: (nodeId: string): Promise<CollectorNode> =>
      this.transport.json('POST', `/v1/nodes/${seg(nodeId)}/drain`),
    resume: (nodeId: string): Promise<CollectorNode> =>
      this.transport.json('POST', `/v1/nodes/${seg(nodeId)}/resume`),
  };

  readonly apiKeys = {
    create: (params: CreateApiKeyParams): Promise<CreatedApiKey> =>
      this.transport.json('POST', '/v1/api-keys', { body: params }),
    list: async (): Promise<ApiKey[]> =>
      (await this.transport.json<{ data: ApiKey[] }>('GET', '/v1/api-keys')).data,
    revoke: (id: string): Promise<ApiKey> => this.transport.json('DELETE', `/v1/api-keys/${seg(id)}`),
    rotate: (id: string): Promise<CreatedApiKey> =>
      this.transport.json('POST', `/v1/api-keys/${seg(id)}/rotate`),
  };

  readonly alerts = {
    rules: {
      list: (): Paginator<AlertRule> =>
        new Paginator((c) =>
          this.transport.json<Page<AlertRule>>('GET', '/v1/alerts/rules', { query: { cursor: c } }),
        ),
      create: (rule: AlertRuleInput): Promise<AlertRule> =>
        this.transport.json('POST', '/v1/alerts/rules', { body: rule }),
      get: (id: string): Promise<AlertRule> => this.transport.json('GET', `/v1/alerts/rules/${seg(id)}`),
      /** Partial update; pass `version` to fail with 409 when someone changed the rule meanwhile. */
      update: (id: string, patch: Partial<AlertRuleInput> & { version?: number }): Promise<AlertRule> =>
        this.transport.json('PATCH', `/v1/alerts/rules/${seg(id)}`, { body: patch }),
      delete: (id: string): Promise<{ id: string; deleted: boolean }> =>
        this.transport.json('DELETE', `/v1/alerts/rules/${seg(id)}`),
    },
    events: (params: ListAlertEventsParams = {}): Paginator<AlertEvent> => {
      const { cursor, ...query } = params;
      return new Paginator(
        (c) =>
          this.transport.json<Page<AlertEvent>>('GET', '/v1/alerts/events', {
            query: { ...query, cursor: c },
          }),
        cursor,
      );
    },
  };

  readonly agents = {
    /** The agent's live stream: `for await (const ev of client.agents.live('agent_1')) …`. */
    live: (agentId: string, opts: LiveOptions = {}): LiveStream =>
      new LiveStream(this.transport, agentId, opts),
  };
}

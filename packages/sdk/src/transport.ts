import { errorFromResponse, MeshTraceError, networkError } from './errors.js';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  /** Per-request timeout (30 s). */
  timeoutMs?: number;
  fetch?: FetchLike;
  headers?: Record<string, string>;
}

export type Query = Record<string, string | number | boolean | undefined | null>;

/** JSON over HTTP with the API key, one timeout, and MeshTraceError for every failure. */
export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly opts: TransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The configured fetch, for streaming responses (live) that must not time out. */
  raw(url: string, init: RequestInit): Promise<Response> {
    return this.fetchImpl(url, init);
  }

  url(path: string, query?: Query): string {
    const u = new URL(`${this.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== null) u.searchParams.set(k, String(v));
    return u.toString();
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.opts.apiKey}`, ...this.opts.headers, ...extra };
  }

  /** Sends a request and returns the raw response (any status); network failures throw. */
  async send(
    method: string,
    path: string,
    opts: {
      query?: Query;
      body?: RequestInit['body'];
      headers?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<Response> {
    const signals = [AbortSignal.timeout(this.opts.timeoutMs ?? 30_000)];
    if (opts.signal) signals.push(opts.signal);
    try {
      return await this.fetchImpl(this.url(path, opts.query), {
        method,
        headers: this.headers(opts.headers),
        body: opts.body,
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      throw networkError(err);
    }
  }

  async json<T>(
    method: string,
    path: string,
    opts: { query?: Query; body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await this.send(method, path, {
      query: opts.query,
      signal: opts.signal,
      headers:
        opts.body === undefined ? opts.headers : { 'content-type': 'application/json', ...opts.headers },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    if (!res.ok) throw await errorFromResponse(res);
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw new MeshTraceError('Response is not JSON', {
        status: res.status,
        code: 'invalid_response',
        cause: err,
      });
    }
  }
}

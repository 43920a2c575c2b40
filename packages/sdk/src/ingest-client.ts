import { errorFromResponse } from './errors.js';
import { sleep } from './live.js';
import { type BackoffOptions, retryDelayMs } from './retry.js';
import { Transport, type TransportOptions } from './transport.js';
import type { BatchInput, CompleteInput, IngestAccepted } from './types.js';

export interface IngestClientOptions extends Omit<TransportOptions, 'baseUrl'> {
  /** The ingest service (or the all-in-one's ingest port): http://localhost:4001 by default. */
  baseUrl?: string;
  /** Retries after the first attempt, for 429, 5xx and network errors only (5). */
  maxRetries?: number;
  backoff?: Partial<BackoffOptions>;
  /** Gzip bodies larger than this many bytes (1024; Infinity turns compression off). */
  gzipMinBytes?: number;
}

async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * The ingest API (API.md §5) with retries: 429, 5xx and network failures are retried with
 * exponential backoff and full jitter, never sooner than Retry-After; other 4xx fail at once.
 * Methods throw MeshTraceError when the request finally fails — the Tracer catches those.
 */
export class IngestClient {
  readonly transport: Transport;
  private readonly maxRetries: number;
  private readonly backoff: BackoffOptions;
  private readonly gzipMinBytes: number;

  constructor(opts: IngestClientOptions) {
    this.transport = new Transport({ ...opts, baseUrl: opts.baseUrl ?? 'http://localhost:4001' });
    this.maxRetries = opts.maxRetries ?? 5;
    this.backoff = { baseMs: opts.backoff?.baseMs ?? 200, maxMs: opts.backoff?.maxMs ?? 30_000 };
    this.gzipMinBytes = opts.gzipMinBytes ?? 1024;
  }

  sendBatch(batch: BatchInput, signal?: AbortSignal): Promise<IngestAccepted> {
    return this.post('/v1/traces/batch', batch, signal);
  }

  complete(
    traceId: string,
    body: CompleteInput,
    signal?: AbortSignal,
  ): Promise<{ trace_id: string; status: string }> {
    return this.post(`/v1/traces/${encodeURIComponent(traceId)}/complete`, body, signal);
  }

  private async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const text = JSON.stringify(body);
    const compressed = text.length >= this.gzipMinBytes ? await gzip(text) : undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (compressed) headers['content-encoding'] = 'gzip';
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.transport.send('POST', path, { body: compressed ?? text, headers, signal });
        if (res.ok) return (await res.json()) as T;
        throw await errorFromResponse(res);
      } catch (err) {
        const delay = attempt < this.maxRetries ? retryDelayMs(err, attempt, this.backoff) : undefined;
        if (delay === undefined || signal?.aborted) throw err;
        await sleep(delay, signal);
      }
    }
  }
}

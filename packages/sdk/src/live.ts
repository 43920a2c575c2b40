import { errorFromResponse, type MeshTraceError, networkError } from './errors.js';
import { backoffMs } from './retry.js';
import { SseParser } from './sse.js';
import type { Transport } from './transport.js';
import type { LiveEvent, LiveEventType } from './types.js';

const TYPES = new Set<string>(['trace.started', 'span', 'event', 'trace.completed']);

export interface LiveOptions {
  /** Resume after this event id (e.g. the last one a previous run saw). */
  lastEventId?: string;
  /** Stops the stream; the iterator then ends. */
  signal?: AbortSignal;
  /** Reconnect attempts in a row before the iterator throws (Infinity). */
  maxReconnects?: number;
  /** Called on each reconnect, with the error that ended the previous connection. */
  onReconnect?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  /** Reconnects when no byte (event or heartbeat) arrived for this long (45 s: three heartbeats). */
  idleTimeoutMs?: number;
}

/**
 * An agent's live stream as an async iterator. Connection losses and 5xx/429 answers reconnect with
 * backoff and Last-Event-ID, so no event within the server's retention is missed or repeated;
 * 401/403/404 end the iteration with a MeshTraceError. `lastEventId` is the id of the last event
 * yielded.
 */
export class LiveStream implements AsyncIterable<LiveEvent> {
  lastEventId: string | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly agentId: string,
    private readonly opts: LiveOptions = {},
  ) {
    this.lastEventId = opts.lastEventId;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<LiveEvent> {
    let failures = 0;
    let retryMs = 1_000;
    const max = this.opts.maxReconnects ?? Number.POSITIVE_INFINITY;
    while (!this.opts.signal?.aborted) {
      let error: unknown;
      try {
        for await (const ev of this.connectOnce((ms) => {
          retryMs = ms;
        })) {
          failures = 0;
          yield ev;
        }
      } catch (err) {
        if (this.opts.signal?.aborted) return;
        if ((err as MeshTraceError).retryable === false) throw err;
        error = err;
      }
      if (this.opts.signal?.aborted) return;
      failures += 1;
      if (failures > max) throw error ?? networkError(new Error('live stream ended'));
      const delayMs = Math.max(retryMs, backoffMs(failures - 1, { baseMs: 250, maxMs: 30_000 }));
      this.opts.onReconnect?.({ attempt: failures, delayMs, error });
      await sleep(delayMs, this.opts.signal);
    }
  }

  private async *connectOnce(setRetry: (ms: number) => void): AsyncGenerator<LiveEvent> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    this.opts.signal?.addEventListener('abort', onAbort, { once: true });
    const idleMs = this.opts.idleTimeoutMs ?? 45_000;
    let idle: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(idle);
      idle = setTimeout(() => controller.abort(new Error('live stream idle')), idleMs);
    };
    try {
      touch();
      let res: Response;
      try {
        res = await this.transport.raw(
          this.transport.url(`/v1/agents/${encodeURIComponent(this.agentId)}/live`),
          {
            headers: this.transport.headers({
              accept: 'text/event-stream',
              ...(this.lastEventId ? { 'last-event-id': this.lastEventId } : {}),
            }),
            signal: controller.signal,
          },
        );
      } catch (err) {
        throw networkError(err);
      }
      if (!res.ok || !res.body) throw await errorFromResponse(res);
      const parser = new SseParser();
      const decoder = new TextDecoder();
      const reader = res.body.getReader();
      try {
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (err) {
            throw networkError(err);
          }
          if (chunk.done) throw networkError(new Error('live stream closed by the server'));
          touch();
          const messages = parser.push(decoder.decode(chunk.value, { stream: true }));
          if (parser.retry !== undefined) setRetry(parser.retry);
          for (const msg of messages) {
            if (!TYPES.has(msg.event)) continue;
            let data: Record<string, unknown>;
            try {
              data = JSON.parse(msg.data) as Record<string, unknown>;
            } catch {
              continue;
            }
            if (msg.id) this.lastEventId = msg.id;
            yield { id: msg.id ?? '', type: msg.event as LiveEventType, data };
          }
        }
      } finally {
        reader.cancel().catch(() => {});
      }
    } finally {
      clearTimeout(idle);
      this.opts.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

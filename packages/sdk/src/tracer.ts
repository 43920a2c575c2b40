import { newSpanId, newTraceId } from './ids.js';
import { IngestClient, type IngestClientOptions } from './ingest-client.js';
import type {
  Attributes,
  AttributeValue,
  CompleteInput,
  EventInput,
  SpanInput,
  SpanKind,
  SpanStatus,
  TraceInput,
} from './types.js';

/** Where the tracer reports what went wrong; it never throws into agent code. */
export interface TracerLogger {
  warn(message: string, context?: Record<string, unknown>): void;
}

export interface TracerOptions extends IngestClientOptions {
  /** The service name of spans (and of traces unless given per trace). */
  service: string;
  /** The agent that owns the traces (an agent-bound key implies it). */
  agentId?: string;
  /** Items per request (500). */
  maxBatchItems?: number;
  /** A partial batch is sent after this long (1,000 ms). */
  flushIntervalMs?: number;
  /** Items held while the server is slow or down; beyond it new items are dropped and counted (10,000). */
  maxBufferItems?: number;
  /** console.warn by default; false for silence. */
  logger?: TracerLogger | false;
  /** Use this client instead of building one from the options. */
  client?: IngestClient;
}

type Op =
  | { kind: 'trace'; value: TraceInput }
  | { kind: 'span'; value: SpanInput }
  | { kind: 'event'; value: EventInput }
  | { kind: 'complete'; traceId: string; body: CompleteInput };

const consoleLogger: TracerLogger = {
  warn: (message, context) => console.warn(`[mesh-trace] ${message}`, context ?? ''),
};

/** Epoch nanoseconds as a decimal string (the API's OTLP-style timestamp), with sub-millisecond precision. */
export function nowNs(): string {
  const ms = performance.timeOrigin + performance.now();
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6))).toString();
}

function errorInfo(err: unknown): { message: string; type?: string; stack?: string } {
  if (err instanceof Error) return { message: err.message || err.name, type: err.name, stack: err.stack };
  return { message: String(err) };
}

/**
 * The agent tracer: startTrace → spans, events → complete. Items are buffered and sent in batches
 * (by size or interval, gzip, retries with backoff honouring Retry-After) in the order they were
 * recorded. Nothing here throws or rejects because of ingest: failures are logged and counted in
 * `dropped`, so instrumentation can never break the agent it observes.
 */
export class Tracer {
  readonly client: IngestClient;
  private readonly queue: Op[] = [];
  private readonly maxBatch: number;
  private readonly maxBuffer: number;
  private readonly logger: TracerLogger;
  private readonly timer: ReturnType<typeof setInterval>;
  private pumping: Promise<void> | undefined;
  private closed = false;
  private lastWarn = 0;
  /** Items dropped: buffer full, sent after shutdown, or refused/failed after retries. */
  dropped = 0;
  /** Items the server accepted. */
  sent = 0;

  constructor(readonly opts: TracerOptions) {
    this.client = opts.client ?? new IngestClient(opts);
    this.maxBatch = opts.maxBatchItems ?? 500;
    this.maxBuffer = opts.maxBufferItems ?? 10_000;
    this.logger = opts.logger === false ? { warn: () => {} } : (opts.logger ?? consoleLogger);
    this.timer = setInterval(() => this.kick(), opts.flushIntervalMs ?? 1_000);
    // The tracer alone must not keep a process alive; call shutdown() to send what is left.
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Items waiting to be sent. */
  get buffered(): number {
    return this.queue.length;
  }

  startTrace(
    name: string,
    opts: {
      traceId?: string;
      agentId?: string;
      service?: string;
      input?: unknown;
      attributes?: Attributes;
    } = {},
  ): TraceHandle {
    const traceId = opts.traceId ?? newTraceId();
    const agentId = opts.agentId ?? this.opts.agentId;
    this.record({
      kind: 'trace',
      value: {
        trace_id: traceId,
        name,
        service: opts.service ?? this.opts.service,
        start_time: nowNs(),
        ...(agentId ? { agent_id: agentId } : {}),
        ...(opts.attributes ? { attributes: opts.attributes } : {}),
        ...(opts.input === undefined ? {} : { input: opts.input }),
      },
    });
    return new TraceHandle(this, traceId);
  }

  /** Sends everything buffered so far; resolves when done (never rejects). */
  async flush(): Promise<void> {
    this.kick();
    while (this.pumping) await this.pumping;
  }

  /** Flushes for up to `timeoutMs` (5 s), then stops; later items are dropped. Never rejects. */
  async shutdown(timeoutMs = 5_000): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.flush(), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.closed = true;
    if (this.queue.length > 0) {
      this.dropped += this.queue.length;
      this.warn('shutdown with items unsent', { items: this.queue.length });
      this.queue.length = 0;
    }
  }

  /** @internal */
  record(op: Op): void {
    if (this.closed || this.queue.length >= this.maxBuffer) {
      this.dropped += 1;
      this.warn(this.closed ? 'tracer is shut down; item dropped' : 'buffer full; item dropped', {
        dropped: this.dropped,
      });
      return;
    }
    this.queue.push(op);
    if (this.queue.length >= this.maxBatch) this.kick();
  }

  private kick(): void {
    if (this.pumping || this.queue.length === 0) return;
    this.pumping = this.pump()
      .catch((err) => this.warn('unexpected tracer failure', { error: String(err) }))
      .finally(() => {
        this.pumping = undefined;
      });
  }

  /** Sends in recording order: runs of items as batches, each completion after what came before it. */
  private async pump(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0];
      if (head?.kind === 'complete') {
        this.queue.shift();
        try {
          await this.client.complete(head.traceId, head.body);
          this.sent += 1;
        } catch (err) {
          this.dropped += 1;
          this.warn('trace completion failed', { trace_id: head.traceId, ...describe(err) });
        }
        continue;
      }
      let n = 0;
      while (n < this.queue.length && n < this.maxBatch && this.queue[n]?.kind !== 'complete') n += 1;
      const ops = this.queue.splice(0, n);
      const batch = { traces: [] as TraceInput[], spans: [] as SpanInput[], events: [] as EventInput[] };
      for (const op of ops) {
        if (op.kind === 'trace') batch.traces.push(op.value);
        else if (op.kind === 'span') batch.spans.push(op.value);
        else if (op.kind === 'event') batch.events.push(op.value);
      }
      try {
        await this.client.sendBatch(batch);
        this.sent += ops.length;
      } catch (err) {
        this.dropped += ops.length;
        this.warn('batch not accepted; items dropped', { items: ops.length, ...describe(err) });
      }
    }
  }

  private warn(message: string, context: Record<string, unknown>): void {
    // At most one line a second: an outage must not flood the agent's logs.
    const now = Date.now();
    if (now - this.lastWarn < 1_000) return;
    this.lastWarn = now;
    try {
      this.logger.warn(message, context);
    } catch {
      // A broken logger must not break the agent either.
    }
  }
}

function describe(err: unknown): Record<string, unknown> {
  const e = err as { status?: number; code?: string; requestId?: string; message?: string };
  return { status: e.status, code: e.code, request_id: e.requestId, error: e.message };
}

export class TraceHandle {
  private completed = false;

  constructor(
    private readonly tracer: Tracer,
    readonly traceId: string,
  ) {}

  /** Starts a span; end it with span.end(). */
  startSpan(
    name: string,
    opts: { parent?: SpanHandle | string; kind?: SpanKind; attributes?: Attributes; service?: string } = {},
  ): SpanHandle {
    const parent = typeof opts.parent === 'string' ? opts.parent : opts.parent?.spanId;
    return new SpanHandle(this.tracer, this.traceId, name, {
      parentSpanId: parent ?? null,
      kind: opts.kind ?? 'internal',
      attributes: { ...opts.attributes },
      service: opts.service ?? this.tracer.opts.service,
    });
  }

  /**
   * Runs `fn` inside a span: ended when fn settles, status error (and rethrown) when fn throws —
   * the error is the agent's own, the tracer adds none.
   */
  async span<T>(
    name: string,
    fn: (span: SpanHandle) => T | Promise<T>,
    opts: { parent?: SpanHandle | string; kind?: SpanKind; attributes?: Attributes } = {},
  ): Promise<T> {
    const span = this.startSpan(name, opts);
    try {
      const out = await fn(span);
      span.end();
      return out;
    } catch (err) {
      span.recordError(err);
      span.end();
      throw err;
    }
  }

  /** An agent event (tool call, message, decision…), optionally attached to a span. */
  event(type: string, data?: unknown, opts: { span?: SpanHandle | string } = {}): void {
    const spanId = typeof opts.span === 'string' ? opts.span : opts.span?.spanId;
    this.tracer.record({
      kind: 'event',
      value: {
        trace_id: this.traceId,
        type,
        timestamp: nowNs(),
        ...(spanId ? { span_id: spanId } : {}),
        ...(data === undefined ? {} : { data }),
      },
    });
  }

  /** Marks the trace completed, or errored when `error` is given. Sent after everything recorded before. */
  complete(opts: { output?: unknown; error?: unknown; attributes?: Attributes } = {}): void {
    this.completed = true;
    this.tracer.record({
      kind: 'complete',
      traceId: this.traceId,
      body: {
        status: opts.error === undefined ? 'completed' : 'errored',
        end_time: nowNs(),
        ...(opts.output === undefined ? {} : { output: opts.output }),
        ...(opts.error === undefined ? {} : { error: errorInfo(opts.error) }),
        ...(opts.attributes ? { attributes: opts.attributes } : {}),
      },
    });
  }

  get isCompleted(): boolean {
    return this.completed;
  }
}

export class SpanHandle {
  readonly spanId = newSpanId();
  private readonly start = nowNs();
  private status: SpanStatus = 'unset';
  private statusMessage: string | undefined;
  private readonly events: { name: string; time: string; attributes?: Attributes }[] = [];
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    readonly traceId: string,
    readonly name: string,
    private readonly init: {
      parentSpanId: string | null;
      kind: SpanKind;
      attributes: Attributes;
      service: string;
    },
  ) {}

  setAttribute(key: string, value: AttributeValue): this {
    this.init.attributes[key] = value;
    return this;
  }

  setStatus(status: SpanStatus, message?: string): this {
    this.status = status;
    this.statusMessage = message;
    return this;
  }

  addEvent(name: string, attributes?: Attributes): this {
    this.events.push({ name, time: nowNs(), ...(attributes ? { attributes } : {}) });
    return this;
  }

  recordError(err: unknown): this {
    const info = errorInfo(err);
    this.addEvent('exception', {
      'exception.message': info.message.slice(0, 4096),
      ...(info.type ? { 'exception.type': info.type } : {}),
    });
    return this.setStatus('error', info.message.slice(0, 1024));
  }

  /** Ends the span (once; later calls are ignored) and queues it for sending. */
  end(opts: { status?: SpanStatus; statusMessage?: string } = {}): void {
    if (this.ended) return;
    this.ended = true;
    if (opts.status) this.setStatus(opts.status, opts.statusMessage);
    this.tracer.record({
      kind: 'span',
      value: {
        trace_id: this.traceId,
        span_id: this.spanId,
        parent_span_id: this.init.parentSpanId,
        name: this.name,
        service: this.init.service,
        kind: this.init.kind,
        start_time: this.start,
        end_time: nowNs(),
        status: this.status === 'unset' ? 'ok' : this.status,
        ...(this.statusMessage ? { status_message: this.statusMessage } : {}),
        attributes: this.init.attributes,
        ...(this.events.length ? { events: this.events } : {}),
      },
    });
  }
}

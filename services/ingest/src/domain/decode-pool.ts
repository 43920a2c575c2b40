import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BaseError, type ErrorCode, type ErrorDetail } from '@mesh-trace/errors';
import type { BatchLimits, Tenant } from '@mesh-trace/schema';
import { type DecodedSpans, decodeOtlpBody, type OtlpEncoding } from './otlp-decode.js';
import { decodeBatchBody, type PreparedBatch, type PrepareOptions } from './prepared-batch.js';

/**
 * Turns a request's bytes into queue records (batch API and OTLP/HTTP): on decode threads, or on the
 * request thread.
 */
export interface BatchDecoder {
  /** Rejects with the request's 4xx (BaseError) when the body is not a valid batch. */
  decode(
    body: Uint8Array | undefined,
    tenant: Tenant,
    limits: BatchLimits,
    opts?: PrepareOptions,
  ): Promise<PreparedBatch>;
  /** An OTLP export request: its valid spans, and the rejected ones' problems. */
  decodeOtlp(
    body: Uint8Array,
    encoding: OtlpEncoding,
    tenant: Tenant,
    limits: BatchLimits,
    opts?: PrepareOptions,
  ): Promise<DecodedSpans>;
  close(): Promise<void>;
}

/** Decoding on the request thread (the all-in-one, and `MESH_TRACE_INGEST_DECODE_THREADS=0`). */
export const inlineDecoder: BatchDecoder = {
  decode: async (body, tenant, limits, opts) => decodeBatchBody(body, tenant, limits, opts),
  decodeOtlp: async (body, encoding, tenant, limits, opts) =>
    decodeOtlpBody(body, encoding, tenant, limits, opts),
  close: async () => {},
};

/** Decode threads when none are configured: one per core beyond the request thread's, at most 2. */
export function defaultDecodeThreads(): number {
  return Math.min(2, Math.max(0, availableParallelism() - 1));
}

/** What the request thread sends a decode thread. */
export interface DecodeRequest {
  id: number;
  /** The batch API, or OTLP/HTTP in one of its encodings. */
  kind: 'batch' | `otlp-${OtlpEncoding}`;
  body: Uint8Array | undefined;
  tenant: Tenant;
  limits: BatchLimits;
  opts: PrepareOptions;
}

/** What comes back: the records' values as one transferred buffer, or the error to answer with. */
export type DecodeReply =
  | { ready: true }
  | {
      id: number;
      ok: true;
      bytes: Uint8Array;
      keys: string[];
      sizes: number[];
      counts: PreparedBatch['counts'];
      traceAgents: Map<string, string>;
      namedAgents: string[];
      order: PreparedBatch['order'];
      liveEntries?: PreparedBatch['liveEntries'];
      /** OTLP: spans received and rejected. */
      spans?: Omit<DecodedSpans, 'prepared'>;
    }
  | {
      id: number;
      ok: false;
      error: { code: ErrorCode; message: string; details?: ErrorDetail[]; retryAfterSeconds?: number };
    };

type OkReply = Extract<DecodeReply, { ok: true }>;

interface Pending {
  resolve: (r: OkReply) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  pending: Map<number, Pending>;
}

const WORKER_URL = new URL('./decode-worker.js', import.meta.url);

/**
 * Parsing, validating and encoding a batch is most of ingest's CPU time per span; on decode threads
 * it runs beside the request thread (HTTP, keys, rate limits, Kafka), so one process uses more than
 * one core. Requests go to the thread with the fewest waiting; a thread that dies fails its waiting
 * requests (500) and is replaced on the next request.
 */
export class ThreadDecoder implements BatchDecoder {
  private readonly threads: (Thread | undefined)[];
  private nextId = 0;
  private closing = false;

  private constructor(
    count: number,
    private readonly workerUrl: URL,
  ) {
    this.threads = Array.from({ length: count }, () => undefined);
  }

  /**
   * Starts `count` (≥ 1) threads and resolves once every one has loaded its code. `workerUrl`: the
   * thread's script, decode-worker.js beside this module unless a test says otherwise.
   */
  static async start(count: number, workerUrl = WORKER_URL): Promise<ThreadDecoder> {
    if (!Number.isInteger(count) || count < 1) throw new Error(`decode threads: ${count}, expected ≥ 1`);
    const d = new ThreadDecoder(count, workerUrl);
    await Promise.all(d.threads.map((_, i) => d.spawn(i).ready));
    return d;
  }

  async decode(
    body: Uint8Array | undefined,
    tenant: Tenant,
    limits: BatchLimits,
    opts: PrepareOptions = {},
  ): Promise<PreparedBatch> {
    return preparedOf(await this.send('batch', body, tenant, limits, opts));
  }

  async decodeOtlp(
    body: Uint8Array,
    encoding: OtlpEncoding,
    tenant: Tenant,
    limits: BatchLimits,
    opts: PrepareOptions = {},
  ): Promise<DecodedSpans> {
    const reply = await this.send(`otlp-${encoding}`, body, tenant, limits, opts);
    if (!reply.spans) throw new Error('decode thread answered an OTLP request without its span counts');
    return { prepared: preparedOf(reply), ...reply.spans };
  }

  private send(
    kind: DecodeRequest['kind'],
    body: Uint8Array | undefined,
    tenant: Tenant,
    limits: BatchLimits,
    opts: PrepareOptions,
  ): Promise<OkReply> {
    if (this.closing) return Promise.reject(new Error('decode threads are closed'));
    const thread = this.pick();
    const id = this.nextId++;
    const transfer: ArrayBuffer[] = [];
    let bytes = body;
    if (body !== undefined) {
      // A body that owns its whole buffer moves to the thread; a slice of a shared one is copied.
      const own = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      bytes = own ? body : new Uint8Array(body);
      if (bytes.buffer instanceof ArrayBuffer) transfer.push(bytes.buffer);
    }
    const msg: DecodeRequest = {
      id,
      kind,
      body: bytes,
      tenant: { org_id: tenant.org_id, env: tenant.env, agent_id: tenant.agent_id },
      limits,
      opts,
    };
    return new Promise<OkReply>((resolve, reject) => {
      thread.pending.set(id, { resolve, reject });
      try {
        thread.worker.postMessage(msg, transfer);
      } catch (err) {
        thread.pending.delete(id);
        reject(err as Error);
      }
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.threads.map((t) => t?.worker.terminate()));
  }

  private pick(): Thread {
    let best: Thread | undefined;
    for (let i = 0; i < this.threads.length; i++) {
      let t = this.threads[i];
      if (!t) {
        const replaced = this.spawn(i);
        // A replacement that cannot start fails the requests sent to it; nobody else awaits it.
        replaced.ready.catch(() => {});
        t = replaced.thread;
      }
      if (!best || t.pending.size < best.pending.size) best = t;
    }
    if (!best) throw new Error('no decode thread');
    return best;
  }

  private spawn(slot: number): { thread: Thread; ready: Promise<void> } {
    const worker = new Worker(this.workerUrl);
    const thread: Thread = { worker, pending: new Map() };
    this.threads[slot] = thread;
    let started: (() => void) | undefined;
    let failedToStart: ((err: Error) => void) | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      started = resolve;
      failedToStart = reject;
    });
    const fail = (err: Error) => {
      failedToStart?.(err);
      for (const p of thread.pending.values()) p.reject(err);
      thread.pending.clear();
      if (this.threads[slot] === thread) this.threads[slot] = undefined;
    };
    worker.on('message', (reply: DecodeReply) => {
      if ('ready' in reply) {
        started?.();
        return;
      }
      const p = thread.pending.get(reply.id);
      if (!p) return;
      thread.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply);
      else p.reject(errorOf(reply.error));
    });
    worker.on('error', (err) => fail(new Error(`decode thread failed: ${err.message}`, { cause: err })));
    worker.on('exit', (code) => fail(new Error(`decode thread exited with code ${code}`)));
    return { thread, ready };
  }
}

function preparedOf(r: OkReply): PreparedBatch {
  let offset = r.bytes.byteOffset;
  const records = r.keys.map((key, i) => {
    const size = r.sizes[i] ?? 0;
    const value = Buffer.from(r.bytes.buffer, offset, size);
    offset += size;
    return { key, value };
  });
  const { counts, traceAgents, namedAgents, order, liveEntries } = r;
  return { records, counts, traceAgents, namedAgents, order, ...(liveEntries ? { liveEntries } : {}) };
}

function errorOf(e: Extract<DecodeReply, { ok: false }>['error']): Error {
  if (e.code === 'internal') return new Error(e.message);
  return new BaseError(e.code, e.message, { details: e.details, retryAfterSeconds: e.retryAfterSeconds });
}

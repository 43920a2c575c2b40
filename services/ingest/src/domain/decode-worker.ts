// A decode thread of ThreadDecoder (decode-pool.ts): request bytes in, queue records out.
import { parentPort } from 'node:worker_threads';
import { BaseError } from '@mesh-trace/errors';
import type { DecodeReply, DecodeRequest } from './decode-pool.js';
import { decodeBatchBody, type PreparedBatch } from './prepared-batch.js';

/** OTLP decoding (protobufjs and its generated root) is loaded at the first OTLP request only. */
let otlp: Promise<typeof import('./otlp-decode.js')> | undefined;

const port = parentPort;
if (!port) throw new Error('decode-worker runs as a worker thread of ThreadDecoder');

port.on('message', async (req: DecodeRequest) => {
  let reply: DecodeReply;
  const transfer: ArrayBuffer[] = [];
  try {
    let p: PreparedBatch;
    let spans: Extract<DecodeReply, { ok: true }>['spans'];
    if (req.kind === 'batch') p = decodeBatchBody(req.body, req.tenant, req.limits, req.opts);
    else {
      // A failed load is tried again at the next OTLP request instead of failing every one after it.
      otlp ??= import('./otlp-decode.js').catch((err: unknown) => {
        otlp = undefined;
        throw err;
      });
      const encoding = req.kind === 'otlp-json' ? 'json' : 'protobuf';
      const body = req.body ?? new Uint8Array();
      const { prepared, ...rest } = (await otlp).decodeOtlpBody(
        body,
        encoding,
        req.tenant,
        req.limits,
        req.opts,
      );
      p = prepared;
      spans = rest;
    }
    // One buffer of its own for every record's value, moved (not copied) to the request thread.
    const sizes = p.records.map((r) => r.value.length);
    const bytes = new Uint8Array(sizes.reduce((n, s) => n + s, 0));
    let offset = 0;
    for (const r of p.records) {
      bytes.set(r.value, offset);
      offset += r.value.length;
    }
    transfer.push(bytes.buffer);
    reply = {
      id: req.id,
      ok: true,
      bytes,
      keys: p.records.map((r) => r.key),
      sizes,
      counts: p.counts,
      traceAgents: p.traceAgents,
      namedAgents: p.namedAgents,
      order: p.order,
      liveEntries: p.liveEntries,
      spans,
    };
  } catch (err) {
    reply = {
      id: req.id,
      ok: false,
      error:
        err instanceof BaseError
          ? {
              code: err.code,
              message: err.message,
              details: err.details,
              retryAfterSeconds: err.retryAfterSeconds,
            }
          : { code: 'internal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) },
    };
  }
  try {
    port.postMessage(reply, transfer);
  } catch (err) {
    port.postMessage({
      id: req.id,
      ok: false,
      error: { code: 'internal', message: `reply not sent: ${err}` },
    });
  }
});

port.postMessage({ ready: true } satisfies DecodeReply);

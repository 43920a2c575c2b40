// A decode thread of ThreadDecoder (decode-pool.ts): batch bytes in, queue records out.
import { parentPort } from 'node:worker_threads';
import { BaseError } from '@mesh-trace/errors';
import type { DecodeReply, DecodeRequest } from './decode-pool.js';
import { decodeBatchBody } from './prepared-batch.js';

const port = parentPort;
if (!port) throw new Error('decode-worker runs as a worker thread of ThreadDecoder');

port.on('message', (req: DecodeRequest) => {
  let reply: DecodeReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const p = decodeBatchBody(req.body, req.tenant, req.limits, req.opts);
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
  port.postMessage(reply, transfer);
});

port.postMessage({ ready: true } satisfies DecodeReply);

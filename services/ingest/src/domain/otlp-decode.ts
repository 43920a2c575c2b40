import type { ErrorDetail } from '@mesh-trace/errors';
import { type BatchLimits, nowNs, type Tenant } from '@mesh-trace/schema';
import { parseOtlpJson } from './otlp-json.js';
import { otlpToCandidates } from './otlp-mapping.js';
import { decodeOtlpProtobuf } from './otlp-proto.js';
import { type PreparedBatch, type PrepareOptions, prepareBatch } from './prepared-batch.js';
import { partitionValidSpans } from './span-candidates.js';

export type OtlpEncoding = 'json' | 'protobuf';

/** An OTLP request decoded: its valid spans ready to produce, and what was rejected. */
export interface DecodedSpans {
  prepared: PreparedBatch;
  /** Spans in the request. */
  received: number;
  rejected: number;
  /** Problems of the rejected spans (at most 100). */
  problems: ErrorDetail[];
}

/**
 * POST /v1/traces from its (inflated) bytes: OTLP/JSON or protobuf decoding, mapping to the span
 * model, validation span by span, encoding. Run on a decode thread (decode-pool.ts) or inline.
 */
export function decodeOtlpBody(
  body: Uint8Array,
  encoding: OtlpEncoding,
  tenant: Tenant,
  limits: BatchLimits,
  opts: PrepareOptions = {},
): DecodedSpans {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const request = encoding === 'json' ? parseOtlpJson(bytes) : decodeOtlpProtobuf(bytes);
  const candidates = otlpToCandidates(request);
  const now = limits.now ?? nowNs();
  const parts = partitionValidSpans(candidates, { ...limits, now });
  return {
    // The items ride along for live publishing when decoded inline; a decode thread does not send them.
    prepared: { ...prepareBatch(parts.batch, tenant, now, opts), batch: parts.batch },
    received: candidates.length,
    rejected: parts.rejected,
    problems: parts.problems,
  };
}

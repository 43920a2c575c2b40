import { BaseError, type ErrorDetail, ValidationError } from '@mesh-trace/errors';
import { type Batch, type BatchLimits, nowNs, parseBatch, type SpanInput } from '@mesh-trace/schema';

/** A span in the batch-API shape (not yet validated) and where it came from in the request. */
export interface CandidateSpan {
  path: string;
  span: unknown;
  /** Set when mapping the span already failed: it is rejected with this reason. */
  problem?: ErrorDetail;
}

export interface PartitionedSpans {
  batch: Batch;
  /** Problems of the rejected spans, paths relative to the request (at most 100). */
  problems: ErrorDetail[];
  rejected: number;
}

/**
 * Validates spans one by one with the batch endpoint's own rules, so the span APIs (OTLP, Zipkin)
 * can accept the valid spans of a request and report the rest. Only a request over the item limit
 * is refused as a whole.
 */
export function partitionValidSpans(candidates: CandidateSpan[], limits: BatchLimits): PartitionedSpans {
  if (candidates.length > limits.maxItems) {
    throw new ValidationError(`Request has ${candidates.length} spans; the limit is ${limits.maxItems}`, [
      { path: '', message: `at most ${limits.maxItems} spans per request` },
    ]);
  }
  const empty = (): Batch => ({ traces: [], spans: [], events: [] });
  if (candidates.length === 0) return { batch: empty(), problems: [], rejected: 0 };
  const limitsNow = { ...limits, now: limits.now ?? nowNs() };
  // Fast path: the whole request is valid, one validation pass.
  if (!candidates.some((c) => c.problem)) {
    try {
      return {
        batch: parseBatch({ spans: candidates.map((c) => c.span) }, limitsNow),
        problems: [],
        rejected: 0,
      };
    } catch (err) {
      if (!(err instanceof BaseError)) throw err;
    }
  }
  const spans: SpanInput[] = [];
  const problems: ErrorDetail[] = [];
  const seen = new Set<string>();
  let rejected = 0;
  const reject = (details: ErrorDetail[]) => {
    rejected += 1;
    for (const d of details) if (problems.length < 100) problems.push(d);
  };
  for (const c of candidates) {
    if (c.problem) {
      reject([c.problem]);
      continue;
    }
    try {
      const span = parseBatch({ spans: [c.span] }, limitsNow).spans[0];
      if (!span) continue;
      const key = `${span.trace_id}/${span.span_id}`;
      if (seen.has(key)) {
        reject([{ path: `${c.path}.span_id`, message: 'duplicate of an earlier span in this request' }]);
        continue;
      }
      seen.add(key);
      spans.push(span);
    } catch (err) {
      if (!(err instanceof BaseError)) throw err;
      const details = err.details?.length ? err.details : [{ path: '', message: err.message }];
      // parseBatch reports `spans[0].x`; the caller's path says where the span sat in its request.
      reject(
        details.map((d) => ({ path: `${c.path}${d.path.replace(/^spans\[0\]/, '')}`, message: d.message })),
      );
    }
  }
  return { batch: { ...empty(), spans }, problems, rejected };
}

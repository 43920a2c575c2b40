import type { AuthContext } from '@mesh-trace/auth';
import { BaseError, type ErrorDetail, ValidationError } from '@mesh-trace/errors';
import { type Batch, type BatchLimits, nowNs, parseBatch, type SpanInput } from '@mesh-trace/schema';
import type { IngestDeps } from '../app.js';
import { type PreparedBatch, prepareBatch } from './prepared-batch.js';
import { assertOwnTraces, rememberAccepted } from './remember-accepted.js';

/**
 * The one accept path of every ingest API (batch, OTLP, Zipkin): ownership check, produce (the
 * caller answers 2xx only after the queue acknowledged every record), accepted-trace store, live
 * stream, metrics.
 */
export async function acceptPrepared(
  deps: IngestDeps,
  auth: AuthContext,
  prepared: PreparedBatch,
): Promise<void> {
  if (auth.agent_id) await assertOwnTraces(deps, auth, prepared);
  const endTimer = deps.metrics.produceSeconds.startTimer();
  await deps.producer.send(deps.cfg.topic, prepared.records);
  endTimer();
  const { traces, spans, events } = prepared.counts;
  deps.metrics.batchItems.observe(traces + spans + events);
  await rememberAccepted(deps, auth, prepared);
  deps.live?.publishBatch(auth, prepared);
  deps.metrics.accepted.inc({ kind: 'spans' }, spans);
  deps.metrics.accepted.inc({ kind: 'traces' }, traces);
  deps.metrics.accepted.inc({ kind: 'events' }, events);
}

/** acceptPrepared for a batch validated on this thread (the span APIs). */
export async function acceptBatch(deps: IngestDeps, auth: AuthContext, batch: Batch): Promise<void> {
  await acceptPrepared(deps, auth, { ...prepareBatch(batch, auth, nowNs()), batch });
}

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

const DAY_NS = 86_400_000_000_000n;

/**
 * The span APIs' accept step: validate each span, accept the valid ones through acceptBatch, and
 * return what was rejected for the caller's response.
 */
export async function acceptSpans(
  deps: IngestDeps,
  auth: AuthContext,
  candidates: CandidateSpan[],
): Promise<PartitionedSpans> {
  const limits = { maxItems: deps.cfg.maxBatchItems, retentionNs: BigInt(deps.cfg.retentionDays) * DAY_NS };
  const parts = partitionValidSpans(candidates, limits);
  if (parts.batch.spans.length) await acceptBatch(deps, auth, parts.batch);
  if (parts.rejected) {
    deps.logger.warn(
      {
        org_id: auth.org_id,
        accepted: parts.batch.spans.length,
        rejected: parts.rejected,
        first: parts.problems[0],
      },
      'spans_rejected',
    );
  }
  return parts;
}

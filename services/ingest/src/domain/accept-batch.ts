import type { AuthContext } from '@mesh-trace/auth';
import { type Batch, type BatchLimits, nowNs } from '@mesh-trace/schema';
import type { IngestDeps } from '../app.js';
import type { DecodedSpans } from './otlp-decode.js';
import { type PreparedBatch, prepareBatch } from './prepared-batch.js';
import { assertOwnTraces, rememberAccepted } from './remember-accepted.js';
import { type CandidateSpan, type PartitionedSpans, partitionValidSpans } from './span-candidates.js';

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

const DAY_NS = 86_400_000_000_000n;

/** The item limit and retention window every ingest API validates against. */
export function batchLimits(cfg: IngestDeps['cfg']): BatchLimits {
  return { maxItems: cfg.maxBatchItems, retentionNs: BigInt(cfg.retentionDays) * DAY_NS };
}

/**
 * The span APIs' accept step: validate each span, accept the valid ones through acceptBatch, and
 * return what was rejected for the caller's response.
 */
export async function acceptSpans(
  deps: IngestDeps,
  auth: AuthContext,
  candidates: CandidateSpan[],
): Promise<PartitionedSpans> {
  const parts = partitionValidSpans(candidates, batchLimits(deps.cfg));
  if (parts.batch.spans.length) await acceptBatch(deps, auth, parts.batch);
  logRejected(deps, auth, parts.batch.spans.length, parts);
  return parts;
}

/** The same for spans validated and encoded on a decode thread (OTLP). */
export async function acceptDecodedSpans(
  deps: IngestDeps,
  auth: AuthContext,
  decoded: DecodedSpans,
): Promise<void> {
  const accepted = decoded.prepared.counts.spans;
  if (accepted) await acceptPrepared(deps, auth, decoded.prepared);
  logRejected(deps, auth, accepted, decoded);
}

function logRejected(
  deps: IngestDeps,
  auth: AuthContext,
  accepted: number,
  { rejected, problems }: { rejected: number; problems: PartitionedSpans['problems'] },
): void {
  if (!rejected) return;
  deps.logger.warn({ org_id: auth.org_id, accepted, rejected, first: problems[0] }, 'spans_rejected');
}

import {
  type Batch,
  formatIsoNs,
  LIVE_MAX_DATA_BYTES,
  type LiveEntryInput,
  type LiveEventType,
} from '@mesh-trace/schema';

/**
 * The live-stream entries of a batch's items whose trace has an owner (`ownerOf`), in the batch's
 * order: trace records, then spans, then events. Pure, so a decode thread can build them too.
 */
export function liveEntriesOf(
  batch: Batch,
  ownerOf: (traceId: string) => string | undefined,
): LiveEntryInput[] {
  const out: LiveEntryInput[] = [];
  for (const t of batch.traces) {
    const agent = ownerOf(t.trace_id);
    if (!agent) continue;
    out.push(
      entry(agent, 'trace.started', {
        trace_id: t.trace_id,
        agent_id: agent,
        name: t.name,
        service: t.service ?? null,
        start_time: formatIsoNs(t.start_time),
        ...small('attributes', t.attributes),
        ...small('input', t.input),
      }),
    );
  }
  for (const s of batch.spans) {
    const agent = ownerOf(s.trace_id);
    if (!agent) continue;
    out.push(
      entry(agent, 'span', {
        trace_id: s.trace_id,
        span_id: s.span_id,
        parent_span_id: s.parent_span_id ?? null,
        name: s.name,
        service: s.service,
        kind: s.kind,
        start_time: formatIsoNs(s.start_time),
        end_time: formatIsoNs(s.end_time),
        duration_ms: Number(s.end_time - s.start_time) / 1e6,
        status: s.status,
        ...(s.status_message ? { status_message: s.status_message.slice(0, 1024) } : {}),
        ...small('attributes', s.attributes),
      }),
    );
  }
  for (const e of batch.events) {
    const agent = ownerOf(e.trace_id);
    if (!agent) continue;
    out.push(
      entry(agent, 'event', {
        trace_id: e.trace_id,
        span_id: e.span_id ?? null,
        type: e.type,
        timestamp: formatIsoNs(e.timestamp),
        ...small('data', e.data),
      }),
    );
  }
  return out;
}

export function entry(agentId: string, type: LiveEventType, data: Record<string, unknown>): LiveEntryInput {
  return { agent_id: agentId, type, data: JSON.stringify(data) };
}

/** Payloads ride along only when small; a live view links to the stored trace for the rest. */
function small(field: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  const text = JSON.stringify(value);
  if (text === undefined) return {};
  return text.length <= LIVE_MAX_DATA_BYTES ? { [field]: value } : { [`${field}_truncated`]: true };
}

import type { AuthContext } from '@mesh-trace/auth';
import { ForbiddenError } from '@mesh-trace/errors';
import type { Batch } from '@mesh-trace/schema';
import type { IngestDeps } from '../app.js';

/**
 * Records the batch's trace ids after Kafka acknowledged them. A failure here is logged, not
 * returned: the data is durably queued, and /complete falls back to ClickHouse once it is stored.
 */
export async function rememberAccepted(deps: IngestDeps, auth: AuthContext, batch: Batch): Promise<void> {
  const owners = new Map<string, string>();
  const note = (traceId: string, agent?: string) => {
    if (!owners.has(traceId) || agent) owners.set(traceId, auth.agent_id ?? agent ?? '');
  };
  for (const t of batch.traces) note(t.trace_id, t.agent_id);
  for (const s of batch.spans) note(s.trace_id);
  for (const e of batch.events) note(e.trace_id);
  try {
    await deps.accepted.remember(auth, owners);
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message, traces: owners.size }, 'accepted_traces_not_recorded');
  }
}

/**
 * An agent-bound key sends only its own agent's traces: a trace record naming another agent, or a
 * trace id already accepted for another agent, is refused with 403.
 */
export async function assertOwnTraces(deps: IngestDeps, auth: AuthContext, batch: Batch): Promise<void> {
  const mine = auth.agent_id;
  if (!mine) return;
  for (const t of batch.traces) {
    if (t.agent_id && t.agent_id !== mine)
      throw new ForbiddenError(`This key may only send traces of agent ${mine}`);
  }
  const ids = new Set<string>();
  for (const t of batch.traces) ids.add(t.trace_id);
  for (const s of batch.spans) ids.add(s.trace_id);
  for (const e of batch.events) ids.add(e.trace_id);
  const owners = await deps.accepted.owners(auth, [...ids]).catch(() => new Map<string, string>());
  for (const [traceId, owner] of owners) {
    if (owner !== mine) throw new ForbiddenError(`Trace ${traceId} belongs to another agent`);
  }
}

import type { AuthContext } from '@mesh-trace/auth';
import { ForbiddenError } from '@mesh-trace/errors';
import type { IngestDeps } from '../app.js';
import type { PreparedBatch } from './prepared-batch.js';

/**
 * Records the batch's trace ids after Kafka acknowledged them. A failure here is logged, not
 * returned: the data is durably queued, and /complete falls back to ClickHouse once it is stored.
 */
export async function rememberAccepted(
  deps: IngestDeps,
  auth: AuthContext,
  batch: PreparedBatch,
): Promise<void> {
  const bound = auth.agent_id;
  const owners = bound ? new Map([...batch.traceAgents.keys()].map((id) => [id, bound])) : batch.traceAgents;
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
export async function assertOwnTraces(
  deps: IngestDeps,
  auth: AuthContext,
  batch: PreparedBatch,
): Promise<void> {
  const mine = auth.agent_id;
  if (!mine) return;
  if (batch.namedAgents.some((agent) => agent !== mine))
    throw new ForbiddenError(`This key may only send traces of agent ${mine}`);
  const ids = [...batch.traceAgents.keys()];
  const owners = await deps.accepted.owners(auth, ids).catch(() => new Map<string, string>());
  for (const [traceId, owner] of owners) {
    if (owner !== mine) throw new ForbiddenError(`Trace ${traceId} belongs to another agent`);
  }
}

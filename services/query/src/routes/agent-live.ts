import {
  DependencyUnavailableError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '@mesh-trace/errors';
import { compareLiveIds, LIVE_ID, type LiveEntry } from '@mesh-trace/schema';
import type { Express, Request, RequestHandler } from 'express';
import type { QueryDeps } from '../app.js';
import { AgentDirectory } from '../live/agent-directory.js';
import { LiveConnections } from '../live/live-connections.js';
import type { LiveFeed } from '../live/live-feed.js';

export interface LiveRouteOptions {
  feed: LiveFeed;
  /** A comment line every so often keeps proxies from closing idle streams (15 s). */
  heartbeatMs?: number;
  /** Bytes a client may leave unread before it is dropped (1 MiB). */
  maxBufferBytes?: number;
}

/** Entries read per round trip while a resuming client catches up. */
const PAGE = 1_000;

function lastEventIdOf(req: Request): string | undefined {
  const header = req.headers['last-event-id'];
  const raw = typeof header === 'string' && header !== '' ? header : req.query.last_event_id;
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !LIVE_ID.test(raw)) {
    throw new ValidationError(
      'Last-Event-ID must be an id received from this stream',
      [{ path: 'Last-Event-ID', message: 'expected <ms>-<seq>' }],
      'invalid_request',
    );
  }
  return raw;
}

/**
 * GET /v1/agents/:id/live — Server-Sent Events of an agent's traces (API.md §6): trace.started, span,
 * event, trace.completed, each with an id. Last-Event-ID (header, or `last_event_id` for clients that
 * cannot set headers) resumes after that id; without it the stream starts at the newest entry.
 * Returns the connection pool so the service can end every stream on shutdown.
 */
export function registerAgentLive(
  app: Express,
  deps: QueryDeps,
  live: LiveRouteOptions,
  guards: RequestHandler[],
): LiveConnections {
  const { feed } = live;
  const directory = new AgentDirectory(feed, deps.ch);
  const pool = new LiveConnections(
    deps.logger,
    deps.registry,
    live.maxBufferBytes ?? 1024 * 1024,
    live.heartbeatMs ?? 15_000,
  );

  app.get('/v1/agents/:agent_id/live', ...guards, async (req, res) => {
    const auth = req.auth;
    if (!auth) throw new ForbiddenError('not authenticated');
    const agentId = String(req.params.agent_id);
    if (agentId.length === 0 || agentId.length > 256) {
      throw new ValidationError(
        'agent id must be 1 to 256 characters',
        [{ path: 'agent_id', message: 'must be 1 to 256 characters' }],
        'invalid_request',
      );
    }
    if (auth.agent_id && auth.agent_id !== agentId)
      throw new ForbiddenError(`This key may only read the live stream of agent ${auth.agent_id}`);
    const resumeFrom = lastEventIdOf(req);
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    let start: string;
    try {
      if (!(await directory.hasTraces(auth, agentId, abort.signal)))
        throw new NotFoundError('Agent not found');
      const tail = await feed.tail(auth, agentId);
      // An id beyond the stream's tail (a forged or foreign Last-Event-ID) would otherwise become the
      // shared reader's position for this agent and silence every subscriber of this replica.
      start = resumeFrom !== undefined && compareLiveIds(resumeFrom, tail) <= 0 ? resumeFrom : tail;
    } catch (err) {
      // Redis or ClickHouse down: a retryable 503, not a 500; the client's reconnect loop waits it out.
      throw err instanceof NotFoundError ? err : new DependencyUnavailableError('live stream store', err);
    }
    // The client left while we looked: nothing to stream, and no 'close' event will come again.
    if (abort.signal.aborted || res.destroyed) return;

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // Proxies such as nginx would otherwise buffer the stream.
      'X-Accel-Buffering': 'no',
    });
    const conn = pool.add(res, start);
    conn.write('retry: 1000\n: connected\n\n');
    // Live entries wait here while the catch-up reads what the shared reader has already passed.
    let catchingUp = true;
    const held: LiveEntry[] = [];
    let heldBytes = 0;
    const sub = feed.subscribe(auth, agentId, start, {
      entries: (list) => {
        if (!catchingUp) return conn.send(list);
        held.push(...list);
        heldBytes += list.reduce((n, e) => n + e.data.length, 0);
        // Bounded in bytes like a connection's write buffer, not in entries (each can be ~16 KiB).
        if (heldBytes > (live.maxBufferBytes ?? 1024 * 1024)) conn.drop('catch_up_overflow');
      },
      closed: () => conn.end(),
    });
    conn.onClose(() => sub.close());
    try {
      while (!conn.closed && compareLiveIds(conn.cursor, sub.since) < 0) {
        const page = await feed.range(auth, agentId, conn.cursor, sub.since, PAGE);
        if (page.length === 0) break;
        conn.send(page);
      }
    } catch (err) {
      deps.logger.warn({ err: (err as Error).message, agent_id: agentId }, 'live_catch_up_failed');
      conn.end();
      return;
    }
    catchingUp = false;
    conn.send(held.splice(0));
  });
  return pool;
}

import type { Tenant } from './bus-message.js';

/**
 * The live-stream contract between ingest (which appends) and query (which serves
 * GET /v1/agents/:id/live). Each entry is one SSE event; `data` is its JSON text, kept compact
 * (no payloads over LIVE_MAX_DATA_BYTES, no resources or span events).
 */
export const LIVE_EVENT_TYPES = ['trace.started', 'span', 'event', 'trace.completed'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEntryInput {
  /** The agent whose stream receives the event. */
  agent_id: string;
  type: LiveEventType;
  /** JSON text of the event. */
  data: string;
}

/** An entry as stored: `id` orders entries within one agent's stream and is the SSE id. */
export interface LiveEntry {
  id: string;
  type: LiveEventType;
  data: string;
}

/** Payloads (trace input, event data) larger than this are left out of live events. */
export const LIVE_MAX_DATA_BYTES = 8 * 1024;

/** Stream ids as Redis assigns them: `<ms>-<seq>`. */
export const LIVE_ID = /^\d{1,16}-\d{1,16}$/;

/** One stream per (org, env, agent); the agent id is length-prefixed so no id can alias another. */
export function liveStreamKey(tenant: Tenant, agentId: string): string {
  return `mt:live:${tenant.org_id}:${tenant.env}:${agentId.length}:${agentId}`;
}

/** Orders two stream ids (`<ms>-<seq>`): negative when a < b. */
export function compareLiveIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const ms = BigInt(am) - BigInt(bm);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const s = BigInt(as) - BigInt(bs);
  return s === 0n ? 0 : s < 0n ? -1 : 1;
}

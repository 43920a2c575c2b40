#!/usr/bin/env -S npx tsx
// Tails an agent's live stream (GET /v1/agents/:id/live), reconnecting and resuming by itself.
// In your project: import { MeshTraceClient } from '@mesh-trace/sdk';
import { type LiveEvent, MeshTraceClient, MeshTraceError } from '../packages/sdk/src/index.js';
import { apiKey, exampleArgs } from './example-cli.js';

const HELP = `examples/tail-live.ts — prints an agent's trace updates as they happen

Usage: npx tsx examples/tail-live.ts [--query URL] [--key KEY] [--agent ID] [--from EVENT_ID]

  --query URL      query API (default http://localhost:4000, the all-in-one of \`make run\`)
  --key KEY        API key with the read scope (default: $MESH_TRACE_KEY, else .data/dev-admin-key)
  --agent ID       the agent to follow (default travel-agent); waits for its first trace
  --from EVENT_ID  resume after this event id (printed in brackets) instead of starting now
  --help           this text

Stop with Ctrl-C. Send traces with: npx tsx examples/agent.ts
`;

const values = exampleArgs<{ query: string; agent: string; from?: string }>(HELP, {
  query: { type: 'string', default: 'http://localhost:4000' },
  agent: { type: 'string', default: 'travel-agent' },
  from: { type: 'string' },
});

const client = new MeshTraceClient({ baseUrl: values.query, apiKey: apiKey(values.key) });
const stop = new AbortController();
process.on('SIGINT', () => stop.abort());

let lastEventId = values.from;
console.error(`following agent ${values.agent} on ${values.query} (Ctrl-C to stop)`);
while (!stop.signal.aborted) {
  const stream = client.agents.live(values.agent, {
    lastEventId,
    signal: stop.signal,
    onReconnect: ({ attempt, delayMs }) =>
      console.error(`(reconnecting in ${delayMs} ms, attempt ${attempt})`),
  });
  try {
    for await (const ev of stream) print(ev);
  } catch (err) {
    if (err instanceof MeshTraceError && err.status === 404) {
      // The stream exists once the agent sent its first trace: wait for it.
      // From '0-0' once it appears, so its first trace is shown from the start.
      console.error('(no traces from this agent yet; checking again in 2 s)');
      lastEventId = '0-0';
      await new Promise((r) => setTimeout(r, 2_000));
      continue;
    }
    console.error(`stopped: ${(err as Error).message}`);
    process.exitCode = 1;
  }
  lastEventId = stream.lastEventId;
  break;
}

function print(ev: LiveEvent): void {
  const d = ev.data;
  const trace = String(d.trace_id ?? '').slice(0, 8);
  const what =
    ev.type === 'span'
      ? `${d.name} ${d.status} ${Number(d.duration_ms).toFixed(1)} ms`
      : ev.type === 'event'
        ? `${d.type} ${JSON.stringify(d.data ?? {})}`
        : ev.type === 'trace.started'
          ? `${d.name}`
          : `${d.status}${d.error ? `: ${(d.error as { message: string }).message}` : ''}`;
  console.log(`[${ev.id}] ${trace} ${ev.type.padEnd(15)} ${what}`);
}

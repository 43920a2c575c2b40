#!/usr/bin/env -S npx tsx
// An instrumented agent: one trace with an LLM call and two tool calls, then completed.
// In your project: import { Tracer } from '@mesh-trace/sdk';
import { Tracer } from '../packages/sdk/src/index.js';
import { apiKey, exampleArgs } from './example-cli.js';

const HELP = `examples/agent.ts — sends one agent trace (LLM call, two tool calls) to Mesh-Trace

Usage: npx tsx examples/agent.ts [--ingest URL] [--key KEY] [--agent ID] [--fail]

  --ingest URL   ingest API (default http://localhost:4001, the all-in-one of \`make run\`)
  --key KEY      API key with the ingest scope (default: $MESH_TRACE_KEY, else .data/dev-admin-key)
  --agent ID     agent id owning the trace (default travel-agent)
  --fail         make the second tool call fail: the trace completes as errored
  --help         this text

Watch it live in another terminal: npx tsx examples/tail-live.ts --agent travel-agent
`;

const values = exampleArgs<{ ingest: string; agent: string; fail: boolean }>(HELP, {
  ingest: { type: 'string', default: 'http://localhost:4001' },
  agent: { type: 'string', default: 'travel-agent' },
  fail: { type: 'boolean', default: false },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const tracer = new Tracer({
  baseUrl: values.ingest,
  apiKey: apiKey(values.key),
  service: 'travel-agent',
  agentId: values.agent,
  logger: { warn: (message, context) => console.error(`mesh-trace: ${message}`, context) },
});

const question = 'Plan a weekend in Lisbon';
const trace = tracer.startTrace('plan-trip', { input: { question }, attributes: { 'user.id': 'u-42' } });
console.log(`trace ${trace.traceId} for agent ${values.agent}`);
try {
  const answer = await trace.span('agent.run', async (run) => {
    const plan = await trace.span(
      'llm.plan',
      async (llm) => {
        llm.setAttribute('llm.model', 'gpt-x').setAttribute('llm.tokens', 412);
        await sleep(120);
        return ['search_flights', 'search_hotels'];
      },
      { parent: run, kind: 'client' },
    );
    const results: string[] = [];
    for (const tool of plan) {
      const out = await trace.span(
        `tool.${tool}`,
        async (span) => {
          trace.event('tool.call', { tool, args: { city: 'Lisbon' } }, { span });
          await sleep(80);
          if (values.fail && tool === 'search_hotels') throw new Error('hotel API timed out');
          return `${tool}: 3 options`;
        },
        { parent: run, kind: 'client' },
      );
      results.push(out);
    }
    return results.join('; ');
  });
  trace.complete({ output: { answer } });
  console.log(`completed: ${answer}`);
} catch (err) {
  // The agent's own failure: the trace records it as errored.
  trace.complete({ error: err });
  console.log(`errored: ${(err as Error).message}`);
}
await tracer.shutdown();
console.log(`sent ${tracer.sent} items, dropped ${tracer.dropped}`);

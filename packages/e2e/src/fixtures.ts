import { randomBytes } from 'node:crypto';

export const randomTraceId = () => randomBytes(16).toString('hex');
export const randomSpanId = () => randomBytes(8).toString('hex');

/** A small agent trace: a root span, an LLM child with an event, and an agent event. */
export function sampleBatch(traceId = randomTraceId(), now = Date.now()) {
  const root = randomSpanId();
  const child = randomSpanId();
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    traceId,
    root,
    child,
    body: {
      traces: [
        {
          trace_id: traceId,
          name: 'plan-trip',
          service: 'travel-agent',
          agent_id: 'agent_123',
          start_time: iso(now - 50),
          attributes: { 'user.id': 'u1' },
          input: { q: 'Lisbon' },
        },
      ],
      spans: [
        {
          trace_id: traceId.toUpperCase(),
          span_id: root,
          parent_span_id: null,
          name: 'plan-trip',
          service: 'travel-agent',
          kind: 'server',
          start_time: iso(now - 50),
          end_time: iso(now),
          status: 'ok',
          attributes: { 'http.method': 'GET', retries: 2, cached: false },
          resource: { 'k8s.cluster.name': 'eu-1' },
        },
        {
          trace_id: traceId,
          span_id: child,
          parent_span_id: root,
          name: 'llm.call',
          service: 'llm-gateway',
          kind: 'client',
          // Epoch nanoseconds as a string: the OTLP style, exact beyond 2^53.
          start_time: `${BigInt(now - 40) * 1_000_000n + 123n}`,
          end_time: iso(now - 10),
          status: 'error',
          status_message: 'upstream timeout',
          attributes: { model: 'gpt-x', tokens: [1, 2] },
          events: [{ name: 'exception', time: iso(now - 11), attributes: { 'exception.type': 'Timeout' } }],
        },
      ],
      events: [
        {
          trace_id: traceId,
          span_id: child,
          type: 'tool.call',
          timestamp: iso(now - 20),
          data: { tool: 'search' },
        },
      ],
    },
  };
}

import { expect } from 'vitest';
import type { sampleBatch } from './fixtures.js';

/** What a user reads back for the sample batch, whichever deployment stored it. */
export function expectSampleTrace(
  trace: Record<string, unknown>,
  sample: ReturnType<typeof sampleBatch>,
): void {
  const spans = trace.spans as Record<string, unknown>[];
  expect(trace.trace_id).toBe(sample.traceId);
  expect(trace.name).toBe('plan-trip');
  expect(trace.root_service).toBe('travel-agent');
  expect(trace.services).toEqual(['llm-gateway', 'travel-agent']);
  expect(trace.span_count).toBe(2);
  expect(trace.error_count).toBe(1);
  expect(trace.status).toBe('error');
  expect(trace.agent_id).toBe('agent_123');
  expect(trace.input).toEqual({ q: 'Lisbon' });
  expect(spans.map((s) => s.span_id)).toEqual([sample.root, sample.child]);
  const [root, child] = spans;
  expect(root).toMatchObject({
    parent_span_id: null,
    name: 'plan-trip',
    kind: 'server',
    status: 'ok',
    attributes: { 'http.method': 'GET', retries: '2', cached: 'false' },
    resource: { 'k8s.cluster.name': 'eu-1' },
  });
  expect(child).toMatchObject({
    parent_span_id: sample.root,
    service: 'llm-gateway',
    status: 'error',
    status_message: 'upstream timeout',
    attributes: { model: 'gpt-x', tokens: '[1,2]' },
  });
  // Nanosecond precision survives ingest → queue → ClickHouse → API.
  expect(String(child?.start_time)).toMatch(/\.\d{6}123Z$/);
  expect((child?.events as unknown[] | undefined)?.[0]).toMatchObject({
    name: 'exception',
    attributes: { 'exception.type': 'Timeout' },
  });
  expect(trace.events).toEqual([
    expect.objectContaining({ span_id: sample.child, type: 'tool.call', data: { tool: 'search' } }),
  ]);
}

/**
 * The writer inserts a trace's tables one after another, so a reader may briefly see the spans
 * before the agent events: wait for the whole sample, not just the first 200.
 */
export function sampleComplete(trace: Record<string, unknown>): boolean {
  return (
    trace.span_count === 2 && Array.isArray(trace.events) && trace.events.length === 1 && trace.input !== null
  );
}

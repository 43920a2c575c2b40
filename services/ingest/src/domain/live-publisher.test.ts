import { createLogger } from '@mesh-trace/config';
import { Registry } from '@mesh-trace/http';
import { type Batch, type LiveEntryInput, nowNs, parseBatch, type Tenant } from '@mesh-trace/schema';
import { describe, expect, it } from 'vitest';
import { MemoryAcceptedTraces } from './accepted-traces.js';
import { LivePublisher, type LiveSink } from './live-publisher.js';
import { type PreparedBatch, prepareBatch } from './prepared-batch.js';

const tenant: Tenant = { org_id: 'o1', env: 'live' };
const T1 = 'a'.repeat(32);
const T2 = 'b'.repeat(32);
const T3 = 'c'.repeat(32);
const iso = new Date().toISOString();
const parse = (body: unknown) => parseBatch(body, { maxItems: 10_000, retentionNs: 86_400_000_000_000n });
/** As a decode thread hands a batch over: queue records only, the live publisher reads them back. */
const batch = (body: unknown): PreparedBatch => prepareBatch(parse(body), tenant, nowNs());
/** As the span APIs hand a batch over: the validated items ride along. */
const withItems = (body: unknown): PreparedBatch => {
  const items: Batch = parse(body);
  return { ...prepareBatch(items, tenant, nowNs()), batch: items };
};
let spanSeq = 0;
const span = (trace: string, name: string) => ({
  trace_id: trace,
  span_id: (++spanSeq).toString(16).padStart(16, '0'),
  name,
  service: 's',
  start_time: iso,
  end_time: iso,
});

class RecordingSink implements LiveSink {
  readonly entries: LiveEntryInput[] = [];
  fail = false;
  gate: Promise<void> = Promise.resolve();
  async append(_t: Tenant, entries: LiveEntryInput[]): Promise<void> {
    await this.gate;
    if (this.fail) throw new Error('redis down');
    this.entries.push(...entries);
  }
}

/** Counts owner lookups (one Redis MGET each in the split deployment). */
class CountingAcceptedTraces extends MemoryAcceptedTraces {
  lookups = 0;
  override async owners(t: Tenant, ids: string[]): Promise<Map<string, string>> {
    this.lookups++;
    return super.owners(t, ids);
  }
}

function setup(maxQueuedItems?: number) {
  const sink = new RecordingSink();
  const accepted = new CountingAcceptedTraces(60);
  const registry = new Registry();
  const live = new LivePublisher({
    sink,
    accepted,
    logger: createLogger({ name: 'test', level: 'silent' }),
    registry,
    maxQueuedItems,
  });
  return { sink, accepted, registry, live };
}

describe('LivePublisher', () => {
  it.each([
    ['queue records', batch],
    ['validated items', withItems],
  ])(
    "routes spans to their trace's agent (same batch or remembered), in order, and skips agent-less traces (from %s)",
    async (_form, prepare) => {
      const { sink, accepted, live } = setup();
      await accepted.remember(tenant, new Map([[T2, 'agent-b']]));
      live.publishBatch(
        tenant,
        prepare({
          traces: [{ trace_id: T1, name: 'run', agent_id: 'agent-a', start_time: iso }],
          spans: [span(T1, 'first'), span(T2, 'second'), span(T3, 'nobody'), span(T1, 'third')],
          events: [{ trace_id: T1, type: 'tool.call', timestamp: iso, data: { big: 'x'.repeat(10_000) } }],
        }),
      );
      live.publishCompletion(tenant, T1, 'agent-a', { status: 'completed', attributes: {} }, 1n);
      await live.flush();
      // The batch's order, though a trace's items travel together in its queue records.
      expect(sink.entries.map((e) => `${e.agent_id}:${e.type}:${JSON.parse(e.data).name ?? ''}`)).toEqual([
        'agent-a:trace.started:run',
        'agent-a:span:first',
        'agent-b:span:second',
        'agent-a:span:third',
        'agent-a:event:',
        'agent-a:trace.completed:',
      ]);
      expect(JSON.parse(sink.entries[1]?.data ?? '{}')).toEqual({
        trace_id: T1,
        span_id: expect.stringMatching(/^[0-9a-f]{16}$/),
        parent_span_id: null,
        name: 'first',
        service: 's',
        kind: 'internal',
        start_time: `${iso.slice(0, 23)}000000Z`,
        end_time: `${iso.slice(0, 23)}000000Z`,
        duration_ms: 0,
        status: 'unset',
        attributes: {},
      });
      expect(JSON.parse(sink.entries[4]?.data ?? '{}')).toMatchObject({
        type: 'tool.call',
        data_truncated: true,
      });
    },
  );

  it('gives every item of an agent-bound key to its agent', async () => {
    const { sink, live } = setup();
    live.publishBatch({ ...tenant, agent_id: 'bound' }, batch({ spans: [span(T3, 'x')] }));
    await live.flush();
    expect(sink.entries.map((e) => e.agent_id)).toEqual(['bound']);
  });

  it('publishes the entries a decode thread built as it would have built them itself', async () => {
    const body = {
      traces: [{ trace_id: T1, name: 'run', agent_id: 'agent-a', start_time: iso, input: { q: 1 } }],
      spans: [span(T1, 'one'), span(T2, 'two'), span(T1, 'three')],
      events: [{ trace_id: T2, type: 'tool.call', timestamp: iso, data: { a: 1 } }],
    };
    const bound = { ...tenant, agent_id: 'bound' };
    const published = async (prepared: PreparedBatch) => {
      const { sink, live } = setup();
      live.publishBatch(bound, prepared);
      await live.flush();
      return sink.entries;
    };
    const built = prepareBatch(parse(body), bound, nowNs(), { liveEntries: true });
    expect(built.liveEntries).toHaveLength(5);
    expect(await published(built)).toEqual(await published(prepareBatch(parse(body), bound, nowNs())));
  });

  it('looks owners up once per key for all batches queued meanwhile, and keeps their order', async () => {
    const { sink, accepted, live } = setup();
    await accepted.remember(tenant, new Map([[T2, 'agent-b']]));
    let open: () => void = () => {};
    sink.gate = new Promise((r) => {
      open = r;
    });
    live.publishBatch(tenant, batch({ spans: [span(T2, 'first')] })); // the pump takes it at once
    for (let i = 0; i < 20; i++)
      live.publishBatch(tenant, batch({ spans: [span(T2, `b${i}`), span(T3, 'x')] }));
    // A trace record in a later batch names the agent of spans queued before it.
    live.publishBatch(
      tenant,
      batch({ traces: [{ trace_id: T3, name: 'late', agent_id: 'agent-c', start_time: iso }] }),
    );
    live.publishBatch({ ...tenant, agent_id: 'bound' }, batch({ spans: [span(T1, 'bound')] }));
    open();
    await live.flush();
    // First round: one lookup; second round: one for the unbound key, none for the agent-bound one.
    expect(accepted.lookups).toBe(2);
    const names = sink.entries
      .filter((e) => e.type === 'span')
      .map((e) => `${e.agent_id}:${JSON.parse(e.data).name}`);
    expect(names).toEqual([
      'agent-b:first',
      ...Array.from({ length: 20 }, (_, i) => [`agent-b:b${i}`, 'agent-c:x']).flat(),
      'bound:bound',
    ]);
  });

  it("gives each batch's own trace record to the agent it names, even when a later queued batch names another", async () => {
    const { sink, live } = setup();
    let open: () => void = () => {};
    sink.gate = new Promise((r) => {
      open = r;
    });
    live.publishBatch(tenant, batch({ spans: [span(T1, 'busy')] })); // holds the pump
    const record = (agent: string, name: string) => ({
      trace_id: T3,
      name,
      agent_id: agent,
      start_time: iso,
    });
    live.publishBatch(tenant, batch({ traces: [record('agent-a', 'by-a')], spans: [span(T3, 'a-span')] }));
    live.publishBatch(tenant, batch({ traces: [record('agent-b', 'by-b')], spans: [span(T3, 'b-span')] }));
    open();
    await live.flush();
    expect(sink.entries.map((e) => `${e.agent_id}:${e.type}:${JSON.parse(e.data).name}`)).toEqual([
      'agent-a:trace.started:by-a',
      'agent-a:span:a-span',
      'agent-b:trace.started:by-b',
      'agent-b:span:b-span',
    ]);
  });

  it('never throws: a full queue and a failing sink drop and count', async () => {
    const { sink, registry, live } = setup(3);
    let open: () => void = () => {};
    sink.gate = new Promise((r) => {
      open = r;
    });
    const b = batch({ spans: [span(T1, 'a'), span(T1, 'b')] });
    const agentTenant = { ...tenant, agent_id: 'a' };
    live.publishBatch(agentTenant, b); // queued (2 items)
    live.publishBatch(agentTenant, b); // over the bound of 3: dropped
    open();
    await live.flush();
    expect(sink.entries).toHaveLength(2);
    sink.fail = true;
    live.publishBatch(agentTenant, b);
    await live.flush();
    const metrics = await registry.getSingleMetricAsString('mesh_trace_live_dropped_total');
    expect(metrics).toContain('reason="queue_full"} 2');
    expect(metrics).toContain('reason="sink_error"} 2');
  });
});

import { encodeOtlpRequestProtobuf } from '../../services/ingest/dist/domain/otlp-proto.js';
import { peakRssMb, stopChild } from '../lib/children.mjs';
import { SpanGenerator } from '../lib/generator.mjs';
import { percentile } from '../lib/stats.mjs';
import { measure, measuredRows, startIngestChild } from './ingest.mjs';

const KINDS = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 };
const STATUS = { unset: 0, ok: 1, error: 2 };
const ns = (iso) => (BigInt(Date.parse(iso)) * 1_000_000n).toString();

function anyValue(v) {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: v } : { doubleValue: v };
}
const attributes = (o) => Object.entries(o).map(([key, v]) => ({ key, value: anyValue(v) }));

/**
 * The generator's batch as an ExportTraceServiceRequest: one ResourceSpans per service (what an SDK
 * or collector sends), the same spans, attributes and events as the JSON body.
 */
export function toOtlp(spans) {
  const byService = new Map();
  for (const s of spans) {
    const list = byService.get(s.service) ?? [];
    list.push(s);
    byService.set(s.service, list);
  }
  return {
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: attributes({ 'service.name': service, ...list[0].resource }) },
      scopeSpans: [
        {
          scope: { name: 'bench', version: '1' },
          spans: list.map((s) => ({
            traceId: Buffer.from(s.trace_id, 'hex'),
            spanId: Buffer.from(s.span_id, 'hex'),
            parentSpanId: s.parent_span_id ? Buffer.from(s.parent_span_id, 'hex') : undefined,
            name: s.name,
            kind: KINDS[s.kind],
            startTimeUnixNano: ns(s.start_time),
            endTimeUnixNano: ns(s.end_time),
            attributes: attributes(s.attributes),
            events: (s.events ?? []).map((e) => ({
              name: e.name,
              timeUnixNano: ns(e.time),
              attributes: attributes(e.attributes),
            })),
            status: { code: STATUS[s.status], message: s.status_message },
          })),
        },
      ],
    })),
  };
}

/** The same span batches, once as OTLP protobuf and once as the batch API's JSON. */
function payloadPools(ctx, spansPerRequest) {
  const gen = new SpanGenerator(ctx.seed, ctx.baseMs);
  const count = Math.max(8, Math.ceil(ctx.cfg.poolSpans / spansPerRequest));
  const otlp = [];
  const json = [];
  for (let i = 0; i < count; i++) {
    const { body } = gen.batch(spansPerRequest);
    otlp.push(encodeOtlpRequestProtobuf(toOtlp(body.spans)));
    json.push(Buffer.from(JSON.stringify(body)));
  }
  return { otlp, json };
}

const bytesPerSpan = (bodies, spans) => bodies.reduce((n, b) => n + b.length, 0) / (bodies.length * spans);

/**
 * OTLP/HTTP protobuf (POST /v1/traces) against the JSON batch endpoint on the same ingest process
 * with the same spans: the JSON figure is the row's `ceiling`, so the ratio reads OTLP ÷ JSON.
 */
export async function otlpScenario(ctx, spansPerRequest, concurrency) {
  const pools = payloadPools(ctx, spansPerRequest);
  ctx.log(
    `  ${pools.otlp.length} bodies of ${spansPerRequest} spans: protobuf ${bytesPerSpan(pools.otlp, spansPerRequest).toFixed(0)} B/span, JSON ${bytesPerSpan(pools.json, spansPerRequest).toFixed(0)} B/span`,
  );
  const { url, ingest } = await startIngestChild(ctx, `${ctx.prefix}-ingest-otlp-${spansPerRequest}`);
  const common = { url, spansPerRequest, concurrency, auth: true, pid: ingest.child.pid };
  let otlp;
  let json;
  let rss;
  try {
    otlp = await measure(ctx, {
      ...common,
      bodies: pools.otlp,
      path: '/v1/traces',
      contentType: 'application/x-protobuf',
      okStatus: 200,
    });
    // Latency compared at the same offered load: half of the OTLP peak.
    json = await measure(ctx, { ...common, bodies: pools.json, latencyRate: otlp.rate });
    rss = peakRssMb(ingest.child.pid);
  } finally {
    await stopChild(ingest);
  }
  for (const [name, m] of [
    ['otlp protobuf', otlp],
    ['json batch', json],
  ]) {
    ctx.log(
      `  ${name}: ${m.throughput.map((v) => v.toFixed(0)).join(', ')} spans/s; p50 ${percentile(m.samples, 50)?.toFixed(1)} ms at ${m.rate.toFixed(0)} spans/s; ${m.cpuUsPerSpan?.toFixed(0)} CPU-us/span`,
    );
  }
  return measuredRows(`ingest_otlp_proto_${spansPerRequest}_spans_per_request`, otlp, json, rss);
}

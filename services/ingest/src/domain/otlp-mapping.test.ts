import { BaseError, ValidationError } from '@mesh-trace/errors';
import { describe, expect, it } from 'vitest';
import { parseOtlpJson } from './otlp-json.js';
import { otlpToCandidates, partialSuccessMessage } from './otlp-mapping.js';
import {
  decodeOtlpProtobuf,
  decodeOtlpResponseProtobuf,
  encodeOtlpRequestProtobuf,
  encodeOtlpResponseProtobuf,
} from './otlp-proto.js';
import { wrongTypeMutations } from './otlp-test-mutations.js';
import { partitionValidSpans } from './span-candidates.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const ROOT = '00f067aa0ba902b7';
const CHILD = '1111111111111111';
const LINKED = 'abcdefabcdefabcdefabcdefabcdefab';
const nowNs = BigInt(Date.now()) * 1_000_000n;
const START = (nowNs - 5_000_000_000n + 123n).toString();
const END = (nowNs - 1_000_000_000n).toString();
const limits = { maxItems: 100, retentionNs: 7n * 86_400_000_000_000n };
const hex = (h: string) => Buffer.from(h, 'hex');
const kv = (key: string, value: unknown) => ({ key, value });

/** One request in the protobufjs object shape: bytes ids, every AnyValue type, events, links. */
function protoRequest() {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            kv('service.name', { stringValue: 'checkout' }),
            kv('k8s.cluster.name', { stringValue: 'eu-1' }),
          ],
        },
        scopeSpans: [
          {
            scope: { name: '@acme/http', version: '1.2.3' },
            spans: [
              {
                traceId: hex(TRACE),
                spanId: hex(ROOT),
                traceState: 'vendor=1',
                name: 'GET /cart',
                kind: 2,
                startTimeUnixNano: START,
                endTimeUnixNano: END,
                attributes: [
                  kv('http.method', { stringValue: 'GET' }),
                  kv('cached', { boolValue: false }),
                  kv('retries', { intValue: 2 }),
                  kv('big', { intValue: '9007199254740993' }),
                  kv('negative', { intValue: -7 }),
                  kv('ratio', { doubleValue: 0.25 }),
                  kv('raw', { bytesValue: Buffer.from([1, 2, 3]) }),
                  kv('tags', {
                    arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }, { boolValue: true }] },
                  }),
                  kv('matrix', { arrayValue: { values: [{ arrayValue: { values: [{ intValue: 1 }] } }] } }),
                  kv('http.request.header', {
                    kvlistValue: {
                      values: [
                        kv('accept', { stringValue: 'json' }),
                        kv('x', { kvlistValue: { values: [kv('y', { intValue: 3 })] } }),
                      ],
                    },
                  }),
                  kv('empty', {}),
                ],
                droppedAttributesCount: 4,
                events: [
                  {
                    name: 'cache.miss',
                    timeUnixNano: END,
                    attributes: [kv('key', { stringValue: 'cart:1' })],
                    droppedAttributesCount: 1,
                  },
                ],
                droppedEventsCount: 2,
                links: [
                  {
                    traceId: hex(LINKED),
                    spanId: hex(CHILD),
                    attributes: [kv('why', { stringValue: 'batch' })],
                  },
                ],
                droppedLinksCount: 1,
                status: { code: 1 },
              },
              {
                traceId: hex(TRACE),
                spanId: hex(CHILD),
                parentSpanId: hex(ROOT),
                name: 'SELECT cart',
                kind: 3,
                startTimeUnixNano: START,
                endTimeUnixNano: END,
                status: { code: 2, message: 'deadlock' },
              },
            ],
          },
        ],
      },
      {
        // No service.name, no scope: the defaults.
        resource: {},
        scopeSpans: [
          {
            spans: [
              {
                traceId: hex(TRACE),
                spanId: hex('2222222222222222'),
                parentSpanId: Buffer.alloc(0),
                name: 'work',
                startTimeUnixNano: START,
                endTimeUnixNano: END,
              },
            ],
          },
        ],
      },
    ],
  };
}

/** The same request in OTLP/JSON: hex ids, 64-bit integers as strings or bare numbers, enum integers. */
function jsonRequest(): string {
  const req = protoRequest() as unknown as { resourceSpans: Record<string, unknown>[] };
  const text = JSON.stringify(req, (_k, v) => {
    if (v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer') {
      return Buffer.from((v as { data: number[] }).data).toString('hex');
    }
    return v;
  });
  // Byte attributes are base64 in OTLP/JSON, not hex; and a bare 19-digit number must stay exact.
  return text
    .replace('"bytesValue":"010203"', '"bytesValue":"AQID"')
    .replace(`"startTimeUnixNano":"${START}"`, `"startTimeUnixNano":${START}`);
}

function mapped(candidates: ReturnType<typeof otlpToCandidates>) {
  const { batch, rejected, problems } = partitionValidSpans(candidates, limits);
  expect(problems).toEqual([]);
  expect(rejected).toBe(0);
  return batch.spans;
}

describe('OTLP → span model', () => {
  const expectMapping = (spans: ReturnType<typeof mapped>) => {
    const [root, child, other] = spans;
    expect(spans).toHaveLength(3);
    expect(root).toMatchObject({
      trace_id: TRACE,
      span_id: ROOT,
      parent_span_id: null,
      name: 'GET /cart',
      service: 'checkout',
      kind: 'server',
      status: 'ok',
      start_time: BigInt(START),
      end_time: BigInt(END),
      resource: { 'service.name': 'checkout', 'k8s.cluster.name': 'eu-1' },
    });
    expect(root?.attributes).toEqual({
      'otel.scope.name': '@acme/http',
      'otel.scope.version': '1.2.3',
      'http.method': 'GET',
      cached: false,
      retries: 2,
      big: '9007199254740993',
      negative: -7,
      ratio: 0.25,
      raw: 'AQID',
      tags: ['a', 1, true],
      matrix: '[[1]]',
      'http.request.header.accept': 'json',
      'http.request.header.x.y': 3,
      empty: '',
      'w3c.tracestate': 'vendor=1',
      'otel.dropped_attributes_count': 4,
      'otel.dropped_events_count': 2,
      'otel.dropped_links_count': 1,
      'otel.links': JSON.stringify([{ trace_id: LINKED, span_id: CHILD, attributes: { why: 'batch' } }]),
    });
    expect(root?.events).toEqual([
      {
        name: 'cache.miss',
        time: BigInt(END),
        attributes: { key: 'cart:1', 'otel.dropped_attributes_count': 1 },
      },
    ]);
    expect(child).toMatchObject({
      parent_span_id: ROOT,
      kind: 'client',
      status: 'error',
      status_message: 'deadlock',
    });
    expect(other).toMatchObject({
      service: 'unknown_service',
      kind: 'internal',
      status: 'unset',
      parent_span_id: null,
    });
    expect(other?.attributes).toEqual({});
  };

  it('maps a protobuf request (decoded by protobufjs) with every AnyValue type', () => {
    const decoded = decodeOtlpProtobuf(encodeOtlpRequestProtobuf(protoRequest()));
    expectMapping(mapped(otlpToCandidates(decoded)));
  });

  it('maps the same request in OTLP/JSON to the same spans, nanoseconds exact', () => {
    expectMapping(mapped(otlpToCandidates(parseOtlpJson(Buffer.from(jsonRequest())))));
  });

  it('accepts proto field names (snake_case) and enum names in JSON', () => {
    const body = {
      resource_spans: [
        {
          scope_spans: [
            {
              spans: [
                {
                  trace_id: TRACE,
                  span_id: ROOT,
                  name: 'n',
                  kind: 'SPAN_KIND_CONSUMER',
                  start_time_unix_nano: START,
                  end_time_unix_nano: END,
                  status: { code: 'STATUS_CODE_ERROR' },
                },
              ],
            },
          ],
        },
      ],
    };
    const [span] = mapped(otlpToCandidates(parseOtlpJson(Buffer.from(JSON.stringify(body)))));
    expect(span).toMatchObject({
      trace_id: TRACE,
      kind: 'consumer',
      status: 'error',
      start_time: BigInt(START),
    });
  });

  it('rejects invalid spans one by one, with paths, and keeps the rest', () => {
    const req = protoRequest();
    const spans = req.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
    spans.push(
      {
        ...spans[1],
        spanId: hex('3333333333333333'),
        startTimeUnixNano: END,
        endTimeUnixNano: START,
      } as never,
      { ...spans[1], spanId: hex('4444444444444444'), name: '' } as never,
      { ...spans[1], traceId: hex('abcd') } as never,
      { ...spans[1] } as never, // duplicate of the child
      {
        ...spans[1],
        spanId: hex('5555555555555555'),
        attributes: [kv('bad', { stringValue: 'x'.repeat(70_000) })],
      } as never,
    );
    const decoded = decodeOtlpProtobuf(encodeOtlpRequestProtobuf(req));
    const candidates = otlpToCandidates(decoded);
    const { batch, rejected, problems } = partitionValidSpans(candidates, limits);
    expect(batch.spans.map((s) => s.span_id)).toEqual([ROOT, CHILD, '2222222222222222']);
    expect(rejected).toBe(5);
    const at = 'resourceSpans[0].scopeSpans[0].spans';
    expect(problems.map((p) => p.path)).toEqual([
      `${at}[2].end_time`,
      `${at}[3].name`,
      `${at}[4].trace_id`,
      `${at}[5].span_id`,
      `${at}[6].attributes.bad`,
    ]);
    expect(partialSuccessMessage(rejected, candidates.length, problems)).toMatch(
      /^5 of 8 spans rejected: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[2\]\.end_time: end_time is before start_time; /,
    );
  });

  it('rejects a span whose attribute nests beyond any stack, keeping the others; a deep snake_case body is a 400', () => {
    // Eight levels of arrayValue reach the stringified tail, which holds a 100,000-deep array.
    let anyValue: unknown = { arrayValue: { values: [{ stringValue: 'x' }, 'DEEP'] } };
    for (let i = 0; i < 8; i++) anyValue = { arrayValue: { values: [anyValue] } };
    const good = { traceId: TRACE, spanId: ROOT, name: 'n', startTimeUnixNano: START, endTimeUnixNano: END };
    const bad = { ...good, spanId: CHILD, attributes: [{ key: 'deep', value: anyValue }] };
    const deepText = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    const badText = JSON.stringify(bad).replace('"DEEP"', deepText);
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[${JSON.stringify(good)},${badText}]}]}]}`;
    const { batch, rejected } = partitionValidSpans(
      otlpToCandidates(parseOtlpJson(Buffer.from(text))),
      limits,
    );
    expect(batch.spans).toHaveLength(1);
    expect(rejected).toBe(1);
    const snake = `{"resource_spans":${'['.repeat(50_000)}${']'.repeat(50_000)}}`;
    expect(() => parseOtlpJson(Buffer.from(snake))).toThrow(/nested too deeply/);
  });

  it('rejects a JSON span that is not an object on its own, a malformed container as a whole', () => {
    const spans = (s: unknown[]) =>
      Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: s }] }] }));
    const good = { traceId: TRACE, spanId: ROOT, name: 'n', startTimeUnixNano: START, endTimeUnixNano: END };
    const badValue = { ...good, spanId: CHILD, attributes: [kv('n', { intValue: 'twelve' })] };
    const one = otlpToCandidates(parseOtlpJson(spans([42, good, badValue])));
    const { batch, rejected, problems } = partitionValidSpans(one, limits);
    expect(batch.spans).toHaveLength(1);
    expect(rejected).toBe(2);
    expect(problems.map((p) => p.path)).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[0]',
      'resourceSpans[0].scopeSpans[0].spans[2].attributes.n',
    ]);
    expect(() => otlpToCandidates(parseOtlpJson(Buffer.from('{"resourceSpans": {"x": 1}}')))).toThrow(
      ValidationError,
    );
    expect(() => parseOtlpJson(Buffer.from('{"resourceSpans": ['))).toThrow(/Malformed JSON/);
    expect(() => parseOtlpJson(Buffer.from('[]'))).toThrow(ValidationError);
  });

  it('refuses a malformed protobuf body and a request over the item limit', () => {
    // Field 1 (resource_spans), length 16, but only one byte follows.
    expect(() => decodeOtlpProtobuf(Buffer.from([0x0a, 0x10, 0x01]))).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
    const decoded = decodeOtlpProtobuf(encodeOtlpRequestProtobuf(protoRequest()));
    expect(() => partitionValidSpans(otlpToCandidates(decoded), { ...limits, maxItems: 2 })).toThrow(
      /3 spans; the limit is 2/,
    );
    expect(otlpToCandidates(decodeOtlpProtobuf(Buffer.alloc(0)))).toEqual([]);
  });

  it('encodes ExportTraceServiceResponse with partial_success only when spans were rejected', () => {
    expect(encodeOtlpResponseProtobuf(undefined)).toHaveLength(0);
    const back = decodeOtlpResponseProtobuf(
      encodeOtlpResponseProtobuf({ rejectedSpans: 3, errorMessage: '3 of 9 spans rejected' }),
    );
    expect(Number(back.partialSuccess?.rejectedSpans)).toBe(3);
    expect(back.partialSuccess?.errorMessage).toBe('3 of 9 spans rejected');
  });

  it('answers every wrong type anywhere in an OTLP/JSON request with a 4xx error or a rejected span, never a crash', () => {
    let cases = 0;
    for (const { body, replaced } of wrongTypeMutations(JSON.parse(jsonRequest()))) {
      cases += 1;
      try {
        partitionValidSpans(otlpToCandidates(parseOtlpJson(Buffer.from(body))), limits);
      } catch (err) {
        if (!(err instanceof BaseError)) throw new Error(`crash with ${JSON.stringify(replaced)}: ${err}`);
      }
    }
    expect(cases).toBeGreaterThan(1000);
  });
});

import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BaseError } from '@mesh-trace/errors';
import type { Tenant } from '@mesh-trace/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ThreadDecoder } from './decode-pool.js';
import { decodeOtlpBody } from './otlp-decode.js';
import { encodeOtlpRequestProtobuf } from './otlp-proto.js';
import { decodeBatchBody } from './prepared-batch.js';

// Threads run the compiled worker (`make test` builds first); the pool under test is this source.
const WORKER = new URL('../../dist/domain/decode-worker.js', import.meta.url);

const NOW = BigInt(Date.now()) * 1_000_000n;
const limits = { maxItems: 1_000, retentionNs: 86_400_000_000_000n, now: NOW };
const tenant: Tenant = { org_id: 'org-1', env: 'live', agent_id: 'agent-7' };
const iso = new Date(Date.now() - 1_000).toISOString();
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
const batchBody = (traces: number, spansPerTrace: number, tag = 'op') => ({
  traces: [{ trace_id: hex(1, 32), name: 'run', agent_id: 'agent-x', start_time: iso }],
  spans: Array.from({ length: traces * spansPerTrace }, (_, i) => ({
    trace_id: hex(1 + (i % traces), 32),
    span_id: hex(i + 1, 16),
    name: `${tag}-${i}`,
    service: 'svc',
    start_time: iso,
    end_time: iso,
    attributes: { i, even: i % 2 === 0 },
  })),
});
const encode = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('ThreadDecoder', () => {
  let pool: ThreadDecoder;
  beforeAll(async () => {
    pool = await ThreadDecoder.start(2, WORKER);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('hands back what decoding on the request thread gives: records, counts and trace owners', async () => {
    const body = batchBody(7, 15);
    const inline = decodeBatchBody(encode(body), tenant, limits);
    const threaded = await pool.decode(encode(body), tenant, limits);
    expect(threaded.records.map((r) => r.key)).toEqual(inline.records.map((r) => r.key));
    expect(threaded.records.map((r) => r.value.toString())).toEqual(
      inline.records.map((r) => r.value.toString()),
    );
    expect(threaded.records.every((r) => Buffer.isBuffer(r.value))).toBe(true);
    expect(threaded.counts).toEqual({ traces: 1, spans: 105, events: 0 });
    expect(threaded.traceAgents).toEqual(inline.traceAgents);
    expect(threaded.namedAgents).toEqual(['agent-x']);
    expect(threaded.order).toEqual(inline.order);
    expect(threaded.liveEntries).toBeUndefined();
    const withLive = await pool.decode(encode(body), tenant, limits, { liveEntries: true });
    expect(withLive.liveEntries).toEqual(
      decodeBatchBody(encode(body), tenant, limits, { liveEntries: true }).liveEntries,
    );
    expect(withLive.liveEntries).toHaveLength(106);
  });

  it('decodes OTLP requests, protobuf and JSON, as the request thread would, valid and rejected spans', async () => {
    const start = (NOW - 2_000_000_000n).toString();
    const end = (NOW - 1_000_000_000n).toString();
    const span = (id: number, over: Record<string, unknown> = {}) => ({
      traceId: Buffer.from(hex(1, 32), 'hex'),
      spanId: Buffer.from(hex(id, 16), 'hex'),
      name: `op-${id}`,
      kind: 2,
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      attributes: [{ key: 'n', value: { intValue: id } }],
      ...over,
    });
    const request = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
          scopeSpans: [{ spans: [span(1), span(2, { endTimeUnixNano: '1' }), span(3)] }],
        },
      ],
    };
    const protobuf = encodeOtlpRequestProtobuf(request);
    const json = Buffer.from(
      JSON.stringify(request, (k, v) =>
        (k === 'traceId' || k === 'spanId') && v?.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v,
      ),
    );
    for (const [encoding, body] of [
      ['protobuf', protobuf],
      ['json', json],
    ] as const) {
      const inline = decodeOtlpBody(body, encoding, tenant, limits);
      const threaded = await pool.decodeOtlp(Buffer.from(body), encoding, tenant, limits);
      expect({ received: threaded.received, rejected: threaded.rejected }).toEqual({
        received: 3,
        rejected: 1,
      });
      expect(threaded.problems).toEqual(inline.problems);
      expect(threaded.problems[0]?.path).toMatch(/spans\[1\]/);
      expect(threaded.prepared.counts).toEqual({ traces: 0, spans: 2, events: 0 });
      expect(threaded.prepared.records.map((r) => r.value.toString())).toEqual(
        inline.prepared.records.map((r) => r.value.toString()),
      );
    }
    await expect(
      pool.decodeOtlp(Buffer.from([0xff, 0xff]), 'protobuf', tenant, limits),
    ).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('answers each of many concurrent requests with its own batch', async () => {
    const bodies = Array.from({ length: 40 }, (_, i) => batchBody(1 + (i % 5), 3, `req${i}`));
    const results = await Promise.all(bodies.map((b) => pool.decode(encode(b), tenant, limits)));
    results.forEach((r, i) => {
      const names = r.records.flatMap((rec) =>
        JSON.parse(rec.value.toString()).spans.map((s: { name: string }) => s.name),
      );
      expect(names.sort()).toEqual(bodies[i]?.spans.map((s) => s.name).sort());
    });
  });

  it('rejects a bad body with the same 4xx error as the request thread would', async () => {
    const cases: [Uint8Array | undefined, string][] = [
      [Buffer.from('{"spans": ['), 'invalid_json'],
      [Buffer.from('{}'), 'validation_failed'],
      [encode({ spans: [{ ...batchBody(1, 1).spans[0], span_id: 'nope' }] }), 'validation_failed'],
      [
        encode({ spans: [{ ...batchBody(1, 1).spans[0], start_time: '2001-01-01T00:00:00Z' }] }),
        'unprocessable',
      ],
      [undefined, 'validation_failed'],
    ];
    for (const [body, code] of cases) {
      const expected = (() => {
        try {
          decodeBatchBody(body, tenant, limits);
        } catch (err) {
          return err as BaseError;
        }
        throw new Error('inline decode accepted a bad body');
      })();
      const err = await pool.decode(body, tenant, limits).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(BaseError);
      expect(err).toMatchObject({ code, message: expected.message, details: expected.details });
    }
  });

  it('moves a body that owns its memory, and copies a slice of shared memory without touching the rest', async () => {
    const owned = new Uint8Array(encode(batchBody(1, 2)));
    await pool.decode(owned, tenant, limits);
    expect(owned.byteLength).toBe(0); // transferred to the thread
    const shared = Buffer.alloc(64 * 1024, 0x20);
    const text = encode(batchBody(1, 2));
    text.copy(shared, 1_000);
    const slice = shared.subarray(1_000, 1_000 + text.length);
    await pool.decode(slice, tenant, limits);
    expect(shared.byteLength).toBe(64 * 1024);
    expect(slice.toString()).toBe(text.toString());
  });

  it('rejects new work once closed', async () => {
    const other = await ThreadDecoder.start(1, WORKER);
    await other.close();
    await expect(other.decode(encode(batchBody(1, 1)), tenant, limits)).rejects.toThrow(/closed/);
  });

  it('fails the requests of a thread that dies, and replaces the thread', async () => {
    const dying = join(tmpdir(), `mesh-trace-dying-worker-${process.pid}.mjs`);
    writeFileSync(
      dying,
      "import { parentPort } from 'node:worker_threads';\n" +
        "parentPort.postMessage({ ready: true });\nparentPort.on('message', () => process.exit(3));\n",
    );
    const d = await ThreadDecoder.start(1, pathToFileURL(dying));
    try {
      await expect(d.decode(encode(batchBody(1, 1)), tenant, limits)).rejects.toThrow(/exited with code 3/);
      // The next request gets a new thread (which dies the same way) instead of waiting forever.
      await expect(d.decode(encode(batchBody(1, 1)), tenant, limits)).rejects.toThrow(/exited with code 3/);
    } finally {
      await d.close();
    }
  });

  it('fails the requests sent to a replacement thread that cannot load, without crashing', async () => {
    const marker = join(tmpdir(), `mesh-trace-loaded-once-${process.pid}`);
    const once = join(tmpdir(), `mesh-trace-once-worker-${process.pid}.mjs`);
    writeFileSync(
      once,
      "import { parentPort } from 'node:worker_threads';\nimport { existsSync, writeFileSync } from 'node:fs';\n" +
        `const marker = ${JSON.stringify(marker)};\n` +
        "if (existsSync(marker)) throw new Error('cannot load again');\nwriteFileSync(marker, '');\n" +
        "parentPort.postMessage({ ready: true });\nparentPort.on('message', () => process.exit(3));\n",
    );
    rmSync(marker, { force: true });
    const d = await ThreadDecoder.start(1, pathToFileURL(once));
    try {
      await expect(d.decode(encode(batchBody(1, 1)), tenant, limits)).rejects.toThrow(/exited with code 3/);
      // The replacement throws while loading: its requests fail, and nothing is left unhandled.
      await expect(d.decode(encode(batchBody(1, 1)), tenant, limits)).rejects.toThrow(
        /cannot load again|exited/,
      );
    } finally {
      await d.close();
      rmSync(marker, { force: true });
    }
  });

  it('fails to start, instead of hanging, when a thread cannot load', async () => {
    const broken = join(tmpdir(), `mesh-trace-broken-worker-${process.pid}.mjs`);
    writeFileSync(broken, "throw new Error('cannot load');\n");
    await expect(ThreadDecoder.start(1, pathToFileURL(broken))).rejects.toThrow(/cannot load/);
  });
});

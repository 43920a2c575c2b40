import { describe, expect, it } from 'vitest';
import { attributesSchema, batchSchema, parseBatch, plainValidAttributes } from './batch.js';

// parseBatch passes attributes through unchecked by zod when plainValidAttributes accepts them, so
// that check must never accept what attributesSchema refuses or would change.
describe('plainValidAttributes', () => {
  const long = (n: number) => 'x'.repeat(n);
  it.each([
    [{ a: 'x', n: 1.5, b: false, l: [1, 'y', true], e: [] }, true],
    [{ [long(256)]: long(64 * 1024) }, true],
    [{ a: Array(1000).fill(1) }, true],
    [{}, true],
    [{ '': 'x' }, false],
    [{ [long(257)]: 'x' }, false],
    [{ a: long(64 * 1024 + 1) }, false],
    [{ a: [long(64 * 1024 + 1)] }, false],
    [{ a: Array(1001).fill(1) }, false],
    [{ a: null }, false],
    [{ a: { b: 1 } }, false],
    [{ a: [[1]] }, false],
    [{ a: [null] }, false],
    [{ a: Number.NaN }, false],
    [{ a: Number.POSITIVE_INFINITY }, false],
    [{ a: undefined }, false],
    [JSON.parse('{"__proto__": "x"}'), false],
    [[1], false],
    ['x', false],
    [null, false],
    [new Map(), false],
  ])('%j → %s', (v, expected) => {
    expect(plainValidAttributes(v)).toBe(expected);
  });

  it('agrees with attributesSchema on 5,000 random objects: accepted ones parse to the same value', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const values: unknown[] = [
      '',
      'x',
      long(64 * 1024),
      long(64 * 1024 + 1),
      0,
      -1.5,
      1e21,
      true,
      false,
      null,
      {},
      [],
      [1, 'a'],
      [null],
      [[1]],
      Array(1001).fill('a'),
      Number.NaN,
    ];
    const keys = ['', 'k', 'http.method', long(256), long(257), '__proto__', 'ünï', 'constructor'];
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const n = Math.floor(rand() * 4);
      const json = `{${Array.from({ length: n }, () => `${JSON.stringify(pick(keys))}:${JSON.stringify(pick(values)) ?? 'null'}`).join(',')}}`;
      const v = JSON.parse(json);
      const full = attributesSchema.safeParse(v);
      if (plainValidAttributes(v)) {
        accepted++;
        expect(full.success, json).toBe(true);
        expect(full.data, json).toEqual(v);
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('parseBatch gives what batchSchema gives, and batchSchema errors when attributes are bad', () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const body = {
      spans: [
        {
          trace_id: 'AB'.repeat(16),
          span_id: 'CD'.repeat(8),
          name: 'op',
          service: 'api',
          start_time: now.toString(),
          end_time: now.toString(),
          attributes: { a: 'x', n: 2, l: [1, 'y'] },
          events: [{ name: 'e', time: now.toString(), attributes: { k: true } }],
        },
      ],
      traces: [{ trace_id: 'ab'.repeat(16), name: 't', start_time: now.toString(), attributes: { q: 1 } }],
    };
    const limits = { maxItems: 10, retentionNs: 86_400_000_000_000n, now };
    expect(parseBatch(body, limits)).toEqual(batchSchema.parse(body));
    const bad = { ...body, spans: [{ ...body.spans[0], attributes: { a: { nested: 1 } } }] };
    expect(() => parseBatch(bad, limits)).toThrow(
      expect.objectContaining({
        details: [
          {
            path: 'spans[0].attributes.a',
            message: 'attribute values must be a string, number, boolean or an array of those',
          },
        ],
      }),
    );
  });
});

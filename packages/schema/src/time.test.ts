import { describe, expect, it } from 'vitest';
import {
  formatClickHouseNs,
  formatIsoNs,
  parseClickHouseNs,
  parseTimestampNs,
  parseTimestampNsFull,
} from './time.js';

describe('timestamps', () => {
  it('parses ISO 8601 up to nanoseconds, with zones, into epoch nanoseconds', () => {
    expect(parseTimestampNs('2026-11-22T10:00:00.123456789Z')).toBe(1795341600123456789n);
    expect(parseTimestampNs('2026-11-22T11:00:00.5+01:00')).toBe(1795341600500000000n);
    expect(parseTimestampNs('2026-11-22T10:00:00Z')).toBe(1795341600000000000n);
  });

  it('takes epoch nanoseconds as integers or digit strings, exactly for strings', () => {
    expect(parseTimestampNs('1795341600123456789')).toBe(1795341600123456789n);
    expect(parseTimestampNs(1_700_000_000_000)).toBe(1_700_000_000_000n);
  });

  it('rejects what is not a timestamp', () => {
    for (const bad of ['yesterday', '2026-02-31T00:00:00Z', '2026-11-22T25:00:00Z', '', -1, 1.5, null, {}]) {
      expect(parseTimestampNs(bad)).toBeUndefined();
    }
  });

  it('answers exactly as the full parser for near-valid and valid strings alike (the fast path)', () => {
    let seed = 7;
    const rnd = (n: number) => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return (((t ^ (t >>> 14)) >>> 0) % n) as number;
    };
    const pick = <T>(xs: T[]): T => xs[rnd(xs.length)] as T;
    const num = (lo: number, hi: number) => String(lo + rnd(hi - lo + 1)).padStart(2, '0');
    let fast = 0;
    for (let i = 0; i < 20_000; i++) {
      // Half plainly valid (the fast path's form), half with one part at or past its bounds.
      const odd = i % 2 === 1;
      const date = odd
        ? `${pick(['1969', '1970', '2000', '2024', '0099', '9999', '20x6'])}-${num(0, 13)}-${num(0, 32)}`
        : `${pick(['1970', '2024', '2026', '2100'])}-${num(1, 12)}-${num(1, 31)}`;
      const time = odd
        ? `${num(0, 25)}:${num(0, 61)}:${num(0, 61)}`
        : `${num(0, 23)}:${num(0, 59)}:${num(0, 59)}`;
      const frac = pick(odd ? ['', '.', '.12a', '.1234567891', '.5'] : ['', '.5', '.123', '.123456789']);
      const zone = odd ? pick(['Z', 'z', '+01:00', '-0530', '', 'ZZ']) : 'Z';
      const v = `${date}${odd ? pick(['T', 't', ' ', 'x']) : 'T'}${time}${frac}${zone}`;
      const want = parseTimestampNsFull(v);
      expect(parseTimestampNs(v), v).toBe(want);
      if (want !== undefined) fast++;
    }
    expect(fast).toBeGreaterThan(8_000); // most were valid (days past a month's end are not)
    expect(parseTimestampNs('1970-01-01T00:00:00Z')).toBe(0n);
    expect(parseTimestampNs('1970-01-01T00:00:00.000000001Z')).toBe(1n);
    expect(parseTimestampNs('2024-02-29T23:59:59.999999999Z')).toBe(1709251199999999999n);
    expect(parseTimestampNs('2023-02-29T00:00:00Z')).toBeUndefined();
  });

  it('formats back to ISO and to the ClickHouse DateTime64(9) text form without losing digits', () => {
    const ns = 1795341600123456789n;
    expect(formatIsoNs(ns)).toBe('2026-11-22T10:00:00.123456789Z');
    expect(formatClickHouseNs(ns)).toBe('2026-11-22 10:00:00.123456789');
    expect(parseClickHouseNs('2026-11-22 10:00:00.123456789')).toBe(ns);
  });
});

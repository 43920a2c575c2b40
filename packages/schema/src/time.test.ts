import { describe, expect, it } from 'vitest';
import { formatClickHouseNs, formatIsoNs, parseClickHouseNs, parseTimestampNs } from './time.js';

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

  it('formats back to ISO and to the ClickHouse DateTime64(9) text form without losing digits', () => {
    const ns = 1795341600123456789n;
    expect(formatIsoNs(ns)).toBe('2026-11-22T10:00:00.123456789Z');
    expect(formatClickHouseNs(ns)).toBe('2026-11-22 10:00:00.123456789');
    expect(parseClickHouseNs('2026-11-22 10:00:00.123456789')).toBe(ns);
  });
});

import { describe, expect, it } from 'vitest';
import { ch, durationNs, stringifyAttributes } from './rows.js';

describe('row encoding', () => {
  it('writes epoch nanoseconds as seconds.fraction without losing digits', () => {
    expect(ch('1795341600123456789')).toBe('1795341600.123456789');
    expect(ch('1000000000')).toBe('1.000000000');
    expect(ch('5')).toBe('0.000000005');
  });

  it('keeps strings and encodes other attribute values as JSON text', () => {
    expect(stringifyAttributes({ a: 'x', n: 2, b: false, l: [1, 'y'] })).toEqual({
      a: 'x',
      n: '2',
      b: 'false',
      l: '[1,"y"]',
    });
    // Values after the first non-string one too; string-only attributes come back unchanged.
    expect(stringifyAttributes({ n: 1, a: 'x', t: true })).toEqual({ n: '1', a: 'x', t: 'true' });
    expect(stringifyAttributes({ a: 'x', b: '' })).toEqual({ a: 'x', b: '' });
  });

  it('subtracts nanosecond timestamps exactly', () => {
    expect(durationNs('1795341600123456789', '1795341601000000001')).toBe('876543212');
    expect(durationNs('1795341600999999999', '1795341600999999999')).toBe('0');
    expect(durationNs('5', '1000000007')).toBe('1000000002');
    expect(durationNs('1795341601000000000', '1795341600000000000')).toBe('-1000000000');
    // Past 2^53 ns (about 104 days) doubles are not exact: BigInt takes over.
    expect(durationNs('1000000000000000000', '1999999999999999999')).toBe('999999999999999999');
    for (let i = 0; i < 1000; i++) {
      const s = BigInt(1_700_000_000) * 1_000_000_000n + BigInt(Math.floor(Math.random() * 1e15));
      const e = s + BigInt(Math.floor(Math.random() * 2 ** 52));
      expect(durationNs(s.toString(), e.toString())).toBe((e - s).toString());
    }
  });
});

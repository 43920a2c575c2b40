import { describe, expect, it } from 'vitest';
import { ch, stringifyAttributes } from './rows.js';

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
  });
});

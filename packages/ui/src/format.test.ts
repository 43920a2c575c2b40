import { describe, expect, it } from 'vitest';
import { formatAge, formatCount, formatDuration, formatPercent, isoToMs } from './format.js';

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [0.0005, '0.5µs'],
    [0.25, '250µs'],
    [1.234, '1.23ms'],
    [12.34, '12.3ms'],
    [250, '250ms'],
    [1250, '1.25s'],
    [12_500, '12.5s'],
    [125_000, '2m 05s'],
    [3_720_000, '1h 02m'],
    [-5, '-5ms'],
  ])('%s ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('shows an unknown duration as a dash', () => {
    expect(formatDuration(Number.NaN)).toBe('—');
  });
});

describe('formatAge, formatPercent, formatCount', () => {
  it('counts back from now', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(formatAge('2026-11-22T09:59:58Z', now)).toBe('2s ago');
    expect(formatAge('2026-11-22T09:55:00Z', now)).toBe('5m ago');
    expect(formatAge('2026-11-22T07:00:00Z', now)).toBe('3h ago');
    expect(formatAge('not a time', now)).toBe('—');
  });

  it('keeps small error rates visible', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.0025)).toBe('0.25%');
    expect(formatPercent(0.125)).toBe('13%');
    expect(formatPercent(0.05)).toBe('5%');
  });

  it('abbreviates large counts', () => {
    expect(formatCount(950)).toBe('950');
    expect(formatCount(1234)).toBe('1.2k');
    expect(formatCount(34_000)).toBe('34k');
    expect(formatCount(1_500_000)).toBe('1.5M');
  });
});

describe('isoToMs', () => {
  it('keeps the sub-millisecond digits that Date.parse drops', () => {
    const a = isoToMs('2026-11-22T10:00:00.000000100Z');
    const b = isoToMs('2026-11-22T10:00:00.000250000Z');
    expect(b - a).toBeCloseTo(0.2499, 3);
    expect(isoToMs('2026-11-22T10:00:00Z')).toBe(Date.parse('2026-11-22T10:00:00Z'));
    expect(isoToMs('2026-11-22T12:00:00.5+02:00')).toBe(Date.parse('2026-11-22T10:00:00.500Z'));
  });
});

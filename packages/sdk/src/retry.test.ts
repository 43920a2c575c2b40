import { describe, expect, it } from 'vitest';
import { MeshTraceError, parseRetryAfter } from './errors.js';
import { backoffMs, retryDelayMs } from './retry.js';

const err = (status: number, retryAfterSeconds?: number) =>
  new MeshTraceError('x', { status, code: 'x', retryAfterSeconds });

describe('retry policy', () => {
  const opts = { baseMs: 100, maxMs: 5_000 };

  it('grows exponentially with full jitter, capped', () => {
    expect(backoffMs(0, opts, () => 0.999)).toBe(99);
    expect(backoffMs(3, opts, () => 0.999)).toBe(799);
    expect(backoffMs(20, opts, () => 0.999)).toBe(4_995);
    expect(backoffMs(3, opts, () => 0)).toBe(25);
  });

  it('retries 429, 5xx and network errors only, never before Retry-After', () => {
    expect(retryDelayMs(err(503), 0, opts, () => 0.5)).toBe(50);
    expect(retryDelayMs(err(429, 2), 0, opts, () => 0.5)).toBe(2_000);
    expect(retryDelayMs(err(0), 1, opts, () => 0.5)).toBe(100);
    for (const s of [400, 401, 403, 404, 409, 413, 415, 422])
      expect(retryDelayMs(err(s), 0, opts)).toBeUndefined();
    expect(retryDelayMs(new Error('bug'), 0, opts)).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

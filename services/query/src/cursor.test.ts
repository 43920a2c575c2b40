import { BaseError } from '@mesh-trace/errors';
import { describe, expect, it } from 'vitest';
import { bindingHash, type CursorBinding, CursorCodec, type CursorState } from './cursor.js';

const codec = new CursorCodec('a-test-secret-of-at-least-32-characters!');
const binding: CursorBinding = {
  kind: 'list',
  org_id: 'org_a',
  env: 'live',
  filters: { service: 'api', status: null, min_duration_ns: null, start_time: null, end_time: null },
};
const state: CursorState = {
  from: 1_795_000_000_000_000_000n,
  snapshotEnd: 1_795_003_600_123_456_789n,
  storedBeforeMs: 1_795_003_600_500n,
  lastStart: 1_795_003_000_000_000_001n,
  lastTraceId: '0af7651916cd43dd8448eb211c80319c',
};

function badCursor(fn: () => unknown): BaseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BaseError);
    const e = err as BaseError;
    expect(e.code).toBe('invalid_request');
    expect(e.message).toBe('bad cursor');
    expect(e.details?.[0]?.path).toBe('cursor');
    return e;
  }
  throw new Error('expected a bad cursor error');
}

describe('CursorCodec', () => {
  it('round-trips the state exactly (nanoseconds beyond 2^53)', () => {
    const c = codec.encode(state, binding);
    expect(c).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(codec.decode(c, binding)).toEqual(state);
  });

  it('is deterministic and does not depend on the order of filter keys', () => {
    const reordered = { ...binding, filters: Object.fromEntries(Object.entries(binding.filters).reverse()) };
    expect(codec.encode(state, binding)).toBe(codec.encode(state, reordered));
    expect(codec.decode(codec.encode(state, binding), reordered)).toEqual(state);
  });

  it('refuses a tampered payload or signature', () => {
    const c = codec.encode(state, binding);
    const [body = '', sig = ''] = c.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, string>;
    payload.last_start = '1';
    const forged = `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`;
    expect(badCursor(() => codec.decode(forged, binding)).details?.[0]?.message).toMatch(/signature/);
    const flipped = `${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`;
    badCursor(() => codec.decode(flipped, binding));
    badCursor(() => codec.decode(`${body.slice(0, -2)}.${sig}`, binding));
  });

  it('refuses a cursor signed with another secret', () => {
    const other = new CursorCodec('another-secret-of-at-least-32-characters');
    badCursor(() => codec.decode(other.encode(state, binding), binding));
  });

  it('refuses a cursor of another organisation, environment, endpoint or filters', () => {
    const c = codec.encode(state, binding);
    for (const b of [
      { ...binding, org_id: 'org_b' },
      { ...binding, env: 'sandbox' },
      { ...binding, kind: 'search' as const },
      { ...binding, filters: { ...binding.filters, service: 'db' } },
      { ...binding, filters: { ...binding.filters, status: 'error' } },
      { ...binding, filters: { ...binding.filters, start_time: '1795000000000000000' } },
      { ...binding, filters: { ...binding.filters, service: null } },
    ]) {
      expect(badCursor(() => codec.decode(c, b)).details?.[0]?.message).toMatch(/another query/);
    }
  });

  it('refuses garbage of every shape without throwing anything else', () => {
    for (const junk of ['', '.', 'abc', 'a.b', `${'x'.repeat(3000)}.${'y'.repeat(43)}`, '!!!.@@@', 'e30.'])
      badCursor(() => codec.decode(junk, binding));
    // A correctly signed payload that is not a cursor.
    const body = Buffer.from('{"v":2}').toString('base64url');
    const signed = (codec as unknown as { sign(b: string): Buffer }).sign(body).toString('base64url');
    badCursor(() => codec.decode(`${body}.${signed}`, binding));
  });

  it('tells a null filter from the string "null"', () => {
    const a = bindingHash({ ...binding, filters: { service: null } });
    expect(bindingHash({ ...binding, filters: { service: 'null' } })).not.toBe(a);
  });

  it('insists on a secret of some length', () => {
    expect(() => new CursorCodec('short')).toThrow(TypeError);
  });
});

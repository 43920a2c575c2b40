import { describe, expect, it } from 'vitest';
import { PoolClosedError, SessionPool } from './session-pool.js';

class FakeSession {
  static created = 0;
  readonly id = ++FakeSession.created;
  closed = false;
  close(): void {
    this.closed = true;
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SessionPool', () => {
  it('leases each session to one holder at a time and queues the rest in order', async () => {
    const pool = new SessionPool({ size: 2, create: () => new FakeSession() });
    const a = await pool.acquire();
    const b = await pool.acquire();
    expect(a.session).not.toBe(b.session);
    const order: number[] = [];
    const c = pool.acquire().then((l) => {
      order.push(1);
      return l;
    });
    const d = pool.acquire().then((l) => {
      order.push(2);
      return l;
    });
    await tick();
    expect(pool.stats()).toEqual({ size: 2, busy: 2, idle: 0, waiting: 2 });
    b.release();
    const lc = await c;
    expect(lc.session).toBe(b.session);
    a.release();
    const ld = await d;
    expect(ld.session).toBe(a.session);
    expect(order).toEqual([1, 2]);
    lc.release();
    ld.release();
    lc.release(); // a second release is harmless
    expect(pool.stats()).toEqual({ size: 2, busy: 0, idle: 2, waiting: 0 });
  });

  it('replaces a dirty session instead of reusing it', async () => {
    const pool = new SessionPool({ size: 1, create: () => new FakeSession() });
    const first = await pool.acquire();
    const waiting = pool.acquire();
    first.markDirty();
    first.release();
    expect(first.session.closed).toBe(true);
    const second = await waiting;
    expect(second.session).not.toBe(first.session);
    expect(second.session.closed).toBe(false);
    second.release();
  });

  it('drops an aborted waiter from the queue', async () => {
    const pool = new SessionPool({ size: 1, create: () => new FakeSession() });
    const held = await pool.acquire();
    const ac = new AbortController();
    const gone = pool.acquire(ac.signal);
    const next = pool.acquire();
    ac.abort(new Error('client left'));
    await expect(gone).rejects.toThrow('client left');
    held.release();
    (await next).release();
    await expect(pool.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('fails a request when a session cannot be opened, and frees the slot', async () => {
    let fail = true;
    const pool = new SessionPool({
      size: 1,
      create: () => {
        if (fail) throw new Error('cannot open');
        return new FakeSession();
      },
    });
    await expect(pool.acquire()).rejects.toThrow('cannot open');
    fail = false;
    (await pool.acquire()).release();
    expect(pool.stats().busy).toBe(0);
  });

  it('on close: fails waiters, waits for leases, closes every session', async () => {
    const pool = new SessionPool({ size: 1, create: () => new FakeSession() });
    const held = await pool.acquire();
    const waiter = pool.acquire();
    let closed = false;
    const closing = pool.close().then(() => {
      closed = true;
    });
    await expect(waiter).rejects.toBeInstanceOf(PoolClosedError);
    await tick();
    expect(closed).toBe(false);
    held.release();
    await closing;
    expect(held.session.closed).toBe(true);
    await expect(pool.acquire()).rejects.toBeInstanceOf(PoolClosedError);
  });

  it('refuses a nonsensical size', () => {
    expect(() => new SessionPool({ size: 0, create: () => new FakeSession() })).toThrow(RangeError);
  });
});

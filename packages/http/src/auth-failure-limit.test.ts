import { createLogger } from '@mesh-trace/config';
import { ForbiddenError, UnauthorizedError } from '@mesh-trace/errors';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { authFailureRateLimit } from './auth-failure-limit.js';
import { errorMiddleware } from './errors.js';
import { type HttpServerHandle, listen } from './server.js';

// The limiter with its in-process store (the all-in-one's); the split deployment's Redis store and
// two replicas sharing it are covered in packages/e2e (auth-failure-limit.int.test.ts).
const GOOD = 'mtk_live_good';
const NOSCOPE = 'mtk_live_noscope';
const servers: HttpServerHandle[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/**
 * guard → a key check taking `verifyMs` (a cache miss, or at once when < 0; keys starting with GOOD pass, NOSCOPE ones
 * lack the scope: 403) → verified → 200 after `handleMs`.
 */
async function start(limit: number, windowMs = 60_000, verifyMs = 50, handleMs = 0) {
  const app = express();
  app.set('trust proxy', true);
  const { guard, verified } = authFailureRateLimit({ defaultLimit: limit, windowMs });
  app.post(
    '/x',
    guard,
    (req, _res, next) => {
      const check = () => {
        const key = req.headers.authorization?.slice('Bearer '.length) ?? '';
        if (key.startsWith(NOSCOPE)) next(new ForbiddenError("API key lacks the 'ingest' scope"));
        else next(key.startsWith(GOOD) ? undefined : new UnauthorizedError());
      };
      // verifyMs < 0: at once, as a key-cache hit.
      if (verifyMs < 0) check();
      else setTimeout(check, verifyMs);
    },
    verified,
    (_req, res) => {
      setTimeout(() => res.json({ ok: true }), handleMs);
    },
  );
  app.use(errorMiddleware(createLogger({ name: 'test', level: 'silent' })));
  const server = await listen(app, 0, '127.0.0.1');
  servers.push(server);
  const send = async (key: string, from = '10.0.0.1', signal?: AbortSignal) => {
    const res = await fetch(`${server.url}/x`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'x-forwarded-for': from },
      signal,
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after') };
  };
  return send;
}

const count = (statuses: number[], s: number) => statuses.filter((x) => x === s).length;

describe('authFailureRateLimit', () => {
  it('caps a burst of guesses sent at once like guesses sent one by one', async () => {
    const send = await start(5);
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => send(`mtk_live_guess${i}`)));
    const statuses = burst.map((r) => r.status);
    expect(count(statuses, 401)).toBe(5);
    expect(count(statuses, 429)).toBe(15);
    // Refused while five keys were being verified, before any failure: retry in a second.
    expect(burst.filter((r) => r.status === 429).every((r) => r.retryAfter === '1')).toBe(true);
    // The address is now at its limit: even its valid key waits for the window to reset.
    const after = await send(GOOD);
    expect(after.status).toBe(429);
    expect(Number(after.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(after.retryAfter)).toBeLessThanOrEqual(60);
    // Another address is not affected.
    expect((await send(GOOD, '10.0.0.2')).status).toBe(200);
  });

  it('never throttles many requests in flight with one key, nor the keys of an address with failures left', async () => {
    const send = await start(5);
    const burst = await Promise.all(Array.from({ length: 50 }, () => send(GOOD)));
    expect(burst.map((r) => r.status)).toEqual(Array(50).fill(200));
    for (let i = 0; i < 4; i++) expect((await send(`mtk_live_wrong${i}`)).status).toBe(401);
    const more = await Promise.all(Array.from({ length: 20 }, () => send(GOOD)));
    expect(more.map((r) => r.status)).toEqual(Array(20).fill(200));
  });

  it('stops counting a key once it is verified, however long its request then takes', async () => {
    const send = await start(3, 60_000, -1, 150);
    const distinct = await Promise.all(Array.from({ length: 12 }, (_, i) => send(`${GOOD}${i}`)));
    expect(distinct.map((r) => r.status)).toEqual(Array(12).fill(200));
  });

  it('counts neither requests abandoned while their key was being verified nor keys lacking a scope', async () => {
    const send = await start(2, 60_000, 150);
    // Two rounds of as many abandoned guesses as the limit: none counts as a failure.
    for (const round of [0, 1]) {
      const abandoned = Array.from({ length: 2 }, (_, i) =>
        send(`mtk_live_gone${round}${i}`, '10.0.0.1', AbortSignal.timeout(30)).catch(() => 'aborted'),
      );
      expect(await Promise.all(abandoned)).toEqual(['aborted', 'aborted']);
      await new Promise((r) => setTimeout(r, 300));
    }
    for (let i = 0; i < 4; i++) expect((await send(`${NOSCOPE}${i}`)).status).toBe(403);
    expect((await send(GOOD)).status).toBe(200);
    expect((await send('mtk_live_wrong')).status).toBe(401);
  });

  it('lets an address try again once its window has reset', async () => {
    const send = await start(2, 400, 0);
    expect((await send('mtk_live_a')).status).toBe(401);
    expect((await send('mtk_live_b')).status).toBe(401);
    expect((await send(GOOD)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 500));
    expect((await send(GOOD)).status).toBe(200);
    expect((await send('mtk_live_c')).status).toBe(401);
  });
});

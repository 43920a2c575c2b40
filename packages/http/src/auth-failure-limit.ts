import { extractApiKey } from '@mesh-trace/auth';
import { BaseError } from '@mesh-trace/errors';
import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, type Options, type Store } from 'express-rate-limit';
import { fallbackCounter, type RateLimitOptions, sharedStore } from './rate-limit.js';

/** One client address's failed authentications this window, and the keys it has being verified. */
interface AddressState {
  /** Failures known here: this process's own, or the shared count when an increment reported more. */
  failures: number;
  /** When the window of `failures` resets (ms); 0 before the first failure. */
  resetAt: number;
  /** Keys (as sent) of this address's requests not yet verified, with how many requests carry each. */
  pending: Map<string, number>;
}

/** Addresses tracked at once; beyond it the oldest entries are forgotten (their limits restart). */
const MAX_ADDRESSES = 100_000;

const VERIFYING = Symbol('auth-failure-limit.verifying');
type Tracked = Request & { [VERIFYING]?: () => void };

/**
 * In front of key verification: each client address may fail authentication `defaultLimit` times
 * per window (default 60/min), so guessing keys is throttled. Counted are failures (401), in the
 * shared store, plus the distinct keys an address has being verified at this moment: a burst of
 * distinct guesses sent at once is capped like guesses sent one by one, while any number of requests
 * in flight with one key (or with keys already verified) is never throttled, and a request that
 * authenticates costs no round trip to Redis. More distinct keys being verified at one moment than
 * the limit allows (many clients behind one address, all missing the key cache at once) get 429 with
 * Retry-After: 1.
 *
 * `guard` goes before authentication and `verified` right after it. An address at its limit gets 429
 * until the window resets. Each replica learns the shared count at its own next failure from that
 * address, so an address gets at most one more attempt per replica once the limit is reached, and a
 * burst spread over N replicas at once at most N × the limit. Behind a proxy, every client shares the
 * proxy's address unless `trust proxy` is set.
 */
export function authFailureRateLimit(opts: RateLimitOptions): {
  guard: RequestHandler;
  verified: RequestHandler;
} {
  const windowMs = opts.windowMs ?? 60_000;
  const limit = opts.defaultLimit;
  const store: Store = sharedStore(opts, opts.prefix ?? 'mt:rl:authfail:', fallbackCounter(opts.registry));
  // The stores read only windowMs of express-rate-limit's options.
  void Promise.resolve(store.init?.({ windowMs } as Options)).catch(() => {});
  const states = new Map<string, AddressState>();

  const stateOf = (address: string, now: number): AddressState => {
    let s = states.get(address);
    if (!s) {
      if (states.size >= MAX_ADDRESSES) forgetIdle(now);
      s = { failures: 0, resetAt: 0, pending: new Map() };
      states.set(address, s);
    } else if (s.resetAt !== 0 && s.resetAt <= now) {
      s.failures = 0;
      s.resetAt = 0;
    }
    return s;
  };
  // Full: forget addresses with nothing left to count, then the oldest down to 90% (so the scan is
  // paid once per 10% of the cap, not once per new address).
  const forgetIdle = (now: number) => {
    for (const [a, s] of states)
      if (s.pending.size === 0 && (s.failures === 0 || s.resetAt <= now)) states.delete(a);
    for (const a of states.keys()) {
      if (states.size < MAX_ADDRESSES * 0.9) break;
      states.delete(a);
    }
  };
  const settle = (address: string, s: AddressState) => {
    if (s.pending.size === 0 && s.failures === 0 && states.get(address) === s) states.delete(address);
  };
  const countFailure = (address: string, s: AddressState) => {
    s.failures += 1;
    if (s.resetAt === 0) s.resetAt = Date.now() + windowMs;
    Promise.resolve()
      .then(() => store.increment(address))
      .then(
        ({ totalHits, resetTime }) => {
          if (totalHits > s.failures) s.failures = totalHits;
          if (resetTime) s.resetAt = resetTime.getTime();
        },
        // FallbackStore counts in process when Redis fails; an error here is not the request's.
        () => {},
      );
  };

  const guard: RequestHandler = (req, res, next) => {
    const address = `ip:${ipKeyGenerator(req.ip ?? '')}`;
    const now = Date.now();
    const s = stateOf(address, now);
    const key = extractApiKey(req) ?? '';
    const distinct = s.pending.size + (s.pending.has(key) ? 0 : 1);
    if (s.failures + distinct > limit) {
      settle(address, s);
      // At the limit: until the window resets. Only keys in flight: as soon as one is verified.
      const wait = s.failures >= limit && s.resetAt > now ? s.resetAt - now : 1_000;
      next(
        new BaseError('rate_limited', 'Rate limit exceeded', {
          retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)),
        }),
      );
      return;
    }
    s.pending.set(key, (s.pending.get(key) ?? 0) + 1);
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      const n = (s.pending.get(key) ?? 1) - 1;
      if (n > 0) s.pending.set(key, n);
      else s.pending.delete(key);
    };
    (req as Tracked)[VERIFYING] = release;
    const finished = () => {
      const unverified = !done;
      release();
      if (unverified && res.statusCode === 401) countFailure(address, s);
      settle(address, s);
    };
    res.once('finish', finished);
    res.once('close', finished);
    next();
  };

  const verified: RequestHandler = (req, _res, next) => {
    (req as Tracked)[VERIFYING]?.();
    next();
  };
  return { guard, verified };
}

import type {} from '@mesh-trace/auth';
import { BaseError } from '@mesh-trace/errors';
import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore } from 'rate-limit-redis';

export interface RateLimitOptions {
  /** Requests per window for a key without its own limit. */
  defaultLimit: number;
  windowMs?: number;
  /** Shared counters across replicas; without it (all-in-one) counters are per process. */
  redis?: Redis;
  prefix?: string;
}

/**
 * Per-API-key limit (fixed window of `windowMs`, default one minute, counted in Redis so every
 * replica of every service shares it). Runs after authentication; unauthenticated requests are
 * keyed by client address. If the store fails the request passes: Redis being down never turns
 * valid traffic away.
 */
export function perKeyRateLimit(opts: RateLimitOptions): RequestHandler {
  const store: Store = opts.redis
    ? new RedisStore({
        prefix: opts.prefix ?? 'mt:rl:',
        sendCommand: (command: string, ...args: string[]) =>
          (opts.redis as Redis).call(command, ...args) as Promise<number>,
      })
    : new MemoryStore();
  return rateLimit({
    windowMs: opts.windowMs ?? 60_000,
    limit: (req) => req.auth?.rate_limit_per_minute || opts.defaultLimit,
    keyGenerator: (req) => (req.auth ? `key:${req.auth.key_id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`),
    standardHeaders: 'draft-8',
    legacyHeaders: true,
    passOnStoreError: true,
    store,
    handler: (_req, _res, next, options) => {
      next(
        new BaseError('rate_limited', 'Rate limit exceeded', {
          retryAfterSeconds: Math.ceil(options.windowMs / 1000),
        }),
      );
    },
  });
}

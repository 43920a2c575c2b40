import type {} from '@mesh-trace/auth';
import { BaseError } from '@mesh-trace/errors';
import type { Request, RequestHandler, Response } from 'express';
import {
  type ClientRateLimitInfo,
  type IncrementResponse,
  ipKeyGenerator,
  MemoryStore,
  type Options,
  rateLimit,
  type Store,
} from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import { RedisStore } from 'rate-limit-redis';

export interface RateLimitOptions {
  /** Requests per window for a key without its own limit. */
  defaultLimit: number;
  windowMs?: number;
  /** Shared counters across replicas; without it (all-in-one) counters are per process. */
  redis?: Redis;
  prefix?: string;
  registry?: Registry;
  log?: { warn(obj: object, msg: string): void };
}

/**
 * Counts in Redis; when Redis fails, counts in this process instead (each replica then enforces the
 * limit on its own share of traffic), logs it at most once a minute and counts it in a metric.
 * Redis being down never turns valid traffic away.
 */
export class FallbackStore implements Store {
  localKeys = false;
  private readonly local = new MemoryStore();
  private lastWarned = 0;
  private options: Options | undefined;
  private lastReinit = 0;

  constructor(
    private readonly shared: Store,
    private readonly onFallback: (err: unknown) => void,
  ) {}

  init(options: Options): void {
    this.options = options;
    // RedisStore loads its scripts here; with Redis down that fails and increments fall back.
    Promise.resolve(this.shared.init?.(options)).catch((err: unknown) => this.fallback(err));
    this.local.init(options);
  }

  async increment(key: string): Promise<IncrementResponse> {
    try {
      return await this.shared.increment(key);
    } catch (err) {
      this.fallback(err);
      return this.local.increment(key);
    }
  }

  async decrement(key: string): Promise<void> {
    await Promise.resolve()
      .then(() => this.shared.decrement(key))
      .catch((err: unknown) => this.fallback(err));
    await this.local.decrement(key);
  }

  async resetKey(key: string): Promise<void> {
    await Promise.resolve()
      .then(() => this.shared.resetKey(key))
      .catch((err: unknown) => this.fallback(err));
    await this.local.resetKey(key);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    try {
      return await this.shared.get?.(key);
    } catch (err) {
      this.fallback(err);
      return this.local.get(key);
    }
  }

  private fallback(err: unknown): void {
    const now = Date.now();
    // RedisStore keeps a failed script load forever; re-initialise it (at most every 5 s) so the
    // shared counters come back once Redis does.
    if (this.options && now - this.lastReinit > 5_000) {
      this.lastReinit = now;
      const options = this.options;
      Promise.resolve()
        .then(() => this.shared.init?.(options))
        .catch(() => {});
    }
    if (now - this.lastWarned > 60_000) {
      this.lastWarned = now;
      this.onFallback(err);
    } else this.onFallback(undefined);
  }
}

function secondsUntil(reset: Date | undefined): number {
  return reset ? Math.max(0, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 0;
}

/** X-RateLimit-* with Reset as seconds until the window resets (API.md §4), on every response. */
function setLegacyHeaders(req: Request, res: Response): void {
  const info = (req as Request & { rateLimit?: { limit: number; remaining: number; resetTime?: Date } })
    .rateLimit;
  if (!info || res.headersSent) return;
  res.setHeader('X-RateLimit-Limit', String(info.limit));
  res.setHeader('X-RateLimit-Remaining', String(Math.max(0, info.remaining)));
  res.setHeader('X-RateLimit-Reset', String(secondsUntil(info.resetTime)));
}

export function sharedStore(opts: RateLimitOptions, prefix: string, fallbacks: Counter | undefined): Store {
  if (!opts.redis) return new MemoryStore();
  const redis = opts.redis;
  return new FallbackStore(
    new RedisStore({
      prefix,
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<number>,
    }),
    (err) => {
      fallbacks?.inc();
      if (err)
        opts.log?.warn(
          { err: err instanceof Error ? err.message : String(err) },
          'rate_limit_redis_unavailable',
        );
    },
  );
}

const fallbackCounters = new WeakMap<Registry, Counter>();
export function fallbackCounter(registry: Registry | undefined): Counter | undefined {
  if (!registry) return undefined;
  let c = fallbackCounters.get(registry);
  if (!c) {
    c = new Counter({
      name: 'mesh_trace_rate_limit_store_fallback_total',
      help: 'Rate-limit decisions taken by the per-process store because Redis failed',
      registers: [registry],
    });
    fallbackCounters.set(registry, c);
  }
  return c;
}

/**
 * Per-API-key limit: a fixed window of `windowMs` (default one minute) per key, counted in Redis so
 * every replica of every service shares it. Runs after authentication.
 */
export function perKeyRateLimit(opts: RateLimitOptions): RequestHandler {
  const limiter = rateLimit({
    windowMs: opts.windowMs ?? 60_000,
    limit: (req) => req.auth?.rate_limit_per_minute || opts.defaultLimit,
    keyGenerator: (req) => (req.auth ? `key:${req.auth.key_id}` : `ip:${ipKeyGenerator(req.ip ?? '')}`),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    passOnStoreError: true,
    store: sharedStore(opts, opts.prefix ?? 'mt:rl:', fallbackCounter(opts.registry)),
    handler: (req, _res, next) => {
      const info = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit;
      next(
        new BaseError('rate_limited', 'Rate limit exceeded', {
          retryAfterSeconds: Math.max(1, secondsUntil(info?.resetTime)),
        }),
      );
    },
  });
  return (req, res, next) => {
    limiter(req, res, (err?: unknown) => {
      setLegacyHeaders(req, res);
      next(err);
    });
  };
}

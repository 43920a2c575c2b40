import { Redis } from 'ioredis';

/**
 * A Redis client that fails fast while disconnected (no offline queue: callers fall back instead of
 * waiting), after waiting up to `waitMs` for the first connection so start-up does not begin in
 * fallback mode. Start-up continues if Redis is down.
 */
export async function connectRedis(
  url: string,
  log: { warn(obj: object, msg: string): void },
  waitMs = 5_000,
): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  redis.on('error', (err: Error) => log.warn({ err: err.message }, 'redis_error'));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log.warn({ waitMs }, 'redis_not_ready_at_start');
      resolve();
    }, waitMs);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  return redis;
}

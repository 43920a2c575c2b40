import { MeshTraceError } from './errors.js';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** Exponential backoff with full jitter: a random delay up to min(max, base·2^attempt), at least base/4. */
export function backoffMs(attempt: number, { baseMs, maxMs }: BackoffOptions, random = Math.random): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.max(Math.floor(baseMs / 4), Math.floor(random() * cap));
}

/**
 * The delay before retry number `attempt` of a failed request: none for errors that must not be
 * retried (4xx other than 429), else the jittered backoff, but never less than Retry-After.
 */
export function retryDelayMs(
  err: unknown,
  attempt: number,
  opts: BackoffOptions,
  random = Math.random,
): number | undefined {
  if (!(err instanceof MeshTraceError) || !err.retryable) return undefined;
  const jittered = backoffMs(attempt, opts, random);
  const after = err.retryAfterSeconds === undefined ? 0 : err.retryAfterSeconds * 1000;
  return Math.max(jittered, after);
}

/**
 * One error hierarchy for every service. The HTTP layer maps `code` to a status through an
 * exhaustive switch (packages/http), so adding a code forces a decision about its status.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'validation_failed'
  | 'unprocessable'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'dependency_unavailable'
  | 'draining'
  | 'overloaded'
  | 'internal';

export interface ErrorDetail {
  path: string;
  message: string;
}

export interface BaseErrorOptions {
  retry?: boolean;
  context?: Record<string, unknown>;
  cause?: unknown;
  details?: ErrorDetail[];
  /** Seconds a client should wait before retrying (429, 503). */
  retryAfterSeconds?: number;
  /** 1-based column of the problem in a request's expression (search syntax errors). */
  column?: number;
}

export class BaseError extends Error {
  readonly code: ErrorCode;
  readonly retry: boolean;
  readonly context: Record<string, unknown>;
  readonly details: ErrorDetail[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly column: number | undefined;

  constructor(code: ErrorCode, message: string, opts: BaseErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.retry = opts.retry ?? false;
    this.context = opts.context ?? {};
    this.details = opts.details;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.column = opts.column;
  }
}

export class ValidationError extends BaseError {
  constructor(
    message: string,
    details?: ErrorDetail[],
    code: 'validation_failed' | 'invalid_request' = 'validation_failed',
  ) {
    super(code, message, { details });
  }
}

export class UnprocessableError extends BaseError {
  constructor(message: string, details?: ErrorDetail[]) {
    super('unprocessable', message, { details });
  }
}

export class UnauthorizedError extends BaseError {
  constructor(message = 'Missing or invalid API key') {
    super('unauthorized', message);
  }
}

export class ForbiddenError extends BaseError {
  constructor(message: string) {
    super('forbidden', message);
  }
}

export class NotFoundError extends BaseError {
  constructor(message: string) {
    super('not_found', message);
  }
}

export class DependencyUnavailableError extends BaseError {
  constructor(dependency: string, cause?: unknown, retryAfterSeconds = 5) {
    super('dependency_unavailable', `${dependency} is unavailable`, {
      retry: true,
      cause,
      context: { dependency },
      retryAfterSeconds,
    });
  }
}

/** Retryability is decided here, from types and codes, and nowhere else. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof BaseError) return err.retry;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { retriable?: unknown; code?: unknown; name?: unknown };
  // kafkajs marks transient broker/network errors with `retriable`.
  if (e.retriable === true) return true;
  if (e.name === 'KafkaJSConnectionError' || e.name === 'KafkaJSRequestTimeoutError') return true;
  if (e.name === 'KafkaJSNumberOfRetriesExceeded' || e.name === 'KafkaJSNonRetriableError') {
    return isRetryable((err as { cause?: unknown }).cause);
  }
  const transientNetCodes = new Set([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'EAI_AGAIN',
    'UND_ERR_SOCKET',
  ]);
  return typeof e.code === 'string' && transientNetCodes.has(e.code);
}

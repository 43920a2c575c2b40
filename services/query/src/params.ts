import { type ErrorDetail, UnauthorizedError, ValidationError } from '@mesh-trace/errors';
import { zodDetails } from '@mesh-trace/schema';
import type { Request } from 'express';
import type { z } from 'zod';

export const HOUR_NS = 3_600_000_000_000n;

/** Collects one detail per bad parameter, so a caller fixes every problem in one round trip. */
export class ParamErrors {
  readonly details: ErrorDetail[] = [];

  add(path: string, message: string): undefined {
    this.details.push({ path, message });
    return undefined;
  }

  throwIfAny(message = 'Invalid query parameters'): void {
    if (this.details.length) throw new ValidationError(message, this.details, 'invalid_request');
  }
}

/**
 * Resolves a time range against `now`: `start` defaults to now − `defaultSpanNs`, `end` to now. An end
 * before the start is a 400 on `end_time`.
 */
export function resolveRange(
  start: bigint | undefined,
  end: bigint | undefined,
  now: bigint,
  defaultSpanNs: bigint,
  errors: ParamErrors,
): { from: bigint; to: bigint } {
  const from = start ?? now - defaultSpanNs;
  const to = end ?? now;
  if (to < from)
    errors.add(
      'end_time',
      `must not be before start_time${end === undefined ? ' (end_time defaults to now)' : ''}`,
    );
  return { from, to };
}

/** A request body through a zod schema; its issues become `invalid_request` details. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, message: string): z.output<S> {
  const res = schema.safeParse(value);
  if (!res.success) throw new ValidationError(message, zodDetails(res.error), 'invalid_request');
  return res.data;
}

/** The binding value of an optional filter: null when absent, so "absent" never equals a real value. */
export const bound = (v: bigint | string | number | undefined): string | null =>
  v === undefined ? null : String(v);

/** The caller's key context (set by requireAuth, which every route here runs first). */
export function authOf(req: Request) {
  if (!req.auth) throw new UnauthorizedError();
  return req.auth;
}

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

type Query = Record<string, unknown>;

/** One query-string value: `?a=1&a=2` (an array) or `?a[b]=1` (an object) is a 400. */
export function single(query: Query, name: string, errors: ParamErrors): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') return errors.add(name, 'must be given once, as a plain value');
  return v;
}

/** An integer in [min, max]; digits only (no sign, exponent or fraction). */
export function intParam(
  query: Query,
  name: string,
  errors: ParamErrors,
  { min, max, fallback }: { min: number; max: number; fallback: number },
): number {
  const v = single(query, name, errors);
  if (v === undefined) return fallback;
  const n = /^\d{1,9}$/.test(v) ? Number(v) : Number.NaN;
  if (!(n >= min && n <= max)) {
    errors.add(name, `must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

/** A free-text filter value; empty means "not given" (what a form with an empty field sends). */
export function textParam(
  query: Query,
  name: string,
  errors: ParamErrors,
  maxLength = 256,
): string | undefined {
  const v = single(query, name, errors);
  if (v === undefined || v === '') return undefined;
  if (v.length > maxLength) return errors.add(name, `must be at most ${maxLength} characters`);
  return v;
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

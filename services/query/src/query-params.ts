import { ValidationError } from '@mesh-trace/errors';
import { parseTimestampNs, zodDetails } from '@mesh-trace/schema';
import type { TraceStatus } from '@mesh-trace/storage';
import { z } from 'zod';

// Query-string parameters as zod schemas: the same schemas validate requests and generate the query
// API's OpenAPI document (docs/openapi/query.json), so the reference cannot drift from the behaviour.

export const TIMESTAMP_HINT = 'must be an ISO 8601 timestamp or integer Unix epoch nanoseconds';
const ONCE = 'must be given once, as a plain value';

/** One query-string value: `?a=1&a=2` (an array) or `?a[b]=1` (an object) is a 400. */
const plain = () => z.string({ error: ONCE });

/** A free-text filter; empty means "not given" (what a form with an empty field sends). */
export const textParam = (maxLength = 256) =>
  plain()
    .max(maxLength, { error: `must be at most ${maxLength} characters` })
    .optional()
    .transform((v) => (v === '' ? undefined : v));

export const timestampParam = () =>
  plain()
    .meta({
      description: 'ISO 8601 (up to nanoseconds) or integer Unix epoch nanoseconds',
      example: '2026-11-22T10:00:00Z',
    })
    .transform((v, ctx) => {
      const ns = parseTimestampNs(v);
      if (ns === undefined) {
        ctx.addIssue({ code: 'custom', message: TIMESTAMP_HINT });
        return z.NEVER;
      }
      return ns;
    })
    .optional();

/** An integer in [min, max]; digits only (no sign, exponent or fraction). */
export const intParam = ({ min, max, fallback }: { min: number; max: number; fallback: number }) => {
  const error = `must be an integer from ${min} to ${max}`;
  return plain()
    .regex(/^\d{1,9}$/, { error })
    .transform(Number)
    .pipe(z.number().min(min, { error }).max(max, { error }))
    .default(fallback);
};

/** Milliseconds, non-negative, up to six decimals (nanosecond precision): exact, no float rounding. */
export const durationMsParam = () =>
  plain()
    .regex(/^\d{1,12}(?:\.\d{1,6})?$/, {
      error: 'must be a non-negative number of milliseconds (up to 6 decimals)',
    })
    .transform((v) => {
      const [whole = '0', frac = ''] = v.split('.');
      return BigInt(whole) * 1_000_000n + BigInt(frac.padEnd(6, '0'));
    })
    .optional();

export const STATUSES: readonly TraceStatus[] = ['ok', 'error', 'unset'];

/** One of `values`, compared case-insensitively when `caseless`. */
export const enumParam = <const T extends readonly [string, ...string[]]>(values: T, caseless = false) =>
  plain()
    .meta({ enum: [...values] })
    .transform((v) => (caseless ? v.toLowerCase() : v))
    .pipe(z.enum(values, { error: `must be one of ${values.join(', ')}` }));

export const statusParam = () =>
  enumParam(STATUSES as readonly TraceStatus[] as ['ok', 'error', 'unset'], true).optional();

export const cursorParam = () =>
  plain()
    .max(4096, { error: 'too long' })
    .meta({ description: 'next_cursor of the previous page' })
    .optional();

/** Query parameters through a zod object schema; every bad one is a detail of one 400. */
export function parseQueryParams<S extends z.ZodType>(
  schema: S,
  query: unknown,
  message = 'Invalid query parameters',
): z.output<S> {
  const res = schema.safeParse(query ?? {});
  if (!res.success) throw new ValidationError(message, zodDetails(res.error), 'invalid_request');
  return res.data;
}

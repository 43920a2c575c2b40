import { ValidationError } from '@mesh-trace/errors';
import { zodDetails } from '@mesh-trace/schema';
import type { z } from 'zod';

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, message: string): z.output<S> {
  const res = schema.safeParse(value);
  if (!res.success) throw new ValidationError(message, zodDetails(res.error));
  return res.data;
}

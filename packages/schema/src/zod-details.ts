import type { ErrorDetail } from '@mesh-trace/errors';
import type { z } from 'zod';

/** zod issue paths become the API's `spans[3].end_time` form; at most 100 details per response. */
export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues
    .slice(0, 100)
    .map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

import type { Request } from 'express';

/** The id pino-http assigned (the caller's X-Request-Id when well-formed). */
export function requestIdOf(req: Request): string {
  const id = (req as { id?: unknown }).id;
  return typeof id === 'string' ? id : String(id ?? '');
}

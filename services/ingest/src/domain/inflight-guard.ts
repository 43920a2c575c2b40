import { BaseError } from '@mesh-trace/errors';
import type { RequestHandler } from 'express';

/**
 * Bounds the request bytes held at once (bodies being read, validated or produced). A request
 * without Content-Length counts as the largest allowed body. Over the bound the service answers
 * 503 + Retry-After: the client backs off instead of the heap growing without limit.
 */
export function inflightBytesGuard(maxInflightBytes: number, maxBodyBytes: number): RequestHandler {
  let inflight = 0;
  return (req, res, next) => {
    const declared = Number(req.headers['content-length']);
    const bytes =
      Number.isFinite(declared) && declared >= 0 ? Math.min(declared, maxBodyBytes) : maxBodyBytes;
    if (inflight > 0 && inflight + bytes > maxInflightBytes) {
      next(new BaseError('overloaded', 'Ingest is overloaded, retry later', { retryAfterSeconds: 1 }));
      return;
    }
    inflight += bytes;
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inflight -= bytes;
      }
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}

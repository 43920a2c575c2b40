import type { Logger } from '@mesh-trace/config';
import { BaseError, type ErrorCode } from '@mesh-trace/errors';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import { requestIdOf } from './request-id.js';

export function statusFor(code: ErrorCode): number {
  switch (code) {
    case 'invalid_request':
    case 'invalid_json':
    case 'validation_failed':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'unsupported_media_type':
      return 415;
    case 'unprocessable':
      return 422;
    case 'rate_limited':
      return 429;
    case 'dependency_unavailable':
    case 'draining':
    case 'overloaded':
      return 503;
    case 'internal':
      return 500;
    default: {
      const exhaustive: never = code;
      return exhaustive;
    }
  }
}

/** body-parser signals its failures with `type`; map them onto our codes. */
function fromBodyParser(err: unknown): BaseError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  // A corrupt gzip stream surfaces as a zlib error that body-parser tags with a 4xx status.
  const status = (err as { status?: unknown }).status;
  if (!('type' in err)) {
    return typeof status === 'number' && status >= 400 && status < 500
      ? new BaseError('invalid_request', 'Request body could not be decoded')
      : undefined;
  }
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return new BaseError('invalid_json', 'Malformed JSON body');
    case 'entity.too.large':
      return new BaseError('payload_too_large', 'Request body exceeds the size limit');
    case 'encoding.unsupported':
      return new BaseError('unsupported_media_type', 'Unsupported Content-Encoding');
    case 'charset.unsupported':
      return new BaseError('unsupported_media_type', 'Unsupported charset');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new BaseError('invalid_request', 'Request body could not be read');
    default:
      return typeof status === 'number' && status >= 400 && status < 500
        ? new BaseError('invalid_request', 'Request body could not be decoded')
        : undefined;
  }
}

export function sendError(req: Request, res: Response, err: BaseError): void {
  const status = statusFor(err.code);
  if (err.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  const body: Record<string, unknown> = {
    error: status >= 500 && err.code === 'internal' ? 'Internal server error' : err.message,
    code: err.code,
    request_id: requestIdOf(req),
  };
  if (err.details?.length) body.details = err.details;
  if (err.column !== undefined) body.column = err.column;
  res.status(status).json(body);
}

/** `onError` sees the code of every error answered (metrics: rejections by reason). */
export function errorMiddleware(log: Logger, onError?: (code: ErrorCode) => void): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = err instanceof BaseError ? err : fromBodyParser(err);
    onError?.(known?.code ?? 'internal');
    if (known) {
      // Expected errors are warnings; 5xx dependency failures too, with their cause.
      if (statusFor(known.code) >= 500)
        log.warn({ err, request_id: requestIdOf(req) }, 'request_failed_dependency');
      sendError(req, res, known);
      return;
    }
    log.error({ err, request_id: requestIdOf(req) }, 'request_failed_internal');
    sendError(req, res, new BaseError('internal', 'Internal server error'));
  };
}

export const notFoundHandler: RequestHandler = (req, res) => {
  sendError(req, res, new BaseError('not_found', `No route for ${req.method} ${req.path}`));
};

import { BaseError } from '@mesh-trace/errors';
import express, { type RequestHandler } from 'express';

export interface JsonBodyOptions {
  /** Limit on the body after decompression, in bytes. */
  limitBytes: number;
}

/**
 * JSON bodies, optionally gzip/deflate. body-parser applies the limit to the inflated stream and
 * stops reading there, so a gzip bomb is never inflated past the limit.
 */
export function jsonBody(opts: JsonBodyOptions): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    if (!req.is('application/json')) {
      next(new BaseError('unsupported_media_type', 'Content-Type must be application/json'));
      return;
    }
    next();
  };
  return [
    requireJson,
    express.json({ limit: opts.limitBytes, inflate: true, strict: false, type: () => true }),
  ];
}

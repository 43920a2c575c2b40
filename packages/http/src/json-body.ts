import { BaseError } from '@mesh-trace/errors';
import contentType from 'content-type';
import express, { type RequestHandler } from 'express';

export interface JsonBodyOptions {
  /** Limit on the body after decompression, in bytes. */
  limitBytes: number;
}

const requireJson: RequestHandler = (req, _res, next) => {
  if (!req.is('application/json')) {
    next(new BaseError('unsupported_media_type', 'Content-Type must be application/json'));
    return;
  }
  next();
};

/**
 * JSON bodies, optionally gzip/deflate. body-parser applies the limit to the inflated stream and
 * stops reading there, so a gzip bomb is never inflated past the limit.
 */
export function jsonBody(opts: JsonBodyOptions): RequestHandler[] {
  return [
    requireJson,
    express.json({ limit: opts.limitBytes, inflate: true, strict: false, type: () => true }),
  ];
}

/**
 * The bytes of a JSON body, inflated and within the limit (as jsonBody), for a parser elsewhere (the
 * ingest decode threads). Content-Type must be application/json; a charset other than UTF-8 is 415.
 */
export function jsonBytesBody(opts: JsonBodyOptions): RequestHandler[] {
  const requireUtf8: RequestHandler = (req, _res, next) => {
    const charset = contentType.parse(req).parameters.charset?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      next(new BaseError('unsupported_media_type', 'Unsupported charset'));
      return;
    }
    next();
  };
  return [requireJson, requireUtf8, express.raw({ limit: opts.limitBytes, inflate: true, type: () => true })];
}

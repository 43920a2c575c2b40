import { BaseError, ForbiddenError } from '@mesh-trace/errors';
import express, { type Express, type RequestHandler } from 'express';
import type { IngestDeps } from '../app.js';
import { acceptDecodedSpans, batchLimits } from '../domain/accept-batch.js';
import { inlineDecoder } from '../domain/decode-pool.js';
import { type OtlpPartialSuccess, partialSuccessMessage } from '../domain/otlp-mapping.js';
import { encodeOtlpResponseProtobuf } from '../domain/otlp-proto.js';

const PROTOBUF_TYPES = new Set(['application/x-protobuf', 'application/protobuf']);
const JSON_TYPE = 'application/json';

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * The raw body, gzip/deflate inflated by body-parser with the limit applied to the inflated
 * stream (a gzip bomb stops at the limit), after a Content-Type check: OTLP/HTTP has exactly two.
 */
function otlpBody(limitBytes: number): RequestHandler[] {
  const requireType: RequestHandler = (req, _res, next) => {
    const type = mediaType(req.headers['content-type']);
    if (!PROTOBUF_TYPES.has(type) && type !== JSON_TYPE) {
      next(
        new BaseError(
          'unsupported_media_type',
          'Content-Type must be application/x-protobuf or application/json',
        ),
      );
      return;
    }
    next();
  };
  return [requireType, express.raw({ limit: limitBytes, inflate: true, type: () => true })];
}

/**
 * POST /v1/traces — OTLP/HTTP 1.x trace export. 200 with an ExportTraceServiceResponse in the
 * request's encoding once the valid spans are durably queued; spans that fail validation are
 * counted in partial_success while the rest are accepted. Errors (400, 401, 413, 415, 429, 503 with
 * Retry-After) use the API's JSON error body; OTLP exporters act on the status code.
 */
export function registerPostOtlp(app: Express, deps: IngestDeps, guards: RequestHandler[]): void {
  const limits = batchLimits(deps.cfg);
  const decoder = deps.decoder ?? inlineDecoder;
  app.post('/v1/traces', ...guards, ...otlpBody(deps.cfg.maxBodyBytes), async (req, res) => {
    const auth = req.auth;
    if (!auth) throw new ForbiddenError('not authenticated');
    const type = mediaType(req.headers['content-type']);
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // The bytes may move to a decode thread: nothing reads req.body after this.
    req.body = undefined;
    const decoded = await decoder.decodeOtlp(body, type === JSON_TYPE ? 'json' : 'protobuf', auth, limits, {
      liveEntries: deps.live !== undefined,
    });
    await acceptDecodedSpans(deps, auth, decoded);
    const { problems, rejected, received } = decoded;
    // The spec: partial_success stays unset when everything was accepted.
    const partial: OtlpPartialSuccess | undefined = rejected
      ? {
          rejectedSpans: rejected,
          errorMessage: partialSuccessMessage(rejected, received, problems),
        }
      : undefined;
    res.status(200);
    if (type === JSON_TYPE) {
      // proto3 JSON writes int64 as a string.
      const json = partial
        ? {
            partialSuccess: {
              rejectedSpans: String(partial.rejectedSpans),
              errorMessage: partial.errorMessage,
            },
          }
        : {};
      res.type(JSON_TYPE).send(JSON.stringify(json));
    } else {
      res.type(type).send(encodeOtlpResponseProtobuf(partial));
    }
  });
}

import { z } from 'zod';
import { batchSchema, completeSchema } from './batch.js';

/** The JSON error body of every 4xx/5xx (API.md §2). */
export const errorBodySchema = z.object({
  error: z.string().describe('Human-readable message'),
  code: z.string().describe('Stable machine code, e.g. validation_failed, rate_limited'),
  request_id: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

const accepted = z.object({
  accepted: z.object({ traces: z.number().int(), spans: z.number().int(), events: z.number().int() }),
  request_id: z.string(),
});

/** A zod schema as an OpenAPI 3.0 schema object. */
export const toSchema = (s: z.ZodType, io: 'input' | 'output' = 'input') =>
  // Request bodies are documented as clients send them (before transforms such as timestamp parsing).
  z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'openapi-3.0' });

/** OpenAPI responses for error statuses, each with the shared Error schema. */
export const errorResponses = (codes: number[], text: Record<number, string> = ERROR_TEXT) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      {
        description: text[c] ?? ERROR_TEXT[c] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
    ]),
  );

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON or schema violation (details list field paths)',
  401: 'Missing, unknown or revoked API key',
  403: 'Key lacks the scope or touches another agent',
  404: 'Trace not accepted for this organisation/environment',
  413: 'Body larger than the limit after decompression',
  415: 'Unsupported Content-Type or Content-Encoding',
  422: 'Logically invalid batch',
  429: 'Rate limit exceeded (Retry-After set)',
  503: 'Queue unavailable or service draining (Retry-After set)',
};

/** The OpenAPI document of the ingest API, generated from the same zod schemas that validate it. */
export function ingestOpenApi(): Record<string, unknown> {
  const security = [{ bearer: [] }, { apiKey: [] }, { mortemKey: [] }];
  return {
    openapi: '3.0.3',
    info: {
      title: 'Mesh-Trace ingest API',
      version: '1',
      description:
        'Timestamps are ISO 8601 strings (up to nanoseconds) or epoch nanoseconds (integers, or digit strings for exactness). ' +
        'Ids are hex and normalised to lower case. Attribute values are strings, numbers, booleans or arrays of those.',
    },
    servers: [{ url: 'http://localhost:4001' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        mortemKey: { type: 'apiKey', in: 'header', name: 'x-mortem-api-key' },
      },
      schemas: {
        Batch: toSchema(batchSchema),
        Complete: toSchema(completeSchema),
        Accepted: toSchema(accepted),
        Error: toSchema(errorBodySchema),
      },
    },
    paths: {
      '/v1/traces/batch': {
        post: {
          summary: 'Ingest a batch of traces, spans and events (scope ingest)',
          security,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Batch' } } },
          },
          responses: {
            '202': {
              description: 'Durably queued (Kafka acknowledged)',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
            },
            ...errorResponses([400, 401, 403, 413, 415, 422, 429, 503]),
          },
        },
      },
      '/v1/traces': {
        post: {
          summary:
            'OTLP/HTTP trace export (OpenTelemetry protocol 1.x), protobuf or JSON, gzip allowed (scope ingest)',
          description:
            'The body is an ExportTraceServiceRequest as the OTLP/HTTP specification defines it ' +
            '(opentelemetry/proto/collector/trace/v1). The mapping to Mesh-Trace spans is in docs/otlp.md. ' +
            'Spans that fail validation are counted in partialSuccess.rejectedSpans while the rest are stored.',
          security,
          requestBody: {
            required: true,
            content: {
              'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
              'application/json': {
                schema: { type: 'object', description: 'OTLP/JSON ExportTraceServiceRequest' },
              },
            },
          },
          responses: {
            '200': {
              description: 'ExportTraceServiceResponse, in the encoding of the request',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      partialSuccess: {
                        type: 'object',
                        properties: { rejectedSpans: { type: 'string' }, errorMessage: { type: 'string' } },
                      },
                    },
                  },
                },
                'application/x-protobuf': { schema: { type: 'string', format: 'binary' } },
              },
            },
            ...errorResponses([400, 401, 403, 413, 415, 429, 503]),
          },
        },
      },
      '/api/v2/spans': {
        post: {
          summary: 'Zipkin v2 JSON spans (scope ingest); mapped as documented in docs/otlp.md',
          security,
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'array', items: { type: 'object' } } } },
          },
          responses: {
            '202': {
              description: 'Valid spans durably queued; invalid ones listed in `rejected`',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/Accepted' } } },
            },
            ...errorResponses([400, 401, 403, 413, 415, 429, 503]),
          },
        },
      },
      '/v1/traces/{trace_id}/complete': {
        post: {
          summary: 'Mark a trace completed or errored; the latest completion wins (scope ingest)',
          security,
          parameters: [
            {
              name: 'trace_id',
              in: 'path',
              required: true,
              schema: { type: 'string', pattern: '^[0-9a-fA-F]{32}$' },
            },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Complete' } } },
          },
          responses: {
            '200': {
              description: 'Completion queued',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: { trace_id: { type: 'string' }, status: { type: 'string' } },
                  },
                },
              },
            },
            ...errorResponses([400, 401, 403, 404, 413, 415, 429, 503]),
          },
        },
      },
    },
  };
}

import { errorResponses, toSchema } from '@mesh-trace/schema';
import { alertRuleSpecSchema } from '@mesh-trace/storage';
import type { z } from 'zod';
import {
  alertEventsSchema,
  alertRuleSchema,
  alertRulesSchema,
  apiKeySchema,
  apiKeysSchema,
  createdKeySchema,
  nodeSchema,
  nodesSchema,
  rotatedKeySchema,
  servicesSchema,
  topologySchema,
  traceDetailSchema,
  tracePageSchema,
} from './api-schemas.js';
import { alertEventsQuery } from './routes/alerts-events.js';
import { createKeySchema } from './routes/api-keys.js';
import { topologyQuery } from './routes/get-topology.js';
import { DEFAULT_TRACE_MAX_SPANS, traceQuery } from './routes/get-trace.js';
import { servicesQuery } from './routes/list-services.js';
import { listTracesQuery } from './routes/list-traces.js';
import { searchBodySchema } from './routes/search-traces.js';

type Op = Record<string, unknown>;

/** The query-string parameters of a zod object schema, as OpenAPI parameter objects. */
function queryParameters(schema: z.ZodObject): Op[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const s = field as z.ZodType;
    const json = toSchema(s) as { description?: string; default?: unknown };
    const { description, ...rest } = json;
    return {
      name,
      in: 'query',
      required: !s.safeParse(undefined).success,
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const pathParam = (name: string, schema: Op = { type: 'string' }) => ({
  name,
  in: 'path',
  required: true,
  schema,
});

const json = (schema: z.ZodType, description: string) => ({
  description,
  content: { 'application/json': { schema: toSchema(schema, 'output') } },
});

const body = (schema: z.ZodType) => ({
  required: true,
  content: { 'application/json': { schema: toSchema(schema) } },
});

const TRACE_ID = { type: 'string', pattern: '^[0-9a-fA-F]{32}$' };

/**
 * The OpenAPI document of the query API, generated from the zod schemas that validate its requests
 * (query parameters and bodies) and describe its responses.
 */
export function queryOpenApi(): Record<string, unknown> {
  const security = [{ bearer: [] }, { apiKey: [] }, { mortemKey: [] }];
  const read = (summary: string, op: Op): Op => ({ summary, security, ...op });
  return {
    openapi: '3.0.3',
    info: {
      title: 'Mesh-Trace query API',
      version: '1',
      description:
        'Every request is scoped to the organisation and environment of its API key. Timestamps are ISO 8601 ' +
        '(up to nanoseconds) or integer Unix epoch nanoseconds. Errors use one JSON body (API.md §2).',
    },
    servers: [{ url: 'http://localhost:4000' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        mortemKey: { type: 'apiKey', in: 'header', name: 'x-mortem-api-key' },
      },
    },
    paths: {
      '/v1/traces': {
        get: read('List traces, newest first, with stable cursors (scope read)', {
          parameters: queryParameters(listTracesQuery),
          responses: {
            '200': json(tracePageSchema, 'One page'),
            ...errorResponses([400, 401, 403, 429, 503]),
          },
        }),
      },
      '/v1/traces/search': {
        post: read('Traces with a span matching an expression (scope read)', {
          requestBody: body(searchBodySchema),
          responses: {
            '200': json(tracePageSchema, 'One page'),
            ...errorResponses([400, 401, 403, 429, 503], {
              400: 'Bad body, or a syntax error (with its column)',
            }),
          },
        }),
      },
      '/v1/traces/{trace_id}': {
        get: read('One trace: summary, spans (windowed when large), events, completion (scope read)', {
          parameters: [
            pathParam('trace_id', TRACE_ID),
            ...queryParameters(traceQuery(DEFAULT_TRACE_MAX_SPANS)),
          ],
          responses: {
            '200': json(traceDetailSchema, 'The trace'),
            ...errorResponses([400, 401, 403, 404, 429, 503], { 404: 'No such trace for this org/env' }),
          },
        }),
      },
      '/v1/services': {
        get: read('Services seen in a range, from the per-minute rollups (scope read)', {
          parameters: queryParameters(servicesQuery),
          responses: {
            '200': json(servicesSchema, 'Services'),
            ...errorResponses([400, 401, 403, 429, 503]),
          },
        }),
      },
      '/v1/topology': {
        get: read('The service dependency graph (scope read)', {
          parameters: queryParameters(topologyQuery),
          responses: {
            '200': json(topologySchema, 'Nodes and edges'),
            ...errorResponses([400, 401, 403, 429, 503]),
          },
        }),
      },
      '/v1/nodes': {
        get: read('Collector nodes (ingest and writer instances) (scope read)', {
          responses: { '200': json(nodesSchema, 'Nodes'), ...errorResponses([401, 403, 429]) },
        }),
      },
      '/v1/nodes/{node_id}': {
        get: read('One collector node (scope read)', {
          parameters: [pathParam('node_id')],
          responses: { '200': json(nodeSchema, 'The node'), ...errorResponses([401, 403, 404, 429]) },
        }),
      },
      '/v1/nodes/{node_id}/drain': {
        post: read('Take an ingest node out of rotation: its /readyz turns 503 within 5 s (scope admin)', {
          parameters: [pathParam('node_id')],
          responses: {
            '200': json(nodeSchema, 'The node, draining'),
            ...errorResponses([401, 403, 404, 429]),
          },
        }),
      },
      '/v1/nodes/{node_id}/resume': {
        post: read('Put a drained node back into rotation (scope admin)', {
          parameters: [pathParam('node_id')],
          responses: { '200': json(nodeSchema, 'The node'), ...errorResponses([401, 403, 404, 429]) },
        }),
      },
      '/v1/api-keys': {
        get: read("The organisation's API keys, never their secrets (scope admin)", {
          responses: { '200': json(apiKeysSchema, 'Keys'), ...errorResponses([401, 403, 429]) },
        }),
        post: read('Create a key; the secret is in this response only (scope admin)', {
          requestBody: body(createKeySchema),
          responses: {
            '201': json(createdKeySchema, 'The key and its secret'),
            ...errorResponses([400, 401, 403, 429]),
          },
        }),
      },
      '/v1/api-keys/{id}': {
        delete: read('Revoke a key; every replica refuses it within 5 s (scope admin)', {
          parameters: [pathParam('id')],
          responses: {
            '200': json(apiKeySchema, 'The revoked key'),
            ...errorResponses([401, 403, 404, 429]),
          },
        }),
      },
      '/v1/api-keys/{id}/rotate': {
        post: read('Replace a key by a new one with the same scopes; the old one is revoked (scope admin)', {
          parameters: [pathParam('id')],
          responses: {
            '201': json(rotatedKeySchema, 'The new key and its secret'),
            ...errorResponses([401, 403, 404, 429]),
          },
        }),
      },
      '/v1/alerts/rules': {
        get: read("The org/env's alert rules (scope read)", {
          responses: { '200': json(alertRulesSchema, 'Rules'), ...errorResponses([401, 403, 429]) },
        }),
        post: read('Create an alert rule (scope alerts:write)', {
          requestBody: body(alertRuleSpecSchema),
          responses: {
            '201': json(alertRuleSchema, 'The rule (webhook secrets masked)'),
            ...errorResponses([400, 401, 403, 409, 429, 503], {
              409: 'A rule of this name exists in this org/env',
            }),
          },
        }),
      },
      '/v1/alerts/rules/{id}': {
        get: read('One alert rule (scope read)', {
          parameters: [pathParam('id')],
          responses: { '200': json(alertRuleSchema, 'The rule'), ...errorResponses([401, 403, 404, 429]) },
        }),
        patch: read(
          'Change fields of a rule; If-Match: "<version>" refuses a stale write (scope alerts:write)',
          {
            parameters: [
              pathParam('id'),
              { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } },
            ],
            requestBody: body(alertRuleSpecSchema.partial()),
            responses: {
              '200': json(alertRuleSchema, 'The rule, version + 1'),
              ...errorResponses([400, 401, 403, 404, 409, 429, 503], {
                409: 'Stale If-Match, or a duplicate name',
              }),
            },
          },
        ),
        delete: read('Delete a rule (scope alerts:write)', {
          parameters: [pathParam('id')],
          responses: {
            '200': { description: '{ "id", "deleted": true }' },
            ...errorResponses([401, 403, 404, 429, 503]),
          },
        }),
      },
      '/v1/alerts/events': {
        get: read('Firing and resolved transitions, newest first, with every delivery (scope read)', {
          parameters: queryParameters(alertEventsQuery),
          responses: { '200': json(alertEventsSchema, 'One page'), ...errorResponses([400, 401, 403, 429]) },
        }),
      },
      '/v1/agents/{agent_id}/live': {
        get: read(
          "Server-Sent Events of an agent's traces: trace.started, span, event, trace.completed (scope read)",
          {
            parameters: [
              pathParam('agent_id'),
              {
                name: 'Last-Event-ID',
                in: 'header',
                required: false,
                description: 'the id of the last event received: resume after it (docs/live.md)',
                schema: { type: 'string' },
              },
            ],
            responses: {
              '200': {
                description:
                  'text/event-stream: `id:`, `event:` and `data:` (JSON) lines per event, a comment heartbeat every 15 s',
                content: { 'text/event-stream': { schema: { type: 'string' } } },
              },
              ...errorResponses([400, 401, 403, 404, 429, 503], {
                403: 'An agent-bound key asked for another agent',
                404: 'No traces of this agent in this org/env',
              }),
            },
          },
        ),
      },
    },
  };
}

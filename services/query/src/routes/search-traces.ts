import { BaseError, ValidationError } from '@mesh-trace/errors';
import { jsonBody } from '@mesh-trace/http';
import { compileSearch, type Node, SearchSyntaxError } from '@mesh-trace/query-lang';
import { nowNs, parseTimestampNs } from '@mesh-trace/schema';
import type { Express, RequestHandler } from 'express';
import { z } from 'zod';
import type { QueryDeps } from '../app.js';
import type { CursorCodec } from '../cursor.js';
import { authOf, bound, HOUR_NS, ParamErrors, parseBody, resolveRange } from '../params.js';
import { TIMESTAMP_HINT } from '../query-params.js';
import { requestSignal, tracePage } from '../trace-pages.js';

const timestamp = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const ns = parseTimestampNs(v);
  if (ns === undefined) {
    ctx.addIssue({ code: 'custom', message: TIMESTAMP_HINT });
    return z.NEVER;
  }
  return ns;
});

export const searchBodySchema = z.object({
  // The language caps expressions at 4096 UTF-8 bytes and reports that with a column; this bound
  // only keeps absurd bodies from reaching the parser.
  query: z.string().max(65_536),
  start_time: timestamp.optional(),
  end_time: timestamp.optional(),
  limit: z.number().int().min(1).max(500).default(100),
  cursor: z.string().max(4096).optional(),
});

/** The expression's syntax tree, or a 400 naming the column of the first problem. */
export function parseQuery(query: string): Node {
  try {
    return compileSearch(query).ast;
  } catch (err) {
    if (!(err instanceof SearchSyntaxError)) throw err;
    const where = `${err.message} at column ${err.column}`;
    throw new BaseError('invalid_request', `Invalid search expression: ${where}`, {
      details: [{ path: 'query', message: where }],
      column: err.column,
    });
  }
}

/** ClickHouse refused a regular expression the language's RE2 approximation let through. */
function isRegexRejection(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { type?: unknown }).type === 'CANNOT_COMPILE_REGEXP'
  );
}

/** POST /v1/traces/search — traces with a span matching an expression (packages/query-lang). */
export function registerSearchTraces(
  app: Express,
  deps: QueryDeps,
  cursors: CursorCodec,
  guards: RequestHandler[],
): void {
  app.post('/v1/traces/search', ...guards, ...jsonBody({ limitBytes: 256 * 1024 }), async (req, res) => {
    const auth = authOf(req);
    const now = nowNs();
    const body = parseBody(searchBodySchema, req.body, 'Invalid search request');
    const errors = new ParamErrors();
    const range = resolveRange(body.start_time, body.end_time, now, HOUR_NS, errors);
    errors.throwIfAny('Invalid search request');
    const search = parseQuery(body.query);
    try {
      res.json(
        await tracePage(deps, cursors, {
          auth,
          binding: {
            kind: 'search',
            org_id: auth.org_id,
            env: auth.env,
            filters: {
              query: body.query,
              start_time: bound(body.start_time),
              end_time: bound(body.end_time),
            },
          },
          cursor: body.cursor,
          range,
          now,
          limit: body.limit,
          filters: { search },
          signal: requestSignal(res),
        }),
      );
    } catch (err) {
      if (!isRegexRejection(err)) throw err;
      throw new ValidationError(
        'Invalid search expression: a regular expression was rejected by the storage engine',
        [{ path: 'query', message: 'regular expression not supported' }],
        'invalid_request',
      );
    }
  });
}

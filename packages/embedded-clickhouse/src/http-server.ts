import { randomUUID } from 'node:crypto';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ClickHouseHttpError, ErrorCode, toErrorReply } from './errors.js';
import type { QueryExecutor, QuerySummary } from './executor.js';
import {
  chooseResponseEncoding,
  decodeBody,
  encodeBody,
  parseMultipartFields,
  readBody,
} from './http-body.js';
import type { Logger } from './logger.js';
import { PoolClosedError } from './session-pool.js';
import { parseRequestParams } from './url-params.js';

export interface HandlerDeps {
  executor: QueryExecutor;
  /** Engine version, quoted in error bodies as real ClickHouse does. */
  version: string;
  timezone: string;
  displayName: string;
  maxBodyBytes: number;
  logger: Logger;
  isStopping(): boolean;
  /** Called around every query so that stop() can wait for in-flight work. */
  track<T>(work: Promise<T>): Promise<T>;
}

const OK = 'Ok.\n';

export function createRequestHandler(deps: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const isRoot = url.pathname === '/';
    // Liveness answers without the engine: a busy engine is not a dead server.
    if (
      url.pathname === '/ping' ||
      url.pathname === '/replicas_status' ||
      (isRoot && method !== 'POST' && !url.searchParams.has('query'))
    ) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8', 'Content-Length': OK.length });
      res.end(method === 'HEAD' ? undefined : OK);
      return;
    }
    if (!isRoot || (method !== 'GET' && method !== 'POST')) {
      const text = `There is no handle ${url.pathname} for method ${method}\n\nUse / or /ping for health checks.\n`;
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=UTF-8', Connection: 'close' });
      res.end(text);
      req.resume();
      return;
    }
    void deps.track(handleQuery(deps, req, res, url, method));
  };
}

async function handleQuery(
  deps: HandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  method: string,
): Promise<void> {
  let queryId = url.searchParams.get('query_id') || randomUUID();
  const base: OutgoingHttpHeaders = {
    'X-ClickHouse-Server-Display-Name': deps.displayName,
    'X-ClickHouse-Timezone': deps.timezone,
  };
  // Only an unfinished response means the client went away; the signal then drops it from the queue.
  const gone = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) gone.abort(new Error('client closed the connection'));
  });
  try {
    if (deps.isStopping()) throw new PoolClosedError();
    let body = method === 'POST' ? await readBody(req, deps.maxBodyBytes) : Buffer.alloc(0);
    body = await decodeBody(body, header(req, 'content-encoding'), deps.maxBodyBytes);
    const entries: Array<[string, string]> = [...url.searchParams];
    const fields = parseMultipartFields(body, header(req, 'content-type'));
    if (fields !== undefined) {
      entries.push(...fields);
      body = Buffer.alloc(0);
    }
    const params = parseRequestParams(entries);
    if (params.queryId !== undefined) queryId = params.queryId;
    if (params.nativeCompression) {
      throw new ClickHouseHttpError(
        ErrorCode.NOT_IMPLEMENTED,
        'ClickHouse native compression (compress=1 / decompress=1) is not supported by the embedded server; use HTTP Content-Encoding',
      );
    }
    const outcome = await deps.executor.run(
      {
        ...(params.query === undefined ? {} : { queryText: params.query }),
        body,
        ...(params.database === undefined ? {} : { database: params.database }),
        defaultFormat: params.defaultFormat ?? 'TabSeparated',
        params: params.params,
        settings: params.settings,
      },
      gone.signal,
    );
    const headers: OutgoingHttpHeaders = {
      ...base,
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Summary': summaryHeader(outcome.summary),
      'Content-Type': contentTypeFor(outcome.format),
    };
    if (outcome.format !== undefined) headers['X-ClickHouse-Format'] = outcome.format;
    // Like ClickHouse, compress only when the request both enabled it and said what it decodes.
    const encoding = params.enableHttpCompression
      ? chooseResponseEncoding(header(req, 'accept-encoding'))
      : undefined;
    let payload: Uint8Array = outcome.body;
    if (encoding !== undefined) {
      payload = await encodeBody(outcome.body, encoding);
      headers['Content-Encoding'] = encoding;
    }
    headers['Content-Length'] = payload.byteLength;
    res.writeHead(200, headers);
    res.end(payload);
  } catch (err) {
    sendError(deps, req, res, err, queryId, base);
  }
}

function sendError(
  deps: HandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  err: unknown,
  queryId: string,
  base: OutgoingHttpHeaders,
): void {
  const reply = toErrorReply(err, deps.version);
  const status = err instanceof PoolClosedError ? 503 : reply.status;
  const fields = { query_id: queryId, code: reply.code, status };
  // Engine and request errors are the caller's; anything without a ClickHouse code is ours.
  if (reply.code === ErrorCode.UNKNOWN_EXCEPTION && !(err instanceof PoolClosedError)) {
    deps.logger.error({ ...fields, err }, 'query_failed');
  } else {
    deps.logger.warn(fields, 'query_failed');
  }
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const headers: OutgoingHttpHeaders = {
    ...base,
    'X-ClickHouse-Query-Id': queryId,
    'X-ClickHouse-Exception-Code': String(reply.code),
    'Content-Type': 'text/plain; charset=UTF-8',
    'Content-Length': Buffer.byteLength(reply.body),
  };
  // A body we refused to read, or a server on its way down, leaves nothing worth keeping the socket for.
  if (!req.complete || status === 503) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(reply.body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function summaryHeader(s: QuerySummary): string {
  return JSON.stringify(Object.fromEntries(Object.entries(s).map(([k, v]) => [k, String(v)])));
}

export function contentTypeFor(format: string | undefined): string {
  if (format === undefined) return 'text/plain; charset=UTF-8';
  if (format.startsWith('JSON')) {
    return format.includes('EachRow')
      ? 'application/x-ndjson; charset=UTF-8'
      : 'application/json; charset=UTF-8';
  }
  if (format.startsWith('TabSeparated') || format.startsWith('TSV'))
    return 'text/tab-separated-values; charset=UTF-8';
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8; header=absent';
  if (/^(?:RowBinary|Native|Parquet|Arrow|ORC|Avro|MsgPack)/.test(format)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

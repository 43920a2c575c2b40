import type { RawInsertParams, RawInsertSummary } from 'chdb';
import {
  buildBinaryInsertSql,
  type InsertTarget,
  insertableColumnsSql,
  parseColumnRows,
  selectColumns,
} from './binary-insert.js';
import { ClickHouseHttpError, ErrorCode } from './errors.js';
import { detectOutputFormat, type InsertHead, insertRoute, parseInsertHead } from './query-shape.js';
import type { Closable, Lease, SessionPool } from './session-pool.js';
import { buildSessionSetup, mayChangeSessionState } from './settings.js';
import { isValidSettingName } from './url-params.js';

/** The part of a chDB `Session` the server uses; a narrow seam so tests can reason about it. */
export interface EngineResult {
  readonly elapsed: number;
  readonly rowsRead: number;
  readonly bytesRead: number;
  bytes(): Uint8Array;
}

export interface EngineSession extends Closable {
  queryAsync(sql: string, opts: { format: string }): Promise<EngineResult>;
  insert(params: RawInsertParams): Promise<RawInsertSummary>;
}

export interface QueryRequest {
  /** The `query` URL (or form) parameter, if any. */
  queryText?: string;
  /** The request body, already decompressed. */
  body: Buffer;
  database?: string;
  defaultFormat: string;
  params: ReadonlyMap<string, string>;
  settings: ReadonlyMap<string, string>;
}

export interface QuerySummary {
  read_rows: number;
  read_bytes: number;
  written_rows: number;
  written_bytes: number;
  total_rows_to_read: number;
  result_rows: number;
  result_bytes: number;
  elapsed_ns: number;
}

export interface QueryOutcome {
  body: Uint8Array;
  /** Output format, for `X-ClickHouse-Format`; undefined for statements without rows. */
  format?: string;
  summary: QuerySummary;
}

const EMPTY = new Uint8Array(0);
const NAME_RE = /^[A-Za-z0-9_]+$/;

function summary(partial: Partial<QuerySummary>): QuerySummary {
  return {
    read_rows: 0,
    read_bytes: 0,
    written_rows: 0,
    written_bytes: 0,
    total_rows_to_read: 0,
    result_rows: 0,
    result_bytes: 0,
    elapsed_ns: 0,
    ...partial,
  };
}

const toNs = (seconds: number): number => Math.round(seconds * 1e9);

/** Runs one ClickHouse HTTP request on a leased engine session. */
export class QueryExecutor {
  readonly #pool: SessionPool<EngineSession>;

  constructor(pool: SessionPool<EngineSession>) {
    this.#pool = pool;
  }

  async run(req: QueryRequest, signal?: AbortSignal): Promise<QueryOutcome> {
    if (!NAME_RE.test(req.defaultFormat)) {
      throw new ClickHouseHttpError(ErrorCode.UNKNOWN_FORMAT, `Unknown format ${req.defaultFormat}`);
    }
    // Rows in the body with the INSERT head in the URL: the shape @clickhouse/client's insert() sends.
    const head =
      req.queryText !== undefined && req.body.length > 0 ? parseInsertHead(req.queryText) : undefined;
    const lease = await this.#pool.acquire(signal);
    try {
      if (head !== undefined) {
        const route = insertRoute(head.format);
        if (route === 'raw-text' && req.params.size === 0 && this.#rawTarget(head, req) !== undefined) {
          return await this.#rawInsert(lease, head, req);
        }
        if (route === 'binary') return await this.#binaryInsert(lease, head, req);
      }
      return await this.#sqlQuery(lease, req);
    } finally {
      lease.release();
    }
  }

  #rawTarget(head: InsertHead, req: QueryRequest): string | undefined {
    const db = head.database ?? (req.database === 'default' ? undefined : req.database);
    if (db !== undefined && !NAME_RE.test(db)) return undefined;
    for (const name of req.settings.keys()) if (!isValidSettingName(name)) return undefined;
    return db === undefined ? head.table : `${db}.${head.table}`;
  }

  // Text rows go to chDB's raw insert as bytes: the engine parses them, nothing is copied into a
  // JS string, and settings ride on the INSERT itself, so the session stays clean for reuse.
  async #rawInsert(lease: Lease<EngineSession>, head: InsertHead, req: QueryRequest): Promise<QueryOutcome> {
    const table = this.#rawTarget(head, req) as string;
    const params: RawInsertParams = {
      table,
      values: req.body,
      format: head.format as RawInsertParams['format'],
    };
    if (head.columns !== undefined) params.columns = head.columns;
    if (req.settings.size > 0) params.settings = Object.fromEntries(req.settings);
    const res = await lease.session.insert(params);
    return {
      body: EMPTY,
      summary: summary({
        read_rows: res.rowsWritten,
        read_bytes: res.bytesSent,
        written_rows: res.rowsWritten,
        written_bytes: res.bytesWritten,
        elapsed_ns: toNs(res.elapsed),
      }),
    };
  }

  async #binaryInsert(
    lease: Lease<EngineSession>,
    head: InsertHead,
    req: QueryRequest,
  ): Promise<QueryOutcome> {
    // The hex literal is part of the query text, so the parser's size limit must make room for it.
    const settings = new Map(req.settings);
    settings.set('max_query_size', String(2 * req.body.length + 1024 * 1024));
    await this.#setup(lease, { ...req, settings });
    const target: InsertTarget = { table: head.table };
    if (head.database !== undefined) target.database = head.database;
    const cols = await lease.session.queryAsync(insertableColumnsSql(target), {
      format: 'JSONCompactEachRow',
    });
    const columns = selectColumns(
      target,
      parseColumnRows(Buffer.from(cols.bytes()).toString('utf8')),
      head.columns,
    );
    const res = await lease.session.queryAsync(buildBinaryInsertSql(target, columns, head.format, req.body), {
      format: 'TabSeparated',
    });
    return {
      body: EMPTY,
      summary: summary({
        read_rows: res.rowsRead,
        read_bytes: req.body.length,
        written_rows: res.rowsRead,
        written_bytes: res.bytesRead,
        elapsed_ns: toNs(res.elapsed),
      }),
    };
  }

  async #sqlQuery(lease: Lease<EngineSession>, req: QueryRequest): Promise<QueryOutcome> {
    const sql = composeSql(req);
    if (sql.trim() === '') throw new ClickHouseHttpError(ErrorCode.SYNTAX_ERROR, 'Empty query');
    await this.#setup(lease, req);
    if (mayChangeSessionState(sql)) lease.markDirty();
    const res = await lease.session.queryAsync(sql, { format: req.defaultFormat });
    const body = res.bytes();
    const isInsert = parseInsertHead(req.queryText ?? '') !== undefined || /^\s*INSERT\b/i.test(sql);
    const outcome: QueryOutcome = {
      body,
      summary: summary({
        read_rows: res.rowsRead,
        read_bytes: res.bytesRead,
        written_rows: isInsert ? res.rowsRead : 0,
        written_bytes: isInsert ? res.bytesRead : 0,
        result_rows: isInsert ? 0 : res.rowsRead,
        result_bytes: body.length,
        elapsed_ns: toNs(res.elapsed),
      }),
    };
    const format = detectOutputFormat(sql, req.defaultFormat);
    if (format !== undefined) outcome.format = format;
    return outcome;
  }

  async #setup(lease: Lease<EngineSession>, req: Pick<QueryRequest, 'database' | 'settings' | 'params'>) {
    const setup: Parameters<typeof buildSessionSetup>[0] = { settings: req.settings, params: req.params };
    if (req.database !== undefined) setup.database = req.database;
    const sql = buildSessionSetup(setup);
    if (sql === undefined) return;
    lease.markDirty();
    await lease.session.queryAsync(sql, { format: 'TabSeparated' });
  }
}

/** ClickHouse reads the `query` parameter followed by the body as one query text. */
export function composeSql(req: Pick<QueryRequest, 'queryText' | 'body'>): string {
  const body = req.body.length > 0 ? req.body.toString('utf8') : '';
  if (req.queryText === undefined) return body;
  return body === '' ? req.queryText : `${req.queryText}\n${body}`;
}

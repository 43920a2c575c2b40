import { ClickHouseHttpError, ErrorCode } from './errors.js';

// URL (and multipart form) parameters that steer the HTTP handler rather than the query. Real
// ClickHouse treats every other name as a setting, so this list decides what reaches `SET`.
// `wait_end_of_query` is here because 26.x renamed the setting (`http_wait_end_of_query`): the URL
// name is still accepted, and results are buffered whole anyway.
const CONTROL_PARAMS = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'session_id',
  'session_timeout',
  'session_check',
  'close_session',
  'user',
  'password',
  'quota_key',
  'compress',
  'decompress',
  'enable_http_compression',
  'role',
  'stacktrace',
  'client_protocol_version',
  'buffer_size',
  'wait_end_of_query',
]);

const NAME_RE = /^[A-Za-z0-9_]+$/;

export function isValidSettingName(name: string): boolean {
  return NAME_RE.test(name);
}

export interface RequestParams {
  query?: string;
  queryId?: string;
  database?: string;
  defaultFormat?: string;
  /** Accepted and ignored: every request runs on a fresh engine session state (see README). */
  sessionId?: string;
  enableHttpCompression: boolean;
  /** ClickHouse's own LZ4 block framing (`compress=1` / `decompress=1`), which this server does not speak. */
  nativeCompression: boolean;
  /** `param_<name>` values, verbatim (ClickHouse text form, as the client escaped them). */
  params: Map<string, string>;
  /** Every other parameter, as ClickHouse settings. */
  settings: Map<string, string>;
}

export type ParamKind = 'control' | 'param' | 'setting';

export function classifyParam(name: string): ParamKind {
  if (CONTROL_PARAMS.has(name)) return 'control';
  if (name.startsWith('param_')) return 'param';
  return 'setting';
}

function truthy(value: string): boolean {
  return value === '1' || value.toLowerCase() === 'true';
}

/**
 * Splits request parameters into control values, query parameters and settings. Names end up in
 * SQL (`SET name = ...`), so anything outside [A-Za-z0-9_] is refused here rather than quoted.
 */
export function parseRequestParams(entries: Iterable<readonly [string, string]>): RequestParams {
  const out: RequestParams = {
    enableHttpCompression: false,
    nativeCompression: false,
    params: new Map(),
    settings: new Map(),
  };
  for (const [name, value] of entries) {
    switch (classifyParam(name)) {
      case 'control':
        applyControl(out, name, value);
        break;
      case 'param': {
        const paramName = name.slice('param_'.length);
        if (!isValidSettingName(paramName)) {
          throw new ClickHouseHttpError(
            ErrorCode.BAD_ARGUMENTS,
            `Invalid query parameter name '${paramName}'`,
          );
        }
        out.params.set(paramName, value);
        break;
      }
      case 'setting':
        if (!isValidSettingName(name)) {
          throw new ClickHouseHttpError(ErrorCode.BAD_ARGUMENTS, `Invalid setting name '${name}'`);
        }
        out.settings.set(name, value);
        break;
    }
  }
  return out;
}

function applyControl(out: RequestParams, name: string, value: string): void {
  switch (name) {
    case 'query':
      out.query = value;
      break;
    case 'query_id':
      if (value !== '') out.queryId = value;
      break;
    case 'database':
      if (value !== '') out.database = value;
      break;
    case 'default_format':
      if (value !== '') out.defaultFormat = value;
      break;
    case 'session_id':
      if (value !== '') out.sessionId = value;
      break;
    case 'enable_http_compression':
      out.enableHttpCompression = truthy(value);
      break;
    case 'compress':
    case 'decompress':
      if (truthy(value)) out.nativeCompression = true;
      break;
    default:
      // user, password, role, session_* and the rest: accepted and ignored (loopback only, see README).
      break;
  }
}

// ClickHouse-shaped errors. @clickhouse/client turns a failed response into a `ClickHouseError` by
// matching `Code: N. ... Exception: message (TYPE)` in the body, so every error this server sends
// must keep that shape, whatever produced it (the engine, the HTTP front, a bad request).

/** Error codes the HTTP front raises itself, with their ClickHouse names. */
export const ErrorCode = {
  NO_SUCH_COLUMN_IN_TABLE: 16,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  UNKNOWN_TABLE: 60,
  SYNTAX_ERROR: 62,
  UNKNOWN_FORMAT: 73,
  QUERY_IS_TOO_LARGE: 229,
  CANNOT_DECOMPRESS: 271,
  UNSUPPORTED_MEDIA_TYPE: 779,
  UNKNOWN_EXCEPTION: 1002,
} as const;

const NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/** An error with a ClickHouse code, raised by the HTTP front before or around the engine. */
export class ClickHouseHttpError extends Error {
  readonly code: number;
  readonly type: string;

  constructor(code: number, message: string) {
    super(message);
    this.name = 'ClickHouseHttpError';
    this.code = code;
    this.type = NAMES[code] ?? 'UNKNOWN_EXCEPTION';
  }
}

// Codes and their HTTP statuses as real ClickHouse maps them (src/Server/HTTP/exceptionCodeToHTTPStatus.cpp);
// everything else is a 500. Clients and proxies key retries on the status, so it has to match.
const STATUS_BY_CODE = new Map<number, number>([
  [194, 401], // REQUIRED_PASSWORD
  ...[192, 193, 516, 512, 497].map((c): [number, number] => [c, 403]), // auth and access
  // Bad requests: malformed values, syntax, types.
  ...[
    36, 427, 6, 25, 26, 38, 41, 72, 441, 675, 676, 27, 376, 15, 44, 37, 123, 8, 167, 168, 223, 62, 117, 53,
    321,
  ].map((c): [number, number] => [c, 400]),
  // Unknown table, function, identifier, type, storage, database, setting, format, ...
  ...[60, 46, 47, 50, 56, 81, 115, 152, 63, 73, 336, 78, 511].map((c): [number, number] => [c, 404]),
  [229, 413], // QUERY_IS_TOO_LARGE
  [48, 501], // NOT_IMPLEMENTED
  [209, 503], // SOCKET_TIMEOUT
  [76, 503], // CANNOT_OPEN_FILE
  [381, 411], // HTTP_LENGTH_REQUIRED
  [159, 408], // TIMEOUT_EXCEEDED
  [439, 503], // CANNOT_SCHEDULE_TASK
  [779, 415], // UNSUPPORTED_MEDIA_TYPE
]);

export function httpStatusForCode(code: number): number {
  return STATUS_BY_CODE.get(code) ?? 500;
}

export interface ErrorReply {
  code: number;
  status: number;
  body: string;
}

const CODE_PREFIX = /^Code: (\d+)\. /;
const VERSION_SUFFIX = /\(version [^)]*\)\s*$/;

/**
 * Turns anything thrown while serving a request into the reply real ClickHouse would send:
 * the engine's own text when it has one (chDB errors already read `Code: N. DB::Exception: ... (TYPE)`),
 * otherwise a message in that shape, so the client always parses a code and a type.
 */
export function toErrorReply(err: unknown, version: string): ErrorReply {
  const message = err instanceof Error ? err.message : String(err);
  const code = errorCode(err, message);
  let text: string;
  if (CODE_PREFIX.test(message)) {
    text = VERSION_SUFFIX.test(message) ? message.trimEnd() : `${message.trimEnd()} (version ${version})`;
  } else {
    const type =
      err instanceof ClickHouseHttpError
        ? err.type
        : (NAMES[code] ?? typeFromMessage(message) ?? 'UNKNOWN_EXCEPTION');
    const sentence = message.endsWith('.') ? message : `${message}.`;
    text = `Code: ${code}. DB::Exception: ${sentence} (${type}) (version ${version})`;
  }
  return { code, status: httpStatusForCode(code), body: `${text}\n` };
}

function errorCode(err: unknown, message: string): number {
  if (err instanceof ClickHouseHttpError) return err.code;
  const fromEngine = (err as { clickhouseCode?: unknown } | null)?.clickhouseCode;
  if (typeof fromEngine === 'number' && Number.isInteger(fromEngine) && fromEngine > 0) return fromEngine;
  const m = CODE_PREFIX.exec(message);
  return m?.[1] ? Number(m[1]) : ErrorCode.UNKNOWN_EXCEPTION;
}

function typeFromMessage(message: string): string | undefined {
  return /\(([A-Z][A-Z0-9_]{2,})\)/.exec(message)?.[1];
}

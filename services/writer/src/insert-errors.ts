/**
 * ClickHouse codes that reject an insert for its content: retrying cannot help, so the writer
 * isolates the offending messages and dead-letters them. Everything else (network errors, timeouts,
 * memory limits, too many parts, a server restarting) is retried: an unknown failure must never
 * turn into dropped data.
 */
const CONTENT_ERROR_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '8', // THERE_IS_NO_COLUMN
  '16', // NO_SUCH_COLUMN_IN_TABLE
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER
  '117', // INCORRECT_DATA
  '131', // TOO_LARGE_STRING_SIZE
  '321', // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
]);

export function isContentError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: unknown; code?: unknown; constructor?: { name?: string } };
  const isClickHouse = e.constructor?.name === 'ClickHouseError' || e.name === 'ClickHouseError';
  return isClickHouse && typeof e.code === 'string' && CONTENT_ERROR_CODES.has(e.code);
}

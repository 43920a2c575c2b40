export * as apiKeys from './api-keys.js';
export { type ClickHouseClient, type ClickHouseOptions, createClickHouse } from './client.js';
export { type InsertOptions, insertRows } from './insert.js';
export { type MigrateOptions, migrate } from './migrate.js';
export {
  type EdgeCallRow,
  emptyRows,
  messageToRows,
  type SpanRow,
  stringifyAttributes,
  type TableRows,
} from './rows.js';
export { getTrace, type SpanView, type TraceDetail, traceOwner } from './trace-reader.js';
export { findIntent, type IntentKey, recordIntent } from './writer-intents.js';

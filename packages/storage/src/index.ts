export * as apiKeys from './api-keys.js';
export { type ClickHouseClient, type ClickHouseOptions, createClickHouse } from './client.js';
export { type InsertOptions, insertRows } from './insert.js';
export { type MigrateOptions, migrate, splitStatements } from './migrate.js';
export {
  describeNode,
  HEARTBEAT_INTERVAL_MS,
  listNodes,
  type NodeInfo,
  type NodeView,
  nodeStatus,
  rateTracker,
  setDraining,
  startHeartbeat,
} from './nodes.js';
export {
  type EdgeCallRow,
  emptyRows,
  messageToRows,
  type SpanRow,
  stringifyAttributes,
  type TableRows,
} from './rows.js';
export {
  getTopology,
  listServices,
  type ServiceStats,
  type Topology,
  type TopologyEdge,
  type TopologyNode,
} from './service-reader.js';
export {
  getTrace,
  type SpanPosition,
  type SpanView,
  type SpanWindow,
  type TraceDetail,
  traceOwner,
} from './trace-reader.js';
export {
  listTraceSummaries,
  type TraceLifecycle,
  type TracePageQuery,
  type TraceStatus,
  type TraceSummary,
  type TraceSummaryPage,
} from './trace-summary-reader.js';
export { findIntent, type IntentKey, recordIntent } from './writer-intents.js';

export {
  type AlertDelivery,
  type AlertEvent,
  type AlertEventPageQuery,
  type AlertEventView,
  type AlertState,
  type AlertStateName,
  type AlertTransition,
  listAlertEvents,
  readAlertStates,
  readWindowStats,
  recordAlertDelivery,
  recordAlertEvent,
  stateKey,
  stateVersion,
  undeliveredAlertEvents,
  type WindowStats,
  writeAlertStates,
} from './alert-events.js';
export {
  holderOf,
  type LeaseStore,
  MemoryLeaseStore,
  RedisLeaseStore,
  type RedisScripts,
} from './alert-lease.js';
export {
  ALERT_METRICS,
  ALERT_OPERATORS,
  ALERT_SEVERITIES,
  type AlertChannel,
  type AlertCondition,
  type AlertMetric,
  type AlertOperator,
  type AlertRuleRecord,
  type AlertRuleSpec,
  type AlertScope,
  alertChannelSchema,
  alertConditionSchema,
  alertRuleSpecSchema,
  durationMs,
  getAlertRule,
  listAlertRules,
  listEnabledAlertRules,
  MAX_RULES_PER_ENV,
  writeAlertRule,
} from './alert-rules.js';
export * as apiKeys from './api-keys.js';
export { type ClickHouseClient, type ClickHouseOptions, createClickHouse } from './client.js';
export { type ClusterSchemaOptions, clusterSchema } from './cluster-schema.js';
export { type ClickHouseEnv, connectClickHouse, MIGRATION_REQUEST_TIMEOUT_MS, migrateAt } from './connect.js';
export { type InsertOptions, insertRows } from './insert.js';
export {
  MIGRATIONS_TABLE,
  type MigrateOptions,
  type Migration,
  migrate,
  readMigrations,
  splitStatements,
} from './migrate.js';
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
  attributeText,
  durationNs,
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

-- Trace summaries for GET /v1/traces, maintained by ClickHouse as spans are inserted. Rows of one
-- trace from different inserts merge in the background; readers aggregate by trace_id.
CREATE TABLE IF NOT EXISTS trace_summaries_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  start_min SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
  end_max SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
  span_count SimpleAggregateFunction(sum, UInt64),
  error_count SimpleAggregateFunction(sum, UInt64),
  services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
  -- The root: a span without a parent first, then the earliest.
  root AggregateFunction(argMin, Tuple(String, String), Tuple(UInt8, DateTime64(9, 'UTC'))),
  INDEX idx_start start_min TYPE minmax GRANULARITY 1
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(start_min)
ORDER BY (org_id, env, trace_id)
TTL toDateTime(end_max) + INTERVAL {{RETENTION_DAYS}} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_summaries_mv_v1 TO trace_summaries_v1 AS
SELECT
  org_id, env, trace_id,
  min(start_time) AS start_min,
  max(end_time) AS end_max,
  toUInt64(count()) AS span_count,
  toUInt64(countIf(status = 'error')) AS error_count,
  groupUniqArray(toString(service)) AS services,
  argMinState((name, toString(service)), (toUInt8(parent_span_id != ''), start_time)) AS root
FROM spans_v1
GROUP BY org_id, env, trace_id;

-- Per-minute service rollups for GET /v1/services and topology nodes.
CREATE TABLE IF NOT EXISTS service_rollups_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  minute DateTime('UTC'),
  service LowCardinality(String),
  cluster LowCardinality(String),
  spans SimpleAggregateFunction(sum, UInt64),
  errors SimpleAggregateFunction(sum, UInt64),
  last_seen SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
  latency_ms AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (org_id, env, minute, service, cluster)
TTL minute + INTERVAL {{RETENTION_DAYS}} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_rollups_mv_v1 TO service_rollups_v1 AS
SELECT
  org_id, env,
  toStartOfMinute(start_time) AS minute,
  service,
  if(resource['k8s.cluster.name'] != '', resource['k8s.cluster.name'], resource['cluster']) AS cluster,
  toUInt64(count()) AS spans,
  toUInt64(countIf(status = 'error')) AS errors,
  max(start_time) AS last_seen,
  quantilesTDigestState(0.5, 0.95, 0.99)(duration_ns / 1e6) AS latency_ms
FROM spans_v1
GROUP BY org_id, env, minute, service, cluster;

-- Service edges: one row per parent→child call across services, written by the writer (which
-- sees every span of a trace, since Kafka is keyed by trace id). Null: only the view keeps data.
CREATE TABLE IF NOT EXISTS service_edge_calls_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  time DateTime64(9, 'UTC'),
  source LowCardinality(String),
  target LowCardinality(String),
  cluster LowCardinality(String),
  duration_ns UInt64,
  is_error UInt8
) ENGINE = Null;

CREATE TABLE IF NOT EXISTS service_edges_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  minute DateTime('UTC'),
  source LowCardinality(String),
  target LowCardinality(String),
  cluster LowCardinality(String),
  calls SimpleAggregateFunction(sum, UInt64),
  errors SimpleAggregateFunction(sum, UInt64),
  latency_ms AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), Float64)
) ENGINE = AggregatingMergeTree
PARTITION BY toDate(minute)
ORDER BY (org_id, env, minute, source, target, cluster)
TTL minute + INTERVAL {{RETENTION_DAYS}} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS service_edges_mv_v1 TO service_edges_v1 AS
SELECT
  org_id, env,
  toStartOfMinute(time) AS minute,
  source, target, cluster,
  toUInt64(count()) AS calls,
  toUInt64(sum(is_error)) AS errors,
  quantilesTDigestState(0.5, 0.95, 0.99)(duration_ns / 1e6) AS latency_ms
FROM service_edge_calls_v1
GROUP BY org_id, env, minute, source, target, cluster;

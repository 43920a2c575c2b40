-- Spans, one row per span. Attribute values are stored as strings; typed side maps come with a later
-- version of this table. Deduplication tokens of retried inserts need the non-replicated window.
CREATE TABLE IF NOT EXISTS spans_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  span_id String,
  parent_span_id String,
  service LowCardinality(String),
  name String,
  kind LowCardinality(String),
  start_time DateTime64(9, 'UTC'),
  end_time DateTime64(9, 'UTC'),
  duration_ns UInt64,
  status LowCardinality(String),
  status_message String,
  attributes Map(LowCardinality(String), String),
  resource Map(LowCardinality(String), String),
  events String,
  ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
  INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
) ENGINE = MergeTree
PARTITION BY toDate(start_time)
ORDER BY (org_id, env, service, start_time)
TTL toDateTime(start_time) + INTERVAL {{RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Trace-level records sent by agents (name, agent, input). The latest write of a trace id wins.
CREATE TABLE IF NOT EXISTS traces_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  name String,
  service LowCardinality(String),
  agent_id String,
  start_time DateTime64(9, 'UTC'),
  attributes Map(LowCardinality(String), String),
  input String,
  ingested_at DateTime64(9, 'UTC')
) ENGINE = ReplacingMergeTree(ingested_at)
ORDER BY (org_id, env, trace_id)
TTL toDateTime(start_time) + INTERVAL {{RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Agent events (tool calls, messages) attached to a trace.
CREATE TABLE IF NOT EXISTS agent_events_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  span_id String,
  type LowCardinality(String),
  timestamp DateTime64(9, 'UTC'),
  data String,
  ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = MergeTree
PARTITION BY toDate(timestamp)
ORDER BY (org_id, env, trace_id, timestamp)
TTL toDateTime(timestamp) + INTERVAL {{RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Trace id -> time range, so a lookup by id reads one small index row and then only the
-- partitions and granules of that range, never a full scan of spans.
CREATE TABLE IF NOT EXISTS trace_index_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  start_min SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
  end_max SimpleAggregateFunction(max, DateTime64(9, 'UTC'))
) ENGINE = AggregatingMergeTree
ORDER BY (org_id, env, trace_id)
TTL toDateTime(end_max) + INTERVAL {{RETENTION_DAYS}} DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_index_spans_mv_v1 TO trace_index_v1 AS
SELECT org_id, env, trace_id, min(start_time) AS start_min, max(end_time) AS end_max
FROM spans_v1 GROUP BY org_id, env, trace_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_index_traces_mv_v1 TO trace_index_v1 AS
SELECT org_id, env, trace_id, min(start_time) AS start_min, max(start_time) AS end_max
FROM traces_v1 GROUP BY org_id, env, trace_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_index_events_mv_v1 TO trace_index_v1 AS
SELECT org_id, env, trace_id, min(timestamp) AS start_min, max(timestamp) AS end_max
FROM agent_events_v1 GROUP BY org_id, env, trace_id;

-- API keys: only the SHA-256 of the secret is stored. Rows are versioned; the highest version wins.
CREATE TABLE IF NOT EXISTS api_keys_v1 (
  id String,
  org_id LowCardinality(String),
  env LowCardinality(String),
  prefix String,
  key_hash String,
  name String,
  scopes Array(LowCardinality(String)),
  agent_id String,
  rate_limit_per_minute UInt32,
  created_at DateTime64(3, 'UTC'),
  revoked_at Nullable(DateTime64(3, 'UTC')),
  version UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY id;

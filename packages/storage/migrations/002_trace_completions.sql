-- POST /v1/traces/:id/complete. The version is the time ingest received the completion, so the
-- latest completion wins whatever order completions and spans reach storage in.
CREATE TABLE IF NOT EXISTS trace_completions_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  status LowCardinality(String),
  end_time Nullable(DateTime64(9, 'UTC')),
  output String,
  error String,
  attributes Map(LowCardinality(String), String),
  received_at DateTime64(9, 'UTC')
) ENGINE = ReplacingMergeTree(received_at)
ORDER BY (org_id, env, trace_id)
TTL toDateTime(received_at) + INTERVAL {{RETENTION_DAYS}} DAY
SETTINGS non_replicated_deduplication_window = 10000;

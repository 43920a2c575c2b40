-- Per-trace facts that trace_summaries_v1 lacks, for GET /v1/traces and search:
--   has_ok        whether any span has status `ok` (TraceSummary.status: error > ok > unset);
--   first_stored  when ClickHouse first stored a span of the trace (ClickHouse's clock), so a cursor
--                 can leave out traces that did not exist when its first page was read.
-- Only max/min aggregates: a redelivered insert, or the backfill below running twice when two
-- services apply this migration at once, changes nothing.
CREATE TABLE IF NOT EXISTS trace_span_stats_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  start_min SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
  has_ok SimpleAggregateFunction(max, UInt8),
  first_stored SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(start_min)
ORDER BY (org_id, env, trace_id)
TTL toDateTime(start_min) + INTERVAL {{RETENTION_DAYS}} DAY;

-- now64() rather than spans_v1.ingested_at: the time the row reached ClickHouse, whatever the
-- writer puts in that column.
CREATE MATERIALIZED VIEW IF NOT EXISTS trace_span_stats_mv_v1 TO trace_span_stats_v1 AS
SELECT
  org_id, env, trace_id,
  min(start_time) AS start_min,
  max(toUInt8(status = 'ok')) AS has_ok,
  min(now64(3, 'UTC')) AS first_stored
FROM spans_v1
GROUP BY org_id, env, trace_id;

-- Spans stored before this migration (the view exists first, so none fall between the two).
INSERT INTO trace_span_stats_v1
SELECT
  org_id, env, trace_id,
  min(start_time) AS start_min,
  max(toUInt8(status = 'ok')) AS has_ok,
  min(ingested_at) AS first_stored
FROM spans_v1
GROUP BY org_id, env, trace_id;

-- Trace summaries, version 2: everything GET /v1/traces and search show for a trace in one table,
-- read in one query (v1 needed trace_summaries_v1, trace_span_stats_v1, traces_v1 and
-- trace_completions_v1).
--
-- Why a new table: a page aggregates the rows of a few hundred random trace ids, and with v1's
-- 8,192-row granules that touched nearly every granule of the table; 1,024-row granules read an
-- eighth of it (docs/benchmarks.md). Granularity cannot be changed on an existing table.
--
-- Every aggregate here gives the same result when the same rows are inserted twice (min, max,
-- argMin, argMax, distinct counts of span ids): the backfill below can overlap with rows the views
-- already wrote while this migration runs, and two services may run it at once, without
-- double-counting. Distinct span ids also count a span delivered twice (a client retry) once, as
-- GET /v1/traces/:id shows it once.
--
-- Rows come from three sources: spans (times, counts, services, root), trace records (name, agent)
-- and completions (lifecycle). Rows from the latter two leave the span columns NULL or empty; a
-- trace without spans is not listed (as in v1).
CREATE TABLE IF NOT EXISTS trace_summaries_v2 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  trace_id String,
  start_min SimpleAggregateFunction(min, Nullable(DateTime64(9, 'UTC'))),
  end_max SimpleAggregateFunction(max, Nullable(DateTime64(9, 'UTC'))),
  span_ids AggregateFunction(uniqExact, UInt64),
  error_span_ids AggregateFunction(uniqExact, UInt64),
  services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
  -- The root: a span without a parent first, then the earliest.
  root AggregateFunction(argMin, Tuple(String, String), Tuple(UInt8, DateTime64(9, 'UTC'))),
  has_ok SimpleAggregateFunction(max, UInt8),
  -- When ClickHouse first stored a span of the trace (its own clock), for cursor snapshots.
  first_stored SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
  -- (name, agent_id) of the latest trace record, as traces_v1 FINAL gives it. Versions tie often
  -- (ingest stamps a message's records with one millisecond), and FINAL then keeps the row inserted
  -- last: the version is (ingested_at, time of the insert, row in the insert), 0s for the backfill,
  -- which reads the FINAL winners.
  record AggregateFunction(argMax, Tuple(String, String), Tuple(DateTime64(9, 'UTC'), DateTime64(9, 'UTC'), UInt64)),
  -- The latest completion's status ('' while running), the same way from trace_completions_v1.
  completion AggregateFunction(argMax, String, Tuple(DateTime64(9, 'UTC'), DateTime64(9, 'UTC'), UInt64)),
  -- The latest time any source row of the trace carries: retention counts from it.
  ttl_at SimpleAggregateFunction(max, DateTime('UTC')),
  INDEX idx_start start_min TYPE minmax GRANULARITY 1
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(ttl_at)
ORDER BY (org_id, env, trace_id)
TTL ttl_at + INTERVAL {{RETENTION_DAYS}} DAY
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_summaries_spans_mv_v2 TO trace_summaries_v2 AS
SELECT
  org_id, env, trace_id,
  min(start_time) AS start_min,
  max(end_time) AS end_max,
  uniqExactState(cityHash64(span_id)) AS span_ids,
  uniqExactStateIf(cityHash64(span_id), status = 'error') AS error_span_ids,
  groupUniqArray(toString(service)) AS services,
  argMinState((name, toString(service)), (toUInt8(parent_span_id != ''), start_time)) AS root,
  max(toUInt8(status = 'ok')) AS has_ok,
  min(now64(3, 'UTC')) AS first_stored,
  toDateTime(max(end_time)) AS ttl_at
FROM spans_v1
GROUP BY org_id, env, trace_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_summaries_traces_mv_v2 TO trace_summaries_v2 AS
SELECT
  org_id, env, trace_id,
  argMaxState((name, agent_id), (ingested_at, now64(9, 'UTC'), toUInt64(rowNumberInBlock()))) AS record,
  toDateTime(max(start_time)) AS ttl_at
FROM traces_v1
GROUP BY org_id, env, trace_id;

CREATE MATERIALIZED VIEW IF NOT EXISTS trace_summaries_completions_mv_v2 TO trace_summaries_v2 AS
SELECT
  org_id, env, trace_id,
  argMaxState(toString(status), (received_at, now64(9, 'UTC'), toUInt64(rowNumberInBlock()))) AS completion,
  toDateTime(max(received_at)) AS ttl_at
FROM trace_completions_v1
GROUP BY org_id, env, trace_id;

-- What was stored before the views existed (rows stored since are counted once either way).
INSERT INTO trace_summaries_v2 (org_id, env, trace_id, start_min, end_max, span_ids, error_span_ids, services, root, has_ok, first_stored, ttl_at)
SELECT
  org_id, env, trace_id,
  min(start_time) AS start_min,
  max(end_time) AS end_max,
  uniqExactState(cityHash64(span_id)) AS span_ids,
  uniqExactStateIf(cityHash64(span_id), status = 'error') AS error_span_ids,
  groupUniqArray(toString(service)) AS services,
  argMinState((name, toString(service)), (toUInt8(parent_span_id != ''), start_time)) AS root,
  max(toUInt8(status = 'ok')) AS has_ok,
  min(ingested_at) AS first_stored,
  toDateTime(max(end_time)) AS ttl_at
FROM spans_v1
GROUP BY org_id, env, trace_id
SETTINGS max_bytes_before_external_group_by = 2000000000;

INSERT INTO trace_summaries_v2 (org_id, env, trace_id, record, ttl_at)
SELECT org_id, env, trace_id,
  argMaxState((name, agent_id), (ingested_at, toDateTime64(0, 9, 'UTC'), toUInt64(0))),
  toDateTime(max(start_time))
FROM traces_v1 FINAL
GROUP BY org_id, env, trace_id;

INSERT INTO trace_summaries_v2 (org_id, env, trace_id, completion, ttl_at)
SELECT org_id, env, trace_id,
  argMaxState(toString(status), (received_at, toDateTime64(0, 9, 'UTC'), toUInt64(0))),
  toDateTime(max(received_at))
FROM trace_completions_v1 FINAL
GROUP BY org_id, env, trace_id;

-- The v1 views stay, so query replicas of the previous release keep listing correctly during a
-- rolling upgrade and a rollback finds complete v1 tables. A later migration drops them (and the v1
-- tables) once a release has shipped with v2 readers only.

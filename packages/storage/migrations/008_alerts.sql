-- Alert rules (API.md §6). Every change inserts a whole new row with version + 1; the highest version
-- of a rule wins (reads use FINAL). A delete is a row with deleted = 1, so a stale writer cannot
-- resurrect a rule. Writers serialise per org/env through a lease (query service), so versions never
-- collide: the version doubles as the rule's ETag for If-Match.
CREATE TABLE IF NOT EXISTS alert_rules_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  rule_id String,
  version UInt64,
  name String,
  enabled UInt8,
  deleted UInt8,
  -- The rule document (condition, channels, severity) as JSON, validated by the API on the way in.
  spec String,
  created_at DateTime64(3, 'UTC'),
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(version)
ORDER BY (org_id, env, rule_id);

-- Evaluation state of each rule, written by the active evaluator. `version` is the fencing token in
-- the high bits and the evaluation time (ms) in the low 42, so a deposed leader's late write can
-- never replace the state written by its successor.
CREATE TABLE IF NOT EXISTS alert_state_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  rule_id String,
  version UInt64,
  state LowCardinality(String),
  since DateTime64(3, 'UTC'),
  value Nullable(Float64),
  no_data UInt8,
  evaluated_at DateTime64(3, 'UTC'),
  fence UInt64
) ENGINE = ReplacingMergeTree(version)
ORDER BY (org_id, env, rule_id);

-- Transitions (firing, resolved): one row each, written before any notification is sent. The event
-- id derives from the rule and the state being left, so a successor that re-detects a transition its
-- predecessor recorded writes the same id (merged here) instead of a second event.
-- `channels` is the rule's channel list at that moment, so a new leader can finish the deliveries
-- its predecessor did not record.
CREATE TABLE IF NOT EXISTS alert_events_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  event_id String,
  rule_id String,
  rule_name String,
  state LowCardinality(String),
  at DateTime64(3, 'UTC'),
  value Nullable(Float64),
  threshold Float64,
  condition String,
  severity LowCardinality(String),
  channels String,
  fence UInt64
) ENGINE = ReplacingMergeTree
ORDER BY (org_id, env, event_id)
TTL toDateTime(at) + INTERVAL 90 DAY;

-- One row per channel per transition: the outcome after retries.
CREATE TABLE IF NOT EXISTS alert_deliveries_v1 (
  org_id LowCardinality(String),
  env LowCardinality(String),
  event_id String,
  channel_index UInt16,
  channel_type LowCardinality(String),
  status LowCardinality(String),
  attempts UInt16,
  http_status UInt16,
  reason String,
  at DateTime64(3, 'UTC'),
  fence UInt64
) ENGINE = ReplacingMergeTree(at)
ORDER BY (org_id, env, event_id, channel_index)
TTL toDateTime(at) + INTERVAL 90 DAY;

-- Collector nodes (ingest and writer instances): one row per heartbeat, the latest wins.
-- Nodes are infrastructure shared by every organisation and carry no tenant data.
CREATE TABLE IF NOT EXISTS collector_nodes_v1 (
  node_id String,
  role LowCardinality(String),
  cluster LowCardinality(String),
  hostname String,
  version String,
  started_at DateTime64(3, 'UTC'),
  last_heartbeat DateTime64(3, 'UTC'),
  stats String
) ENGINE = ReplacingMergeTree(last_heartbeat)
ORDER BY node_id
TTL toDateTime(last_heartbeat) + INTERVAL 7 DAY;

-- Drain flags set through POST /v1/nodes/:id/drain and /resume; nodes read theirs on each heartbeat.
CREATE TABLE IF NOT EXISTS node_drains_v1 (
  node_id String,
  draining UInt8,
  updated_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree(updated_at)
ORDER BY node_id;

-- Before each insert the writer records the offset range it is about to insert. After a crash
-- between insert and commit, the next writer re-inserts exactly that range with the same
-- deduplication token, so ClickHouse drops the repeat whatever Kafka delivers this time.
CREATE TABLE IF NOT EXISTS writer_intents_v1 (
  group_id String,
  topic String,
  partition UInt32,
  first_offset UInt64,
  last_offset UInt64,
  recorded_at DateTime64(3, 'UTC') DEFAULT now64(3)
) ENGINE = ReplacingMergeTree(recorded_at)
ORDER BY (group_id, topic, partition, first_offset)
TTL toDateTime(recorded_at) + INTERVAL 7 DAY;

-- Retention drops whole daily parts instead of rewriting them row by row: cheaper merges, and
-- every part of these tables is one day (PARTITION BY toDate) so nothing is kept too long.
ALTER TABLE spans_v1 MODIFY SETTING ttl_only_drop_parts = 1;
ALTER TABLE agent_events_v1 MODIFY SETTING ttl_only_drop_parts = 1;
ALTER TABLE service_rollups_v1 MODIFY SETTING ttl_only_drop_parts = 1;
ALTER TABLE service_edges_v1 MODIFY SETTING ttl_only_drop_parts = 1;

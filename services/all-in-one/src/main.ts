#!/usr/bin/env node
import { createLogger, onSignals, runMain } from '@mesh-trace/config';
import { startAllInOne } from './all-in-one.js';
import { loadConfig } from './config.js';

const HELP = `mesh-trace-all-in-one — Mesh-Trace all-in-one: ingest (:4001), query (:4000), writer and an embedded ClickHouse
in one process, with an in-process queue instead of Kafka and in-process rate limits instead of Redis.

Usage: mesh-trace-all-in-one [--help]

Configuration is read from the environment:
  MESH_TRACE_HOST              listen address for both APIs (0.0.0.0)
  MESH_TRACE_QUERY_PORT        query API port (4000)
  MESH_TRACE_INGEST_PORT       ingest API port (4001)
  MESH_TRACE_DATA_DIR          data directory: ClickHouse files and the dev admin key (./.data)
  MESH_TRACE_CLICKHOUSE_PORT   loopback port of the embedded ClickHouse HTTP interface (0 = any free)
  MESH_TRACE_BOOTSTRAP_KEY     ensure this key (mtk_live_… / mtk_test_…) exists with all scopes
  MESH_TRACE_MAX_BODY_BYTES, MESH_TRACE_MAX_BATCH_ITEMS, MESH_TRACE_RETENTION_DAYS,
  MESH_TRACE_RATE_LIMIT_PER_MINUTE, MESH_TRACE_QUEUE_MAX_MESSAGES, LOG_LEVEL
  MESH_TRACE_ALERTS_*, MESH_TRACE_SMTP_*   alert evaluation and notifications (see mesh-trace-alerter
                               --help and docs/alerts.md); the evaluator runs in this process

On first start an admin key for org "default" is created and printed; later starts print it again.
`;

runMain('mesh-trace', HELP, async () => {
  const cfg = loadConfig(process.env);
  const logger = createLogger({ name: 'all-in-one', level: cfg.LOG_LEVEL });
  const svc = await startAllInOne(cfg, logger);
  logger.info(
    { query: svc.queryUrl, ingest: svc.ingestUrl, clickhouse: svc.clickhouseUrl },
    'all_in_one_ready',
  );
  process.stderr.write(
    `\nMesh-Trace is running.\n  ingest: ${svc.ingestUrl}  (POST /v1/traces/batch)\n  query:  ${svc.queryUrl}  (GET /v1/traces/:id)\n` +
      `  admin key${svc.adminKeyCreated ? ' (new)' : ''}: ${svc.adminKey}\n\n`,
  );
  onSignals(() => svc.stop(), logger);
});

#!/usr/bin/env node
import { KafkaBus } from '@mesh-trace/bus';
import { createLogger, kafkaSecurity, onSignals, runMain } from '@mesh-trace/config';
import { counterTotal, serviceRegistry } from '@mesh-trace/http';
import { connectClickHouse, describeNode, rateTracker, startHeartbeat } from '@mesh-trace/storage';
import { loadConfig } from './config.js';
import { startWriter } from './service.js';

const HELP = `mesh-trace-writer — Kafka consumer group that writes spans into ClickHouse

Usage: mesh-trace-writer [--help]

Configuration is read from the environment:
  KAFKA_BROKERS              comma-separated brokers (127.0.0.1:19092)
  KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_REJECT_UNAUTHORIZED, KAFKA_SASL_MECHANISM (plain, scram-sha-256,
                             scram-sha-512), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD   TLS and SASL to the brokers
  MESH_TRACE_TOPIC           topic to consume (mesh-trace.spans.v1)
  MESH_TRACE_WRITER_GROUP    consumer group (mesh-trace-writer)
  KAFKA_COMPRESSION          lz4 (default), gzip or none: of dead letters produced (all three are read)
  CLICKHOUSE_URL             (http://127.0.0.1:8123), CLICKHOUSE_USER, CLICKHOUSE_PASSWORD
  MESH_TRACE_WRITER_HOST / MESH_TRACE_WRITER_PORT   /healthz, /readyz, /metrics (0.0.0.0:4002)
  MESH_TRACE_WRITER_MAX_ROWS (50000), MESH_TRACE_WRITER_MAX_BYTES (16 MiB)   rows/bytes per insert
  MESH_TRACE_WRITER_MAX_WAIT_MS (200), MESH_TRACE_WRITER_MIN_FETCH_BYTES (256 KiB)  batch age bound
  MESH_TRACE_WRITER_RETRY_MAX_MS (10000)   cap of the retry backoff while ClickHouse is down
  MESH_TRACE_WRITER_SESSION_TIMEOUT_MS (30000)   consumer-group session timeout
  MESH_TRACE_NODE_ID, MESH_TRACE_CLUSTER   collector node identity (default writer-<hostname>-<pid>)
  MESH_TRACE_RETENTION_DAYS, LOG_LEVEL
`;

runMain('writer', HELP, async () => {
  const cfg = loadConfig(process.env);
  const logger = createLogger({ name: 'writer', level: cfg.LOG_LEVEL });
  const ch = await connectClickHouse(cfg, logger);
  const bus = new KafkaBus({
    brokers: cfg.KAFKA_BROKERS,
    ...kafkaSecurity(cfg),
    clientId: 'mesh-trace-writer',
    partitions: cfg.KAFKA_PARTITIONS,
    compression: cfg.KAFKA_COMPRESSION,
    log: logger,
  });
  await bus.start();
  await bus.ensureTopics([cfg.MESH_TRACE_TOPIC, `${cfg.MESH_TRACE_TOPIC}.dlq`]);
  const registry = serviceRegistry('writer');
  const writer = await startWriter(
    {
      bus,
      ch,
      logger,
      registry,
      topic: cfg.MESH_TRACE_TOPIC,
      groupId: cfg.MESH_TRACE_WRITER_GROUP,
      flush: {
        maxRows: cfg.MESH_TRACE_WRITER_MAX_ROWS,
        maxBytes: cfg.MESH_TRACE_WRITER_MAX_BYTES,
        maxWaitMs: cfg.MESH_TRACE_WRITER_MAX_WAIT_MS,
        minFetchBytes: cfg.MESH_TRACE_WRITER_MIN_FETCH_BYTES,
        retryMaxMs: cfg.MESH_TRACE_WRITER_RETRY_MAX_MS,
      },
      sessionTimeoutMs: cfg.MESH_TRACE_WRITER_SESSION_TIMEOUT_MS,
    },
    { host: cfg.MESH_TRACE_WRITER_HOST, port: cfg.MESH_TRACE_WRITER_PORT },
  );
  const rates = rateTracker();
  const heartbeat = startHeartbeat({
    ch,
    node: describeNode('writer', {
      nodeId: cfg.MESH_TRACE_NODE_ID,
      cluster: cfg.MESH_TRACE_CLUSTER,
      version: '0.1.0',
    }),
    stats: async () => ({
      ...rates({ items: await counterTotal(writer.metrics.rows) }),
      kafka_lag: writer.lag(),
    }),
    log: logger,
  });
  onSignals(async () => {
    await writer.stop();
    await heartbeat.stop();
    await bus.stop();
    await ch.close();
  }, logger);
});

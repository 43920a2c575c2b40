#!/usr/bin/env node
import { ensureKey, KeyAuthenticator } from '@mesh-trace/auth';
import { KafkaBus } from '@mesh-trace/bus';
import { createLogger, kafkaSecurity, onSignals, runMain } from '@mesh-trace/config';
import { connectRedis, counterTotal, serviceRegistry } from '@mesh-trace/http';
import { connectClickHouse, describeNode, rateTracker, startHeartbeat } from '@mesh-trace/storage';
import { ingestMetrics } from './app.js';
import { loadConfig } from './config.js';
import { RedisAcceptedTraces } from './domain/accepted-traces.js';
import { defaultDecodeThreads, ThreadDecoder } from './domain/decode-pool.js';
import { LivePublisher, RedisLiveSink } from './domain/live-publisher.js';
import { startIngest } from './service.js';

const VERSION = '0.1.0';

const HELP = `mesh-trace-ingest — the ingest service (POST /v1/traces/batch on :4001)

Usage: mesh-trace-ingest [--help]

Configuration is read from the environment:
  MESH_TRACE_INGEST_HOST / MESH_TRACE_INGEST_PORT   listen address (0.0.0.0:4001)
  KAFKA_BROKERS          comma-separated brokers (127.0.0.1:19092)
  KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_REJECT_UNAUTHORIZED, KAFKA_SASL_MECHANISM (plain, scram-sha-256,
                         scram-sha-512), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD   TLS and SASL to the brokers
  MESH_TRACE_TOPIC       topic batches are produced to (mesh-trace.spans.v1)
  KAFKA_COMPRESSION      lz4 (default), gzip or none: compression of the produced record batches
  REDIS_URL              rate-limit counters (redis://127.0.0.1:6379)
  CLICKHOUSE_URL         API keys and migrations (http://127.0.0.1:8123)
  MESH_TRACE_MAX_BODY_BYTES, MESH_TRACE_MAX_BATCH_ITEMS, MESH_TRACE_RETENTION_DAYS,
  MESH_TRACE_RATE_LIMIT_PER_MINUTE, MESH_TRACE_AUTH_FAILURES_PER_MINUTE, MESH_TRACE_MAX_INFLIGHT_BYTES,
  MESH_TRACE_NODE_ID, MESH_TRACE_CLUSTER (collector node identity), MESH_TRACE_PRODUCE_TIMEOUT_MS, MESH_TRACE_ACCEPTED_TTL_SECONDS, MESH_TRACE_BOOTSTRAP_KEY, LOG_LEVEL
  MESH_TRACE_LIVE_ENABLED (true), MESH_TRACE_LIVE_RETENTION_SECONDS (600): agents' live streams in Redis
  MESH_TRACE_INGEST_DECODE_THREADS   threads that parse, validate and encode batches beside the request
                         thread (default: one per core beyond the first, at most 2; 0: none)
`;

runMain('ingest', HELP, async () => {
  const cfg = loadConfig(process.env);
  const logger = createLogger({ name: 'ingest', level: cfg.LOG_LEVEL });
  const ch = await connectClickHouse(cfg, logger);
  if (cfg.MESH_TRACE_BOOTSTRAP_KEY) await ensureKey(ch, cfg.MESH_TRACE_BOOTSTRAP_KEY);
  const bus = new KafkaBus({
    brokers: cfg.KAFKA_BROKERS,
    ...kafkaSecurity(cfg),
    clientId: 'mesh-trace-ingest',
    partitions: cfg.KAFKA_PARTITIONS,
    compression: cfg.KAFKA_COMPRESSION,
    log: logger,
    produceTimeoutMs: cfg.MESH_TRACE_PRODUCE_TIMEOUT_MS,
  });
  await bus.start();
  await bus.ensureTopics([cfg.MESH_TRACE_TOPIC]);
  const redis = await connectRedis(cfg.REDIS_URL, logger);
  const registry = serviceRegistry('ingest');
  const metrics = ingestMetrics(registry);
  const rates = rateTracker();
  const accepted = new RedisAcceptedTraces(redis, cfg.MESH_TRACE_ACCEPTED_TTL_SECONDS);
  const live = cfg.MESH_TRACE_LIVE_ENABLED
    ? new LivePublisher({
        sink: new RedisLiveSink(redis, cfg.MESH_TRACE_LIVE_RETENTION_SECONDS * 1000),
        accepted,
        logger,
        registry,
      })
    : undefined;
  const heartbeat = startHeartbeat({
    ch,
    node: describeNode('ingest', {
      nodeId: cfg.MESH_TRACE_NODE_ID,
      cluster: cfg.MESH_TRACE_CLUSTER,
      version: VERSION,
    }),
    stats: async () =>
      rates({ items: await counterTotal(metrics.accepted), errors: await counterTotal(metrics.rejected) }),
    onDrainChange: (draining) => logger.warn({ draining }, 'node_drain_changed'),
    log: logger,
  });
  const threads = cfg.MESH_TRACE_INGEST_DECODE_THREADS ?? defaultDecodeThreads();
  const decoder = threads > 0 ? await ThreadDecoder.start(threads) : undefined;
  logger.info({ decode_threads: threads }, 'ingest_decoders_started');
  const svc = await startIngest(
    {
      cfg: {
        maxBodyBytes: cfg.MESH_TRACE_MAX_BODY_BYTES,
        maxBatchItems: cfg.MESH_TRACE_MAX_BATCH_ITEMS,
        retentionDays: cfg.MESH_TRACE_RETENTION_DAYS,
        rateLimitPerMinute: cfg.MESH_TRACE_RATE_LIMIT_PER_MINUTE,
        authFailuresPerMinute: cfg.MESH_TRACE_AUTH_FAILURES_PER_MINUTE,
        maxInflightBytes: cfg.MESH_TRACE_MAX_INFLIGHT_BYTES,
        topic: cfg.MESH_TRACE_TOPIC,
      },
      logger,
      registry,
      auth: new KeyAuthenticator({ ch }),
      ch,
      accepted,
      live,
      producer: bus.producer(),
      redis,
      metrics,
      decoder,
    },
    { host: cfg.MESH_TRACE_INGEST_HOST, port: cfg.MESH_TRACE_INGEST_PORT },
    { drainedByOperator: heartbeat.draining, trustProxy: cfg.MESH_TRACE_TRUST_PROXY },
  );
  onSignals(async () => {
    await svc.stop();
    await decoder?.close();
    await live?.flush();
    await heartbeat.stop();
    await bus.stop();
    redis.disconnect();
    await ch.close();
  }, logger);
});

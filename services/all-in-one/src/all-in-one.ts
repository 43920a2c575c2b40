import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { alertSettings, startEvaluator } from '@mesh-trace/alerter';
import { ensureKey, KeyAuthenticator } from '@mesh-trace/auth';
import { InProcessBus, TOPICS } from '@mesh-trace/bus';
import type { Logger } from '@mesh-trace/config';
import { startEmbeddedClickHouse } from '@mesh-trace/embedded-clickhouse';
import { serviceRegistry } from '@mesh-trace/http';
import { ingestMetrics, LivePublisher, MemoryAcceptedTraces, startIngest } from '@mesh-trace/ingest';
import { MemoryLiveFeed, startQuery } from '@mesh-trace/query';
import { createClickHouse, MemoryLeaseStore, migrateAt } from '@mesh-trace/storage';
import { startWriter } from '@mesh-trace/writer';
import type { AllInOneConfig } from './config.js';
import { ensureDevAdminKey } from './dev-admin-key.js';

export interface AllInOneHandle {
  queryUrl: string;
  ingestUrl: string;
  clickhouseUrl: string;
  adminKey: string;
  adminKeyCreated: boolean;
  stop(): Promise<void>;
  health(): { ok: boolean };
}

/**
 * Ingest, writer and query in one process, wired to an in-process queue and rate-limit store and
 * to the embedded ClickHouse: the same code paths as the split deployment, different adapters.
 */
export async function startAllInOne(cfg: AllInOneConfig, logger: Logger): Promise<AllInOneHandle> {
  const dataDir = resolve(cfg.MESH_TRACE_DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const clickhouse = await startEmbeddedClickHouse({
    dataDir: resolve(dataDir, 'clickhouse'),
    host: '127.0.0.1',
    port: cfg.MESH_TRACE_CLICKHOUSE_PORT,
    logger: logger.child({ component: 'clickhouse' }),
  });
  await migrateAt({ url: clickhouse.url }, { retentionDays: cfg.MESH_TRACE_RETENTION_DAYS, log: logger });
  const ch = createClickHouse({ url: clickhouse.url });
  if (cfg.MESH_TRACE_BOOTSTRAP_KEY) await ensureKey(ch, cfg.MESH_TRACE_BOOTSTRAP_KEY);
  const admin = await ensureDevAdminKey(ch, dataDir);

  const bus = new InProcessBus({ maxBufferedMessages: cfg.MESH_TRACE_QUEUE_MAX_MESSAGES });
  await bus.start();
  const ingestRegistry = serviceRegistry('ingest');
  const auth = new KeyAuthenticator({ ch });
  const accepted = new MemoryAcceptedTraces(86_400);
  // Live streams in process: ingest appends to the same feed the query side reads.
  const liveFeed = new MemoryLiveFeed({ retentionMs: 600_000 });
  await liveFeed.start();
  const live = new LivePublisher({
    sink: liveFeed,
    accepted,
    logger: logger.child({ component: 'live' }),
    registry: ingestRegistry,
  });
  const writer = await startWriter({
    bus,
    ch,
    logger: logger.child({ component: 'writer' }),
    registry: ingestRegistry,
    topic: TOPICS.spans,
    groupId: 'all-in-one',
  });
  const ingest = await startIngest(
    {
      cfg: {
        maxBodyBytes: cfg.MESH_TRACE_MAX_BODY_BYTES,
        maxBatchItems: cfg.MESH_TRACE_MAX_BATCH_ITEMS,
        retentionDays: cfg.MESH_TRACE_RETENTION_DAYS,
        rateLimitPerMinute: cfg.MESH_TRACE_RATE_LIMIT_PER_MINUTE,
        authFailuresPerMinute: 60,
        maxInflightBytes: 64 * 1024 * 1024,
        topic: TOPICS.spans,
      },
      logger: logger.child({ component: 'ingest' }),
      registry: ingestRegistry,
      auth,
      producer: bus.producer(),
      metrics: ingestMetrics(ingestRegistry),
      ch,
      accepted,
      live,
    },
    { host: cfg.MESH_TRACE_HOST, port: cfg.MESH_TRACE_INGEST_PORT },
  );
  const query = await startQuery(
    {
      logger: logger.child({ component: 'query' }),
      registry: serviceRegistry('query'),
      ch,
      auth,
      rateLimitPerMinute: cfg.MESH_TRACE_RATE_LIMIT_PER_MINUTE,
      cursorSecret: await ensureCursorSecret(dataDir),
      live: { feed: liveFeed },
    },
    { host: cfg.MESH_TRACE_HOST, port: cfg.MESH_TRACE_QUERY_PORT },
  );
  // The alert evaluator in process: one replica, so an in-memory lease makes it the leader.
  const alerter = startEvaluator({
    ch,
    logger: logger.child({ component: 'alerter' }),
    registry: serviceRegistry('alerter'),
    leases: new MemoryLeaseStore(),
    leaseKey: 'alerter',
    instanceId: 'all-in-one',
    settings: alertSettings(cfg),
  });
  return {
    queryUrl: query.url,
    ingestUrl: ingest.url,
    clickhouseUrl: clickhouse.url,
    adminKey: admin.key,
    adminKeyCreated: admin.created,
    health: () => ({
      ok: ingest.health().ok && writer.health().ok && query.health().ok && alerter.health().ok,
    }),
    // Order matters: stop intake, drain the queue into ClickHouse, then close readers and storage.
    stop: async () => {
      await ingest.stop();
      await live.flush();
      await writer.stop();
      await bus.stop();
      await liveFeed.stop();
      await query.stop();
      await alerter.stop();
      await ch.close();
      await clickhouse.stop();
    },
  };
}

/**
 * One process serves every page, so any secret works; keeping it in the data directory (mode 0600)
 * lets cursors survive a restart.
 */
async function ensureCursorSecret(dataDir: string): Promise<string> {
  const file = resolve(dataDir, 'cursor-secret');
  const saved = await readFile(file, 'utf8').then(
    (s) => s.trim(),
    () => '',
  );
  if (saved.length >= 32) return saved;
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

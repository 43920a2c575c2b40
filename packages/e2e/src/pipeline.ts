import { randomBytes } from 'node:crypto';
import { createKey, type Scope } from '@mesh-trace/auth';
import { type ClickHouseClient, createClickHouse, migrate } from '@mesh-trace/storage';
import { freePort, type ServiceProcess, spawnService } from './processes.js';
import { type StackEnv, stackEnv } from './stack-env.js';

export type Role = 'ingest' | 'writer' | 'query';

export interface Pipeline {
  /** Unique per test file: topic, consumer group and org ids derive from it. */
  run: string;
  stack: StackEnv;
  ch: ClickHouseClient;
  ingestUrl: string;
  queryUrl: string;
  writerUrl: string;
  procs: Map<Role, ServiceProcess>;
  /** A new key of a fresh org unless `org` is given. */
  key(
    scopes: Scope[],
    opts?: { org?: string; env?: 'live' | 'sandbox'; rate_limit_per_minute?: number; agent_id?: string },
  ): Promise<string>;
  stop(): Promise<(number | null)[]>;
}

const SCRIPTS: Record<Role, string> = {
  ingest: 'services/ingest/dist/main.js',
  writer: 'services/writer/dist/main.js',
  query: 'services/query/dist/main.js',
};

/**
 * Starts the requested services as separate processes against the dev stack, each on a free port,
 * sharing a topic and consumer group of their own. Fails (never skips) when the stack is not up.
 */
export async function startPipeline(
  roles: Role[],
  env: Record<string, string> = {},
  perRole: Partial<Record<Role, Record<string, string>>> = {},
): Promise<Pipeline> {
  const stack = stackEnv();
  const run = randomBytes(4).toString('hex');
  const ch = createClickHouse({ url: stack.CLICKHOUSE_URL });
  // Migrate once here, so services starting together do not race on DDL.
  await migrate(ch, { retentionDays: 30 });
  const [i, q, w] = await Promise.all([freePort(), freePort(), freePort()]);
  const urls = {
    ingest: `http://127.0.0.1:${i}`,
    query: `http://127.0.0.1:${q}`,
    writer: `http://127.0.0.1:${w}`,
  };
  const common = {
    KAFKA_BROKERS: stack.KAFKA_BROKERS,
    REDIS_URL: stack.REDIS_URL,
    CLICKHOUSE_URL: stack.CLICKHOUSE_URL,
    MESH_TRACE_TOPIC: `e2e-${run}`,
    MESH_TRACE_WRITER_GROUP: `e2e-${run}`,
    MESH_TRACE_INGEST_HOST: '127.0.0.1',
    MESH_TRACE_INGEST_PORT: String(i),
    MESH_TRACE_QUERY_HOST: '127.0.0.1',
    MESH_TRACE_QUERY_PORT: String(q),
    MESH_TRACE_WRITER_HOST: '127.0.0.1',
    MESH_TRACE_WRITER_PORT: String(w),
    ...env,
  };
  const procs = new Map<Role, ServiceProcess>();
  const started = await Promise.allSettled(
    roles.map(async (role) => {
      procs.set(
        role,
        await spawnService(role, SCRIPTS[role], { ...common, ...perRole[role] }, `${urls[role]}/readyz`),
      );
    }),
  );
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all([...procs.values()].map((p) => p.stop()));
    await ch.close();
    throw failed.reason;
  }
  let orgs = 0;
  return {
    run,
    stack,
    ch,
    ingestUrl: urls.ingest,
    queryUrl: urls.query,
    writerUrl: urls.writer,
    procs,
    key: async (scopes, opts = {}) => {
      orgs += 1;
      const { org, env: keyEnv, ...rest } = opts;
      return (
        await createKey(ch, { org_id: org ?? `org_${run}_${orgs}`, env: keyEnv ?? 'live', scopes, ...rest })
      ).key;
    },
    stop: async () => {
      const codes = await Promise.all([...procs.values()].map((p) => p.stop()));
      procs.clear();
      await ch.close();
      return codes;
    },
  };
}

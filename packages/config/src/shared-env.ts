import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, envBool, envInt, envList } from './env.js';

/**
 * Environment variables several services read, each defined (and described) once: the services pick
 * the ones they use, and docs/configuration.md is generated from the same schemas
 * (scripts/gen-config-docs.mjs), so its defaults and descriptions cannot drift from the code.
 */
export const SHARED_ENV = {
  CLICKHOUSE_URL: z
    .string()
    .url()
    .default('http://127.0.0.1:8123')
    .describe('ClickHouse HTTP endpoint (a server, a load balancer over a cluster, or the embedded engine)'),
  CLICKHOUSE_USER: z.string().default('default').describe('ClickHouse user'),
  CLICKHOUSE_PASSWORD: z.string().default('').describe('ClickHouse password'),
  REDIS_URL: z
    .string()
    .url()
    .default('redis://127.0.0.1:6379')
    .describe('Redis: rate-limit counters, accepted trace ids, live streams, leases'),
  KAFKA_BROKERS: envList(['127.0.0.1:19092']).describe('comma-separated Kafka bootstrap brokers'),
  KAFKA_PARTITIONS: envInt(3, 1, 1024).describe(
    'partitions of the topics a service creates when missing (the writer scales up to this many)',
  ),
  KAFKA_COMPRESSION: z
    .enum(['lz4', 'gzip', 'none'])
    .default('lz4')
    .describe(
      'compression of the record batches produced (every mesh-trace consumer reads all three; see docs/operations.md)',
    ),
  MESH_TRACE_TOPIC: z
    .string()
    .min(1)
    .default('mesh-trace.spans.v1')
    .describe('Kafka topic of accepted data (its dead-letter topic is <topic>.dlq)'),
  MESH_TRACE_RETENTION_DAYS: envInt(7, 1, 3650).describe(
    'row TTL, set when tables are created (later changes need ALTER TABLE … MODIFY TTL); the oldest timestamp ingest accepts',
  ),
  MESH_TRACE_RATE_LIMIT_PER_MINUTE: envInt(1000, 1, 10_000).describe(
    'default requests per minute per API key (a key may carry its own)',
  ),
  MESH_TRACE_BOOTSTRAP_KEY: z
    .string()
    .optional()
    .describe('an API key (mtk_live_…) ensured at start with every scope for org "default"'),
  MESH_TRACE_RUN_MIGRATIONS: envBool(true).describe(
    'apply the ClickHouse migrations at start (false on a cluster: see `mesh-trace schema`)',
  ),
  MESH_TRACE_NODE_ID: z
    .string()
    .optional()
    .describe('collector node identity, e.g. the pod name (default <role>-<hostname>-<pid>)'),
  MESH_TRACE_CLUSTER: z.string().default('').describe('cluster label of this collector node'),
  MESH_TRACE_MAX_BODY_BYTES: envInt(5 * 1024 * 1024, 1024).describe(
    'largest request body after decompression (413 above)',
  ),
  MESH_TRACE_MAX_BATCH_ITEMS: envInt(10_000, 1).describe('most traces + spans + events in one batch'),
  KAFKA_SSL: envBool(false).describe('connect to the brokers over TLS (managed Kafka services)'),
  KAFKA_SSL_CA_FILE: z
    .string()
    .optional()
    .describe("PEM file of the CA(s) that signed the brokers' certificates (default: the system CAs)"),
  KAFKA_SSL_REJECT_UNAUTHORIZED: envBool(true).describe('refuse brokers whose certificate does not verify'),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'])
    .optional()
    .describe(
      'SASL authentication to the brokers (unset: none); needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    ),
  KAFKA_SASL_USERNAME: z.string().optional().describe('SASL user'),
  KAFKA_SASL_PASSWORD: z.string().optional().describe('SASL password'),
  NODE_ENV: z.string().optional().describe('`production` makes secrets without defaults mandatory'),
  LOG_LEVEL: z
    .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
    .default('info')
    .describe('pino log level'),
};

export type SharedEnvName = keyof typeof SHARED_ENV;

/** The shared variables `names`, to spread into a service's config schema. */
export function sharedEnv<const K extends SharedEnvName>(...names: K[]): Pick<typeof SHARED_ENV, K> {
  return Object.fromEntries(names.map((n) => [n, SHARED_ENV[n]])) as Pick<typeof SHARED_ENV, K>;
}

/** The Kafka security variables, as every service that talks to Kafka picks them. */
export const KAFKA_SECURITY_ENV = [
  'KAFKA_SSL',
  'KAFKA_SSL_CA_FILE',
  'KAFKA_SSL_REJECT_UNAUTHORIZED',
  'KAFKA_SASL_MECHANISM',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
] as const;

type KafkaSecurityConfig = {
  KAFKA_SSL: boolean;
  KAFKA_SSL_CA_FILE?: string | undefined;
  KAFKA_SSL_REJECT_UNAUTHORIZED: boolean;
  KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512' | undefined;
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
};

/**
 * The TLS and SASL options of the Kafka client (packages/bus `KafkaSecurity`). A CA file that cannot be
 * read, or a mechanism without its credentials, is a ConfigError naming the variable.
 */
export function kafkaSecurity(cfg: KafkaSecurityConfig): {
  ssl?: boolean | { ca?: string[]; rejectUnauthorized: boolean };
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
} {
  const out: ReturnType<typeof kafkaSecurity> = {};
  if (cfg.KAFKA_SSL) {
    let ca: string[] | undefined;
    if (cfg.KAFKA_SSL_CA_FILE) {
      try {
        ca = [readFileSync(cfg.KAFKA_SSL_CA_FILE, 'utf8')];
      } catch (err) {
        throw new ConfigError(
          'KAFKA_SSL_CA_FILE',
          `cannot read ${cfg.KAFKA_SSL_CA_FILE}: ${(err as Error).message}`,
        );
      }
    }
    out.ssl = { ...(ca ? { ca } : {}), rejectUnauthorized: cfg.KAFKA_SSL_REJECT_UNAUTHORIZED };
  } else if (cfg.KAFKA_SSL_CA_FILE) {
    throw new ConfigError('KAFKA_SSL_CA_FILE', 'set KAFKA_SSL=true as well, or the CA file is not used');
  }
  if (cfg.KAFKA_SASL_MECHANISM) {
    for (const v of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const)
      if (!cfg[v]) throw new ConfigError(v, `required when KAFKA_SASL_MECHANISM is set`);
    out.sasl = {
      mechanism: cfg.KAFKA_SASL_MECHANISM,
      username: cfg.KAFKA_SASL_USERNAME as string,
      password: cfg.KAFKA_SASL_PASSWORD as string,
    };
  } else if (cfg.KAFKA_SASL_USERNAME || cfg.KAFKA_SASL_PASSWORD) {
    throw new ConfigError(
      'KAFKA_SASL_MECHANISM',
      'required when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set',
    );
  }
  return out;
}

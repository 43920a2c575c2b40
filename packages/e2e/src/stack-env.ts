import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface StackEnv {
  KAFKA_BROKERS: string;
  REDIS_URL: string;
  CLICKHOUSE_URL: string;
  /** The broker's SASL/PLAIN listener and its dev-only credentials. */
  KAFKA_SASL_BROKERS?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  /** The broker's jars (Kafka's own Java clients and tools). */
  KAFKA_LIBS?: string;
}

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The dev stack's addresses, as written by deploy/stack/up.sh. Integration tests call this first and
 * fail — never skip — when the stack was not started.
 */
export function stackEnv(): StackEnv {
  const file = process.env.MESH_TRACE_STACK_ENV ?? `${REPO_ROOT}.stack/env`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`dev stack not running: ${file} is missing (run deploy/stack/up.sh or make stack-up)`);
  }
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) env[m[1]] = m[2] ?? '';
  }
  for (const k of ['KAFKA_BROKERS', 'REDIS_URL', 'CLICKHOUSE_URL']) {
    if (!env[k]) throw new Error(`dev stack env file ${file} lacks ${k}`);
  }
  return env as unknown as StackEnv;
}

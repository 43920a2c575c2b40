import { parseArgs } from 'node:util';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_POOL_SIZE } from './embedded-clickhouse.js';

export const USAGE = `Usage: mesh-trace-clickhouse [options]

Serves the embedded ClickHouse engine (chDB) over the ClickHouse HTTP interface on loopback.

Options:
  --host <addr>            listen address (env MESH_TRACE_CH_HOST, default 127.0.0.1)
  --port <n>               listen port, 0 for any free one (env MESH_TRACE_CH_PORT, default 8123)
  --data-dir <path>        data directory (env MESH_TRACE_CH_DATA_DIR, default ./.data/clickhouse)
  --pool-size <n>          engine sessions, i.e. queries run at once (env MESH_TRACE_CH_POOL_SIZE, default ${DEFAULT_POOL_SIZE})
  --max-body-bytes <n>     largest request body (env MESH_TRACE_CH_MAX_BODY_BYTES, default ${DEFAULT_MAX_BODY_BYTES})
  --help                   print this help

No authentication: credentials sent by clients are accepted and ignored. Keep it on loopback.
`;

export interface CliConfig {
  host: string;
  port: number;
  dataDir: string;
  poolSize: number;
  maxBodyBytes: number;
}

export type CliParse =
  | { kind: 'help' }
  | { kind: 'run'; config: CliConfig }
  | { kind: 'error'; message: string };

/** Flags win over environment variables, which win over defaults. */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliParse {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'pool-size': { type: 'string' },
        'max-body-bytes': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
  if (values.help === true) return { kind: 'help' };
  const pick = (flag: string, envName: string, fallback: string): string => {
    const v = values[flag];
    return typeof v === 'string' ? v : (env[envName] ?? fallback);
  };
  const host = pick('host', 'MESH_TRACE_CH_HOST', '127.0.0.1');
  const dataDir = pick('data-dir', 'MESH_TRACE_CH_DATA_DIR', './.data/clickhouse');
  const port = toInt(pick('port', 'MESH_TRACE_CH_PORT', '8123'));
  const poolSize = toInt(pick('pool-size', 'MESH_TRACE_CH_POOL_SIZE', String(DEFAULT_POOL_SIZE)));
  const maxBodyBytes = toInt(
    pick('max-body-bytes', 'MESH_TRACE_CH_MAX_BODY_BYTES', String(DEFAULT_MAX_BODY_BYTES)),
  );
  if (host === '') return { kind: 'error', message: 'host must not be empty' };
  if (dataDir === '') return { kind: 'error', message: 'data dir must not be empty' };
  if (port === undefined || port > 65535)
    return { kind: 'error', message: 'port must be an integer in 0..65535' };
  if (poolSize === undefined || poolSize < 1)
    return { kind: 'error', message: 'pool size must be an integer >= 1' };
  if (maxBodyBytes === undefined || maxBodyBytes < 1) {
    return { kind: 'error', message: 'max body bytes must be an integer >= 1' };
  }
  return { kind: 'run', config: { host, port, dataDir, poolSize, maxBodyBytes } };
}

function toInt(text: string): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

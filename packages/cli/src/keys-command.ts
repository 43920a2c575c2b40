import { parseArgs } from 'node:util';
import { KeyService, SCOPES, type Scope } from '@mesh-trace/auth';
import { createClickHouse, migrateAt } from '@mesh-trace/storage';
import { clickhouseTarget, retentionDays } from './options.js';

export const KEYS_HELP = `mesh-trace keys — manage API keys directly in ClickHouse (no running service needed)

Usage:
  mesh-trace keys create --org ORG --scopes ingest,read[,alerts:write,admin] [--env live|sandbox]
                         [--agent AGENT_ID] [--name NAME] [--rate-limit N]
  mesh-trace keys list   --org ORG
  mesh-trace keys revoke --org ORG KEY_ID
  mesh-trace keys rotate --org ORG KEY_ID

Options:
  --clickhouse-url URL   ClickHouse HTTP endpoint (default: $CLICKHOUSE_URL or http://127.0.0.1:8123)
                         (user and password from $CLICKHOUSE_USER / $CLICKHOUSE_PASSWORD)
  --help                 show this help

Output is JSON. The secret of a created or rotated key is printed once and never stored.
`;

class UsageError extends Error {}

export async function runKeysCommand(argv: string[], out: (s: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      scopes: { type: 'string' },
      env: { type: 'string', default: 'live' },
      agent: { type: 'string' },
      name: { type: 'string' },
      'rate-limit': { type: 'string' },
      'clickhouse-url': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, id] = positionals;
  if (values.help || !command) {
    out(KEYS_HELP);
    return values.help ? 0 : 2;
  }
  try {
    const org = required(values.org, '--org');
    const target = clickhouseTarget(values['clickhouse-url']);
    const retention = retentionDays(undefined);
    if (retention === undefined) throw new UsageError('MESH_TRACE_RETENTION_DAYS must be a whole number ≥ 1');
    await migrateAt(target, { retentionDays: retention });
    const ch = createClickHouse(target);
    try {
      const keys = new KeyService(ch);
      let result: unknown;
      switch (command) {
        case 'create':
          result = await keys.create({
            org_id: org,
            env: parseEnv(values.env),
            scopes: parseScopes(required(values.scopes, '--scopes')),
            agent_id: values.agent,
            name: values.name,
            rate_limit_per_minute:
              values['rate-limit'] === undefined ? undefined : parseLimit(values['rate-limit']),
          });
          break;
        case 'list':
          result = { data: await keys.list(org) };
          break;
        case 'revoke':
          result = await keys.revoke(org, required(id, 'KEY_ID'));
          break;
        case 'rotate':
          result = await keys.rotate(org, required(id, 'KEY_ID'));
          break;
        default:
          throw new UsageError(`unknown command '${command}'`);
      }
      out(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    } finally {
      await ch.close();
    }
  } catch (err) {
    if (err instanceof UsageError) {
      out(`error: ${err.message}\n\n${KEYS_HELP}`);
      return 2;
    }
    throw err;
  }
}

function required(v: string | undefined, name: string): string {
  if (!v) throw new UsageError(`${name} is required`);
  return v;
}

function parseEnv(v: string | undefined): 'live' | 'sandbox' {
  if (v === 'live' || v === 'sandbox') return v;
  throw new UsageError(`--env must be live or sandbox, got '${v}'`);
}

function parseScopes(v: string): Scope[] {
  const scopes = v.split(',').map((s) => s.trim());
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length || scopes.length === 0)
    throw new UsageError(`unknown scope(s): ${bad.join(', ')}; known: ${SCOPES.join(', ')}`);
  return scopes as Scope[];
}

function parseLimit(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000)
    throw new UsageError('--rate-limit must be an integer in 1..10000');
  return n;
}

// Shared by the examples: --help handling and where the API key comes from.
import { readFileSync } from 'node:fs';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Parses the flags (plus --key and --help); prints `help` and exits on --help. */
export function exampleArgs<T>(
  help: string,
  options: NonNullable<ParseArgsConfig['options']>,
): T & { key?: string } {
  const { values } = parseArgs({
    options: { ...options, key: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(help);
    process.exit(0);
  }
  return values as unknown as T & { key?: string };
}

/** --key, else $MESH_TRACE_KEY, else the all-in-one's dev admin key (`make run` writes it). */
export function apiKey(flag: unknown): string {
  const key = (typeof flag === 'string' ? flag : undefined) ?? process.env.MESH_TRACE_KEY;
  if (key) return key;
  try {
    return readFileSync('.data/dev-admin-key', 'utf8').trim();
  } catch {
    process.stderr.write('No API key: pass --key, set MESH_TRACE_KEY, or run `make run` first.\n');
    process.exit(2);
  }
}

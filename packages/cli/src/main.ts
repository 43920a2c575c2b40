#!/usr/bin/env node
import { runKeysCommand } from './keys-command.js';
import { runMigrateCommand } from './migrate-command.js';
import { runSchemaCommand } from './schema-command.js';

const HELP = `mesh-trace — Mesh-Trace command line

Usage:
  mesh-trace keys …     create, list, revoke, rotate API keys (mesh-trace keys --help)
  mesh-trace migrate    apply the ClickHouse migrations and exit (mesh-trace migrate --help)
  mesh-trace schema …   print the ClickHouse cluster schema (mesh-trace schema --help)
  mesh-trace --help

The services themselves run as mesh-trace-ingest, mesh-trace-writer, mesh-trace-query, or all
together as mesh-trace-all-in-one (make run).
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const out = (s: string) => process.stdout.write(s);
  if (cmd === 'keys') return runKeysCommand(rest, out);
  if (cmd === 'schema') return runSchemaCommand(rest, out);
  if (cmd === 'migrate') return runMigrateCommand(rest, out);
  out(HELP);
  return cmd === undefined || cmd === '--help' || cmd === '-h' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mesh-trace: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

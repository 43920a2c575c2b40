import { ConfigError, formatConfigError } from './env.js';

/**
 * The shared shell of every `main.ts`: `--help` prints usage and exits 0; a bad configuration is
 * one line naming the variable and exit 1; any other start-up failure is one line and exit 1.
 */
export function runMain(name: string, help: string, start: () => Promise<void>): void {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(help);
    return;
  }
  start().catch((err: unknown) => {
    if (err instanceof ConfigError) process.stderr.write(`${formatConfigError(err)}\n`);
    else
      process.stderr.write(`${name} failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

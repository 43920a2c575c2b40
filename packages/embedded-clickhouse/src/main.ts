#!/usr/bin/env node
import { pino } from 'pino';
import { parseCli, USAGE } from './cli-args.js';
import { startEmbeddedClickHouse } from './embedded-clickhouse.js';

// The only file with side effects: parse flags, start the server, stop it on a signal.
const parsed = parseCli(process.argv.slice(2), process.env);
if (parsed.kind === 'help') {
  process.stdout.write(USAGE);
} else if (parsed.kind === 'error') {
  process.stderr.write(`mesh-trace-clickhouse: ${parsed.message}\n\n${USAGE}`);
  process.exitCode = 2;
} else {
  const log = pino({
    base: { service: 'embedded-clickhouse' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
  const { config } = parsed;
  startEmbeddedClickHouse({
    dataDir: config.dataDir,
    host: config.host,
    port: config.port,
    poolSize: config.poolSize,
    maxBodyBytes: config.maxBodyBytes,
    logger: log,
  }).then(
    (server) => {
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          log.warn({ signal }, 'second_signal_exit');
          process.exit(1);
        }
        stopping = true;
        log.info({ signal }, 'shutdown_started');
        // Queries cannot be interrupted inside the engine; a hung one must not keep the process forever.
        setTimeout(() => {
          log.error({ timeout_ms: 30_000 }, 'shutdown_timed_out');
          process.exit(1);
        }, 30_000).unref();
        server.stop().then(
          () => process.exit(0),
          (err: unknown) => {
            log.error({ err }, 'shutdown_failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
    (err: unknown) => {
      log.error({ err }, 'clickhouse_start_failed');
      process.exit(1);
    },
  );
}

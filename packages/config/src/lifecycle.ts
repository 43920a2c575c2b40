import type { Logger } from './logger.js';

export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * SIGTERM/SIGINT run `stop` once under a hard timeout; a second signal or the timeout exits at once.
 * Called only from a service's main.ts.
 */
export function onSignals(stop: () => Promise<void>, log: Logger, hardTimeoutMs = 30_000): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second_signal_exit');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutdown_started');
    const timer = setTimeout(() => {
      log.error({ hardTimeoutMs }, 'shutdown_timed_out');
      process.exit(1);
    }, hardTimeoutMs);
    timer.unref();
    stop().then(
      () => {
        log.info('shutdown_complete');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown_failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

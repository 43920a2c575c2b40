import { type Logger as PinoLogger, pino } from 'pino';

export type Logger = PinoLogger;

/** JSON logs on stdout; API keys and auth headers never reach them. */
export function createLogger(opts: { name: string; level?: string }): Logger {
  return pino({
    name: opts.name,
    level: opts.level ?? 'info',
    base: { service: opts.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers["x-mortem-api-key"]',
        'key',
        'api_key',
        '*.api_key',
      ],
      censor: '[redacted]',
    },
  });
}

import { randomUUID } from 'node:crypto';
import type { Logger } from '@mesh-trace/config';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import { collectDefaultMetrics, Histogram, type Registry } from 'prom-client';

export type ReadinessCheck = () =>
  | Promise<{ ok: boolean; reason?: string }>
  | { ok: boolean; reason?: string };

export interface HttpAppOptions {
  logger: Logger;
  registry: Registry;
  ready: ReadinessCheck;
  /** Collect Node process metrics (once per registry). */
  defaultMetrics?: boolean;
  /**
   * Express `trust proxy`: which proxies' X-Forwarded-For to believe for the client address (per-IP
   * limits). false by default: behind a proxy set it (hop count, or addresses/subnets), or every
   * client shares the proxy's address.
   */
  trustProxy?: boolean | number | string;
}

/** `MESH_TRACE_TRUST_PROXY`: true, false, a hop count, or comma-separated addresses/subnets. */
export function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The plumbing every service shares: request ids, access logs, request histogram, /healthz, /readyz,
 * /metrics. Routes and the error middleware are added by the service.
 */
export function createHttpApp(opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', opts.trustProxy ?? false);
  app.set('query parser', 'simple');
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: opts.registry });
  const histogram = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [opts.registry],
  });

  app.use(
    pinoHttp({
      logger: opts.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
      autoLogging: {
        ignore: (req) => req.url === '/metrics' || req.url === '/healthz' || req.url === '/readyz',
      },
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  app.use((req, res, next) => {
    const end = histogram.startTimer({ method: req.method });
    res.on('finish', () => {
      // The matched route pattern keeps label cardinality bounded; unmatched paths share one label.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ route, status: String(res.statusCode) });
    });
    next();
  });

  // Liveness checks nothing external: restarting does not fix a ClickHouse or Kafka outage.
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const r = await opts.ready();
    res.status(r.ok ? 200 : 503).json(r.ok ? { ok: true } : { ok: false, reason: r.reason ?? 'not ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', opts.registry.contentType);
    res.send(await opts.registry.metrics());
  });
  return app;
}

import type { Logger } from '@mesh-trace/config';
import { createHttpApp, errorMiddleware, listen, notFoundHandler, type Registry } from '@mesh-trace/http';
import { type ClickHouseClient, holderOf, type LeaseStore } from '@mesh-trace/storage';
import { createTransport } from 'nodemailer';
import { Counter, Gauge } from 'prom-client';
import type { ChannelSettings } from './channels/deliver.js';
import type { AlertsEnv } from './config.js';
import { evaluateOnce } from './evaluator.js';

export interface AlerterSettings {
  intervalMs: number;
  publicUrl: string;
  orgs: string[];
  channels: ChannelSettings;
}

/** Notification settings from the environment (the alerter's and the all-in-one's). */
export function alertSettings(env: AlertsEnv): AlerterSettings {
  const mailer = env.MESH_TRACE_SMTP_HOST
    ? createTransport({
        host: env.MESH_TRACE_SMTP_HOST,
        port: env.MESH_TRACE_SMTP_PORT,
        secure: env.MESH_TRACE_SMTP_SECURE,
        requireTLS: env.MESH_TRACE_SMTP_REQUIRE_TLS,
        auth: env.MESH_TRACE_SMTP_USER
          ? { user: env.MESH_TRACE_SMTP_USER, pass: env.MESH_TRACE_SMTP_PASSWORD ?? '' }
          : undefined,
        connectionTimeout: env.MESH_TRACE_ALERTS_TIMEOUT_MS,
        greetingTimeout: env.MESH_TRACE_ALERTS_TIMEOUT_MS,
        socketTimeout: env.MESH_TRACE_ALERTS_TIMEOUT_MS,
      })
    : undefined;
  return {
    intervalMs: env.MESH_TRACE_ALERTS_INTERVAL_MS,
    publicUrl: env.MESH_TRACE_ALERTS_PUBLIC_URL,
    orgs: env.MESH_TRACE_ALERTS_ORGS,
    channels: {
      policy: {
        allow: env.MESH_TRACE_ALERTS_ALLOW_HOSTS,
        timeoutMs: env.MESH_TRACE_ALERTS_TIMEOUT_MS,
        maxResponseBytes: env.MESH_TRACE_ALERTS_MAX_RESPONSE_BYTES,
      },
      pagerDutyUrl: env.MESH_TRACE_ALERTS_PAGERDUTY_URL,
      mailer,
      mailFrom: env.MESH_TRACE_SMTP_FROM,
      maxAttempts: env.MESH_TRACE_ALERTS_MAX_ATTEMPTS,
      retryBaseMs: env.MESH_TRACE_ALERTS_RETRY_BASE_MS,
    },
  };
}

export interface EvaluatorDepsIn {
  ch: ClickHouseClient;
  logger: Logger;
  registry: Registry;
  /** Redis across replicas; in memory in the all-in-one. */
  leases: LeaseStore;
  leaseKey: string;
  instanceId: string;
  settings: AlerterSettings;
}

export interface EvaluatorStatus {
  instance: string;
  leader: boolean;
  fence: number | null;
  last_evaluation_at: string | null;
  rules: number;
}

export interface EvaluatorHandle {
  status(): EvaluatorStatus;
  health(): { ok: boolean };
  stop(): Promise<void>;
}

/**
 * The leader election and the evaluation loop. The lease lives `1.25 × interval` (at least 1 s) and
 * is renewed every fifth of an interval; a standby tries to take it as often, so when a leader dies
 * its lease runs out and another replica leads — and evaluates at once — within 1.45 intervals (two,
 * with margin for a loaded machine). A clean stop releases the lease for an immediate hand-over.
 */
export function startEvaluator(deps: EvaluatorDepsIn): EvaluatorHandle {
  const { intervalMs } = deps.settings;
  const ttlMs = Math.max(1_000, Math.round(intervalMs * 1.25));
  const tickMs = Math.max(50, Math.min(Math.round(intervalMs / 5), Math.round(ttlMs / 4)));
  const log = deps.logger;
  const metrics = {
    transitions: new Counter({
      name: 'mesh_trace_alert_transitions_total',
      help: 'Alert transitions recorded, by new state',
      labelNames: ['state'] as const,
      registers: [deps.registry],
    }),
    notifications: new Counter({
      name: 'mesh_trace_alert_notifications_total',
      help: 'Notifications by channel type and outcome (after retries)',
      labelNames: ['channel', 'status'] as const,
      registers: [deps.registry],
    }),
  };
  let fence: number | undefined;
  let stopping = false;
  let lastEvaluation: number | undefined;
  let nextEvaluation = 0;
  let rules = 0;
  new Gauge({
    name: 'mesh_trace_alerter_leader',
    help: '1 while this replica holds the evaluator lease',
    registers: [deps.registry],
    collect() {
      this.set(fence === undefined ? 0 : 1);
    },
  });
  const holder = () => (fence === undefined ? '' : holderOf(deps.instanceId, fence));

  const leaseTick = async () => {
    try {
      if (fence === undefined) {
        fence = await deps.leases.acquire(deps.leaseKey, deps.instanceId, ttlMs);
        if (fence !== undefined) {
          nextEvaluation = 0;
          log.info({ instance: deps.instanceId, fence }, 'alerter_leader_acquired');
        }
      } else if (!(await deps.leases.renew(deps.leaseKey, holder(), ttlMs))) {
        log.warn({ instance: deps.instanceId, fence }, 'alerter_leader_lost');
        fence = undefined;
      }
    } catch (err) {
      // Without Redis nobody can prove leadership: stop evaluating rather than risk two leaders.
      if (fence !== undefined) log.warn({ err: (err as Error).message }, 'alerter_lease_unavailable');
      fence = undefined;
    }
  };

  const evalTick = async () => {
    const token = fence;
    if (token === undefined || Date.now() < nextEvaluation) return;
    nextEvaluation = Date.now() + intervalMs;
    const started = Date.now();
    try {
      const mine = holderOf(deps.instanceId, token);
      const r = await evaluateOnce(
        {
          ch: deps.ch,
          logger: log,
          channels: deps.settings.channels,
          publicUrl: deps.settings.publicUrl,
          orgs: deps.settings.orgs,
          metrics,
        },
        {
          token,
          stillLeader: async () =>
            !stopping && fence === token && (await deps.leases.holds(deps.leaseKey, mine).catch(() => false)),
        },
      );
      rules = r.rules;
      lastEvaluation = started;
      log.debug({ ...r, ms: Date.now() - started }, 'alert_evaluation_done');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'alert_evaluation_failed');
    }
  };

  // Two loops: the lease is renewed on its own clock, so a slow evaluation (deliveries being retried)
  // never lets it lapse.
  const loop = (tick: () => Promise<void>) =>
    (async () => {
      while (!stopping) {
        await tick();
        await new Promise((r) => setTimeout(r, tickMs));
      }
    })();
  const loops = [loop(leaseTick), loop(evalTick)];

  return {
    status: () => ({
      instance: deps.instanceId,
      leader: fence !== undefined,
      fence: fence ?? null,
      last_evaluation_at: lastEvaluation === undefined ? null : new Date(lastEvaluation).toISOString(),
      rules,
    }),
    health: () => ({ ok: !stopping }),
    stop: async () => {
      stopping = true;
      await Promise.all(loops);
      const h = holder();
      fence = undefined;
      if (h) await deps.leases.release(deps.leaseKey, h).catch(() => undefined);
      deps.settings.channels.mailer?.close();
    },
  };
}

/** The alerter process: the evaluator plus /healthz, /readyz, /metrics and /status. */
export async function startAlerter(
  deps: EvaluatorDepsIn,
  listenOn: { host: string; port: number },
): Promise<EvaluatorHandle & { url: string }> {
  const evaluator = startEvaluator(deps);
  const app = createHttpApp({
    logger: deps.logger,
    registry: deps.registry,
    ready: async () => {
      const ok = (await deps.ch.ping()).success;
      return ok ? { ok } : { ok, reason: 'clickhouse unreachable' };
    },
  });
  // Which replica leads, with its fencing token: what an operator checks after a failover.
  app.get('/status', (_req, res) => {
    res.json(evaluator.status());
  });
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  const server = await listen(app, listenOn.port, listenOn.host);
  deps.logger.info({ url: server.url, instance: deps.instanceId }, 'alerter_listening');
  return {
    ...evaluator,
    url: server.url,
    stop: async () => {
      await server.close();
      await evaluator.stop();
    },
  };
}

#!/usr/bin/env node
import { hostname } from 'node:os';
import { createLogger, onSignals, runMain } from '@mesh-trace/config';
import { connectRedis, serviceRegistry } from '@mesh-trace/http';
import { connectClickHouse, RedisLeaseStore } from '@mesh-trace/storage';
import { loadConfig } from './config.js';
import { alertSettings, startAlerter } from './service.js';

const HELP = `mesh-trace-alerter — evaluates alert rules and sends notifications (webhook, Slack, PagerDuty, e-mail)

Usage: mesh-trace-alerter [--help]

Run as many replicas as you like: one holds a Redis lease and evaluates, the others stand by and
take over within two intervals if it dies.

Configuration is read from the environment:
  MESH_TRACE_ALERTER_HOST / MESH_TRACE_ALERTER_PORT   /healthz, /readyz, /metrics, /status (0.0.0.0:4003)
  CLICKHOUSE_URL         (http://127.0.0.1:8123), CLICKHOUSE_USER, CLICKHOUSE_PASSWORD
  REDIS_URL              the leader lease (redis://127.0.0.1:6379)
  MESH_TRACE_ALERTS_INTERVAL_MS        evaluation interval (30000)
  MESH_TRACE_ALERTS_ALLOW_HOSTS        hosts/addresses/CIDRs channels may reach although private or
                                       loopback (none: only public addresses)
  MESH_TRACE_ALERTS_TIMEOUT_MS (5000), MESH_TRACE_ALERTS_MAX_RESPONSE_BYTES (65536)   per delivery
  MESH_TRACE_ALERTS_MAX_ATTEMPTS (4), MESH_TRACE_ALERTS_RETRY_BASE_MS (1000)   exponential backoff
  MESH_TRACE_ALERTS_PAGERDUTY_URL      (https://events.pagerduty.com/v2/enqueue)
  MESH_TRACE_ALERTS_PUBLIC_URL         base of links in notifications (http://localhost:4000)
  MESH_TRACE_ALERTS_ORGS               evaluate only these organisations (default: all)
  MESH_TRACE_SMTP_HOST, MESH_TRACE_SMTP_PORT (587), MESH_TRACE_SMTP_SECURE (false: STARTTLS if offered),
  MESH_TRACE_SMTP_REQUIRE_TLS, MESH_TRACE_SMTP_USER, MESH_TRACE_SMTP_PASSWORD, MESH_TRACE_SMTP_FROM
  MESH_TRACE_ALERTER_ID (alerter-<hostname>-<pid>), MESH_TRACE_ALERTER_LEASE_KEY, LOG_LEVEL
`;

runMain('alerter', HELP, async () => {
  const cfg = loadConfig(process.env);
  const logger = createLogger({ name: 'alerter', level: cfg.LOG_LEVEL });
  const ch = await connectClickHouse(cfg, logger);
  const redis = await connectRedis(cfg.REDIS_URL, logger);
  const svc = await startAlerter(
    {
      ch,
      logger,
      registry: serviceRegistry('alerter'),
      leases: new RedisLeaseStore(redis),
      leaseKey: cfg.MESH_TRACE_ALERTER_LEASE_KEY,
      instanceId: cfg.MESH_TRACE_ALERTER_ID ?? `alerter-${hostname()}-${process.pid}`,
      settings: alertSettings(cfg),
    },
    { host: cfg.MESH_TRACE_ALERTER_HOST, port: cfg.MESH_TRACE_ALERTER_PORT },
  );
  onSignals(async () => {
    await svc.stop();
    redis.disconnect();
    await ch.close();
  }, logger);
});

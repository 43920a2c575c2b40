import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '@mesh-trace/config';
import { randomSpanId, randomTraceId, stackEnv } from '@mesh-trace/e2e';
import {
  type ClickHouseClient,
  createClickHouse,
  emptyRows,
  insertRows,
  listAlertEvents,
  migrate,
  recordAlertEvent,
  writeAlertRule,
  writeAlertStates,
} from '@mesh-trace/storage';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverPending, type EvaluatorDeps, evaluateOnce } from './evaluator.js';

// Crash windows of the leader, against the real ClickHouse: a transition recorded but not notified
// is notified by the successor; a transition re-detected (state not saved) is not notified twice;
// a deposed leader sends nothing.
describe('evaluator: recovery and fencing', () => {
  const run = randomBytes(4).toString('hex');
  const org = `org_evaluator_${run}`;
  const scope = { org_id: org, env: 'live' };
  let ch: ClickHouseClient;
  let receiver: Server;
  let url: string;

  /** A rule: error rate of `service` above 0.5 over 1 minute, at once, to the test webhook. */
  const errorRateRule = (
    id: string,
    name: string,
    service: string,
    severity: 'warning' | 'critical',
    enabled: boolean,
  ) => {
    const now = new Date().toISOString();
    return {
      ...scope,
      id,
      version: 1,
      deleted: false,
      created_at: now,
      updated_at: now,
      spec: {
        name,
        condition: {
          metric: 'error_rate' as const,
          service,
          operator: 'gt' as const,
          threshold: 0.5,
          window: '1m',
          for: '0m',
        },
        channels: [{ type: 'webhook' as const, url }],
        severity,
        enabled,
      },
    };
  };
  const hits: { event_id: string; state: string }[] = [];
  let deps: EvaluatorDeps;
  const leader = (token: number, still = true) => ({ token, stillLeader: async () => still });

  beforeAll(async () => {
    ch = createClickHouse({ url: stackEnv().CLICKHOUSE_URL });
    await migrate(ch, { retentionDays: 30 });
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      req.on('end', () => {
        hits.push(JSON.parse(raw) as { event_id: string; state: string });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const registry = new Registry();
    deps = {
      ch,
      logger: createLogger({ name: 'evaluator-test', level: 'silent' }),
      publicUrl: 'http://localhost:4000',
      orgs: [org],
      channels: {
        policy: { allow: ['127.0.0.1'], timeoutMs: 2_000, maxResponseBytes: 1_024 },
        pagerDutyUrl: url,
        mailFrom: 'a@b.c',
        maxAttempts: 2,
        retryBaseMs: 10,
      },
      metrics: {
        transitions: new Counter({ name: 't', help: 't', labelNames: ['state'], registers: [registry] }),
        notifications: new Counter({
          name: 'n',
          help: 'n',
          labelNames: ['channel', 'status'],
          registers: [registry],
        }),
      },
    };
  });

  afterAll(async () => {
    await ch?.close();
    await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  });

  it('a successor notifies the channels of a transition its predecessor recorded but never sent', async () => {
    const event_id = `orphan-${run}`;
    await recordAlertEvent(
      ch,
      {
        ...scope,
        event_id,
        rule_id: 'gone-leader',
        rule_name: 'orphan',
        state: 'firing',
        at: Date.now(),
        value: 1,
        threshold: 0.5,
        condition: { metric: 'error_rate', operator: 'gt', threshold: 0.5, window: '1m', for: '0m' },
        severity: 'warning',
        channels: [{ type: 'webhook', url }],
      },
      1,
    );
    // A deposed leader (its lease gone) sends nothing.
    await deliverPending(deps, leader(1, false));
    expect(hits.filter((h) => h.event_id === event_id)).toHaveLength(0);
    await deliverPending(deps, leader(2));
    await deliverPending(deps, leader(2));
    expect(hits.filter((h) => h.event_id === event_id)).toHaveLength(1);
    const [ev] = await listAlertEvents(ch, { ...scope, rule_id: 'gone-leader', limit: 5 });
    expect(ev?.deliveries).toMatchObject([{ status: 'delivered', attempts: 1 }]);
  });

  it('a transition re-detected because the state was not saved keeps its id and is not sent twice', async () => {
    const rule = errorRateRule(`rule-${run}`, 'redetect', 'redetect', 'warning', true);
    await writeAlertRule(ch, rule);
    const t = new Date().toISOString();
    const span = () => ({
      org_id: org,
      env: 'live',
      trace_id: randomTraceId(),
      span_id: randomSpanId(),
      parent_span_id: '',
      service: 'redetect',
      name: 'x',
      kind: 'server',
      start_time: t,
      end_time: t,
      duration_ns: '0',
      status: 'error',
      status_message: '',
      attributes: {},
      resource: {},
      events: '[]',
    });
    await insertRows(ch, { ...emptyRows(), spans_v1: [span(), span()] });
    expect(await evaluateOnce(deps, leader(3))).toMatchObject({ transitions: 1 });
    const mine = () => hits.filter((h) => h.state === 'firing' && h.event_id !== `orphan-${run}`);
    expect(mine()).toHaveLength(1);
    // The leader "died" before its state was stored: the successor still sees the rule as new (ok).
    await writeAlertStates(ch, 4, [
      {
        scope,
        rule_id: rule.id,
        state: { state: 'ok', since: 0, value: null, no_data: true, evaluated_at: Date.now() },
      },
    ]);
    // It re-detects the same transition, writes the same event id, and finds it already delivered.
    await evaluateOnce(deps, leader(4));
    expect(mine()).toHaveLength(1);
    expect(await listAlertEvents(ch, { ...scope, rule_id: rule.id, limit: 5 })).toHaveLength(1);
  });

  it('a rule disabled while firing sends its resolve once, on the next evaluation', async () => {
    const rule = errorRateRule(`disabled-${run}`, 'disabled while firing', 'disabled-svc', 'critical', false);
    await writeAlertRule(ch, rule);
    // It was firing when it got disabled.
    await writeAlertStates(ch, 5, [
      {
        scope,
        rule_id: rule.id,
        state: {
          state: 'firing',
          since: Date.now() - 60_000,
          value: 1,
          no_data: false,
          evaluated_at: Date.now(),
        },
      },
    ]);
    const resolves = async () => {
      const events = await listAlertEvents(ch, { ...scope, rule_id: rule.id, limit: 5 });
      return events.filter((e) => e.state === 'resolved');
    };
    await evaluateOnce(deps, leader(5));
    await evaluateOnce(deps, leader(5));
    const got = await resolves();
    expect(got).toHaveLength(1);
    expect(got[0]?.deliveries).toMatchObject([{ status: 'delivered' }]);
    expect(hits.filter((h) => h.event_id === got[0]?.id && h.state === 'resolved')).toHaveLength(1);
  });
});

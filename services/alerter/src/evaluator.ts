import { createHash } from 'node:crypto';
import type { Logger } from '@mesh-trace/config';
import {
  type AlertEvent,
  type AlertRuleRecord,
  type AlertState,
  type ClickHouseClient,
  durationMs,
  getAlertRule,
  listEnabledAlertRules,
  readAlertStates,
  readWindowStats,
  recordAlertDelivery,
  recordAlertEvent,
  stateKey,
  undeliveredAlertEvents,
  writeAlertStates,
} from '@mesh-trace/storage';
import type { Counter } from 'prom-client';
import { type ChannelSettings, deliver } from './channels/deliver.js';
import { metricValue, step } from './state-machine.js';

export interface EvaluatorDeps {
  ch: ClickHouseClient;
  logger: Logger;
  channels: ChannelSettings;
  publicUrl: string;
  /** Only these organisations (empty: all). */
  orgs: string[];
  metrics: {
    transitions: Counter<'state'>;
    notifications: Counter<'channel' | 'status'>;
  };
}

/** The leader's right to act: its fencing token, and a check that it still holds the lease. */
export interface Fence {
  token: number;
  stillLeader(): Promise<boolean>;
}

/** How far back a new leader looks for transitions whose notifications were never recorded. */
const REDELIVERY_WINDOW_MS = 3_600_000;

/**
 * The same transition always gets the same id: the rule, the new state and when the state being left
 * began. A successor that re-detects a transition its predecessor recorded (but died before saving
 * the new state) writes the same event, which is merged, and notifies nobody twice.
 */
export function eventId(rule: AlertRuleRecord, transition: string, prevSince: number): string {
  return createHash('sha256')
    .update(JSON.stringify([rule.org_id, rule.env, rule.id, transition, prevSince]))
    .digest('hex')
    .slice(0, 32);
}

async function evaluateRule(
  deps: EvaluatorDeps,
  rule: AlertRuleRecord,
  prev: AlertState | undefined,
  now: number,
): Promise<{ next: AlertState; event?: AlertEvent }> {
  const c = rule.spec.condition;
  const windowMs = durationMs(c.window) ?? 60_000;
  const stats = await readWindowStats(deps.ch, {
    org_id: rule.org_id,
    env: rule.env,
    service: c.service,
    fromMs: now - windowMs,
    toMs: now,
  });
  const value = metricValue(c.metric, stats, windowMs);
  const { next, transition } = step(
    prev,
    value,
    { operator: c.operator, threshold: c.threshold, forMs: durationMs(c.for) ?? 0 },
    now,
  );
  if (!transition) return { next };
  return { next, event: transitionEvent(rule, transition, prev?.since ?? 0, now, value) };
}

/** The event recorded for a rule's transition; `prevSince` (the state left) keys its id. */
function transitionEvent(
  rule: AlertRuleRecord,
  transition: AlertEvent['state'],
  prevSince: number,
  now: number,
  value: number | null,
): AlertEvent {
  const c = rule.spec.condition;
  return {
    org_id: rule.org_id,
    env: rule.env,
    event_id: eventId(rule, transition, prevSince),
    rule_id: rule.id,
    rule_name: rule.spec.name,
    state: transition,
    at: now,
    value,
    threshold: c.threshold,
    condition: c,
    severity: rule.spec.severity,
    channels: rule.spec.channels,
  };
}

/**
 * One evaluation: every enabled rule's metric over its window, the state machine, transitions recorded
 * (before anyone is notified), states saved, then every channel of every recorded transition that has
 * no delivery record yet is notified — this leader's new transitions and any its predecessor left.
 * Each write and each delivery attempt first checks the lease, so a deposed leader stops.
 */
export async function evaluateOnce(
  deps: EvaluatorDeps,
  fence: Fence,
): Promise<{ rules: number; transitions: number }> {
  const log = deps.logger;
  const [rules, states] = await Promise.all([
    listEnabledAlertRules(deps.ch, deps.orgs),
    readAlertStates(deps.ch, deps.orgs),
  ]);
  const now = Date.now();
  const updates: Parameters<typeof writeAlertStates>[2] = [];
  const events: AlertEvent[] = [];
  for (const rule of rules) {
    try {
      const { next, event } = await evaluateRule(deps, rule, states.get(stateKey(rule, rule.id)), now);
      updates.push({ scope: rule, rule_id: rule.id, state: next });
      if (event) events.push(event);
    } catch (err) {
      log.warn(
        { err: (err as Error).message, rule_id: rule.id, org_id: rule.org_id },
        'alert_rule_evaluation_failed',
      );
    }
  }
  // A rule disabled or deleted while firing would otherwise never send its resolve: the incident it
  // opened (PagerDuty, Slack) would stay open.
  const enabled = new Set(rules.map((r) => stateKey(r, r.id)));
  for (const [key, state] of states) {
    if (state.state !== 'firing' || enabled.has(key)) continue;
    const [org_id = '', env = '', ruleId = ''] = key.split('\u0000');
    try {
      const rule = await getAlertRule(deps.ch, { org_id, env: env as AlertRuleRecord['env'] }, ruleId);
      if (!rule) continue;
      updates.push({
        scope: rule,
        rule_id: rule.id,
        state: { ...state, state: 'resolved', since: now, value: null },
      });
      events.push(transitionEvent(rule, 'resolved', state.since, now, null));
    } catch (err) {
      log.warn({ err: (err as Error).message, rule_id: ruleId, org_id }, 'alert_rule_resolve_failed');
    }
  }
  if (!(await fence.stillLeader())) return { rules: rules.length, transitions: 0 };
  for (const ev of events) {
    await recordAlertEvent(deps.ch, ev, fence.token);
    deps.metrics.transitions.inc({ state: ev.state });
    log.info(
      { org_id: ev.org_id, rule_id: ev.rule_id, state: ev.state, value: ev.value, event_id: ev.event_id },
      'alert_transition',
    );
  }
  await writeAlertStates(deps.ch, fence.token, updates);
  await deliverPending(deps, fence);
  return { rules: rules.length, transitions: events.length };
}

/**
 * Events delivered at once. Each event's channels go out together and a dead receiver costs its
 * retries (≈ 27 s with the defaults): one event after another, a few dead receivers would hold up the
 * next evaluation of every rule of every organisation.
 */
export const DELIVERY_CONCURRENCY = 16;

/** Notifies every channel of recent transitions that has no delivery record yet. */
export async function deliverPending(deps: EvaluatorDeps, fence: Fence): Promise<void> {
  const pending = await undeliveredAlertEvents(deps.ch, Date.now() - REDELIVERY_WINDOW_MS, deps.orgs);
  const seen = new Set<string>();
  const todo = pending.filter(({ event }) => !seen.has(event.event_id) && seen.add(event.event_id));
  const deliverEvent = async ({ event, done }: (typeof pending)[number]) => {
    const n = { event, publicUrl: deps.publicUrl };
    await Promise.all(
      event.channels.map(async (channel, i) => {
        if (done.has(i)) return;
        const outcome = await deliver(i, channel, n, deps.channels, fence.stillLeader);
        if (!outcome) return;
        if (!(await fence.stillLeader())) return;
        await recordAlertDelivery(deps.ch, event, outcome, fence.token);
        deps.metrics.notifications.inc({ channel: channel.type, status: outcome.status });
        const fields = {
          event_id: event.event_id,
          rule_id: event.rule_id,
          channel: channel.type,
          attempts: outcome.attempts,
        };
        if (outcome.status === 'delivered') deps.logger.info(fields, 'alert_notification_delivered');
        else deps.logger.warn({ ...fields, reason: outcome.reason }, 'alert_notification_failed');
      }),
    );
  };
  for (let i = 0; i < todo.length; i += DELIVERY_CONCURRENCY)
    await Promise.all(todo.slice(i, i + DELIVERY_CONCURRENCY).map(deliverEvent));
}

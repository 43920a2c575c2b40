import { createHmac } from 'node:crypto';
import type { AlertEvent } from '@mesh-trace/storage';

/** What every channel is told: the recorded transition and where to look. */
export interface Notification {
  event: AlertEvent;
  /** Base URL of the query API (or the UI in front of it) for links. */
  publicUrl: string;
}

const OPS = { gt: '>', gte: '≥', lt: '<', lte: '≤' } as const;

export function links(n: Notification) {
  const base = n.publicUrl.replace(/\/+$/, '');
  const { event: e } = n;
  const q = new URLSearchParams({ rule_id: e.rule_id });
  const traces = new URLSearchParams({ status: 'error' });
  if (e.condition.service) traces.set('service', e.condition.service);
  return {
    rule: `${base}/v1/alerts/rules/${encodeURIComponent(e.rule_id)}`,
    events: `${base}/v1/alerts/events?${q}`,
    traces: `${base}/v1/traces?${traces}`,
  };
}

/** A value as a person reads it: a percentage, milliseconds, or spans per second. */
export function formatValue(metric: AlertEvent['condition']['metric'], v: number | null): string {
  if (v === null) return 'no data';
  if (metric === 'error_rate') return `${(v * 100).toFixed(2)}%`;
  if (metric === 'throughput') return `${v.toFixed(2)} spans/s`;
  return `${v.toFixed(1)} ms`;
}

/** One line: "[FIRING] checkout errors: error_rate of checkout is 12.50% (> 5.00% over 5m)". */
export function summary(e: AlertEvent): string {
  const c = e.condition;
  const subject = c.service ? `${c.metric} of ${c.service}` : c.metric;
  const cond = `${OPS[c.operator]} ${formatValue(c.metric, e.threshold)} over ${c.window}`;
  return `[${e.state.toUpperCase()}] ${e.rule_name}: ${subject} is ${formatValue(c.metric, e.value)} (${
    e.state === 'firing' ? cond : `${cond} cleared`
  })`;
}

/** The generic webhook body (docs/alerts.md documents it field by field). */
export function webhookBody(n: Notification) {
  const e = n.event;
  return {
    version: 1,
    event_id: e.event_id,
    state: e.state,
    at: new Date(e.at).toISOString(),
    rule: { id: e.rule_id, name: e.rule_name, severity: e.severity },
    metric: e.condition.metric,
    service: e.condition.service ?? null,
    operator: e.condition.operator,
    value: e.value,
    threshold: e.threshold,
    window: e.condition.window,
    for: e.condition.for,
    org_id: e.org_id,
    env: e.env,
    summary: summary(e),
    links: links(n),
  };
}

/**
 * `X-Mesh-Trace-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with the timestamp
 * in `X-Mesh-Trace-Timestamp` (Unix seconds): a receiver recomputes it over the raw body and can
 * refuse old timestamps (replays).
 */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Slack incoming webhook: `text` is the notification fallback, `blocks` the message. */
export function slackBody(n: Notification) {
  const e = n.event;
  const l = links(n);
  const c = e.condition;
  const icon = e.state === 'firing' ? ':rotating_light:' : ':white_check_mark:';
  return {
    text: `${icon} ${summary(e)}`,
    blocks: [
      {
        type: 'header',
        text: {
          type: 'plain_text',
          text: `${e.state === 'firing' ? 'Firing' : 'Resolved'}: ${e.rule_name}`.slice(0, 150),
        },
      },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Metric*\n${c.metric}${c.service ? ` (${c.service})` : ''}` },
          { type: 'mrkdwn', text: `*Value*\n${formatValue(c.metric, e.value)}` },
          { type: 'mrkdwn', text: `*Threshold*\n${OPS[c.operator]} ${formatValue(c.metric, e.threshold)}` },
          { type: 'mrkdwn', text: `*Window*\n${c.window}` },
          { type: 'mrkdwn', text: `*Severity*\n${e.severity}` },
          { type: 'mrkdwn', text: `*Environment*\n${e.env}` },
        ],
      },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `<${l.rule}|Rule> · <${l.events}|History> · <${l.traces}|Error traces>` },
        ],
      },
    ],
  };
}

/** One incident per rule: trigger and resolve share the key, so PagerDuty pairs them. */
export const dedupKey = (e: AlertEvent) => `mesh-trace/${e.org_id}/${e.env}/${e.rule_id}`;

const PD_SEVERITY = { critical: 'critical', warning: 'warning', info: 'info' } as const;

/** PagerDuty Events API v2: `trigger` with a payload, `resolve` with just the dedup key. */
export function pagerDutyBody(n: Notification, routingKey: string) {
  const e = n.event;
  if (e.state === 'resolved')
    return { routing_key: routingKey, event_action: 'resolve' as const, dedup_key: dedupKey(e) };
  const l = links(n);
  return {
    routing_key: routingKey,
    event_action: 'trigger' as const,
    dedup_key: dedupKey(e),
    payload: {
      summary: summary(e).slice(0, 1024),
      source: e.condition.service ?? 'mesh-trace',
      severity: PD_SEVERITY[e.severity as keyof typeof PD_SEVERITY] ?? 'warning',
      timestamp: new Date(e.at).toISOString(),
      component: e.condition.service,
      class: e.condition.metric,
      custom_details: {
        rule_id: e.rule_id,
        value: e.value,
        threshold: e.threshold,
        operator: e.condition.operator,
        window: e.condition.window,
        env: e.env,
      },
    },
    client: 'Mesh-Trace',
    client_url: l.events,
    links: [
      { href: l.rule, text: 'Alert rule' },
      { href: l.traces, text: 'Error traces' },
    ],
  };
}

export function emailMessage(n: Notification) {
  const e = n.event;
  const l = links(n);
  const c = e.condition;
  return {
    subject: summary(e),
    text: [
      summary(e),
      '',
      `Rule:      ${e.rule_name} (${e.rule_id})`,
      `State:     ${e.state}`,
      `Metric:    ${c.metric}${c.service ? ` of ${c.service}` : ''}`,
      `Value:     ${formatValue(c.metric, e.value)}`,
      `Threshold: ${OPS[c.operator]} ${formatValue(c.metric, e.threshold)} over ${c.window}`,
      `Severity:  ${e.severity}`,
      `At:        ${new Date(e.at).toISOString()}`,
      '',
      `Rule:    ${l.rule}`,
      `History: ${l.events}`,
      `Traces:  ${l.traces}`,
    ].join('\n'),
  };
}

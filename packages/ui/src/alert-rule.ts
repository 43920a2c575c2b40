/** The alert rule form (API.md §6 rule shape) and its validation. Pure: alert-rule.test.ts. */
import type { AlertChannel, AlertRule } from '@mesh-trace/sdk';

export const METRICS = ['error_rate', 'latency_p50', 'latency_p95', 'latency_p99', 'throughput'] as const;
export const OPERATORS = ['gt', 'gte', 'lt', 'lte'] as const;
export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export const CHANNEL_TYPES = ['webhook', 'slack', 'email', 'pagerduty'] as const;

/** A notification channel, as the API takes it. */
export type Channel = AlertChannel;

export interface RuleBody {
  name: string;
  condition: {
    metric: (typeof METRICS)[number];
    service?: string;
    operator: (typeof OPERATORS)[number];
    threshold: number;
    window: string;
    for: string;
  };
  channels: Channel[];
  severity: (typeof SEVERITIES)[number];
  enabled: boolean;
}

/** A rule as the API returns it. */
export type Rule = AlertRule;

/** One channel as typed in the form: every field a string. */
export interface ChannelForm {
  type: (typeof CHANNEL_TYPES)[number];
  /** webhook url, slack webhook_url, comma-separated email addresses or PagerDuty routing key. */
  target: string;
  secret: string;
}

export interface RuleForm {
  name: string;
  metric: RuleBody['condition']['metric'];
  service: string;
  operator: RuleBody['condition']['operator'];
  threshold: string;
  window: string;
  for: string;
  severity: RuleBody['severity'];
  enabled: boolean;
  channels: ChannelForm[];
}

export const EMPTY_RULE: RuleForm = {
  name: '',
  metric: 'error_rate',
  service: '',
  operator: 'gt',
  threshold: '',
  window: '5m',
  for: '0m',
  severity: 'warning',
  enabled: true,
  channels: [{ type: 'webhook', target: '', secret: '' }],
};

const DURATION = /^(\d+)(s|m|h)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5m` → 300000; undefined when not `<integer><s|m|h>`. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined;
}

const isHttpUrl = (s: string) => {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
};

/** Field errors keyed like the form (`name`, `threshold`, `channels.0.target`), or the request body. */
export function validateRule(f: RuleForm): { errors: Record<string, string>; body?: RuleBody } {
  const errors: Record<string, string> = {};
  const name = f.name.trim();
  if (!name) errors.name = 'A name is required';
  else if (name.length > 200) errors.name = 'At most 200 characters';
  const threshold = Number(f.threshold);
  if (f.threshold.trim() === '' || !Number.isFinite(threshold)) errors.threshold = 'A number is required';
  else if (f.metric === 'error_rate' && (threshold < 0 || threshold > 1))
    errors.threshold = 'An error rate is a ratio between 0 and 1 (0.05 = 5%)';
  else if (threshold < 0) errors.threshold = 'Must not be negative';
  const windowMs = durationMs(f.window);
  if (windowMs === undefined) errors.window = 'A duration such as 5m, 30s or 1h';
  else if (windowMs < 60_000 || windowMs > 24 * 3_600_000) errors.window = 'Between 1m and 24h';
  if (durationMs(f.for) === undefined) errors.for = 'A duration such as 0m, 2m or 1h';
  if (f.channels.length === 0) errors.channels = 'Add at least one channel';
  const channels: Channel[] = [];
  f.channels.forEach((c, i) => {
    const key = `channels.${i}.target`;
    const target = c.target.trim();
    switch (c.type) {
      case 'webhook':
        if (!isHttpUrl(target)) errors[key] = 'An http(s) URL';
        channels.push(
          c.secret ? { type: 'webhook', url: target, secret: c.secret } : { type: 'webhook', url: target },
        );
        break;
      case 'slack':
        if (!isHttpUrl(target)) errors[key] = 'The Slack incoming-webhook URL';
        channels.push({ type: 'slack', webhook_url: target });
        break;
      case 'email': {
        const to = target
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (to.length === 0 || to.some((a) => !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(a)))
          errors[key] = 'One or more addresses, separated by commas';
        channels.push({ type: 'email', to });
        break;
      }
      case 'pagerduty':
        if (!target) errors[key] = 'The PagerDuty routing key';
        channels.push({ type: 'pagerduty', routing_key: target });
        break;
    }
  });
  if (Object.keys(errors).length > 0) return { errors };
  const condition: RuleBody['condition'] = {
    metric: f.metric,
    operator: f.operator,
    threshold,
    window: f.window.trim(),
    for: f.for.trim(),
  };
  if (f.service.trim()) condition.service = f.service.trim();
  return { errors, body: { name, condition, channels, severity: f.severity, enabled: f.enabled } };
}

/** The form for editing an existing rule. */
export function ruleToForm(r: Rule): RuleForm {
  return {
    name: r.name,
    metric: r.condition.metric,
    service: r.condition.service ?? '',
    operator: r.condition.operator ?? 'gt',
    threshold: String(r.condition.threshold),
    window: r.condition.window ?? '5m',
    for: r.condition.for ?? '0m',
    severity: r.severity ?? 'warning',
    enabled: r.enabled ?? true,
    channels: (r.channels ?? []).map((c): ChannelForm => {
      switch (c.type) {
        case 'webhook':
          return { type: 'webhook', target: c.url, secret: c.secret ?? '' };
        case 'slack':
          return { type: 'slack', target: c.webhook_url, secret: '' };
        case 'email':
          return { type: 'email', target: c.to.join(', '), secret: '' };
        default:
          return { type: 'pagerduty', target: c.routing_key, secret: '' };
      }
    }),
  };
}

/** A one-line description: `error_rate > 0.05 over 5m for 2m (checkout)`. */
export function describeCondition(c: Partial<RuleBody['condition']>): string {
  const op = { gt: '>', gte: '≥', lt: '<', lte: '≤' }[c.operator ?? 'gt'];
  const svc = c.service ? ` on ${c.service}` : '';
  const hold = c.for && c.for !== '0m' && c.for !== '0s' ? ` for ${c.for}` : '';
  return `${c.metric ?? '?'} ${op} ${c.threshold ?? '?'} over ${c.window ?? '?'}${hold}${svc}`;
}

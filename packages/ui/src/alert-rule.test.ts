import { describe, expect, it } from 'vitest';
import {
  describeCondition,
  durationMs,
  EMPTY_RULE,
  type Rule,
  ruleToForm,
  validateRule,
} from './alert-rule.js';

describe('validateRule', () => {
  it('builds the API body from a valid form', () => {
    const r = validateRule({
      ...EMPTY_RULE,
      name: ' checkout errors ',
      service: 'checkout',
      threshold: '0.05',
      for: '2m',
      channels: [
        { type: 'webhook', target: 'https://hooks.example.com/x', secret: 's3cret' },
        { type: 'email', target: 'a@example.com, b@example.com', secret: '' },
      ],
    });
    expect(r.errors).toEqual({});
    expect(r.body).toEqual({
      name: 'checkout errors',
      condition: {
        metric: 'error_rate',
        service: 'checkout',
        operator: 'gt',
        threshold: 0.05,
        window: '5m',
        for: '2m',
      },
      channels: [
        { type: 'webhook', url: 'https://hooks.example.com/x', secret: 's3cret' },
        { type: 'email', to: ['a@example.com', 'b@example.com'] },
      ],
      severity: 'warning',
      enabled: true,
    });
  });

  it('names every bad field at once', () => {
    const r = validateRule({
      ...EMPTY_RULE,
      name: '',
      threshold: '1.5',
      window: '30s',
      for: 'soon',
      channels: [{ type: 'slack', target: 'not a url', secret: '' }],
    });
    expect(r.body).toBeUndefined();
    expect(Object.keys(r.errors).sort()).toEqual(['channels.0.target', 'for', 'name', 'threshold', 'window']);
    expect(r.errors.threshold).toMatch(/between 0 and 1/);
  });

  it('requires a channel', () => {
    expect(
      validateRule({ ...EMPTY_RULE, name: 'x', threshold: '1', channels: [] }).errors.channels,
    ).toBeTruthy();
  });
});

it('durationMs reads the rule durations', () => {
  expect(durationMs('5m')).toBe(300_000);
  expect(durationMs('24h')).toBe(86_400_000);
  expect(durationMs('5 minutes')).toBeUndefined();
});

it('ruleToForm is the inverse of validateRule for a stored rule', () => {
  const rule: Rule = {
    id: 'r1',
    name: 'slow',
    condition: { metric: 'latency_p99', operator: 'gte', threshold: 800, window: '10m', for: '0m' },
    channels: [{ type: 'pagerduty', routing_key: 'abc' }],
    severity: 'critical',
    enabled: false,
  };
  const { id: _id, ...body } = rule;
  expect(validateRule(ruleToForm(rule)).body).toEqual(body);
  expect(describeCondition(rule.condition)).toBe('latency_p99 ≥ 800 over 10m');
});

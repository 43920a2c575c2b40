import { createHmac } from 'node:crypto';
import type { AlertEvent } from '@mesh-trace/storage';
import { describe, expect, it } from 'vitest';
import {
  dedupKey,
  emailMessage,
  pagerDutyBody,
  signature,
  slackBody,
  summary,
  webhookBody,
} from './payloads.js';

const event = (state: 'firing' | 'resolved', value = 0.125): AlertEvent => ({
  org_id: 'acme',
  env: 'live',
  event_id: 'e1',
  rule_id: 'r1',
  rule_name: 'checkout errors',
  state,
  at: Date.parse('2026-12-01T10:00:00Z'),
  value,
  threshold: 0.05,
  condition: {
    metric: 'error_rate',
    service: 'checkout',
    operator: 'gt',
    threshold: 0.05,
    window: '5m',
    for: '0m',
  },
  severity: 'critical',
  channels: [],
});
const n = (state: 'firing' | 'resolved', value?: number) => ({
  event: event(state, value),
  publicUrl: 'https://mt.example/',
});

describe('payloads', () => {
  it('webhook: rule, state, value, threshold, window and links', () => {
    expect(webhookBody(n('firing'))).toEqual({
      version: 1,
      event_id: 'e1',
      state: 'firing',
      at: '2026-12-01T10:00:00.000Z',
      rule: { id: 'r1', name: 'checkout errors', severity: 'critical' },
      metric: 'error_rate',
      service: 'checkout',
      operator: 'gt',
      value: 0.125,
      threshold: 0.05,
      window: '5m',
      for: '0m',
      org_id: 'acme',
      env: 'live',
      summary: '[FIRING] checkout errors: error_rate of checkout is 12.50% (> 5.00% over 5m)',
      links: {
        rule: 'https://mt.example/v1/alerts/rules/r1',
        events: 'https://mt.example/v1/alerts/events?rule_id=r1',
        traces: 'https://mt.example/v1/traces?status=error&service=checkout',
      },
    });
  });

  it('signature: HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed sha256=', () => {
    const expected = createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex');
    expect(signature('s3cret', 1_700_000_000, '{"a":1}')).toBe(`sha256=${expected}`);
  });

  it('slack: readable fallback text and blocks', () => {
    const body = slackBody(n('resolved', 0.01));
    expect(body.text).toBe(
      ':white_check_mark: [RESOLVED] checkout errors: error_rate of checkout is 1.00% (> 5.00% over 5m cleared)',
    );
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'Resolved: checkout errors' },
    });
    expect(JSON.stringify(body.blocks)).toContain('<https://mt.example/v1/alerts/rules/r1|Rule>');
  });

  it('pagerduty: trigger with payload and resolve with the same dedup key', () => {
    const trigger = pagerDutyBody(n('firing'), 'R0UT1NG');
    expect(trigger).toMatchObject({
      routing_key: 'R0UT1NG',
      event_action: 'trigger',
      dedup_key: 'mesh-trace/acme/live/r1',
      payload: { severity: 'critical', source: 'checkout', summary: expect.stringContaining('[FIRING]') },
    });
    expect(pagerDutyBody(n('resolved'), 'R0UT1NG')).toEqual({
      routing_key: 'R0UT1NG',
      event_action: 'resolve',
      dedup_key: dedupKey(event('firing')),
    });
  });

  it('email: the summary as subject and the details in the body', () => {
    const m = emailMessage(n('firing'));
    expect(m.subject).toBe(summary(event('firing')));
    expect(m.text).toContain('Threshold: > 5.00% over 5m');
    expect(m.text).toContain('https://mt.example/v1/alerts/rules/r1');
  });
});

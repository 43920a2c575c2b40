import { describe, expect, it } from 'vitest';
import { backoffMs, classifyError, classifyStatus, deliver } from './deliver.js';
import { DestinationBlockedError } from './outbound.js';

describe('delivery', () => {
  it('classifies answers: 2xx delivered, 408/429/5xx retried, other 4xx and redirects final', () => {
    expect(classifyStatus(202, '')).toEqual({ ok: true, status: 202 });
    expect(classifyStatus(503, 'busy')).toMatchObject({ ok: false, retry: true, reason: 'HTTP 503: busy' });
    expect(classifyStatus(429, '')).toMatchObject({ retry: true });
    expect(classifyStatus(404, 'no')).toMatchObject({ retry: false });
    expect(classifyStatus(302, '')).toMatchObject({
      retry: false,
      reason: 'HTTP 302: redirect not followed',
    });
    expect(classifyError(new DestinationBlockedError('nope'))).toMatchObject({
      retry: false,
      reason: 'nope',
    });
    expect(classifyError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toMatchObject({
      retry: true,
    });
    expect(classifyError(Object.assign(new Error('no such user'), { responseCode: 550 }))).toMatchObject({
      retry: false,
    });
  });

  it('backs off exponentially with jitter', () => {
    for (let i = 0; i < 50; i++) {
      expect(backoffMs(100, 1)).toBeGreaterThanOrEqual(50);
      expect(backoffMs(100, 1)).toBeLessThanOrEqual(100);
      expect(backoffMs(100, 3)).toBeGreaterThanOrEqual(200);
      expect(backoffMs(100, 3)).toBeLessThanOrEqual(400);
    }
  });

  it('a refused destination fails at once, with its reason and one attempt', async () => {
    const d = await deliver(
      0,
      { type: 'webhook', url: 'http://169.254.169.254/latest' },
      {
        event: {
          org_id: 'o',
          env: 'live',
          event_id: 'e',
          rule_id: 'r',
          rule_name: 'n',
          state: 'firing',
          at: 0,
          value: 1,
          threshold: 0,
          condition: { metric: 'error_rate', operator: 'gt', threshold: 0, window: '1m', for: '0m' },
          severity: 'warning',
          channels: [],
        },
        publicUrl: 'http://x',
      },
      {
        policy: { allow: [], timeoutMs: 100, maxResponseBytes: 100 },
        pagerDutyUrl: 'http://x',
        mailFrom: 'a@b.c',
        maxAttempts: 4,
        retryBaseMs: 1,
      },
      async () => true,
    );
    expect(d).toMatchObject({ status: 'failed', attempts: 1, http_status: 0, channel_type: 'webhook' });
    expect(d?.reason).toContain('169.254.169.254 is a linkLocal address');
  });
});

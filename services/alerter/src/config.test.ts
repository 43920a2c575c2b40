import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('alerter config', () => {
  it('defaults: 30 s interval, nothing private allowed, PagerDuty events API', () => {
    const cfg = loadConfig({});
    expect(cfg.MESH_TRACE_ALERTS_INTERVAL_MS).toBe(30_000);
    expect(cfg.MESH_TRACE_ALERTS_ALLOW_HOSTS).toEqual([]);
    expect(cfg.MESH_TRACE_ALERTS_PAGERDUTY_URL).toBe('https://events.pagerduty.com/v2/enqueue');
    expect(cfg.MESH_TRACE_SMTP_SECURE).toBe(false);
  });
  it('reads the allow-list and refuses a malformed CIDR, naming the variable', () => {
    expect(
      loadConfig({ MESH_TRACE_ALERTS_ALLOW_HOSTS: 'hooks.internal, 10.0.0.0/8' })
        .MESH_TRACE_ALERTS_ALLOW_HOSTS,
    ).toEqual(['hooks.internal', '10.0.0.0/8']);
    expect(() => loadConfig({ MESH_TRACE_ALERTS_ALLOW_HOSTS: '10.0.0.0/33' })).toThrow(
      expect.objectContaining({ variable: 'MESH_TRACE_ALERTS_ALLOW_HOSTS' }),
    );
    expect(() => loadConfig({ MESH_TRACE_SMTP_SECURE: 'maybe' })).toThrow(
      expect.objectContaining({ variable: 'MESH_TRACE_SMTP_SECURE' }),
    );
  });
});

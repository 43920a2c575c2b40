import { randomBytes, randomUUID } from 'node:crypto';
import { getAlertRule, recordAlertDelivery, recordAlertEvent } from '@mesh-trace/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from './pipeline.js';

interface ErrorBody {
  error: string;
  code: string;
  request_id: string;
  details?: { path: string; message: string }[];
}
interface Rule {
  id: string;
  name: string;
  version: number;
  created_at: string;
  updated_at: string;
  severity: string;
  enabled: boolean;
  condition: Record<string, unknown>;
  channels: Record<string, unknown>[];
}

const rule = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  condition: { metric: 'error_rate', service: 'checkout', threshold: 0.05, window: '5m' },
  channels: [{ type: 'webhook', url: 'https://hooks.example.com/mt', secret: 's3cret' }],
  ...extra,
});

// The alert rules API (API.md §6) on a real query process over the dev stack's ClickHouse and Redis.
describe('alert rules API', () => {
  const run = randomBytes(4).toString('hex');
  const org = `org_alerts_api_${run}`;
  let pipe: Pipeline;
  let writer: string;
  let reader: string;
  let otherOrg: string;
  let sandbox: string;

  beforeAll(async () => {
    pipe = await startPipeline(['query']);
    [writer, reader, otherOrg, sandbox] = await Promise.all([
      pipe.key(['read', 'alerts:write'], { org }),
      pipe.key(['read'], { org }),
      pipe.key(['read', 'alerts:write']),
      pipe.key(['read', 'alerts:write'], { org, env: 'sandbox' }),
    ]);
  });

  afterAll(async () => {
    await pipe?.stop();
  });

  const api = async (method: string, path: string, key: string | undefined, body?: unknown, headers = {}) => {
    const res = await fetch(`${pipe.queryUrl}${path}`, {
      method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, etag: res.headers.get('etag'), body: (await res.json()) as unknown };
  };

  it('creates a rule (201) that echoes the request with id, times and version, and reads it back', async () => {
    const created = await api('POST', '/v1/alerts/rules', writer, rule('checkout errors'));
    expect(created.status).toBe(201);
    const r = created.body as Rule;
    expect(r).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'checkout errors',
      condition: {
        metric: 'error_rate',
        service: 'checkout',
        operator: 'gt',
        threshold: 0.05,
        window: '5m',
        for: '0m',
      },
      // The HMAC secret is never returned.
      channels: [{ type: 'webhook', url: 'https://hooks.example.com/mt', secret: '********' }],
      severity: 'warning',
      enabled: true,
      created_at: expect.any(String),
      updated_at: r.created_at,
      version: 1,
    });
    expect(created.etag).toBe('"1"');
    expect(await api('GET', `/v1/alerts/rules/${r.id}`, reader)).toMatchObject({ status: 200, body: r });
    const list = await api('GET', '/v1/alerts/rules', reader);
    expect(list).toMatchObject({ status: 200, body: { data: [r], next_cursor: null } });
  });

  it('masks Slack URLs and PagerDuty keys for readers; sending the masks back keeps the stored values', async () => {
    const slack = 'https://hooks.slack.com/services/T000/B000/abcdefSECRET';
    const created = await api(
      'POST',
      '/v1/alerts/rules',
      writer,
      rule('masked channels', {
        channels: [
          { type: 'slack', webhook_url: slack },
          { type: 'pagerduty', routing_key: 'R0UTINGKEY1234' },
        ],
      }),
    );
    expect(created.status).toBe(201);
    const r = created.body as Rule;
    expect(r.channels).toEqual([
      { type: 'slack', webhook_url: 'https://hooks.slack.com/********' },
      { type: 'pagerduty', routing_key: '********1234' },
    ]);
    expect(JSON.stringify((await api('GET', `/v1/alerts/rules/${r.id}`, reader)).body)).not.toMatch(
      /SECRET|R0UTING/,
    );
    // A client edits another field and sends the channels back as it read them.
    const patched = await api('PATCH', `/v1/alerts/rules/${r.id}`, writer, {
      severity: 'critical',
      channels: r.channels,
    });
    expect(patched.status).toBe(200);
    const stored = await getAlertRule(pipe.ch, { org_id: org, env: 'live' }, r.id);
    expect(stored?.spec.channels).toEqual([
      { type: 'slack', webhook_url: slack },
      { type: 'pagerduty', routing_key: 'R0UTINGKEY1234' },
    ]);
    // A mask no stored channel has is refused with its path.
    const bad = await api('PATCH', `/v1/alerts/rules/${r.id}`, writer, {
      channels: [{ type: 'pagerduty', routing_key: '********9999' }],
    });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).details?.[0]?.path).toBe('channels[0].routing_key');
    await api('DELETE', `/v1/alerts/rules/${r.id}`, writer);
  });

  it('400 with field details for every invalid part', async () => {
    const cases: [unknown, string][] = [
      [rule('a', { condition: { metric: 'cpu', threshold: 1, window: '5m' } }), 'condition.metric'],
      [
        rule('b', { condition: { metric: 'error_rate', threshold: 'high', window: '5m' } }),
        'condition.threshold',
      ],
      [rule('c', { condition: { metric: 'error_rate', threshold: 1, window: '30s' } }), 'condition.window'],
      [rule('d', { condition: { metric: 'error_rate', threshold: 1, window: '25h' } }), 'condition.window'],
      [rule('e', { channels: [] }), 'channels'],
      [rule('f', { channels: [{ type: 'webhook' }] }), 'channels[0].url'],
      [rule('g', { channels: [{ type: 'slack' }] }), 'channels[0].webhook_url'],
      [rule('h', { channels: [{ type: 'pagerduty' }] }), 'channels[0].routing_key'],
      [rule('i', { channels: [{ type: 'email', to: [] }] }), 'channels[0].to'],
      [rule('j', { channels: [{ type: 'webhook', url: 'file:///etc/passwd' }] }), 'channels[0].url'],
      [rule('k', { channels: [{ type: 'sms', to: '1' }] }), 'channels[0].type'],
      [{ condition: rule('x').condition, channels: rule('x').channels }, 'name'],
    ];
    for (const [body, path] of cases) {
      const res = await api('POST', '/v1/alerts/rules', writer, body);
      expect(res.status, path).toBe(400);
      const err = res.body as ErrorBody;
      expect(err).toMatchObject({ code: 'invalid_request', request_id: expect.any(String) });
      expect(
        err.details?.map((d) => d.path),
        JSON.stringify(err),
      ).toContain(path);
    }
    const notJson = await fetch(`${pipe.queryUrl}/v1/alerts/rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(notJson.status).toBe(400);
  });

  it('409 for a duplicate name in the org; another org or environment may use it', async () => {
    expect((await api('POST', '/v1/alerts/rules', writer, rule('dup'))).status).toBe(201);
    const again = await api('POST', '/v1/alerts/rules', writer, rule('DUP'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'conflict', details: [{ path: 'name' }] });
    expect((await api('POST', '/v1/alerts/rules', otherOrg, rule('dup'))).status).toBe(201);
    expect((await api('POST', '/v1/alerts/rules', sandbox, rule('dup'))).status).toBe(201);
  });

  it('scopes: read lists and gets, alerts:write changes; no key is 401', async () => {
    expect((await api('POST', '/v1/alerts/rules', reader, rule('nope'))).status).toBe(403);
    expect((await api('POST', '/v1/alerts/rules', undefined, rule('nope'))).status).toBe(401);
    expect((await api('GET', '/v1/alerts/rules', undefined)).status).toBe(401);
    const r = (await api('POST', '/v1/alerts/rules', writer, rule('scoped'))).body as Rule;
    expect((await api('PATCH', `/v1/alerts/rules/${r.id}`, reader, { enabled: false })).status).toBe(403);
    expect((await api('DELETE', `/v1/alerts/rules/${r.id}`, reader)).status).toBe(403);
  });

  it("another org's or environment's rule is a 404", async () => {
    const r = (await api('POST', '/v1/alerts/rules', writer, rule('private'))).body as Rule;
    for (const key of [otherOrg, sandbox]) {
      expect((await api('GET', `/v1/alerts/rules/${r.id}`, key)).status).toBe(404);
      expect((await api('PATCH', `/v1/alerts/rules/${r.id}`, key, { enabled: false })).status).toBe(404);
      expect((await api('DELETE', `/v1/alerts/rules/${r.id}`, key)).status).toBe(404);
      const list = (await api('GET', '/v1/alerts/rules', key)).body as { data: Rule[] };
      expect(list.data.map((x) => x.id)).not.toContain(r.id);
    }
    expect((await api('GET', '/v1/alerts/rules/not-a-rule', reader)).status).toBe(404);
    expect((await api('GET', `/v1/alerts/rules/${'x'.repeat(300)}`, reader)).status).toBe(404);
  });

  it('PATCH merges the condition, bumps the version, and refuses a stale If-Match (409)', async () => {
    const r = (await api('POST', '/v1/alerts/rules', writer, rule('patched'))).body as Rule;
    const p = await api(
      'PATCH',
      `/v1/alerts/rules/${r.id}`,
      writer,
      { condition: { threshold: 0.2 } },
      { 'if-match': '"1"' },
    );
    expect(p.status).toBe(200);
    expect(p.body).toMatchObject({
      version: 2,
      condition: { metric: 'error_rate', service: 'checkout', threshold: 0.2, window: '5m' },
    });
    expect(p.etag).toBe('"2"');
    const stale = await api(
      'PATCH',
      `/v1/alerts/rules/${r.id}`,
      writer,
      { severity: 'critical' },
      { 'if-match': '"1"' },
    );
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'conflict', details: [{ path: 'version' }] });
    const bad = await api('PATCH', `/v1/alerts/rules/${r.id}`, writer, { condition: { window: '0m' } });
    expect(bad.status).toBe(400);
    expect((bad.body as ErrorBody).details?.[0]?.path).toBe('condition.window');
    // The echoed object (with its version) is accepted as a PATCH body.
    const whole = (await api('GET', `/v1/alerts/rules/${r.id}`, reader)).body as Rule;
    const echoed = await api('PATCH', `/v1/alerts/rules/${r.id}`, writer, { ...whole, enabled: false });
    expect(echoed).toMatchObject({ status: 200, body: { enabled: false, version: 3 } });
    // The masked secret sent back keeps the stored one.
    const stored = await getAlertRule(pipe.ch, { org_id: org, env: 'live' }, r.id);
    expect(stored?.spec.channels[0]).toEqual({
      type: 'webhook',
      url: 'https://hooks.example.com/mt',
      secret: 's3cret',
    });
  });

  it('concurrent PATCHes of different fields all land: none overwrites another', async () => {
    const r = (await api('POST', '/v1/alerts/rules', writer, rule('concurrent'))).body as Rule;
    const patches = [
      { severity: 'critical' },
      { condition: { threshold: 0.3 } },
      { condition: { window: '10m' } },
      { enabled: false },
      { channels: [{ type: 'slack', webhook_url: 'https://hooks.slack.com/services/T/B/X' }] },
      { condition: { for: '2m' } },
    ];
    const results = await Promise.all(
      patches.map((b) => api('PATCH', `/v1/alerts/rules/${r.id}`, writer, b)),
    );
    expect(results.map((x) => x.status)).toEqual(patches.map(() => 200));
    expect(new Set(results.map((x) => (x.body as Rule).version))).toEqual(new Set([2, 3, 4, 5, 6, 7]));
    const final = (await api('GET', `/v1/alerts/rules/${r.id}`, reader)).body as Rule;
    expect(final).toMatchObject({
      version: 7,
      severity: 'critical',
      enabled: false,
      condition: { threshold: 0.3, window: '10m', for: '2m' },
      channels: [{ type: 'slack' }],
    });
  });

  it('DELETE removes the rule: 404 afterwards, gone from the list, the name free again', async () => {
    const r = (await api('POST', '/v1/alerts/rules', writer, rule('short-lived'))).body as Rule;
    expect(await api('DELETE', `/v1/alerts/rules/${r.id}`, writer)).toMatchObject({
      status: 200,
      body: { id: r.id, deleted: true },
    });
    expect((await api('GET', `/v1/alerts/rules/${r.id}`, reader)).status).toBe(404);
    expect((await api('DELETE', `/v1/alerts/rules/${r.id}`, writer)).status).toBe(404);
    const list = (await api('GET', '/v1/alerts/rules', reader)).body as { data: Rule[] };
    expect(list.data.map((x) => x.id)).not.toContain(r.id);
    expect((await api('POST', '/v1/alerts/rules', writer, rule('short-lived'))).status).toBe(201);
  });

  it('GET /v1/alerts/events pages through transitions newest first, with deliveries', async () => {
    const eventsOrg = `org_alert_events_${run}`;
    const key = await pipe.key(['read'], { org: eventsOrg });
    const scope = { org_id: eventsOrg, env: 'live' };
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      const event_id = randomUUID();
      await recordAlertEvent(
        pipe.ch,
        {
          ...scope,
          event_id,
          rule_id: 'r1',
          rule_name: 'r',
          state: i % 2 ? 'resolved' : 'firing',
          at: t0 + i * 1000,
          value: i,
          threshold: 1,
          condition: { metric: 'error_rate', operator: 'gt', threshold: 1, window: '1m', for: '0m' },
          severity: 'warning',
          channels: [{ type: 'webhook', url: 'https://x.example/' }],
        },
        1,
      );
      await recordAlertDelivery(
        pipe.ch,
        { ...scope, event_id },
        {
          channel_index: 0,
          channel_type: 'webhook',
          status: 'delivered',
          attempts: 1,
          http_status: 200,
          reason: '',
          at: t0,
        },
        1,
      );
    }
    const seen: { value: number; state: string; deliveries: unknown[] }[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/alerts/events?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await api('GET', q, key)).body as { data: typeof seen; next_cursor: string | null };
      seen.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen.map((e) => e.value)).toEqual([4, 3, 2, 1, 0]);
    expect(seen[0]).toMatchObject({
      state: 'firing',
      deliveries: [{ channel: 'webhook', status: 'delivered', attempts: 1, http_status: 200, reason: null }],
    });
    const firing = (await api('GET', '/v1/alerts/events?state=firing', key)).body as { data: typeof seen };
    expect(firing.data.map((e) => e.value)).toEqual([4, 2, 0]);
    expect((await api('GET', '/v1/alerts/events?state=sideways', key)).status).toBe(400);
    expect((await api('GET', '/v1/alerts/events?cursor=forged.AAAA', key)).status).toBe(400);
    expect((await api('GET', '/v1/alerts/events?limit=0', key)).status).toBe(400);
    // Another org sees none of them.
    expect(((await api('GET', '/v1/alerts/events', reader)).body as { data: unknown[] }).data).toEqual([]);
  });
});

import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AllInOneProcess, spawnAllInOne } from './all-in-one-process.js';
import { randomSpanId, randomTraceId, sampleBatch } from './fixtures.js';
import { REPO_ROOT } from './stack-env.js';
import { waitFor } from './wait-for.js';

// The web UI in a real browser (Debian's chromium through playwright-core) against the all-in-one,
// which serves it on its query port. Screenshots of each page go to .test-results/screenshots/, or to
// docs/screenshots/ (the README's) with MESH_TRACE_SCREENSHOTS=docs, so a test run leaves docs alone.
const CHROMIUM = process.env.MESH_TRACE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS =
  process.env.MESH_TRACE_SCREENSHOTS === 'docs'
    ? join(REPO_ROOT, 'docs', 'screenshots')
    : join(REPO_ROOT, '.test-results', 'screenshots');
const iso = (ms: number) => new Date(ms).toISOString();

/** A checkout request through four services: 25 spans, one payment error, span events. */
function shopBatch(now: number) {
  const traceId = randomTraceId();
  const root = randomSpanId();
  const api = randomSpanId();
  const t0 = now - 130;
  const span = (
    id: string,
    parent: string | null,
    service: string,
    name: string,
    from: number,
    to: number,
    extra: Record<string, unknown> = {},
  ) => ({
    trace_id: traceId,
    span_id: id,
    parent_span_id: parent,
    service,
    name,
    kind: parent ? 'client' : 'server',
    start_time: iso(t0 + from),
    end_time: iso(t0 + to),
    status: 'ok',
    resource: { 'k8s.cluster.name': 'eu-1' },
    ...extra,
  });
  const spans = [
    span(root, null, 'web', 'GET /checkout', 0, 120, {
      attributes: { 'http.method': 'GET', 'http.route': '/checkout' },
    }),
    span(api, root, 'orders-api', 'POST /orders', 8, 112, { attributes: { 'http.status_code': 201 } }),
    span(randomSpanId(), api, 'postgres', 'SELECT orders', 12, 30, {
      attributes: { 'db.system': 'postgresql' },
    }),
    span(randomSpanId(), api, 'postgres', 'INSERT order', 32, 52, {
      attributes: { 'db.system': 'postgresql' },
    }),
    span(randomSpanId(), api, 'payments', 'charge card', 55, 108, {
      status: 'error',
      status_message: 'card declined',
      attributes: { 'payment.provider': 'acme', 'payment.amount': 42.5 },
      events: [{ name: 'exception', time: iso(t0 + 100), attributes: { 'exception.type': 'CardDeclined' } }],
    }),
  ];
  for (let i = 0; i < 20; i++)
    spans.push(
      span(randomSpanId(), api, 'redis', `cache.get item:${i}`, 9 + (i % 4), 10 + (i % 4) + (i % 3)),
    );
  return { traceId, spanIds: spans.map((s) => s.span_id), body: { spans } };
}

describe('web UI in a browser', () => {
  let aio: AllInOneProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let queryUrl: string;
  let ingestUrl: string;
  let key: string;
  const shop = shopBatch(Date.now());
  const agent = sampleBatch();

  const call = async (url: string, init: { method?: string; body?: unknown; key?: string } = {}) =>
    fetch(url, {
      method: init.method ?? 'GET',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${init.key ?? key}` },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const ingest = async (body: unknown) => {
    const res = await call(`${ingestUrl}/v1/traces/batch`, { method: 'POST', body });
    expect(res.status, await res.clone().text()).toBe(202);
  };
  const traceStored = (traceId: string, spans: number) =>
    waitFor(
      `trace ${traceId} with ${spans} spans`,
      async () => {
        const r = await call(`${queryUrl}/v1/traces/${traceId}?limit=1`);
        const t = r.ok ? ((await r.json()) as { span_count: number }) : undefined;
        return t && t.span_count >= spans ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  /** Waits until the waterfall has exactly `n` rows in the document. */
  const rows = (n: number) =>
    waitFor(`${n} waterfall rows`, async () =>
      (await page.locator('[role="treeitem"]').count()) === n ? true : undefined,
    );
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'packages/ui/dist/index.html')))
      throw new Error('the web UI is not built: run `make build` (or pnpm --filter @mesh-trace/ui build)');
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/ensure-chromium.sh`);
    await mkdir(SHOTS, { recursive: true });
    aio = await spawnAllInOne();
    ({ queryUrl, ingestUrl } = aio);
    key = await aio.adminKey();
    await ingest(shop.body);
    await ingest(agent.body);
    const done = await call(`${ingestUrl}/v1/traces/${agent.traceId}/complete`, {
      method: 'POST',
      body: { status: 'completed', output: { itinerary: ['LIS', 'OPO'] } },
    });
    expect(done.status).toBe(200);
    await traceStored(shop.traceId, shop.spanIds.length);
    await traceStored(agent.traceId, 2);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(20_000);
    // Confirmations (delete, revoke) are accepted as a user would.
    page.on('dialog', (d) => void d.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await aio?.stop();
  });

  it('signs in with an API key, and refuses a wrong one', async () => {
    await page.goto(`${queryUrl}/`);
    await page.getByLabel('API key').fill('mtk_live_0000000000000000000000000000000000000000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('This key is unknown or revoked.').waitFor();
    await page.getByLabel('API key').fill(key);
    await shot('sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Traces' }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("mesh-trace.api-key")')).toBe(key);
  });

  it('searches, shows a syntax error at its column, and keeps the query in the URL', async () => {
    const box = page.getByLabel('Search expression');
    await box.fill('service.name = = "x"');
    await page.getByRole('button', { name: 'Search' }).click();
    const err = page.locator('#q-error');
    await err.waitFor();
    expect(await err.locator('pre.caret').textContent()).toMatch(/\n {15}\^$/);

    await box.fill('service.name = "payments" AND status = error');
    await page.getByRole('button', { name: 'Search' }).click();
    const link = page.locator(`a[href="/traces/${shop.traceId}"]`);
    await link.waitFor();
    expect(new URL(page.url()).searchParams.get('q')).toBe('service.name = "payments" AND status = error');
    expect(await page.locator('.traces-table tbody tr').count()).toBe(1);
    await shot('traces');
    // The shared URL reproduces the search in a fresh load.
    await page.goto(page.url());
    await link.waitFor();
  });

  it('opens a trace: the waterfall shows every span; a span shows its attributes', async () => {
    await page.locator(`a[href="/traces/${shop.traceId}"]`).click();
    await page.getByRole('tree').waitFor();
    await rows(shop.spanIds.length);
    const shown = await page
      .locator('[role="treeitem"]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-span-id')));
    expect(new Set(shown)).toEqual(new Set(shop.spanIds));
    // The critical path runs root → orders-api → charge card (the payment ended last).
    const critical = await page.locator('.wf-row.is-critical .wf-name').allTextContents();
    expect(critical).toEqual(expect.arrayContaining(['GET /checkout', 'POST /orders', 'charge card']));

    await page.locator('.wf-row', { hasText: 'charge card' }).click();
    const panel = page.getByRole('complementary');
    await panel.getByRole('heading', { name: 'charge card' }).waitFor();
    await panel.getByText('payment.provider').waitFor();
    expect(await panel.locator('table.kv').first().textContent()).toContain('acme');
    await panel.getByText('card declined').waitFor();
    await panel.getByText('CardDeclined').waitFor();
    await page.getByRole('tree').press('Home');
    await shot('trace');

    // Keyboard: collapse the API span's subtree and expand it again.
    await page.locator('.wf-row', { hasText: 'POST /orders' }).click();
    await page.getByRole('tree').press('ArrowLeft');
    await rows(2);
    await page.getByRole('tree').press('ArrowRight');
    await rows(shop.spanIds.length);
  });

  it('shows an agent trace with its completion and agent events', async () => {
    await page.goto(`${queryUrl}/traces/${agent.traceId}`);
    await page.getByRole('heading', { name: 'plan-trip' }).waitFor();
    await page.locator('.completion .badge-completed').waitFor();
    await page.locator('.completion summary').click();
    expect(await page.locator('.completion').textContent()).toContain('LIS');
    expect(await page.locator('.wf-agent-event').count()).toBeGreaterThan(0);
  });

  it('draws the service map with the seeded edges; an edge opens the matching search', async () => {
    await page.getByRole('link', { name: 'Service map' }).click();
    const edge = page.locator('[data-edge="orders-api->payments"]');
    await edge.waitFor();
    await page.locator('[data-edge="travel-agent->llm-gateway"]').waitFor();
    expect(await edge.getAttribute('aria-label')).toMatch(/orders-api calls payments: 1 call · p99 /);
    await shot('service-map');
    await edge.click();
    await page.waitForURL(/\/traces\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('service')).toBe('orders-api');
    expect(url.searchParams.get('q')).toBe('service.name = "payments"');
    await page.locator(`a[href="/traces/${shop.traceId}"]`).waitFor();
  });

  it('lists services with counts and latency', async () => {
    await page.getByRole('link', { name: 'Services', exact: true }).click();
    const row = page.locator('tr', { has: page.getByRole('link', { name: 'redis', exact: true }) });
    await row.waitFor();
    expect(await row.textContent()).toContain('20');
    await shot('services');
  });

  it('watches an agent live: a trace sent now appears', async () => {
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByLabel('Agent id').fill('agent_123');
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.getByText('Watching agent_123').waitFor();
    const fresh = sampleBatch();
    await ingest(fresh.body);
    await page.locator(`a[href="/traces/${fresh.traceId}"]`).waitFor();
    await shot('live');
  });

  it('creates, validates, edits and deletes an alert rule', async () => {
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByRole('button', { name: 'New rule' }).click();
    const form = page.getByRole('form', { name: 'New alert rule' });
    await form.getByLabel('Name').fill('checkout errors (ui test)');
    await form.getByLabel('Threshold').fill('5');
    await form.getByRole('button', { name: 'Create rule' }).click();
    // Client-side validation: an error rate is a ratio; the webhook URL is required.
    await form.getByText('An error rate is a ratio between 0 and 1').waitFor();
    await form.getByText('An http(s) URL').waitFor();
    await form.getByLabel('Threshold').fill('0.05');
    await form.getByLabel('Service (optional)').fill('payments');
    await form.getByLabel('Channel 1 URL').fill('https://hooks.example.com/mesh-trace');
    await form.getByRole('button', { name: 'Create rule' }).click();
    const row = page.locator('tr[data-rule="checkout errors (ui test)"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('error_rate > 0.05 over 5m on payments');
    const listed = (await (await call(`${queryUrl}/v1/alerts/rules`)).json()) as { data: { name: string }[] };
    expect(listed.data.map((r) => r.name)).toContain('checkout errors (ui test)');
    // Edit: the form opens with the stored values; the change is saved with the version read.
    await row.getByRole('button', { name: 'Edit checkout errors (ui test)' }).click();
    const edit = page.getByRole('form', { name: 'Edit rule checkout errors (ui test)' });
    expect(await edit.getByLabel('Threshold').inputValue()).toBe('0.05');
    await edit.getByLabel('Threshold').fill('0.1');
    await edit.getByRole('button', { name: 'Save rule' }).click();
    await edit.waitFor({ state: 'detached' });
    await row.getByText('error_rate > 0.1 over 5m on payments').waitFor();
    await shot('alerts');
    await row.getByRole('button', { name: 'Delete checkout errors (ui test)' }).click();
    await row.waitFor({ state: 'detached' });
    const after = (await (await call(`${queryUrl}/v1/alerts/rules`)).json()) as { data: { name: string }[] };
    expect(after.data.map((r) => r.name)).not.toContain('checkout errors (ui test)');
  });

  it('creates a key (shown once), and revokes it', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Create an API key' });
    await form.getByLabel('Name').fill('ui-e2e-reader');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByLabel('New API key secret').inputValue();
    expect(secret).toMatch(/^mtk_live_[A-Za-z0-9]{40}$/);
    expect((await call(`${queryUrl}/v1/services`, { key: secret })).status).toBe(200);
    // The all-in-one has no separate collector nodes; either the table or its empty state shows.
    await page.locator('table[aria-label="Collector nodes"], .empty:has-text("heartbeat")').first().waitFor();
    await shot('settings');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByLabel('New API key secret').count()).toBe(0);

    await page.getByRole('button', { name: 'Revoke ui-e2e-reader' }).click();
    await page.locator('tr', { hasText: 'ui-e2e-reader' }).locator('.badge-revoked').waitFor();
    await waitFor('revoked key refused', async () =>
      (await call(`${queryUrl}/v1/services`, { key: secret })).status === 401 ? true : undefined,
    );
  });

  it('keeps a 20,000-span trace responsive: windowed fetch, windowed rendering', async () => {
    const traceId = randomTraceId();
    const root = randomSpanId();
    const t0 = Date.now() - 30_000;
    const spans = [
      {
        trace_id: traceId,
        span_id: root,
        name: 'batch job',
        service: 'bulk',
        start_time: iso(t0),
        end_time: iso(t0 + 25_000),
      },
    ];
    for (let k = 1; k < 20_000; k++)
      spans.push({
        trace_id: traceId,
        span_id: randomSpanId(),
        parent_span_id: root,
        name: `task ${k}`,
        service: k % 2 ? 'bulk' : 'worker',
        start_time: iso(t0 + k),
        end_time: iso(t0 + k + 900),
      } as (typeof spans)[number]);
    for (let from = 0; from < spans.length; from += 5_000)
      await ingest({ spans: spans.slice(from, from + 5_000) });
    await traceStored(traceId, 20_000);

    const started = Date.now();
    await page.goto(`${queryUrl}/traces/${traceId}`);
    await page.getByRole('tree', { name: 'Spans (20000)' }).waitFor({ timeout: 60_000 });
    const loadMs = Date.now() - started;
    // Only the rows in view (plus a margin) are in the document.
    expect(await page.locator('[role="treeitem"]').count()).toBeLessThan(100);
    const tree = page.getByRole('tree');
    await tree.focus();
    const keyStart = Date.now();
    await tree.press('End');
    await page.locator('.wf-row', { hasText: 'task 19999' }).waitFor();
    const endMs = Date.now() - keyStart;
    console.info(
      `ui: 20,000-span trace shown ${loadMs} ms after navigation; End key to last row in ${endMs} ms`,
    );
    expect(endMs).toBeLessThan(2_000);
  });
});

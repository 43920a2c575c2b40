import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyAuthenticator } from '@mesh-trace/auth';
import { createLogger } from '@mesh-trace/config';
import { type HttpServerHandle, listen, Registry } from '@mesh-trace/http';
import type { ClickHouseClient } from '@mesh-trace/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryApp } from './app.js';
import { UI_CSP } from './ui-static.js';

// The real query app with a stand-in UI build; no request here reaches ClickHouse.
async function serve(uiDir: string | false): Promise<HttpServerHandle> {
  const ch = { ping: async () => ({ success: true }) } as unknown as ClickHouseClient;
  const app = createQueryApp(
    {
      logger: createLogger({ name: 'query-test', level: 'silent' }),
      registry: new Registry(),
      ch,
      auth: new KeyAuthenticator({ ch }),
      rateLimitPerMinute: 1000,
      cursorSecret: 'x'.repeat(32),
      uiDir,
    },
    { defaultMetrics: false },
  );
  return listen(app, 0, '127.0.0.1');
}

describe('the web UI served by the query service', () => {
  let dir: string;
  let built: HttpServerHandle;
  let unbuilt: HttpServerHandle;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesh-trace-ui-'));
    await mkdir(join(dir, 'dist', 'assets'), { recursive: true });
    await writeFile(join(dir, 'dist', 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(dir, 'dist', 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(dir, 'dist', 'favicon.svg'), '<svg/>');
    built = await serve(join(dir, 'dist'));
    unbuilt = await serve(join(dir, 'nothing-here'));
  });
  afterAll(async () => {
    await built?.close();
    await unbuilt?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves index.html at / with a strict CSP and no-cache', async () => {
    const res = await fetch(`${built.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(UI_CSP);
    expect(UI_CSP).toContain("script-src 'self'");
    expect(UI_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain('id="root"');
  });

  it('caches hashed assets for a year, immutable; other files revalidate', async () => {
    const asset = await fetch(`${built.url}/assets/index-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const icon = await fetch(`${built.url}/favicon.svg`);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('answers client-side routes with index.html (history routing)', async () => {
    for (const path of [
      '/traces',
      '/traces/4bf92f3577b34da6a3ce929d0e0e4736',
      '/map?window=6h',
      '/settings/',
    ]) {
      const res = await fetch(`${built.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('id="root"');
    }
  });

  it('keeps the API namespace for the API: its routes first, unknown /v1 paths a JSON 404', async () => {
    const api = await fetch(`${built.url}/v1/traces`);
    expect(api.status).toBe(401);
    expect(((await api.json()) as { code: string }).code).toBe('unauthorized');
    const unknown = await fetch(`${built.url}/v1/nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { code: string }).code).toBe('not_found');
    expect((await fetch(`${built.url}/healthz`)).headers.get('content-type')).toMatch(/json/);
  });

  it('does not answer a missing asset or a non-GET with the app', async () => {
    const missing = await fetch(`${built.url}/assets/gone-123.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/json/);
    expect((await fetch(`${built.url}/missing.png`)).status).toBe(404);
    expect((await fetch(`${built.url}/traces`, { method: 'POST' })).status).toBe(404);
  });

  it('still starts without a UI build, and says how to build it at /', async () => {
    const res = await fetch(`${unbuilt.url}/`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('make build');
    expect((await fetch(`${unbuilt.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${unbuilt.url}/v1/traces`)).status).toBe(401);
  });

  it('serves nothing at / when the UI is turned off', async () => {
    const off = await serve(false);
    try {
      const res = await fetch(`${off.url}/`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/json/);
    } finally {
      await off.close();
    }
  });
});

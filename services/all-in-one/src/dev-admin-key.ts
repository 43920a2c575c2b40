import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createKey, KeyAuthenticator, SCOPES } from '@mesh-trace/auth';
import type { ClickHouseClient } from '@mesh-trace/storage';

/**
 * The all-in-one is a development tool: on first start it creates an admin key for org `default`
 * and keeps its secret in the data directory (mode 0600), so every later start can print it again.
 */
export async function ensureDevAdminKey(
  ch: ClickHouseClient,
  dataDir: string,
): Promise<{ key: string; created: boolean }> {
  const file = join(dataDir, 'dev-admin-key');
  const saved = await readFile(file, 'utf8').then(
    (s) => s.trim(),
    () => '',
  );
  if (saved && (await new KeyAuthenticator({ ch, cacheTtlMs: 0 }).authenticate(saved))) {
    return { key: saved, created: false };
  }
  const { key } = await createKey(ch, {
    org_id: 'default',
    env: 'live',
    scopes: [...SCOPES],
    name: 'dev admin',
  });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}

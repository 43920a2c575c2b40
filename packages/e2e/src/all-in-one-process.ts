import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type ServiceProcess, spawnService } from './processes.js';

export interface AllInOneProcess {
  proc: ServiceProcess;
  queryUrl: string;
  ingestUrl: string;
  dataDir: string;
  /** The dev admin key the all-in-one created on first start (all scopes, org `default`). */
  adminKey(): Promise<string>;
  /** Stops the process and removes its data directory. */
  stop(): Promise<number | null>;
}

/** The all-in-one as its own process on free loopback ports, with a fresh data directory. */
export async function spawnAllInOne(
  env: Record<string, string> = {},
  name = 'all-in-one',
): Promise<AllInOneProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mesh-trace-aio-'));
  const [q, i] = await Promise.all([freePort(), freePort()]);
  const queryUrl = `http://127.0.0.1:${q}`;
  const proc = await spawnService(
    name,
    'services/all-in-one/dist/main.js',
    {
      MESH_TRACE_HOST: '127.0.0.1',
      MESH_TRACE_QUERY_PORT: String(q),
      MESH_TRACE_INGEST_PORT: String(i),
      MESH_TRACE_DATA_DIR: dataDir,
      ...env,
    },
    `${queryUrl}/readyz`,
  ).catch(async (err: unknown) => {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  });
  return {
    proc,
    queryUrl,
    ingestUrl: `http://127.0.0.1:${i}`,
    dataDir,
    adminKey: async () => (await readFile(join(dataDir, 'dev-admin-key'), 'utf8')).trim(),
    stop: async () => {
      const code = await proc.stop();
      await rm(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}

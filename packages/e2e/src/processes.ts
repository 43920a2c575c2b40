import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { REPO_ROOT } from './stack-env.js';
import { waitFor } from './wait-for.js';

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Starts `dist/main.js` of a service as its own process and waits for its /readyz when given. */
export async function spawnService(
  name: string,
  script: string,
  env: Record<string, string>,
  readyUrl?: string,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [`${REPO_ROOT}${script}`], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: ServiceProcess = {
    name,
    child,
    output: () => out,
    stop: async (timeoutMs = 20_000) => {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  if (readyUrl) {
    try {
      await waitFor(
        `${name} ready`,
        async () => {
          if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${out}`);
          const res = await fetch(readyUrl).catch(() => undefined);
          return res?.ok ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200 },
      );
    } catch (err) {
      await proc.stop(2_000);
      throw new Error(`${(err as Error).message}\n--- ${name} output ---\n${out}`);
    }
  }
  return proc;
}

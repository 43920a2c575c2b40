import { readFileSync } from 'node:fs';
import { spawnService, waitFor } from '../../packages/e2e/dist/index.js';

/** Every child this process started; all are stopped on success, failure, signal or crash. */
const children = new Set();

/**
 * Starts `script` (relative to the repo root) as its own Node process and waits until `readyUrl`
 * answers 200. `onLine` sees every stdout line from the first one (the writer's batch log).
 */
export async function startChild(name, script, env, readyUrl, onLine) {
  const proc = await spawnService(name, script, env);
  children.add(proc);
  proc.child.once('exit', () => children.delete(proc));
  if (onLine) {
    let rest = '';
    proc.child.stdout?.on('data', (b) => {
      const lines = (rest + b.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    });
  }
  try {
    await waitFor(
      `${name} ready`,
      async () => {
        if (proc.child.exitCode !== null) throw new Error(`${name} exited with ${proc.child.exitCode}`);
        const res = await fetch(readyUrl).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  } catch (err) {
    await stopChild(proc, 2_000);
    throw new Error(`${err.message}\n--- ${name} output ---\n${proc.output()}`);
  }
  return proc;
}

/** SIGTERM (the service drains), then SIGKILL after `timeoutMs`. */
export async function stopChild(proc, timeoutMs = 15_000) {
  if (!proc) return;
  try {
    await proc.stop(timeoutMs);
  } finally {
    children.delete(proc);
  }
}

export async function stopAll(timeoutMs = 10_000) {
  await Promise.allSettled([...children].map((p) => stopChild(p, timeoutMs)));
}

function killAllNow() {
  for (const p of children) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  }
  children.clear();
}

let installed = false;
/** Last-resort cleanup: however this process ends, no child outlives it. */
export function installExitHandlers() {
  if (installed) return;
  installed = true;
  process.on('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      process.stderr.write(`\nbench: ${sig}, stopping children\n`);
      killAllNow();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`bench: uncaught ${err?.stack ?? err}\n`);
    killAllNow();
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    process.stderr.write(`bench: unhandled rejection ${err?.stack ?? err}\n`);
    killAllNow();
    process.exit(1);
  });
}

/** Peak resident set (VmHWM) of a process in MB; null when /proc is unavailable. */
export function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far; null when /proc is unavailable. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of /proc/<pid>/stat (utime, stime), in clock ticks of 1/100 s.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The embedded ClickHouse's pid from the dev stack's pid file, when readable. */
export function clickhousePid(repoRoot) {
  try {
    const pid = Number(readFileSync(`${repoRoot}.stack/clickhouse.pid`, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && cpuSeconds(pid) !== null ? pid : null;
  } catch {
    return null;
  }
}

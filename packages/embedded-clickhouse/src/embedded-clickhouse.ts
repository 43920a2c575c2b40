import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { drainPending, Session } from 'chdb';
import { type EngineSession, QueryExecutor } from './executor.js';
import { createRequestHandler } from './http-server.js';
import { type Logger, silentLogger } from './logger.js';
import { SessionPool } from './session-pool.js';

export interface EmbeddedClickHouseOptions {
  /** Where the engine keeps its databases; created if missing, reused (with its data) if present. */
  dataDir: string;
  /** Defaults to 127.0.0.1. The server does not authenticate: keep it on loopback. */
  host?: string;
  /** Defaults to 0: an ephemeral port, reported in `url` and `port`. */
  port?: number;
  /** Engine sessions, hence queries running at once (default 4). More requests wait in arrival order. */
  poolSize?: number;
  /** Largest request body, compressed or not (default 256 MiB); beyond it the answer is 413. */
  maxBodyBytes?: number;
  logger?: Logger;
}

export interface EmbeddedClickHouse {
  url: string;
  port: number;
  stop(): Promise<void>;
  health(): { ok: boolean };
}

export interface EmbeddedClickHouseHandle {
  start(): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
  health(): { ok: boolean };
}

export const DEFAULT_POOL_SIZE = 4;
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024;

// libchdb binds one data directory per process: a second server on another directory cannot open
// while this one runs, so it is refused here with a message that says why.
let boundDataDir: string | undefined;

export async function startEmbeddedClickHouse(opts: EmbeddedClickHouseOptions): Promise<EmbeddedClickHouse> {
  const handle = createEmbeddedClickHouse(opts);
  const { url, port } = await handle.start();
  return { url, port, stop: () => handle.stop(), health: () => handle.health() };
}

export function createEmbeddedClickHouse(opts: EmbeddedClickHouseOptions): EmbeddedClickHouseHandle {
  const dataDir = resolve(opts.dataDir);
  const host = opts.host ?? '127.0.0.1';
  const logger = opts.logger ?? silentLogger;
  const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new RangeError(`maxBodyBytes must be a positive integer, got ${maxBodyBytes}`);
  }

  let pool: SessionPool<EngineSession> | undefined;
  let anchor: Session | undefined;
  let server: Server | undefined;
  let listening = false;
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    const forget = () => inFlight.delete(work);
    work.then(forget, forget);
    return work;
  };

  async function start(): Promise<{ url: string; port: number }> {
    if (server !== undefined) throw new Error('embedded ClickHouse already started');
    if (boundDataDir !== undefined && boundDataDir !== dataDir) {
      throw new Error(
        `embedded ClickHouse is already serving ${boundDataDir} in this process; chDB binds one data directory per process, so ${dataDir} needs its own process`,
      );
    }
    mkdirSync(dataDir, { recursive: true });
    // The anchor session is never leased. While any connection to the directory is open the engine
    // stays up, so replacing a dirty pooled session costs a fraction of a millisecond; closing the
    // last connection shuts the engine down and the next one pays ~20 ms to start it again. Opening
    // it here also makes a bad or foreign data directory fail at start-up, not on a request.
    const keeper = openSession(dataDir);
    anchor = keeper;
    boundDataDir = dataDir;
    const sessions = new SessionPool<EngineSession>({ size: poolSize, create: () => new Session(dataDir) });
    pool = sessions;
    try {
      const info = await engineInfo(keeper);
      const executor = new QueryExecutor(sessions);
      const handler = createRequestHandler({
        executor,
        version: info.version,
        timezone: info.timezone,
        displayName: hostname(),
        maxBodyBytes,
        logger,
        isStopping: () => stopping,
        track,
      });
      server = createServer({ keepAliveTimeout: 10_000 }, handler);
      const port = await listen(server, opts.port ?? 0, host);
      listening = true;
      const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      logger.info(
        { url, data_dir: dataDir, pool_size: poolSize, version: info.version },
        'clickhouse_listening',
      );
      return { url, port };
    } catch (err) {
      server = undefined;
      await sessions.close();
      keeper.close();
      anchor = undefined;
      await drainPending();
      boundDataDir = undefined;
      throw err;
    }
  }

  // Order matters: stop taking connections, let running queries answer, and only then close the
  // engine sessions — closing a session under a running query aborts the engine for the process.
  function stop(): Promise<void> {
    stopped ??= (async () => {
      stopping = true;
      const srv = server;
      if (srv !== undefined) {
        const closed = new Promise<void>((res) => srv.close(() => res()));
        srv.closeIdleConnections();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        srv.closeAllConnections();
        await closed;
      }
      listening = false;
      if (pool !== undefined) await pool.close();
      anchor?.close();
      await drainPending();
      if (boundDataDir === dataDir) boundDataDir = undefined;
      logger.info({ data_dir: dataDir }, 'clickhouse_stopped');
    })();
    return stopped;
  }

  return { start, stop, health: () => ({ ok: listening && !stopping }) };
}

function openSession(dataDir: string): Session {
  try {
    return new Session(dataDir);
  } catch (err) {
    throw new Error(
      `cannot open ClickHouse data directory ${dataDir}: ${(err as Error).message}. The engine locks ${dataDir}/status, so another process may be using it`,
      { cause: err },
    );
  }
}

async function engineInfo(session: Session): Promise<{ version: string; timezone: string }> {
  const res = await session.queryAsync('SELECT version(), timezone()', { format: 'TabSeparated' });
  const [version = 'unknown', timezone = 'UTC'] = Buffer.from(res.bytes())
    .toString('utf8')
    .trim()
    .split('\t');
  return { version, timezone };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolvePort((server.address() as AddressInfo).port);
    });
  });
}

import type { Logger } from '@mesh-trace/config';
import type { Registry } from '@mesh-trace/http';
import { compareLiveIds, type LiveEntry } from '@mesh-trace/schema';
import type { Response } from 'express';
import { Counter, Gauge } from 'prom-client';

/**
 * One open SSE response. Writes go straight to the socket; what the client has not read piles up
 * in the response's buffer, and past `maxBufferBytes` the client is dropped — a reader that stalls
 * must not grow the server's memory. `cursor` is the last id sent: nothing at or before it is
 * written again, whichever path (catch-up range or live fan-out) delivers it.
 */
export class LiveConnection {
  cursor: string;
  closed = false;
  private onEnd: (() => void) | undefined;

  constructor(
    readonly res: Response,
    cursor: string,
    private readonly pool: LiveConnections,
  ) {
    this.cursor = cursor;
  }

  /** Runs once when the connection ends, for whatever reason. */
  onClose(fn: () => void): void {
    this.onEnd = fn;
  }

  send(entries: LiveEntry[]): void {
    if (this.closed) return;
    let chunk = '';
    for (const e of entries) {
      if (compareLiveIds(e.id, this.cursor) <= 0) continue;
      chunk += `id: ${e.id}\nevent: ${e.type}\ndata: ${e.data}\n\n`;
      this.cursor = e.id;
    }
    if (chunk) this.write(chunk);
  }

  write(text: string): void {
    if (this.closed) return;
    this.res.write(text);
    if (this.res.writableLength > this.pool.maxBufferBytes) this.drop('slow_client');
  }

  drop(reason: string): void {
    if (this.closed) return;
    this.pool.dropped.inc({ reason });
    this.pool.logger.warn({ reason, buffered: this.res.writableLength }, 'live_client_dropped');
    this.res.destroy();
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.remove(this);
    if (!this.res.destroyed) this.res.end();
    this.onEnd?.();
  }
}

/**
 * The open live connections of this replica: one timer sends every heartbeat (not a timer per
 * connection, so idle connections cost only their socket and a few objects), and stop() ends them
 * all so a shutting-down server is not held open by clients that never hang up.
 */
export class LiveConnections {
  private readonly open = new Set<LiveConnection>();
  private readonly timer: NodeJS.Timeout;
  readonly dropped: Counter<'reason'>;
  private readonly gauge: Gauge;

  constructor(
    readonly logger: Logger,
    registry: Registry,
    readonly maxBufferBytes: number,
    heartbeatMs: number,
  ) {
    this.dropped = new Counter({
      name: 'mesh_trace_live_clients_dropped_total',
      help: 'Live stream clients disconnected by the server, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    });
    this.gauge = new Gauge({
      name: 'mesh_trace_live_connections',
      help: 'Open live stream connections',
      registers: [registry],
      collect: () => this.gauge.set(this.open.size),
    });
    this.timer = setInterval(() => {
      for (const c of this.open) c.write(': heartbeat\n\n');
    }, heartbeatMs);
    this.timer.unref();
  }

  add(res: Response, cursor: string): LiveConnection {
    const conn = new LiveConnection(res, cursor, this);
    this.open.add(conn);
    res.on('close', () => conn.end());
    return conn;
  }

  remove(conn: LiveConnection): void {
    this.open.delete(conn);
  }

  get size(): number {
    return this.open.size;
  }

  stop(): void {
    clearInterval(this.timer);
    for (const c of [...this.open]) c.end();
  }
}

// A chDB session must never run two operations at once, and a session's state (settings, query
// parameters, current database) outlives the query that set it. The pool hands each request a
// session of its own, queues the rest in arrival order, and replaces a session a request dirtied
// instead of trying to undo what it did: opening one more connection to the same data directory
// costs well under a millisecond.

export interface Closable {
  close(): void;
}

export interface Lease<S> {
  readonly session: S;
  /** The session carries request state; it is closed on release instead of reused. */
  markDirty(): void;
  release(): void;
}

export interface SessionPoolOptions<S> {
  size: number;
  create: () => S;
}

export class PoolClosedError extends Error {
  constructor() {
    super('The embedded ClickHouse server is shutting down');
    this.name = 'PoolClosedError';
  }
}

interface Waiter<S> {
  resolve: (lease: Lease<S>) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class SessionPool<S extends Closable> {
  readonly #size: number;
  readonly #create: () => S;
  readonly #idle: S[] = [];
  readonly #waiters: Waiter<S>[] = [];
  #busy = 0;
  #closed = false;
  #onDrained: (() => void) | undefined;

  constructor(opts: SessionPoolOptions<S>) {
    if (!Number.isInteger(opts.size) || opts.size < 1) {
      throw new RangeError(`pool size must be a positive integer, got ${opts.size}`);
    }
    this.#size = opts.size;
    this.#create = opts.create;
  }

  stats(): { size: number; busy: number; idle: number; waiting: number } {
    return { size: this.#size, busy: this.#busy, idle: this.#idle.length, waiting: this.#waiters.length };
  }

  acquire(signal?: AbortSignal): Promise<Lease<S>> {
    if (this.#closed) return Promise.reject(new PoolClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#busy < this.#size && this.#waiters.length === 0) {
      this.#busy++;
      try {
        return Promise.resolve(this.#lease(this.#idle.pop() ?? this.#create()));
      } catch (err) {
        this.#busy--;
        return Promise.reject(err);
      }
    }
    return new Promise<Lease<S>>((resolve, reject) => {
      const waiter: Waiter<S> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          const i = this.#waiters.indexOf(waiter);
          if (i !== -1) this.#waiters.splice(i, 1);
          reject(signal?.reason);
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Refuses new work, fails queued requests, and resolves once every leased session is back and closed. */
  close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) {
      w.signal?.removeEventListener('abort', w.onAbort);
      w.reject(new PoolClosedError());
    }
    for (const s of this.#idle.splice(0)) s.close();
    if (this.#busy === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onDrained = resolve;
    });
  }

  #lease(session: S): Lease<S> {
    let dirty = false;
    let released = false;
    return {
      session,
      markDirty: () => {
        dirty = true;
      },
      release: () => {
        if (released) return;
        released = true;
        this.#giveBack(dirty ? undefined : session, dirty ? session : undefined);
      },
    };
  }

  #giveBack(reusable: S | undefined, discard: S | undefined): void {
    discard?.close();
    let session = reusable;
    while (this.#waiters.length > 0) {
      const w = this.#waiters.shift() as Waiter<S>;
      w.signal?.removeEventListener('abort', w.onAbort);
      try {
        w.resolve(this.#lease(session ?? this.#create()));
        return;
      } catch (err) {
        // Could not open a replacement: fail this request and offer the slot to the next one.
        session = undefined;
        w.reject(err);
      }
    }
    this.#busy--;
    if (session !== undefined) {
      if (this.#closed) session.close();
      else this.#idle.push(session);
    }
    if (this.#closed && this.#busy === 0) this.#onDrained?.();
  }
}

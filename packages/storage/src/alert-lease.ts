/**
 * Leases with fencing tokens: the evaluator's leadership (one active alerter across replicas) and
 * the query service's per-org rule-write lock. A holder is `<owner>:<fence>`; the fence grows with
 * every acquisition, so whatever a holder writes can carry it and a deposed holder is recognisable.
 */
export interface LeaseStore {
  /** The new fencing token, or undefined while someone else holds the lease. */
  acquire(key: string, owner: string, ttlMs: number): Promise<number | undefined>;
  /** Extends the lease if `holder` still holds it. */
  renew(key: string, holder: string, ttlMs: number): Promise<boolean>;
  /** True while `holder` holds the lease. */
  holds(key: string, holder: string): Promise<boolean>;
  /** Gives the lease up if `holder` holds it (never someone else's). */
  release(key: string, holder: string): Promise<void>;
}

export const holderOf = (owner: string, fence: number) => `${owner}:${fence}`;

/** The part of ioredis this needs: scripts keep each step atomic without MULTI/WATCH round trips. */
export interface RedisScripts {
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>;
}

const ACQUIRE = `if redis.call('exists', KEYS[1]) == 1 then return 0 end
local fence = redis.call('incr', KEYS[2])
redis.call('set', KEYS[1], ARGV[1] .. ':' .. fence, 'PX', ARGV[2])
return fence`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;
const HOLDS = `if redis.call('get', KEYS[1]) == ARGV[1] then return 1 end
return 0`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** Leases in Redis, shared by every replica; the fence counter never expires. */
export class RedisLeaseStore implements LeaseStore {
  constructor(private readonly redis: RedisScripts) {}

  async acquire(key: string, owner: string, ttlMs: number): Promise<number | undefined> {
    const fence = Number(await this.redis.eval(ACQUIRE, 2, key, `${key}:fence`, owner, ttlMs));
    return fence > 0 ? fence : undefined;
  }

  async renew(key: string, holder: string, ttlMs: number): Promise<boolean> {
    return Number(await this.redis.eval(RENEW, 1, key, holder, ttlMs)) === 1;
  }

  async holds(key: string, holder: string): Promise<boolean> {
    return Number(await this.redis.eval(HOLDS, 1, key, holder)) === 1;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, key, holder);
  }
}

/** One process (the all-in-one): the same semantics in memory. */
export class MemoryLeaseStore implements LeaseStore {
  private readonly leases = new Map<string, { holder: string; until: number }>();
  private readonly fences = new Map<string, number>();

  private current(key: string): string | undefined {
    const l = this.leases.get(key);
    if (!l || l.until <= Date.now()) return undefined;
    return l.holder;
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<number | undefined> {
    if (this.current(key) !== undefined) return undefined;
    const fence = (this.fences.get(key) ?? 0) + 1;
    this.fences.set(key, fence);
    this.leases.set(key, { holder: holderOf(owner, fence), until: Date.now() + ttlMs });
    return fence;
  }

  async renew(key: string, holder: string, ttlMs: number): Promise<boolean> {
    if (this.current(key) !== holder) return false;
    this.leases.set(key, { holder, until: Date.now() + ttlMs });
    return true;
  }

  async holds(key: string, holder: string): Promise<boolean> {
    return this.current(key) === holder;
  }

  async release(key: string, holder: string): Promise<void> {
    if (this.current(key) === holder) this.leases.delete(key);
  }
}

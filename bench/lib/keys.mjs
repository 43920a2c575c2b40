import { createKey } from '../../packages/auth/dist/index.js';

/**
 * API keys for one bench org. The service caps a key at 10,000 requests per minute (fixed window,
 * counted in Redis and shared by ingest and query). Each key here serves at most `perKey` requests
 * over its whole life and is then retired, so no key can reach its limit whatever the window
 * alignment. Only one key is in use at a time, so the authentication cache sees a single client.
 */
export class KeyPool {
  constructor(ch, orgId, { perKey = 9_000, limit = 10_000 } = {}) {
    this.ch = ch;
    this.orgId = orgId;
    this.perKey = perKey;
    this.limit = limit;
    this.keys = [];
    this.index = 0;
    this.used = 0;
    this.created = 0;
  }

  capacity() {
    return (this.keys.length - this.index) * this.perKey - this.used;
  }

  /** Creates keys until `requests` more requests fit; call before a timed phase, never inside it. */
  async prepare(requests) {
    for (let i = 0; i < 1_000 && this.capacity() < requests; i++) {
      const { key } = await createKey(this.ch, {
        org_id: this.orgId,
        env: 'live',
        scopes: ['ingest', 'read'],
        name: 'bench',
        rate_limit_per_minute: this.limit,
      });
      this.keys.push(key);
      this.created++;
    }
  }

  /** The key for one request (counted against it). */
  take() {
    if (this.used >= this.perKey) {
      this.index++;
      this.used = 0;
    }
    const key = this.keys[this.index];
    if (key === undefined) throw new Error('key pool exhausted: prepare() was given too small an estimate');
    this.used++;
    return key;
  }
}

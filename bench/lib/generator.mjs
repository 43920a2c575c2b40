import { Rng } from './prng.mjs';

/**
 * Realistic spans for the benchmarks: 30 services, 10–40 attributes per span (skewed towards the
 * low end, like real instrumentation), ~1% errors carrying an exception event, traces of 1–20 spans.
 * Deterministic: the same seed and base time give byte-identical payloads.
 */
export const SERVICES = [
  'api-gateway',
  'auth',
  'billing',
  'cart',
  'catalog',
  'checkout',
  'currency',
  'email',
  'frontend',
  'inventory',
  'llm-gateway',
  'notification',
  'orders',
  'payment',
  'pricing',
  'profile',
  'quote',
  'recommendation',
  'search',
  'session',
  'shipping',
  'tax',
  'users',
  'ads',
  'analytics',
  'fraud',
  'ledger',
  'media',
  'reviews',
  'vector-store',
];

const OPS = [
  ['server', 'GET /api/items'],
  ['server', 'POST /api/orders'],
  ['server', 'GET /api/users/:id'],
  ['client', 'SELECT orders'],
  ['client', 'INSERT ledger'],
  ['client', 'redis GET'],
  ['client', 'llm.chat'],
  ['client', 'HTTP POST'],
  ['producer', 'publish events'],
  ['consumer', 'process events'],
  ['internal', 'render'],
  ['internal', 'tool.call'],
];

/** Attribute generators: key and a value function. */
const ATTRS = [
  ['http.method', (r) => r.pick(['GET', 'POST', 'PUT', 'DELETE'])],
  ['http.status_code', (r) => r.pick([200, 200, 200, 201, 204, 404, 500])],
  ['http.route', (r) => r.pick(['/api/items', '/api/orders', '/api/users/:id'])],
  ['http.flavor', () => '1.1'],
  ['net.peer.port', (r) => r.int(1024, 65535)],
  ['net.peer.name', (r) => `10.0.${r.int(0, 9)}.${r.int(1, 254)}`],
  ['db.system', (r) => r.pick(['postgresql', 'redis', 'mysql'])],
  ['db.rows', (r) => r.int(0, 500)],
  ['user.id', (r) => `u${r.int(1, 99999)}`],
  ['tenant', (r) => `t${r.int(1, 200)}`],
  ['region', (r) => r.pick(['eu-1', 'us-1', 'ap-1'])],
  ['retries', (r) => r.int(0, 3)],
  ['cached', (r) => r.chance(0.3)],
  ['llm.model', (r) => r.pick(['gpt-x', 'claude-y', 'llama-z'])],
  ['llm.tokens', (r) => r.int(10, 4000)],
  ['feature.flag', (r) => r.pick(['a', 'b', 'c'])],
  ['queue', (r) => r.pick(['orders', 'emails', 'events'])],
  ['msg.size', (r) => r.int(10, 9000)],
  ['thread.id', (r) => r.int(1, 64)],
  ['code.fn', (r) => r.pick(['handle', 'load', 'save', 'emit'])],
  ['pod', (r) => `p-${r.hex(2)}`],
  ['zone', (r) => r.pick(['a', 'b', 'c'])],
  ['sampled', () => true],
  ['attempt', (r) => r.int(1, 3)],
  ['items', (r) => r.int(0, 40)],
  ['cart.value', (r) => r.int(0, 99999) / 100],
  ['currency', (r) => r.pick(['EUR', 'USD', 'GBP'])],
  ['cache.hit', (r) => r.chance(0.7)],
  ['peer.service', (r) => r.pick(SERVICES)],
  ['span.depth', (r) => r.int(0, 6)],
  ['session', (r) => r.hex(4)],
  ['locale', (r) => r.pick(['en', 'de', 'fr', 'pt'])],
  ['ver', (r) => `${r.int(1, 3)}.${r.int(0, 20)}`],
  ['batch', (r) => r.int(1, 100)],
  ['shard', (r) => r.int(0, 15)],
  ['ok', (r) => r.chance(0.99)],
  ['ms', (r) => r.int(0, 2000)],
  ['os', (r) => r.pick(['linux', 'darwin'])],
  ['rt', () => 'node'],
  ['path', (r) => r.pick(['/a', '/b', '/c'])],
];

export class SpanGenerator {
  /** @param {number} seed @param {number} baseMs newest end time of generated spans (epoch ms) */
  constructor(seed, baseMs) {
    this.rng = new Rng(seed);
    this.baseMs = baseMs;
  }

  /** One trace of `n` spans: a root and children with parents among earlier spans. */
  trace(n) {
    const r = this.rng;
    const traceId = r.hex(16);
    const t0 = this.baseMs - r.int(1_000, 600_000);
    const spans = [];
    for (let i = 0; i < n; i++) {
      const [kind, name] = r.pick(OPS);
      const start = t0 + (i === 0 ? 0 : r.int(0, 400));
      const end = start + r.int(1, 600);
      const error = r.chance(0.01);
      const nAttrs = 10 + Math.floor(r.next() ** 3 * 31);
      const attributes = {};
      const first = r.int(0, ATTRS.length - 1);
      for (let a = 0; a < nAttrs; a++) {
        const [k, v] = ATTRS[(first + a) % ATTRS.length];
        attributes[k] = v(r);
      }
      const span = {
        trace_id: traceId,
        span_id: r.hex(8),
        parent_span_id: i === 0 ? null : spans[r.int(0, i - 1)].span_id,
        name,
        service: r.pick(SERVICES),
        kind: i === 0 ? 'server' : kind,
        start_time: new Date(start).toISOString(),
        end_time: new Date(end).toISOString(),
        status: error ? 'error' : 'ok',
        attributes,
        resource: { host: `node-${r.int(1, 40)}` },
      };
      if (error) {
        span.status_message = 'upstream timeout';
        span.events = [
          { name: 'exception', time: span.end_time, attributes: { 'exception.type': 'TimeoutError' } },
        ];
      }
      spans.push(span);
    }
    return { traceId, spans };
  }

  /** A request body of exactly `k` spans (traces of 1–20 spans; the last one is cut to fit). */
  batch(k) {
    const spans = [];
    const traceIds = [];
    while (spans.length < k) {
      const t = this.trace(Math.min(this.rng.int(1, 20), k - spans.length));
      traceIds.push(t.traceId);
      for (const s of t.spans) spans.push(s);
    }
    return { body: { spans }, traceIds, spans: spans.length };
  }
}

import { createHash } from 'node:crypto';

// A seeded, server-side generator of a large span corpus for the query benchmarks: ClickHouse builds
// the rows itself (INSERT … SELECT FROM numbers()), so 10 million spans load in minutes, not the hour
// the HTTP path would take. Every id and value is a function of (seed, trace number, span number),
// so the load generator can compute ids to ask for without reading them back.
//
// Shape: 10 spans per trace; 30 services; trees of depth 2–10 (branching 1–4, by trace); 10–40
// attributes per span with a few hot keys (http.method, http.status_code, customer.id over 5,000
// customers, deployment.region); 1% error spans; spans spread evenly over the 24 h before `anchor`.

export const SPANS_PER_TRACE = 10;
export const CUSTOMERS = 5_000;

/** The trace id of trace number `t` (32 hex), as the SQL below computes it. */
export function scaleTraceId(seed, t) {
  return createHash('md5').update(`${seed}/${t}`).digest('hex');
}

const TRACE = `intDiv(number, ${SPANS_PER_TRACE})`;
const K = `(number % ${SPANS_PER_TRACE})`;
// Branching factor 1–4 by trace; parent of span k is intDiv(k - 1, b).
const PARENT_K = `intDiv(${K} - 1, 1 + (${TRACE} % 4))`;
const svc = (k) => `concat('svc-', toString((${TRACE} * 7 + ${k} * 13 + if(${k} = 0, 0, 1)) % 30))`;
const h = (salt) => `cityHash64({seed:UInt64}, ${TRACE}, ${K}, '${salt}')`;

/** One SELECT producing span rows (and the parent's service) for numbers [offset, offset + count). */
function spanSelect() {
  const attrCount = `(10 + ${h('n')} % 31)`;
  return `
    SELECT
      {org:String} AS org_id, 'live' AS env,
      lower(hex(MD5(concat(toString({seed:UInt64}), '/', toString(${TRACE}))))) AS trace_id,
      substring(lower(hex(MD5(concat(toString({seed:UInt64}), '/', toString(${TRACE}), '/', toString(${K}))))), 1, 16) AS span_id,
      if(${K} = 0, '', substring(lower(hex(MD5(concat(toString({seed:UInt64}), '/', toString(${TRACE}), '/', toString(${PARENT_K}))))), 1, 16)) AS parent_span_id,
      ${svc(K)} AS service,
      ${svc(PARENT_K)} AS parent_service,
      concat(if(${K} = 0, 'GET /api/', 'call '), toString(${h('name')} % 40)) AS name,
      if(${K} = 0, 'server', ['client', 'internal', 'server'][1 + ${h('kind')} % 3]) AS kind,
      toDateTime64({anchor:String}, 9, 'UTC')
        - toIntervalNanosecond(toUInt64(${TRACE}) * {step_ns:UInt64})
        + toIntervalMillisecond(${K} * 3) AS start_time,
      toUInt64((1 + ${h('d')} % 400) * 1000000) AS duration_ns,
      start_time + toIntervalNanosecond(duration_ns) AS end_time,
      if(${h('e')} % 100 = 0, 'error', 'ok') AS status,
      if(status = 'error', 'upstream failed', '') AS status_message,
      mapUpdate(
        mapFromArrays(
          arrayMap(i -> concat('attr.k', toString(i)), range(${attrCount})),
          arrayMap(i -> toString(cityHash64({seed:UInt64}, ${TRACE}, ${K}, i) % 1000), range(${attrCount}))),
        map('http.method', ['GET', 'POST', 'PUT'][1 + ${h('m')} % 3],
            'http.status_code', if(status = 'error', '500', '200'),
            'customer.id', concat('c-', toString(${TRACE} % ${CUSTOMERS})),
            'deployment.region', ['eu-1', 'us-1', 'ap-1'][1 + ${TRACE} % 3])) AS attributes,
      map('service.name', service, 'k8s.cluster.name', ['eu-1', 'us-1'][1 + ${TRACE} % 2]) AS resource,
      '[]' AS events
    FROM numbers({offset:UInt64}, {count:UInt64})`;
}

const SPAN_COLUMNS =
  'org_id, env, trace_id, span_id, parent_span_id, service, name, kind, start_time, end_time, duration_ns, status, status_message, attributes, resource, events';

/**
 * Loads `spans` spans for `org` in chunks (the materialized views fill the trace index, summaries and
 * rollups as for any insert); edges go to service_edge_calls_v1 as the writer would send them.
 */
export async function loadScaleData(ch, { org, seed, spans, anchorIso, chunk = 1_000_000, log }) {
  const traces = Math.ceil(spans / SPANS_PER_TRACE);
  const stepNs = Math.floor((24 * 3600e9) / traces);
  const select = spanSelect();
  for (let offset = 0; offset < spans; offset += chunk) {
    const count = Math.min(chunk, spans - offset);
    const params = { org, seed, anchor: anchorIso, step_ns: stepNs, offset, count };
    const settings = { max_insert_threads: 2, max_threads: 2 };
    await ch.command({
      query: `INSERT INTO spans_v1 (${SPAN_COLUMNS}) SELECT ${SPAN_COLUMNS} FROM (${select})`,
      query_params: params,
      clickhouse_settings: settings,
    });
    await ch.command({
      query: `INSERT INTO service_edge_calls_v1 (org_id, env, time, source, target, cluster, duration_ns, is_error)
              SELECT org_id, env, start_time, parent_service, service, resource['k8s.cluster.name'],
                     duration_ns, toUInt8(status = 'error')
                FROM (${select}) WHERE parent_span_id != '' AND parent_service != service`,
      query_params: params,
      clickhouse_settings: settings,
    });
    log?.(`    loaded ${(offset + count).toLocaleString('en')} / ${spans.toLocaleString('en')} spans`);
  }
  return { traces, stepNs };
}

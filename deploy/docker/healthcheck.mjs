// Container health check: `node healthcheck.mjs [/healthz|/readyz]` exits 0 when the service answers 200.
// Used by the Dockerfile's HEALTHCHECK (/healthz) and by docker-compose.yml (/readyz, so that
// `depends_on: condition: service_healthy` waits until a service can do its work).
const path = process.argv[2] ?? '/healthz';
const env = process.env;
const ports = {
  ingest: env.MESH_TRACE_INGEST_PORT ?? '4001',
  writer: env.MESH_TRACE_WRITER_PORT ?? '4002',
  query: env.MESH_TRACE_QUERY_PORT ?? '4000',
  alerter: env.MESH_TRACE_ALERTER_PORT ?? '4003',
  'all-in-one': env.MESH_TRACE_QUERY_PORT ?? '4000',
};
const port = env.MESH_TRACE_HEALTH_PORT ?? ports[env.MESH_TRACE_SERVICE ?? 'query'] ?? '4000';

try {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(4000) });
  if (!res.ok) process.stderr.write(`${path} answered ${res.status}: ${await res.text()}\n`);
  process.exit(res.ok ? 0 : 1);
} catch (err) {
  process.stderr.write(`${path} failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}

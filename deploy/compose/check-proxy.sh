#!/usr/bin/env bash
# Runs a Mesh-Trace nginx config in a local nginx (Debian's `nginx-light` is enough) in front of two fake
# upstreams and checks where each API route lands. No Docker needed:
#   deploy/compose/check-proxy.sh                               # the compose proxy
#   deploy/compose/check-proxy.sh deploy/k8s/base/gateway.conf  # the Kubernetes gateway
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v nginx >/dev/null || { echo "nginx is not installed (apt-get install -y nginx-light)" >&2; exit 2; }
work="$(mktemp -d)"
ingest_port=${CHECK_INGEST_PORT:-14101} query_port=${CHECK_QUERY_PORT:-14100} proxy_port=${CHECK_PROXY_PORT:-18080}
conf="${1:-$here/nginx/mesh-trace.conf}"
sed -e "s/[a-z-]*ingest:4001/127.0.0.1:${ingest_port}/g; s/[a-z-]*query:4000/127.0.0.1:${query_port}/g" \
    -e "s/listen 8080;/listen 127.0.0.1:${proxy_port};/" "$conf" >"$work/site.conf"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/body; proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/f; uwsgi_temp_path $work/u; scgi_temp_path $work/s;
  include $work/site.conf;
}
CONF
# Each fake upstream answers with its name. query's /v1/agents/:id/live writes one event, then holds the
# stream open for 3 s: the event must reach the client before the stream ends. (nginx 1.22 passes it
# on even with proxy_buffering on, so this checks the route and streaming, not the buffering setting:
# packages/e2e/src/deploy-manifests.test.ts checks that.)
node -e "
const { createServer } = require('node:http');
for (const [name, port] of [['ingest', ${ingest_port}], ['query', ${query_port}]])
  createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (!/^\/v1\/agents\/[^/]+\/live/.test(req.url)) return res.end(name);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: ' + name + '\\n\\n');
      setTimeout(() => res.end(), 3000);
    });
  }).listen(port, '127.0.0.1');
" &
upstreams=$!
cleanup() { nginx -c "$work/nginx.conf" -s stop 2>/dev/null || true; kill "$upstreams" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
nginx -t -q -c "$work/nginx.conf"
nginx -c "$work/nginx.conf"
for url in "127.0.0.1:${proxy_port}/proxy-health" "127.0.0.1:${ingest_port}/" "127.0.0.1:${query_port}/"; do
  for _ in $(seq 100); do curl -sf "http://$url" >/dev/null && break; sleep 0.1; done
done

fail=0
expect() { # method path upstream
  got="$(curl -s -X "$1" "http://127.0.0.1:${proxy_port}$2")"
  if [ "$got" = "$3" ]; then echo "ok   $1 $2 -> $got"; else echo "FAIL $1 $2 -> $got (want $3)"; fail=1; fi
}
expect POST /v1/traces/batch ingest
expect POST /v1/traces/4bf92f3577b34da6a3ce929d0e0e4736/complete ingest
expect POST /v1/traces ingest
expect POST /api/v2/spans ingest
expect GET /v1/traces query
expect GET '/v1/traces?service=web' query
expect GET /v1/traces/4bf92f3577b34da6a3ce929d0e0e4736 query
expect POST /v1/traces/search query
expect GET /v1/services query
expect GET /v1/topology query
expect POST /v1/api-keys query
expect DELETE /v1/api-keys/k1 query
expect GET /v1/alerts/rules query
expect POST /v1/alerts/rules query
expect PATCH /v1/alerts/rules/r1 query
expect DELETE /v1/alerts/rules/r1 query
expect GET '/v1/alerts/events?state=firing' query
expect GET /healthz query
expect GET / query
expect GET /assets/index.js query
# The live stream: the first event must arrive while the upstream still holds the stream open.
got="$(curl -sN --max-time 1 "http://127.0.0.1:${proxy_port}/v1/agents/a1/live?since=0" || true)"
if [ "$(printf '%s' "$got" | head -1)" = "data: query" ]; then echo "ok   GET /v1/agents/a1/live -> query, streamed"
else echo "FAIL GET /v1/agents/a1/live -> '$got' within 1 s (want 'data: query' from query before the stream ends)"; fail=1; fi
exit $fail

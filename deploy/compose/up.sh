#!/usr/bin/env bash
# One command for the split deployment of docker-compose.yml:
#   deploy/compose/up.sh [extra `docker compose up` arguments]
# On first run it writes deploy/compose/.env from env.example with random secrets (kept afterwards),
# then builds the images, starts everything and waits until every health check passes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
env_file="$here/.env"

if docker compose version >/dev/null 2>&1; then compose=(docker compose)
elif command -v docker-compose >/dev/null; then compose=(docker-compose)
else echo "Docker Compose is required (docker compose v2 or docker-compose)" >&2; exit 1; fi

rand() { # $1 random letters and digits
  local s=''
  while [ "${#s}" -lt "$1" ]; do s+="$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')"; done
  printf '%s' "${s:0:$1}"
}
if [ ! -f "$env_file" ]; then
  umask 077
  sed -e "s/^CLICKHOUSE_PASSWORD=$/CLICKHOUSE_PASSWORD=$(rand 32)/" \
      -e "s/^MESH_TRACE_CURSOR_SECRET=$/MESH_TRACE_CURSOR_SECRET=$(rand 48)/" \
      -e "s/^MESH_TRACE_BOOTSTRAP_KEY=$/MESH_TRACE_BOOTSTRAP_KEY=mtk_live_$(rand 32)/" \
      "$here/env.example" >"$env_file"
  echo "wrote $env_file (secrets; git ignores it)"
fi

cd "$root"
if [ "${compose[0]}" = docker ]; then
  "${compose[@]}" --env-file "$env_file" up -d --build --wait "$@"
else
  # docker-compose v1 has no --wait: the services' depends_on conditions still order the start.
  "${compose[@]}" --env-file "$env_file" up -d --build "$@"
fi

port="$(sed -n 's/^MESH_TRACE_HTTP_PORT=//p' "$env_file")"
key="$(sed -n 's/^MESH_TRACE_BOOTSTRAP_KEY=//p' "$env_file")"
cat <<MSG

Mesh-Trace is up at http://localhost:${port:-8080}
  admin key:  ${key}
  send:       curl -X POST http://localhost:${port:-8080}/v1/traces/batch -H "Authorization: Bearer \$KEY" ...
  read:       curl http://localhost:${port:-8080}/v1/traces -H "Authorization: Bearer \$KEY"
  stop:       ${compose[*]} --env-file deploy/compose/.env down   (add -v to delete the data volumes)
MSG

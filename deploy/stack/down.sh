#!/usr/bin/env bash
# Stops what deploy/stack/up.sh started (by its pid files). Never touches a reused Redis.
set -euo pipefail

usage() {
  cat <<EOF
Usage: deploy/stack/down.sh [--clean] [--help]

Stops the Kafka broker, Redis and embedded ClickHouse that deploy/stack/up.sh started, using
the pid files in the state dir (SIGTERM, up to 20 s, then SIGKILL). A redis-server that up.sh
found already answering on 6379 and reused is never stopped. Data is kept for the next up.sh.

  --clean   also delete the whole state dir (\${MESH_TRACE_STACK_DIR:-<repo>/.stack}):
            Kafka topics, Redis and ClickHouse data, logs, and the copied Kafka jars.
EOF
}

CLEAN=0
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --clean) CLEAN=1 ;;
    *) usage >&2; exit 2 ;;
  esac
done

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [[ ! -d "$STATE_DIR" ]]; then
  log "nothing to stop: no state dir $STATE_DIR"
  exit 0
fi

exec 9>"$STATE_DIR/.lock"
flock 9

# stop NAME PIDFILE PATTERN
stop() {
  local name="$1" pidfile="$2" pattern="$3" pid _
  if ! pid="$(pid_alive "$pidfile" "$pattern")"; then
    [[ -e "$pidfile" ]] && log "$name: not running (stale pid file removed)"
    rm -f "$pidfile"
    return 0
  fi
  log "$name: stopping pid $pid"
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name: still alive after 20s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  rm -f "$pidfile"
  log "$name: stopped"
}

# ClickHouse and Kafka first (they are the clients' upstreams), Redis last. Independent, so
# order only matters for log readability.
stop clickhouse "$CLICKHOUSE_PID" "$CLICKHOUSE_MATCH"
stop kafka "$KAFKA_PID" "$KAFKA_MATCH"
stop redis "$REDIS_PID" "$REDIS_MATCH"
if [[ -f "$REDIS_REUSED" ]]; then
  log "redis: the reused redis-server on 127.0.0.1:$(cat "$REDIS_REUSED") was not ours; left running"
  rm -f "$REDIS_REUSED"
fi
rm -f "$STATE_DIR/env"

if ((CLEAN)); then
  exec 9>&-
  rm -rf "$STATE_DIR"
  log "removed $STATE_DIR"
fi
log "stack is down"

# shellcheck shell=bash
# shellcheck disable=SC2034  # variables are used by the scripts that source this file
# Shared helpers for deploy/stack/up.sh and down.sh. Sourced, not executed.

STACK_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$STACK_SCRIPT_DIR/../.." && pwd)"
STATE_DIR="${MESH_TRACE_STACK_DIR:-$REPO_ROOT/.stack}"

KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
# A second listener with SASL/PLAIN authentication, for tests of the services' Kafka security settings.
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-19094}"
KAFKA_SASL_USERNAME="meshtrace"
KAFKA_SASL_PASSWORD="meshtrace-dev-only"
REDIS_PORT="${REDIS_PORT:-16379}"
CLICKHOUSE_PORT="${CLICKHOUSE_PORT:-18123}"

KAFKA_DIR="$STATE_DIR/kafka"
KAFKA_LIBS="${MESH_TRACE_KAFKA_LIBS:-$STATE_DIR/kafka-libs}"
REDIS_DIR="$STATE_DIR/redis"
CLICKHOUSE_DIR="$STATE_DIR/clickhouse"
LOG_DIR="$STATE_DIR/logs"

KAFKA_PID="$STATE_DIR/kafka.pid"
REDIS_PID="$STATE_DIR/redis.pid"
REDIS_REUSED="$STATE_DIR/redis.reused"
CLICKHOUSE_PID="$STATE_DIR/clickhouse.pid"

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# redis_ping PORT: a Redis answers PING with PONG on 127.0.0.1:PORT (no redis-cli needed).
redis_ping() {
  local reply
  reply="$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1 && printf 'PING\r\n' >&3 && IFS= read -r line <&3 && printf '%s' \"\$line\"" 2>/dev/null)" || return 1
  [[ "${reply%$'\r'}" == "+PONG" ]]
}

# clickhouse_ping PORT: GET /ping answers "Ok.".
clickhouse_ping() {
  local body
  body="$(curl -fsS --max-time 3 "http://127.0.0.1:$1/ping" 2>/dev/null)" || return 1
  [[ "$body" == Ok.* ]]
}

# pid_alive PIDFILE PATTERN: the pid file names a live process whose command line contains
# PATTERN (guards against a recycled pid after a reboot). Prints the pid.
pid_alive() {
  local file="$1" pattern="$2" pid
  [[ -s "$file" ]] || return 1
  pid="$(tr -dc '0-9' <"$file")"
  [[ -n "$pid" ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -r "/proc/$pid/cmdline" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern" || return 1
  printf '%s' "$pid"
}

KAFKA_MATCH="kafka.Kafka"
REDIS_MATCH="redis-server"
CLICKHOUSE_MATCH="embedded-clickhouse/dist/main.js"

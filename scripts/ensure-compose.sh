#!/usr/bin/env bash
# Builds the real Docker Compose CLI from the Go module proxy into .tools/bin/docker-compose when it
# is missing, so the test suite can run `docker compose config` on machines without Docker's compose
# plugin (the CI machines have Go but no Docker engine). About a minute on 2 cores, once per machine.
set -euo pipefail

usage() {
  cat <<USAGE
Usage: scripts/ensure-compose.sh [--help]

Ensures <repo>/.tools/bin/docker-compose (Docker Compose ${COMPOSE_VERSION:-v5.6.0}) exists, building it
with the machine's Go toolchain from the Go module proxy when missing. Prints the binary's path.
Environment: COMPOSE_VERSION (default v5.6.0), MESH_TRACE_TOOLS_DIR (default <repo>/.tools).
USAGE
}
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${COMPOSE_VERSION:-v5.6.0}"
TOOLS="${MESH_TRACE_TOOLS_DIR:-$ROOT/.tools}"
BIN="$TOOLS/bin/docker-compose"

if [[ -x "$BIN" ]] && "$BIN" version 2>/dev/null | grep -q "${VERSION#v}"; then
  echo "$BIN"
  exit 0
fi
command -v go >/dev/null || { echo "ensure-compose: go is required to build docker compose" >&2; exit 1; }

mkdir -p "$TOOLS/bin"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MODULE="github.com/docker/compose/v5"
# `go install pkg@version` refuses modules whose go.mod has exclude directives (compose's has):
# build from a writable copy of the downloaded module instead.
SRC="$(GOFLAGS=-mod=mod go mod download -json "$MODULE@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
[[ -d "$SRC" ]] || { echo "ensure-compose: could not download $MODULE@$VERSION" >&2; exit 1; }
cp -r "$SRC" "$WORK/src"
chmod -R u+w "$WORK/src"
echo "ensure-compose: building docker compose $VERSION (about a minute)" >&2
(cd "$WORK/src" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X $MODULE/internal.Version=$VERSION" -o "$BIN.tmp" ./cmd)
mv "$BIN.tmp" "$BIN"
echo "$BIN"

#!/usr/bin/env bash
# Makes sure Debian's chromium is installed for the browser tests (packages/e2e/src/ui.int.test.ts,
# driven by playwright-core). Playwright's own browser download is not used: Debian's package is the
# browser, at /usr/bin/chromium. Idempotent: does nothing when it is already there.
set -euo pipefail

case "${1:-}" in
  -h | --help)
    echo "Usage: scripts/ensure-chromium.sh   installs Debian's chromium package when /usr/bin/chromium is missing"
    exit 0
    ;;
esac

BIN="${MESH_TRACE_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$BIN" ]]; then
  exit 0
fi

sudo=()
if [[ "$(id -u)" != 0 ]]; then
  command -v sudo >/dev/null || { echo "[chromium] not installed and we are not root (no sudo): apt-get install chromium" >&2; exit 1; }
  sudo=(sudo -n)
fi
echo "[chromium] installing Debian's chromium package (browser tests)" >&2
out="$("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -q 2>&1)" || { printf '%s\n' "$out" | tail -n 20 >&2; echo "[chromium] apt-get update failed" >&2; exit 1; }
out="$("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends chromium 2>&1)" ||
  { printf '%s\n' "$out" | tail -n 20 >&2; echo "[chromium] apt-get install chromium failed" >&2; exit 1; }
[[ -x "$BIN" ]] || { echo "[chromium] installed, but $BIN is still missing" >&2; exit 1; }
echo "[chromium] $("$BIN" --version 2>/dev/null || echo installed)" >&2

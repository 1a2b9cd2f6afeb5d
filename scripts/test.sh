#!/usr/bin/env bash
# Runs every Fieldline test: installs missing packages, builds with CMake + Ninja, runs ctest.
#   ./scripts/test.sh            all tests
#   ./scripts/test.sh -R intake  only tests whose name matches (extra args go to ctest)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}"
# The browser tests (tests/browser): Debian's Chromium, Node and the pinned npm packages.
ensure_packages chromium fonts-wqy-microhei  # the font: Chinese in the screenshots
command -v node >/dev/null 2>&1 || ensure_packages nodejs
command -v npm >/dev/null 2>&1 || ensure_packages npm
BROWSER_DIR="$FIELDLINE_ROOT/tests/browser"
if [ -f "$BROWSER_DIR/package-lock.json" ]; then
  lock_sum="$(sha256sum "$BROWSER_DIR/package-lock.json" | cut -d' ' -f1)"
  if [ ! -d "$BROWSER_DIR/node_modules" ] || [ "$(cat "$BROWSER_DIR/node_modules/.lock-sha256" 2>/dev/null)" != "$lock_sum" ]; then
    log "npm ci in tests/browser"
    (cd "$BROWSER_DIR" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock_sum" > "$BROWSER_DIR/node_modules/.lock-sha256"
  fi
fi
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/fieldline-ccache}"
build
cd "$BUILD_DIR"
log "running tests"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@"

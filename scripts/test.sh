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
# The fuzzers (fuzz/): clang with libFuzzer's runtime, in a build folder of their own.
ensure_packages clang libclang-rt-14-dev
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/fieldline-ccache}"
build
# Fuzzing runs with the whole suite, or when the filter names it (./scripts/test.sh -L fuzz).
run_fuzz=0
if [ $# -eq 0 ] || [[ "$*" == *fuzz* ]]; then run_fuzz=1; fi
FUZZ_BUILD_DIR="${FIELDLINE_FUZZ_BUILD_DIR:-$FIELDLINE_ROOT/build-fuzz}"
if [ "$run_fuzz" -eq 1 ]; then
  if [ ! -f "$FUZZ_BUILD_DIR/build.ninja" ]; then
    log "configuring the fuzzers in $FUZZ_BUILD_DIR"
    cmake -S "$FIELDLINE_ROOT" -B "$FUZZ_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=None \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFIELDLINE_FUZZ=ON >/dev/null
  fi
  log "building the fuzzers"
  cmake --build "$FUZZ_BUILD_DIR" --target fuzz_events fuzz_gateway_json fuzz_config
fi
cd "$BUILD_DIR"
log "running tests"
status=0
ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@" || status=$?
if [ "$run_fuzz" -eq 1 ]; then
  log "running the fuzzers (each for a short, fixed time over its corpus)"
  ctest --test-dir "$FUZZ_BUILD_DIR" --output-on-failure -L fuzz --parallel "$(nproc)" || status=$?
fi
exit "$status"

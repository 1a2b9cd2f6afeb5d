#!/usr/bin/env bash
# Runs every Fieldline test: installs missing packages, builds with CMake + Ninja, runs ctest.
#   ./scripts/test.sh            all tests
#   ./scripts/test.sh -R intake  only tests whose name matches (extra args go to ctest)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/fieldline-ccache}"
build
cd "$BUILD_DIR"
log "running tests"
ctest --output-on-failure --parallel "$(nproc)" --timeout 600 "$@"

#!/usr/bin/env bash
# Solves one Solomon VRPTW instance with the Fieldline optimiser and prints one JSON object:
#   {"vehicles": N, "distance": D, "routes": [[customer numbers in visit order], ...]}
#
#   ./scripts/optimize.sh --solomon FILE [--time-limit SECONDS] [--seed N] [--threads N] [--iterations N]
#
# Builds fieldline-optimize first if needed (build output goes to stderr, so stdout is only the JSON).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/fieldline-ccache}"
build fieldline-optimize >&2   # a no-op when it is up to date
exec "$BUILD_DIR/services/scheduling/optimizer/fieldline-optimize" "$@"

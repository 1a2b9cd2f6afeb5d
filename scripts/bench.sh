#!/usr/bin/env bash
# Runs Fieldline's benchmarks against the raw stack measured in the same run and ends with one
# JSON line of the headline figures (echo_rps, command_rps, command_vs_echo, propagation_p99_ms,
# rocksdb_batch_keys_per_s, ...). bench/RESULTS.md records them with the machine.
#   ./scripts/bench.sh                       defaults: 8 threads, 20 s, propagation at 200/s
#   ./scripts/bench.sh --seconds 60 --rate 500 --propagation-rate 1000
# Extra arguments go to fieldline-loadgen (--help lists them). Also runs the store benchmark.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}"
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/fieldline-ccache}"
build
log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
log "store benchmark (durable commands vs raw RocksDB synced batches)"
"$BUILD_DIR/bench/store_bench" >&2 || log "store_bench failed"
log "load generator"
"$BUILD_DIR/bench/fieldline-loadgen" "$@"

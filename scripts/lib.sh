# Shared by scripts/test.sh and scripts/run.sh: install what is missing, configure, build.
# shellcheck shell=bash

FIELDLINE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${FIELDLINE_BUILD_DIR:-$FIELDLINE_ROOT/build}"

BUILD_PACKAGES=(
  g++ cmake ninja-build pkg-config ccache
  librdkafka-dev librocksdb-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler grpc-proto
  libabsl-dev libspdlog-dev libyaml-cpp-dev libcli11-dev nlohmann-json3-dev
  libjwt-dev libsodium-dev libcpp-httplib-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

# ccache: paths relative to the checkout, so a fresh clone elsewhere still hits the cache.
export CCACHE_BASEDIR="$FIELDLINE_ROOT"
export CCACHE_NOHASHDIR=1

log() { printf '\033[1m[fieldline]\033[0m %s\n' "$*" >&2; }

# Installs the Debian packages in "$@" that are not installed yet (apt-get update once first).
ensure_packages() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: ${missing[*]} — run as root or install them with apt-get"
    return 1
  fi
  log "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "${FIELDLINE_APT_UPDATED:-}" ]; then
    apt-get update -qq
    FIELDLINE_APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures (once) and builds the given targets (all by default).
build() {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    log "configuring in $BUILD_DIR"
    cmake -S "$FIELDLINE_ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  fi
  log "building $*"
  cmake --build "$BUILD_DIR" -- "$@"
}

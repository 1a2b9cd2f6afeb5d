#!/usr/bin/env bash
# Starts the whole platform on this machine: the dev broker, the four services, data under var/.
# Seeds the demo city on first start, prints where to connect and dev tokens, and stops
# everything cleanly on Ctrl-C. Started again, it shows the same data.
#
# Ports (change with FIELDLINE_<SERVICE>_LISTEN, e.g. FIELDLINE_INTAKE_LISTEN=127.0.0.1:8101):
#   intake 7101, scheduling 7102, inventory 7103, callbacks 7104, gateway (web app) 8080
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages "${BUILD_PACKAGES[@]}" kcat
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/fieldline-ccache}"
build fieldline-devbroker fieldline-intake fieldline-scheduling fieldline-inventory fieldline-callbacks fieldlinectl \
  fieldline-gateway

cd "$FIELDLINE_ROOT"
VAR="${FIELDLINE_VAR:-$FIELDLINE_ROOT/var}"
mkdir -p "$VAR/auth" "$VAR/broker" "$VAR/logs"
if [ ! -s "$VAR/auth/secret" ]; then
  # The signing secret of dev tokens; production sets FIELDLINE_AUTH_SECRET_FILE to its own.
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$VAR/auth/secret"
  chmod 600 "$VAR/auth/secret"
fi
export FIELDLINE_AUTH_SECRET_FILE="$VAR/auth/secret"
export FIELDLINE_BROKERS_FILE="$VAR/broker/bootstrap"
rm -f "$FIELDLINE_BROKERS_FILE"

PIDS=()
stop_all() {
  trap - INT TERM EXIT
  log "stopping"
  local i
  # Services first (they finish in-flight calls and commit), then the broker.
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do kill -TERM "${PIDS[$i]}" 2>/dev/null || true; done
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do wait "${PIDS[$i]}" 2>/dev/null || true; done
  log "stopped; data is kept in $VAR"
}
trap stop_all INT TERM EXIT

"$BUILD_DIR/services/devbroker/fieldline-devbroker" --bootstrap-file "$FIELDLINE_BROKERS_FILE" \
  >"$VAR/logs/broker.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$FIELDLINE_BROKERS_FILE" ] && break; sleep 0.1; done
[ -s "$FIELDLINE_BROKERS_FILE" ] || { log "the dev broker did not start; see $VAR/logs/broker.log"; exit 1; }

# Metrics and health of each service on its gRPC port + 1000 (/metrics, /healthz).
declare -A METRICS_PORT=([intake]=8101 [scheduling]=8102 [inventory]=8103 [callbacks]=8104)
for svc in intake scheduling inventory callbacks; do
  "$BUILD_DIR/services/$svc/fieldline-$svc" --data-dir "$VAR/$svc" \
    --metrics-listen "127.0.0.1:${METRICS_PORT[$svc]}" >"$VAR/logs/$svc.log" 2>&1 &
  PIDS+=($!)
done
for svc in intake scheduling inventory callbacks; do
  for _ in $(seq 1 200); do grep -q "^READY $svc" "$VAR/logs/$svc.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "^READY $svc" "$VAR/logs/$svc.log" || { log "$svc did not start; see $VAR/logs/$svc.log"; exit 1; }
done

# The gateway (HTTP/JSON API and the web app) after the services; demo users on first start.
# Demo hashes use libsodium's interactive cost so sign-in is quick on a laptop; production runs
# the gateway with the default (moderate).
GATEWAY_LISTEN="${FIELDLINE_GATEWAY_LISTEN:-127.0.0.1:8080}"
"$BUILD_DIR/services/gateway/fieldline-gateway" --listen "$GATEWAY_LISTEN" --data-dir "$VAR/gateway" \
  --auth-secret-file "$VAR/auth/secret" \
  --demo-users --password-hashing interactive >"$VAR/logs/gateway.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q "^READY gateway" "$VAR/logs/gateway.log" 2>/dev/null && break; sleep 0.1; done
grep -q "^READY gateway" "$VAR/logs/gateway.log" || { log "the gateway did not start; see $VAR/logs/gateway.log"; exit 1; }

CTL=("$BUILD_DIR/tools/fieldlinectl/fieldlinectl" --secret-file "$VAR/auth/secret" --brokers-file "$FIELDLINE_BROKERS_FILE")
if [ ! -f "$VAR/.seeded" ]; then
  log "first start: loading the demo city"
  "${CTL[@]}" seed && touch "$VAR/.seeded"
fi

cat <<INFO

Fieldline is running (data in $VAR, logs in $VAR/logs).
  intake      127.0.0.1:7101   fieldline.intake.v1.IntakeService
  scheduling  127.0.0.1:7102   fieldline.scheduling.v1.SchedulingService
  inventory   127.0.0.1:7103   fieldline.inventory.v1.InventoryService
  callbacks   127.0.0.1:7104   fieldline.callbacks.v1.CallbacksService
  gateway     $GATEWAY_LISTEN   HTTP/JSON API (/api/openapi.json) and the web app
  broker      $(cat "$FIELDLINE_BROKERS_FILE")   (topics fieldline.<service>.v1)
  metrics     http://127.0.0.1:8101/metrics … :8104 (and /healthz), one per service

Try:
  ${CTL[*]} ticket list --state open --page-size 5
  ${CTL[*]} flow
  ${CTL[*]} tail fieldline.intake.v1 --from-beginning

Dev tokens (valid 12 h; send as "authorization: Bearer <token>"):
INFO
for role in intake dispatcher technician warehouse care manager admin; do
  user="dev-$role"
  [ "$role" = technician ] && user="T01"
  printf '  %-11s %s\n' "$role" "$("${CTL[@]}" --role "$role" --user "$user" token)"
done

GATEWAY_PORT="$(sed -n 's/^READY gateway //p' "$VAR/logs/gateway.log" | head -n1)"
cat <<INFO

Web app: http://${GATEWAY_LISTEN%:*}:${GATEWAY_PORT}/
Demo users (username / password):
INFO
for role in intake dispatcher technician warehouse care manager admin; do
  note=""
  [ "$role" = technician ] && note="  (technician T01)"
  [ "$role" = manager ] && note="  (with the export permission)"
  printf '  %-11s %-11s / demo-%s%s\n' "$role" "$role" "$role" "$note"
done
echo
log "press Ctrl-C to stop"
wait "${PIDS[0]}"

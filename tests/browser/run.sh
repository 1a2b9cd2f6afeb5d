#!/usr/bin/env bash
# Runs the browser tests (ctest BrowserFlow). Exit 77 (skipped) only when Chromium or the npm
# packages are missing — ./scripts/test.sh installs both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
CHROMIUM="${FIELDLINE_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then echo "SKIP: $CHROMIUM is missing (apt-get install chromium)"; exit 77; fi
if ! command -v node >/dev/null 2>&1; then echo "SKIP: node is missing (apt-get install nodejs)"; exit 77; fi
if [ ! -d node_modules/playwright-core ]; then echo "SKIP: node_modules missing (npm ci in tests/browser)"; exit 77; fi
for b in services/gateway/fieldline-gateway services/intake/fieldline-intake services/scheduling/fieldline-scheduling \
         services/inventory/fieldline-inventory services/callbacks/fieldline-callbacks services/devbroker/fieldline-devbroker \
         tools/fieldlinectl/fieldlinectl; do
  if [ ! -x "${FIELDLINE_BUILD_DIR:?}/$b" ]; then echo "FAIL: $FIELDLINE_BUILD_DIR/$b is not built"; exit 1; fi
done
exec node --test --test-concurrency=1 --test-reporter=spec flow.test.mjs

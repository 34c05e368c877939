#!/usr/bin/env bash
# One-time install: system packages (bubblewrap), npm dependencies, the package store
# programs may import (packages/, without install scripts), the built web UI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/system-deps.sh "$@"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
bash scripts/install-packages.sh
if [[ -f web/vite.config.ts ]]; then npm run build:web; fi
echo "[setup] done. Start the playground with: npm start"

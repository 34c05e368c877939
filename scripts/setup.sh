#!/usr/bin/env bash
# One-time install: system packages (bubblewrap), npm dependencies, the package store
# programs may import (packages/, without install scripts), the JavaScript build, the web UI.
# `--server-only` (worker hosts and gateways without the UI): the root package's dependencies
# only (`npm ci --workspaces=false`: no React, Monaco or Vite), no web build.
set -euo pipefail
cd "$(dirname "$0")/.."
server_only=0
args=()
for a in "$@"; do
  if [[ "$a" == "--server-only" ]]; then server_only=1; else args+=("$a"); fi
done
bash scripts/system-deps.sh ${args[@]+"${args[@]}"}
if [[ $server_only -eq 1 ]]; then
  npm ci --workspaces=false --no-audit --no-fund
elif [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund
fi
bash scripts/install-packages.sh
npm run build
if [[ $server_only -eq 0 && -f web/vite.config.ts ]]; then npm run build:web; fi
echo "[setup] done. Start the playground with: npm start"

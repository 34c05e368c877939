#!/usr/bin/env bash
# Installs the operator's package store (packages/) exactly as its lockfile says. Install
# scripts never run (--ignore-scripts): packages are plain files that sandboxes read.
set -euo pipefail
cd "$(dirname "$0")/../packages"
if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi

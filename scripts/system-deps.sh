#!/usr/bin/env bash
# Installs the system packages the playground needs (Debian/Ubuntu), or says exactly what to
# install when not root. Usage: scripts/system-deps.sh [--with-test-deps]
set -euo pipefail
need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v prlimit >/dev/null 2>&1 || need+=(util-linux)
# The native sandbox launcher (workers/src/sandbox/launcher.c) is compiled at build time.
{ command -v cc >/dev/null 2>&1 && [[ -f /usr/include/stdio.h ]]; } || need+=(gcc libc6-dev)
if [[ "${1:-}" == "--with-test-deps" ]]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  # redis-server also runs as a Sentinel (`redis-server <conf> --sentinel`) for the failover drill.
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
fi
# de-duplicate
mapfile -t need < <(printf '%s\n' "${need[@]}" | sort -u | sed '/^$/d')
if [[ ${#need[@]} -eq 0 ]]; then
  echo "[setup] system packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "[setup] missing system packages: ${need[*]}" >&2
  echo "[setup] install them as root:  sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "[setup] installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "[setup] installed: ${need[*]}"

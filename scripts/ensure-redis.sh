#!/usr/bin/env bash
# Starts a local Redis on 127.0.0.1:6379 for the test suite when none answers there.
set -euo pipefail
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "[ci] redis already running"
  exit 0
fi
mkdir -p /tmp/playground-redis
redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
  --dir /tmp/playground-redis --logfile /tmp/playground-redis/redis.log
for _ in $(seq 1 50); do
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && { echo "[ci] redis started"; exit 0; }
  sleep 0.1
done
echo "[ci] redis did not start" >&2
exit 1

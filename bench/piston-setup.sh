#!/usr/bin/env bash
# Sets up Piston (github.com/engineer-man/piston) on this machine, outside Docker, for the
# bench's "piston" section (issue 16):
#   sudo bash bench/piston-setup.sh install   # isolate, the Piston API, a node runtime package
#   sudo bash bench/piston-setup.sh start     # API on 127.0.0.1:$PISTON_PORT (pid in $ROOT/api.pid)
#   npm run bench -- --only=piston --piston-url=http://127.0.0.1:2000
#   sudo bash bench/piston-setup.sh stop      # the API, leftover boxes and their cgroups
#
# What stock Piston does (api/Dockerfile, api/src/docker-entrypoint.sh at the pinned commit) and
# how this differs, so a reader can judge the comparison:
# - isolate: the fork Piston's Dockerfile pins (envicutor/isolate af6db68, isolate 2.0, cgroup
#   v2 only), built and installed setuid root to /usr/local/bin/isolate as there. Piston always
#   runs it with --cg. On a hybrid cgroup host (v1 controllers + an empty v2 hierarchy at
#   /sys/fs/cgroup/unified, as here) the v2 groups have no memory controller, so isolate's
#   OOM check (memory.events) is made optional by a 4-line patch; CPU time (cpu.stat),
#   cgroup.kill and the box cgroup itself work as stock. Piston's default sets no memory limit
#   (run_memory_limit -1), so no limit is lost, but a box is not charged to a memory cgroup,
#   which is a little cheaper than stock on a pure v2 host (memory: null in answers).
# - The API runs as user `piston` with the host's Node (not the image's Node 15), bound to
#   loopback, with the pinned package-lock; its two GitHub dependencies are replaced by the
#   pinned nocamel commit (waitpid is not required by any source file).
# - The node runtime package is laid out by hand as `ppman install` would leave it
#   (packages/node/<version>/: pkg-info.json, run, environment, .env, bin/node,
#   .ppman-installed), with this machine's /usr/bin/node (the same binary our sandboxes run)
#   instead of a nodejs.org tarball: no internet here.
# Sources: PISTON_GIT, ISOLATE_GIT, NOCAMEL_GIT (git dirs); by default the snapshots under
# /work/.mirror when present, else clones from GitHub.
set -euo pipefail

ROOT=${PISTON_ROOT:-/opt/piston-bench}
PORT=${PISTON_PORT:-2000}
PISTON_COMMIT=0a844d0a3c040dfe3adf1e9d903b9ad4e5ede155
ISOLATE_COMMIT=af6db68042c3aa0ded80787fbb78bc0846ea2114 # api/Dockerfile: git checkout af6db68…
NOCAMEL_COMMIT=89a5bfbbd07c72c302d968b967d0f4fe54846544 # api/package-lock.json: nocamel
say() { echo "[piston-setup] $*" >&2; }

# A git dir holding `owner/name`: the local snapshot, or a fresh bare clone.
git_dir() {
  local mirror=/work/.mirror/${1/\//+}/repo
  if [ -d "$mirror/.git" ]; then echo "$mirror/.git"; elif [ -d "$mirror" ]; then echo "$mirror"; else
    git clone -q --bare "https://github.com/$1" "$ROOT/src/$1.git" && echo "$ROOT/src/$1.git"
  fi
}
extract() { rm -rf "$3" && mkdir -p "$3" && git --git-dir="$1" archive "$2" | tar -x -C "$3"; }

cg_root() {
  if [ -e /sys/fs/cgroup/cgroup.controllers ]; then echo /sys/fs/cgroup/isolate # pure v2
  else echo /sys/fs/cgroup/unified/isolate; fi                                 # hybrid v1+v2
}

install() {
  mkdir -p "$ROOT/src"
  command -v gcc >/dev/null && [ -e /usr/include/sys/capability.h ] || apt-get install -y --no-install-recommends gcc make libcap-dev
  extract "${PISTON_GIT:-$(git_dir engineer-man/piston)}" "$PISTON_COMMIT" "$ROOT/src/piston"
  extract "${ISOLATE_GIT:-$(git_dir envicutor/isolate)}" "$ISOLATE_COMMIT" "$ROOT/src/isolate"

  say "isolate $ISOLATE_COMMIT (memory.events optional)"
  (cd "$ROOT/src/isolate" && patch -p1 -s) <<'EOF'
--- a/cg.c
+++ b/cg.c
@@ -288,7 +288,12 @@ cg_stats(void)
     meta_printf("cg-mem:%lld\n", mem >> 10);
 
   // OOM kill detection
-  FILE *f = cg_fopen("memory.events");
+  // (no memory controller in this v2 group, e.g. a hybrid v1+v2 host: no OOM detection)
+  char ev_path[PATH_MAX];
+  cg_makepath(ev_path, sizeof(ev_path), "memory.events");
+  FILE *f = fopen(ev_path, "r");
+  if (!f)
+    return;
   while (cg_fread_kv(f, key, val))
     {
       if (!strcmp(key, "oom_kill") && atoll(val))
EOF
  make -s -C "$ROOT/src/isolate" SYSTEMD_CFLAGS= SYSTEMD_LIBS= isolate
  make -s -C "$ROOT/src/isolate" SYSTEMD_CFLAGS= SYSTEMD_LIBS= install # /usr/local/bin/isolate (setuid), /usr/local/etc/isolate
  sed -i "s|^cg_root = .*|cg_root = $(cg_root)|" /usr/local/etc/isolate
  id piston >/dev/null 2>&1 || useradd -M -r -s /usr/sbin/nologin piston

  say "Piston API $PISTON_COMMIT"
  rm -rf "$ROOT/api" && cp -r "$ROOT/src/piston/api" "$ROOT/api"
  (cd "$ROOT/api" && node -e '
    const fs = require("fs");
    const pkg = JSON.parse(fs.readFileSync("package.json"));
    const lock = JSON.parse(fs.readFileSync("package-lock.json"));
    for (const name of ["nocamel", "waitpid"]) {
      delete pkg.dependencies[name]; delete lock.packages[""].dependencies[name];
      delete lock.packages[`node_modules/${name}`]; if (lock.dependencies) delete lock.dependencies[name];
    }
    fs.writeFileSync("package.json", JSON.stringify(pkg, null, 4));
    fs.writeFileSync("package-lock.json", JSON.stringify(lock, null, 4));' &&
    npm ci --no-audit --no-fund --loglevel=error)
  extract "${NOCAMEL_GIT:-$(git_dir HexF/nocamel)}" "$NOCAMEL_COMMIT" "$ROOT/api/node_modules/nocamel"

  local version pkg
  version=$(node -p process.versions.node)
  pkg=$ROOT/data/packages/node/$version
  say "node runtime package $pkg (this machine's /usr/bin/node)"
  rm -rf "$ROOT/data" && mkdir -p "$pkg/bin"
  local spec=$ROOT/src/piston/packages/node/20.11.1
  cp "$spec/run" "$spec/environment" "$spec/test.js" "$pkg/"
  cp "$(command -v node)" "$pkg/bin/node"
  # pkg-info.json = metadata.json + build_platform (packages/Makefile); the platform as the API computes it
  node -e '
    const fs = require("fs");
    const m = JSON.parse(fs.readFileSync(process.argv[1]));
    const id = fs.readFileSync("/etc/os-release", "utf8").split("\n").find((l) => l.startsWith("ID")).replace("ID=", "");
    m.version = process.argv[2];
    m.build_platform = `${require(process.argv[3])() ? "docker" : "baremetal"}-${id}`;
    fs.writeFileSync(process.argv[4], JSON.stringify(m, null, 4));' \
    "$spec/metadata.json" "$version" "$ROOT/api/node_modules/is-docker" "$pkg/pkg-info.json"
  # .env: what Package.install caches (api/src/package.js)
  env -i bash -c "cd $pkg; source environment; env" | grep -v -E '^(PWD|OLDPWD|_|SHLVL)=' > "$pkg/.env"
  date +%s%3N > "$pkg/.ppman-installed"
  chown -R piston:piston "$ROOT/data"
  chmod 755 "$ROOT"
  say "installed; start it with: bash $0 start"
}

start() {
  # What docker-entrypoint.sh does, for this host: the cgroup isolate's boxes go under.
  local cg
  cg=$(cg_root)
  mkdir -p "$cg"
  if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
    echo '+cpu +memory +pids' > /sys/fs/cgroup/cgroup.subtree_control
    echo '+memory' > "$cg/cgroup.subtree_control"
  fi
  [ -e "$ROOT/api.pid" ] && grep -q node "/proc/$(cat "$ROOT/api.pid")/cmdline" 2>/dev/null && { say "already running, pid $(cat "$ROOT/api.pid")"; return; }
  # One process from here on (setsid, bash and setpriv each exec the next): api.pid is node's.
  cd "$ROOT/api"
  PISTON_DATA_DIRECTORY=$ROOT/data PISTON_BIND_ADDRESS=127.0.0.1:$PORT \
    setsid bash -c 'ulimit -n "$(ulimit -Hn)"; exec setpriv --reuid=piston --regid=piston --init-groups node src' \
    > "$ROOT/api.log" 2>&1 < /dev/null &
  echo $! > "$ROOT/api.pid"
  for _ in $(seq 50); do curl -sf "127.0.0.1:$PORT/api/v2/runtimes" >/dev/null && break; sleep 0.1; done
  local out
  out=$(curl -s -XPOST "127.0.0.1:$PORT/api/v2/execute" -H 'content-type: application/json' \
    -d '{"language":"javascript","version":"*","files":[{"content":"console.log(1)"}]}')
  say "pid $(cat "$ROOT/api.pid"); execute console.log(1) → $out"
  [ "$(echo "$out" | jq -r .run.stdout)" = 1 ] || { say "Piston did not print 1; see $ROOT/api.log"; exit 1; }
}

stop() {
  if [ -e "$ROOT/api.pid" ]; then
    kill "$(cat "$ROOT/api.pid")" 2>/dev/null || true
    rm -f "$ROOT/api.pid"
  fi
  sleep 0.5
  # Boxes a killed API left behind (its cleanups are fire-and-forget).
  for box in /var/local/lib/isolate/*; do
    [ -d "$box" ] && isolate --cleanup --cg -b "$(basename "$box")" || true
  done
  rmdir "$(cg_root)" 2>/dev/null || true
  say "stopped"
}

case "${1:-}" in
  install | start | stop) "$1" ;;
  *) echo "usage: $0 install|start|stop   (PISTON_ROOT=$ROOT, PISTON_PORT=$PORT)" >&2; exit 2 ;;
esac

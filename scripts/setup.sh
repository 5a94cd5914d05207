#!/usr/bin/env bash
# Makes a fresh machine ready without a person: pnpm, dependencies, Prisma client, system data,
# running PostgreSQL/Redis, migrated database. Idempotent; sourced by test.sh and demo.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PNPM_VERSION=12.4.2

say() { printf '[setup] %s\n' "$*" >&2; }

ensure_pnpm() {
  if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
    say "installing pnpm $PNPM_VERSION"
    npm install --global --silent "pnpm@$PNPM_VERSION" >&2
  fi
}

# Real Fashion-MNIST ships as a Debian package; the data package reads it from there.
ensure_system_data() {
  if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      say "installing dataset-fashion-mnist (Debian)"
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >&2
    else
      say "warning: /usr/share/datasets/fashion-mnist is missing; install Debian's dataset-fashion-mnist (as root) or put the files under DATA_DIR"
    fi
  fi
}

# The dashboard's browser tests drive Debian's Chromium through playwright-core (no browser download).
ensure_browser() {
  if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
      say "installing chromium (Debian) for the browser tests"
      apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
    else
      say "warning: no Chromium at ${CHROMIUM_PATH:-/usr/bin/chromium}; the browser tests need Debian's chromium (install it as root) or CHROMIUM_PATH"
    fi
  fi
}

# install_debian_packages PURPOSE [PACKAGE...]: installs the packages as root through apt-get, or warns; none: nothing.
install_debian_packages() {
  local purpose="$1"
  shift
  [ "$#" -eq 0 ] && return 0
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    say "installing $* (Debian) for $purpose"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
  else
    say "warning: $purpose need $* (Debian packages; install them as root)"
  fi
}

# The chaos tests start PostgreSQL and Redis servers of their own (as root: PostgreSQL as the postgres user, via runuser).
ensure_chaos_tools() {
  local missing=()
  compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ "$(id -u)" != 0 ] || command -v runuser >/dev/null || missing+=(util-linux)
  install_debian_packages "the chaos tests" "${missing[@]}"
}

# The software WebGPU tests run tfjs-backend-webgpu on Dawn's OpenGL ES backend over Mesa's llvmpipe (a CPU adapter,
# through EGL without a display): Mesa's EGL and DRI drivers plus the libEGL.so link Dawn opens.
ensure_software_gpu() {
  local missing=() pkg
  for pkg in libegl-mesa0 libgl1-mesa-dri libegl-dev; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  install_debian_packages "the software WebGPU tests" "${missing[@]}"
}

# The PyTorch reference of the benchmarks (never a runtime or test dependency): Debian's python3-torch, with a
# multithreaded OpenBLAS (with the default reference BLAS PyTorch is ~20x slower and every ratio looks falsely good).
# Not part of setup_all: (source scripts/setup.sh; ensure_bench_reference) before pnpm bench:engine & co.
ensure_bench_reference() {
  local missing=() pkg
  for pkg in python3-torch libopenblas0-pthread; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  install_debian_packages "the benchmarks' PyTorch reference" "${missing[@]}"
}

install_dependencies() {
  say "pnpm install --frozen-lockfile"
  # The optional native TensorFlow bindings try to download libtensorflow; offline that fails and pnpm
  # continues (they are optional). Their noise is filtered; the exit status is pnpm's.
  local status
  set +e
  pnpm install --frozen-lockfile --reporter=append-only 2>&1 | grep -v 'tfjs-node.* install:' >&2
  status=${PIPESTATUS[0]}
  set -e
  [ "$status" -eq 0 ] || { say "pnpm install failed (exit $status)"; exit "$status"; }
  say "prisma generate"
  bash scripts/prisma-generate.sh >/dev/null
  say "building the dashboard"
  pnpm --silent dashboard:build
}

start_local_services() {
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    pg_isready -q -h 127.0.0.1 2>/dev/null || {
      say "starting the local PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start >&2 || true
    }
  fi
  if command -v redis-server >/dev/null && command -v redis-cli >/dev/null; then
    redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || {
      say "starting the local Redis"
      # With an append-only file, as BullMQ needs: a restart keeps the queues (docker-compose.yml does the same).
      local redis_dir=/var/lib/redis
      [ -d "$redis_dir" ] && [ -w "$redis_dir" ] || redis_dir="${TMPDIR:-/tmp}/dgm-ood-redis"
      mkdir -p "$redis_dir"
      redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --dir "$redis_dir" --appendonly yes --appendfsync everysec >&2 || true
    }
  fi
  for _ in $(seq 1 20); do
    pnpm --silent check:services >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

ensure_services() {
  if pnpm --silent check:services >/dev/null 2>&1; then return 0; fi
  start_local_services && return 0
  pnpm --silent check:services >&2 || true
  say "PostgreSQL and Redis must be running: start them with 'docker compose up -d' (see docker-compose.yml), or set DATABASE_URL / REDIS_URL"
  exit 1
}

setup_all() {
  ensure_pnpm
  ensure_system_data
  ensure_browser
  ensure_chaos_tools
  ensure_software_gpu
  install_dependencies
  ensure_services
}

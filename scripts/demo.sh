#!/usr/bin/env bash
# The demo, end to end on a fresh machine: setup (pnpm, dependencies, data, services), then `pnpm demo`.
# Pass --full for the parity run at the reference's scale (hours on a 2-core machine).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
setup_all
exec pnpm --silent demo "$@"

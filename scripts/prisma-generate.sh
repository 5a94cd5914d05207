#!/usr/bin/env bash
# Generates the Prisma client offline. Every Prisma CLI command first looks for the native schema-engine
# binary (and would download it); `generate` never runs it, so any existing file satisfies the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}"
export PRISMA_HIDE_UPDATE_MESSAGE=1 CHECKPOINT_DISABLE=1
exec pnpm exec prisma generate "$@"

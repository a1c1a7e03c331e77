#!/usr/bin/env bash
# Quickstart runbook: the main job of lakectl on the embedded local workspace, end to end.
# Run it with `npm run quickstart` (builds first). Every step is a plain lakectl command, so this file
# doubles as a template for real runbooks: swap `--target local` for your target.
set -euo pipefail
cd "$(dirname "$0")/../.."
lakectl() { node bin/run.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

export LAKECTL_STATE_DIR="${LAKECTL_STATE_DIR:-$PWD/.lakectl/quickstart}"

step "Start the local workspace (a Databricks-compatible API on 127.0.0.1, backed by DuckDB)"
lakectl local up

step "Check the target: config, reachability, identity, warehouse, catalog, privileges"
lakectl doctor || true

step "Run SQL on the warehouse"
lakectl sql "SELECT 'lakectl' AS tool, 42 AS answer, current_date AS today"

step "Done"
echo "The local workspace keeps running (state in $LAKECTL_STATE_DIR). Stop it with: LAKECTL_STATE_DIR=$LAKECTL_STATE_DIR node bin/run.js local down" >&2

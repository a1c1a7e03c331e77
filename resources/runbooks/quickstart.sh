#!/usr/bin/env bash
# Quickstart runbook: lakectl's main job, end to end, on the embedded local workspace.
# Run it with `npm run quickstart` (which builds first). Every step is a plain lakectl command, so this
# file doubles as a template for real runbooks: point --target at your workspace and drop the
# `local` steps. It uses its own state folder, so it never touches your .lakectl/local.
set -euo pipefail
cd "$(dirname "$0")/../.."
lakectl() { node bin/run.js "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

export LAKECTL_STATE_DIR="${LAKECTL_STATE_DIR:-$PWD/.lakectl/quickstart}"
export LAKECTL_CONFIG="${LAKECTL_CONFIG:-$PWD/resources/lakectl.default.yaml}"
CATALOG=lakehouse

step "Start a fresh local workspace (a Databricks-compatible API on 127.0.0.1, backed by DuckDB)"
lakectl local reset --yes
lakectl local up

step "Check the target: config, reachability, identity, warehouse, catalog, privileges"
lakectl doctor

step "Plan the lakehouse: catalog, schemas, tables, reference data, grants, pipeline files, jobs"
lakectl bootstrap --plan

step "Apply it"
lakectl bootstrap --yes

step "Run it again: nothing to do (the drift gate exits 0)"
lakectl bootstrap --plan --exit-code

step "Start the Bronze, Silver and Gold streams"
lakectl stream start

step "Produce 20,000 customer events (duplicates, malformed, invalid and late ones included)"
lakectl local produce --count 20000 --seed 1

step "Wait until every layer has processed what its upstream holds (exit 8 after the timeout)"
lakectl stream wait --timeout 180

step "Stream status: state, throughput, lag and health per layer"
lakectl stream status

step "Reports: data quality and lag against the thresholds of lakectl.yaml"
lakectl report quality || echo "(a threshold is breached: exit $?)" >&2
lakectl report lag

step "Gold: the busiest customers of the day"
lakectl sql "SELECT customer_id, event_date, events, purchases, revenue, sessions FROM $CATALOG.gold.customer_behavior_daily ORDER BY events DESC, customer_id LIMIT 5"

step "Train the sentiment model on Silver's reviews, then promote it (guarded) and serve it"
lakectl model train --wait
lakectl model promote --from-alias challenger --yes
lakectl model versions

step "New events are scored by the served model"
lakectl local produce --count 5000 --seed 2
lakectl stream wait --timeout 180
lakectl sql "SELECT model_version, sentiment_label, count(*) AS reviews, round(avg(sentiment_score), 3) AS avg_score FROM $CATALOG.silver.customer_events_cleaned WHERE event_type = 'review' GROUP BY model_version, sentiment_label ORDER BY model_version NULLS FIRST, sentiment_label NULLS FIRST"

step "Backfill: P0019 (Eco Cookbook) belongs in kitchen, not books. Fix the reference row, then recompute Silver for the produced days; Gold follows"
# In a real runbook the fix goes into the reference data's source (resources/data/products.csv here, which
# bootstrap loads): a bootstrap run would otherwise set the row back.
lakectl sql "SELECT product_category, sum(reviews) AS reviews FROM $CATALOG.gold.sentiment_summary WHERE product_category IN ('books', 'kitchen') GROUP BY product_category ORDER BY product_category"
lakectl sql "UPDATE $CATALOG.silver.products SET product_category = :category WHERE product_id = :product" --param product=P0019 --param category=kitchen
days=$(lakectl sql "SELECT CAST(min(event_date) AS STRING) AS first_day, CAST(max(event_date) AS STRING) AS last_day FROM $CATALOG.silver.customer_events_cleaned" --json | node -pe 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")).rows[0]; `${r.first_day} ${r.last_day}`')
read -r first_day last_day <<< "$days"
lakectl backfill silver --from "$first_day" --to "$last_day" --mode replace --plan
lakectl backfill silver --from "$first_day" --to "$last_day" --mode replace --yes
lakectl backfill list
echo "Gold after the backfill: the cookbook's reviews moved from books to kitchen" >&2
lakectl sql "SELECT product_category, sum(reviews) AS reviews FROM $CATALOG.gold.sentiment_summary WHERE product_category IN ('books', 'kitchen') GROUP BY product_category ORDER BY product_category"

step "Stop the streams (checkpoints are kept: the next start resumes)"
lakectl stream stop

step "Done"
echo "The local workspace keeps running (state in $LAKECTL_STATE_DIR). Stop it with: LAKECTL_STATE_DIR=$LAKECTL_STATE_DIR node bin/run.js local down" >&2

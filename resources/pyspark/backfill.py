"""lakectl backfill: recomputes one partition (event_date, UTC) of one layer, idempotently.

silver: every Bronze record whose event falls on the date, whenever it was ingested (Bronze is pruned
only to ingest dates from the day before on: a late record is never pruned); gold: the Silver rows of
the date. The steps are the manifest's `backfills` (pipeline/manifest.yaml), the streams' own SQL:
--mode missing inserts what the partition lacks (re-running it changes nothing); --mode replace
recomputes the partition under the current rules, reference data and served model and swaps it in with
one replaceWhere commit. The batch id is -yyyymmdd and the stream <layer>_backfill in ops.quality_metrics.
`lakectl backfill` runs one job run per partition and retries failed runs itself.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__") or sys.argv[0])))

from pyspark.sql import SparkSession  # noqa: E402

from lakectl_pipeline import Pipeline, SentimentFunctions, identifier, lakehouse_catalog  # noqa: E402

LAYERS = ("silver", "gold")
MODES = ("missing", "replace")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=identifier, required=True)
    parser.add_argument("--resources", required=True, help="workspace folder holding pipeline/ and sql/")
    parser.add_argument("--model", required=True, help="Unity Catalog model, e.g. lakehouse.ml.sentiment")
    parser.add_argument("--layer", choices=LAYERS, required=True)
    parser.add_argument("--partition-date", type=lambda s: datetime.strptime(s, "%Y-%m-%d").date(), required=True, help="YYYY-MM-DD")
    parser.add_argument("--mode", choices=MODES, default="missing")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    pipeline = Pipeline(args.resources, lakehouse_catalog(spark, args.catalog))
    if args.layer == "silver":
        SentimentFunctions(args.model).register(spark)
    # Each write that loses a Delta conflict to a stream or another backfill is retried (run_partition).
    figures = pipeline.run_partition(spark, args.layer, args.mode, args.partition_date)
    print(json.dumps({"layer": args.layer, "mode": args.mode, "partition_date": args.partition_date.isoformat(), **figures}, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])

"""lakectl backfill: re-runs one layer's pipeline over one partition date, idempotently.

silver: the Bronze rows with ingest_date = the date; gold: the Silver rows with event_date = the date.
The steps are the streams' own (pipeline/manifest.yaml), so re-running a date converges: Silver inserts
only missing events, Gold recomputes the touched keys. The batch id is -yyyymmdd and the stream
<layer>_backfill in ops.quality_metrics. On Databricks the Gold stream also picks up the rows a Silver
backfill inserts (it reads Silver's commits).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__") or sys.argv[0])))

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from lakectl_pipeline import Pipeline, SentimentFunctions, identifier, lakehouse_catalog  # noqa: E402

SOURCES = {
    "silver": ("bronze.customer_events_raw", "ingest_date"),
    "gold": ("silver.customer_events_cleaned", "event_date"),
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=identifier, required=True)
    parser.add_argument("--resources", required=True, help="workspace folder holding pipeline/ and sql/")
    parser.add_argument("--model", required=True, help="Unity Catalog model, e.g. lakehouse.ml.sentiment")
    parser.add_argument("--layer", choices=sorted(SOURCES), required=True)
    parser.add_argument("--partition-date", type=lambda s: datetime.strptime(s, "%Y-%m-%d").date(), required=True, help="YYYY-MM-DD")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    pipeline = Pipeline(args.resources, lakehouse_catalog(spark, args.catalog))
    if args.layer == "silver":
        SentimentFunctions(args.model).register(spark)
    table, column = SOURCES[args.layer]
    spark.table(pipeline.table(table)).where(F.col(column) == F.lit(args.partition_date)).createOrReplaceTempView(
        pipeline.input_view(args.layer)
    )
    batch_id = -int(args.partition_date.strftime("%Y%m%d"))
    # Each write that loses a Delta conflict to a stream or another backfill is retried (run_batch).
    figures = pipeline.run_batch(spark, args.layer, batch_id, stream=f"{args.layer}_backfill")
    print(json.dumps({"layer": args.layer, "partition_date": args.partition_date.isoformat(), **figures}, default=str))


if __name__ == "__main__":
    main(sys.argv[1:])

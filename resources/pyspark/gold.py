"""lakectl Gold stream: <catalog>.silver.customer_events_cleaned -> gold.customer_behavior_daily,
gold.sentiment_summary and gold.customer_features, plus ops.quality_metrics and ops.stream_progress.

Each micro-batch of new Silver rows is registered as the manifest's input view (silver_batch); the Gold
steps recompute every key the batch touched from all of Silver and MERGE the rows (update or insert), so
retries and replays converge on the same tables.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__") or sys.argv[0])))

from pyspark.sql import DataFrame, SparkSession  # noqa: E402

from lakectl_pipeline import Pipeline, ProgressRecorder, identifier, lakehouse_catalog, query_id, run_until_stopped, volume_path  # noqa: E402

QUERY_NAME = "lakectl_gold"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=identifier, required=True)
    parser.add_argument("--resources", required=True, help="workspace folder holding pipeline/ and sql/")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--trigger-seconds", type=int, default=2)
    parser.add_argument("--max-files-per-trigger", type=int, default=1000)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    catalog = lakehouse_catalog(spark, args.catalog)
    pipeline = Pipeline(args.resources, catalog)
    recorder = ProgressRecorder("gold", QUERY_NAME)
    spark.streams.addListener(recorder)

    def process(batch: DataFrame, batch_id: int) -> None:
        session = batch.sparkSession
        session.conf.set("spark.sql.session.timeZone", "UTC")
        batch.createOrReplaceTempView(pipeline.input_view("gold"))
        recorder.note_batch(batch_id, pipeline.run_batch(session, "gold", batch_id, run_key=query_id(spark, QUERY_NAME)))

    query = (
        # Silver only grows by insert-only MERGEs; commits that rewrite files (maintenance, deletes) are
        # skipped rather than failing the stream: Gold recomputes whole keys, so nothing is lost.
        spark.readStream.option("skipChangeCommits", "true")
        .option("maxFilesPerTrigger", args.max_files_per_trigger)
        .table(pipeline.table("silver.customer_events_cleaned"))
        .writeStream.queryName(QUERY_NAME)
        .foreachBatch(process)
        .option("checkpointLocation", volume_path(args.checkpoint))
        .trigger(processingTime=f"{args.trigger_seconds} seconds")
        .start()
    )
    run_until_stopped(spark, query, recorder, catalog)


if __name__ == "__main__":
    main(sys.argv[1:])

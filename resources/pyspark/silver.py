"""lakectl Silver stream: <catalog>.bronze.customer_events_raw -> silver.customer_events_cleaned and
silver.customer_events_quarantine, plus ops.quality_metrics and ops.stream_progress.

Each micro-batch of Bronze rows is registered as the manifest's input view (bronze_batch) and the
manifest's Silver steps run over it: the same SQL files the local engine runs on DuckDB. The writes are
MERGEs (insert-if-absent), so a batch that Spark retries after a failure changes nothing twice.
sentiment_score() scores reviews through the serving endpoint of the Unity Catalog model (--model).
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__") or sys.argv[0])))

from pyspark.sql import DataFrame, SparkSession  # noqa: E402

from lakectl_pipeline import Pipeline, ProgressRecorder, SentimentFunctions, identifier, lakehouse_catalog, query_id, run_until_stopped, volume_path  # noqa: E402

QUERY_NAME = "lakectl_silver"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=identifier, required=True)
    parser.add_argument("--resources", required=True, help="workspace folder holding pipeline/ and sql/")
    parser.add_argument("--model", required=True, help="Unity Catalog model, e.g. lakehouse.ml.sentiment")
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--trigger-seconds", type=int, default=1)
    parser.add_argument("--max-files-per-trigger", type=int, default=1000)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    catalog = lakehouse_catalog(spark, args.catalog)
    pipeline = Pipeline(args.resources, catalog)
    sentiment = SentimentFunctions(args.model)
    recorder = ProgressRecorder("silver", QUERY_NAME)
    spark.streams.addListener(recorder)

    def process(batch: DataFrame, batch_id: int) -> None:
        # Temp views and functions must live in the batch's session, not the one that started the query.
        session = batch.sparkSession
        session.conf.set("spark.sql.session.timeZone", "UTC")
        sentiment.register(session)
        batch.createOrReplaceTempView(pipeline.input_view("silver"))
        recorder.note_batch(batch_id, pipeline.run_batch(session, "silver", batch_id, run_key=query_id(spark, QUERY_NAME)))

    query = (
        spark.readStream.option("maxFilesPerTrigger", args.max_files_per_trigger)
        .table(pipeline.table("bronze.customer_events_raw"))
        .writeStream.queryName(QUERY_NAME)
        .foreachBatch(process)
        .option("checkpointLocation", volume_path(args.checkpoint))
        .trigger(processingTime=f"{args.trigger_seconds} seconds")
        .start()
    )
    run_until_stopped(spark, query, recorder, catalog)


if __name__ == "__main__":
    main(sys.argv[1:])

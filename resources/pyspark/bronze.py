"""lakectl Bronze stream: Kafka topic -> <catalog>.bronze.customer_events_raw, append-only.

Every record lands untouched (value as text) with its Kafka position and the micro-batch's ingest time.
Credentials come from a secret scope (keys kafka-username and kafka-password), never from parameters.
Progress (rows/s, offsets, records behind the latest offset, newest Kafka timestamp) is appended to
<catalog>.ops.stream_progress per micro-batch.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(globals().get("__file__") or sys.argv[0])))

from pyspark.sql import SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from lakectl_pipeline import ProgressRecorder, identifier, kafka_login_module, lakehouse_catalog, run_until_stopped, secret, volume_path  # noqa: E402

QUERY_NAME = "lakectl_bronze"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=identifier, required=True)
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--secret-scope", required=True)
    parser.add_argument("--starting-offsets", default="earliest", help="earliest, latest or Spark's offsets JSON")
    parser.add_argument("--security-protocol", default="SASL_SSL", choices=["SASL_SSL", "SASL_PLAINTEXT", "SSL", "PLAINTEXT"])
    parser.add_argument("--sasl-mechanism", default="PLAIN", choices=["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])
    parser.add_argument("--max-offsets-per-trigger", type=int, default=None)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--trigger-seconds", type=int, default=1)
    return parser.parse_args(argv)


def kafka_options(spark: SparkSession, args: argparse.Namespace) -> dict[str, str]:
    options = {
        "kafka.bootstrap.servers": args.bootstrap_servers,
        "subscribe": args.topic,
        "startingOffsets": args.starting_offsets,
        "kafka.security.protocol": args.security_protocol,
    }
    if args.max_offsets_per_trigger:
        options["maxOffsetsPerTrigger"] = str(args.max_offsets_per_trigger)
    if args.security_protocol.startswith("SASL"):
        username = secret(spark, args.secret_scope, "kafka-username")
        password = secret(spark, args.secret_scope, "kafka-password")
        module = kafka_login_module(args.sasl_mechanism)
        quote = lambda value: value.replace("\\", "\\\\").replace('"', '\\"')  # noqa: E731
        options["kafka.sasl.mechanism"] = args.sasl_mechanism
        options["kafka.sasl.jaas.config"] = f'{module} required username="{quote(username)}" password="{quote(password)}";'
    return options


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    catalog = lakehouse_catalog(spark, args.catalog)
    recorder = ProgressRecorder("bronze", QUERY_NAME)
    spark.streams.addListener(recorder)

    records = (
        spark.readStream.format("kafka")
        .options(**kafka_options(spark, args))
        .load()
        .select(
            F.col("key").cast("string").alias("key"),
            F.col("value").cast("string").alias("value"),
            F.col("topic"),
            F.col("partition"),
            F.col("offset"),
            F.col("timestamp").alias("kafka_timestamp"),
            F.current_timestamp().alias("ingest_ts"),
        )
        .withColumn("ingest_date", F.to_date("ingest_ts"))
        # No stateful operator follows, so nothing is dropped: the watermark only makes Spark report the
        # newest Kafka timestamp (eventTime.max) in each progress, which the lag figures use.
        .withWatermark("kafka_timestamp", "1 hour")
    )
    query = (
        records.writeStream.format("delta")
        .queryName(QUERY_NAME)
        .outputMode("append")
        .option("checkpointLocation", volume_path(args.checkpoint))
        .trigger(processingTime=f"{args.trigger_seconds} seconds")
        .toTable(f"{catalog}.bronze.customer_events_raw")
    )
    run_until_stopped(spark, query, recorder, catalog)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Test side of the engines tier: runs the shipped backfill.py over partitions, in one Spark driver.

  spark-submit backfill_runs.py [--bronze FILE] [--sql STATEMENT ...] [--run LAYER,DATE,MODE ...]
      --catalog lakehouse --out DIR [--history schema.table ...] -- <backfill.py's template arguments>

--bronze appends the JSONL file's records to Bronze as Bronze lands them (topic customer-events,
partition 0, offset = line number) with the ingest time of each line's "ingest_ts" field: the test picks
ingest times days after (and hours before) the events. --sql runs statements ({catalog} rendered) to
change what a backfill finds. Each --run calls backfill.main() with the job template's arguments, their
{{job.parameters.x}} references resolved to the run's layer, date and mode, as a job run would. Then the tables are dumped as
dump_tables.py dumps them, and the Delta history of the --history tables goes to DIR/history.json.
"""
import argparse
import json
import os
import re
import sys
from datetime import datetime, timezone

from pyspark.sql import SparkSession
from pyspark.sql import types as T

TABLES = [
    "silver.customer_events_cleaned",
    "silver.customer_events_quarantine",
    "gold.customer_behavior_daily",
    "gold.sentiment_summary",
    "gold.customer_features",
    "ops.quality_metrics",
]


def load_bronze(spark, catalog, file):
    rows = []
    with open(file, encoding="utf-8") as f:
        for offset, line in enumerate(f):
            record = json.loads(line)
            ingest = datetime.fromisoformat(record["ingest_ts"].replace("Z", "+00:00")).astimezone(timezone.utc)
            rows.append((None, record["value"], "customer-events", 0, offset, ingest, ingest, ingest.date()))
    schema = spark.table(f"{catalog}.bronze.customer_events_raw").schema
    spark.createDataFrame(rows, T.StructType([T.StructField(f.name, f.dataType, True) for f in schema.fields])).write.format("delta").mode("append").saveAsTable(f"{catalog}.bronze.customer_events_raw")


def main(argv):
    split = argv.index("--")
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--bronze")
    parser.add_argument("--sql", action="append", default=[])
    parser.add_argument("--run", action="append", default=[])
    parser.add_argument("--history", action="append", default=[])
    args = parser.parse_args(argv[:split])
    template = argv[split + 1 :]
    spark = SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    from lakectl_pipeline import lakehouse_catalog

    import backfill
    import dump_tables

    catalog = lakehouse_catalog(spark, args.catalog)
    if args.bronze:
        load_bronze(spark, catalog, args.bronze)
    for statement in args.sql:
        spark.sql(statement.replace("{catalog}", catalog))
    for run in args.run:
        layer, day, mode = run.split(",")
        # What Databricks does with the task's arguments: the run's job parameters in place of the references.
        parameters = {"layer": layer, "partition_date": day, "mode": mode}
        backfill.main([re.sub(r"\{\{job\.parameters\.([a-z_]+)\}\}", lambda m: parameters[m.group(1)], arg) for arg in template])
    dump_tables.main(["--catalog", args.catalog, "--out", args.out, *TABLES])
    history = {}
    for table in args.history:
        rows = spark.sql(f"DESCRIBE HISTORY {catalog}.{table}").select("version", "operation", "operationParameters").collect()
        history[table] = [{"version": r.version, "operation": r.operation, "predicate": (r.operationParameters or {}).get("predicate")} for r in rows]
    with open(os.path.join(args.out, "history.json"), "w", encoding="utf-8") as f:
        json.dump(history, f)


if __name__ == "__main__":
    sys.path.insert(0, os.environ["LAKECTL_PYSPARK_DIR"])
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main(sys.argv[1:])

"""Test side of the engines tier: runs the shipped backfill.py over partitions, in one Spark driver.

  spark-submit backfill_runs.py [--bronze FILE] [--sql STATEMENT ...] [--runs FILE]
      [--statements FILE] --catalog lakehouse --out DIR [--history schema.table ...]

--bronze appends the JSONL file's records to Bronze as Bronze lands them (topic customer-events,
partition 0, offset = line number) with the ingest time of each line's "ingest_ts" field: the test picks
ingest times days after (and hours before) the events. --sql runs statements ({catalog} rendered) to
change what a backfill finds. --runs names a JSON file of argument lists: backfill.main() runs with
each, in order (the backfill job's task arguments for a run, as the test renders them). Then the tables are dumped as
dump_tables.py dumps them, and the Delta history of the --history tables goes to DIR/history.json.
--statements names a JSON file of statements as a service sends them to the SQL warehouse ({statement,
parameters: [{name, value, type}]}, the Statement Execution API's typed parameters): each runs with
its parameters bound as named parameter markers, in order, and the rows each returned go to
DIR/statements.json (dates and timestamps as ISO strings).
"""
import argparse
import json
import os
import sys
from datetime import date, datetime, timezone

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


def typed(parameter):
    """A statement parameter as the warehouse binds it: its value of its type, NULL without a value."""
    value, kind = parameter.get("value"), parameter["type"]
    if value is None:
        return None
    if kind in ("INT", "BIGINT"):
        return int(value)
    if kind == "BOOLEAN":
        return {"true": True, "false": False}[value.lower()]
    if kind == "DATE":
        return date.fromisoformat(value)
    if kind == "TIMESTAMP":
        return datetime.fromisoformat(value.replace(" ", "T").replace("Z", "+00:00")).replace(tzinfo=timezone.utc)
    if kind == "STRING":
        return value
    raise ValueError(f"parameter {parameter['name']}: type {kind} is not handled here")


def iso(value):
    """Dates as YYYY-MM-DD, timestamps in UTC (PySpark hands them over naive, in the local zone)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat()
    return value.isoformat() if isinstance(value, date) else value


def run_statements(spark, file, out):
    with open(file, encoding="utf-8") as f:
        statements = json.load(f)
    answers = []
    for sent in statements:
        rows = spark.sql(sent["statement"], args={p["name"]: typed(p) for p in sent["parameters"]}).collect()
        answers.append([{k: iso(v) for k, v in row.asDict().items()} for row in rows])
    with open(os.path.join(out, "statements.json"), "w", encoding="utf-8") as f:
        json.dump(answers, f)


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--bronze")
    parser.add_argument("--sql", action="append", default=[])
    parser.add_argument("--runs")
    parser.add_argument("--history", action="append", default=[])
    parser.add_argument("--statements")
    args = parser.parse_args(argv)
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
    if args.runs:
        with open(args.runs, encoding="utf-8") as f:
            for run in json.load(f):
                backfill.main(run)
    dump_tables.main(["--catalog", args.catalog, "--out", args.out, *TABLES])
    if args.statements:
        run_statements(spark, args.statements, args.out)
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

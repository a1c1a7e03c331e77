"""Test side of the engines tier: writes lakehouse tables as JSON, one file per table.

  spark-submit dump_tables.py --catalog lakehouse --out DIR schema.table [schema.table ...]

Each file holds a JSON array of rows (objects by column name): timestamps as epoch microseconds,
dates as YYYY-MM-DD, decimals as text with their scale, other values as JSON.
"""
import argparse
import json
import os
import sys
from datetime import date, datetime, timezone
from decimal import Decimal

from pyspark.sql import SparkSession

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def plain(value):
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        delta = moment - EPOCH
        return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("tables", nargs="+")
    args = parser.parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    from lakectl_pipeline import lakehouse_catalog

    catalog = lakehouse_catalog(spark, args.catalog)
    os.makedirs(args.out, exist_ok=True)
    for table in args.tables:
        rows = [{k: plain(v) for k, v in row.asDict().items()} for row in spark.table(f"{catalog}.{table}").collect()]
        with open(os.path.join(args.out, f"{table}.json"), "w", encoding="utf-8") as f:
            json.dump(rows, f, ensure_ascii=False)
    print(json.dumps({table: True for table in args.tables}))


if __name__ == "__main__":
    sys.path.insert(0, os.environ["LAKECTL_PYSPARK_DIR"])
    main(sys.argv[1:])

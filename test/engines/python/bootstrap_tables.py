"""Test side of the engines tier: what `lakectl bootstrap` does on Databricks, done on local Spark.

Creates the lakehouse's schemas and Delta tables from the DDL files the workspace folder holds (the
same files bootstrap runs through the SQL warehouse) in the shared warehouse, and loads the reference
data (resources/data/*.csv). Runs through the runners' own seams (lakectl_pipeline.py).

  spark-submit bootstrap_tables.py --resources /Shared/lakectl --catalog lakehouse --data DIR
"""
import argparse
import glob
import os
import re
import sys

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

SCHEMAS = ["bronze", "silver", "gold", "ops", "ml"]
REFERENCE = {"silver.customers": "customers.csv", "silver.products": "products.csv"}


def main(argv):
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", required=True)
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--data", required=True)
    args = parser.parse_args(argv)
    spark = SparkSession.builder.getOrCreate()
    from lakectl_pipeline import lakehouse_catalog, workspace_path

    for schema in SCHEMAS:
        os.makedirs(os.path.join(os.environ["LAKECTL_WAREHOUSE"], f"{schema}.db"), exist_ok=True)
    catalog = lakehouse_catalog(spark, args.catalog)
    for ddl in sorted(glob.glob(os.path.join(workspace_path(args.resources), "sql", "ddl", "*.sql"))):
        with open(ddl, encoding="utf-8") as f:
            text = re.sub(r"--[^\n]*", "", f.read()).replace("{{catalog}}", catalog)
        spark.sql(text)
    for table, file in REFERENCE.items():
        target = spark.table(f"{catalog}.{table}")
        rows = spark.read.option("header", True).csv(os.path.join(args.data, file))
        rows.select([F.col(field.name).cast(field.dataType) for field in target.schema.fields]).write.format("delta").mode("overwrite").saveAsTable(f"{catalog}.{table}")
    # SHOW TABLES, not spark.catalog.listTables: the tier's drivers interpret expressions (no code
    # generation, harness/spark.ts), and the interpreted decoder of catalog.Table objects fails.
    print("tables:", sorted(row.tableName for s in SCHEMAS for row in spark.sql(f"SHOW TABLES IN {catalog}.{s}").collect()))


if __name__ == "__main__":
    sys.path.insert(0, os.environ["LAKECTL_PYSPARK_DIR"])
    main(sys.argv[1:])

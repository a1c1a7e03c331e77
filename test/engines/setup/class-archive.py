"""The workload whose classes the engines tier's class archive holds (see harness/class-archive.ts):
what every driver of the tier does first and most (a Delta session, partitioned writes, reads, a MERGE,
a Delta stream with foreachBatch, a Python UDF), on a few rows in a scratch folder."""
import sys

from pyspark.sql import SparkSession
from pyspark.sql import types as T

folder = sys.argv[1]
spark = SparkSession.builder.getOrCreate()
table = f"delta.`{folder}/events`"
spark.range(200).selectExpr("id", "CAST(id % 3 AS INT) AS k", "to_json(named_struct('id', id)) AS value").write.format("delta").partitionBy("k").save(f"{folder}/events")
spark.udf.register("score", lambda text: float(len(text or "")), T.DoubleType())
spark.sql(f"SELECT k, count(*), max(score(value)), max(from_json(value, 'id BIGINT').id) FROM {table} GROUP BY k").collect()
spark.sql(f"MERGE INTO {table} AS t USING (SELECT id + 1000 AS id, 1 AS k, 'x' AS value FROM range(5)) AS s ON t.k = 1 AND t.id = s.id WHEN NOT MATCHED THEN INSERT *")


def batch(frame, batch_id):
    frame.localCheckpoint(eager=True).createOrReplaceTempView("batch")
    frame.sparkSession.sql("SELECT k, count(*) FROM batch GROUP BY k").collect()


spark.readStream.format("delta").load(f"{folder}/events").writeStream.foreachBatch(batch).option("checkpointLocation", f"{folder}/checkpoint").trigger(availableNow=True).start().awaitTermination()
spark.stop()

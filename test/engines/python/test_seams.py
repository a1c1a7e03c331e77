"""Regression tests of lakectl_pipeline.py against the pinned libraries of Databricks Runtime 15.4 LTS
(PySpark 3.5.0, databricks-sdk 0.20.0, delta-spark 3.2.0), run with the tier's Python:

  LAKECTL_PYSPARK_DIR=resources/pyspark python -m unittest test/engines/python/test_seams.py
"""
import json
import os
import sys
import unittest
import uuid
from datetime import timedelta
from types import SimpleNamespace

sys.path.insert(0, os.environ["LAKECTL_PYSPARK_DIR"])

import lakectl_pipeline as lp  # noqa: E402


def endpoint(name, entities, routes, ready="READY"):
    from databricks.sdk.service.serving import ServingEndpointDetailed

    return ServingEndpointDetailed.from_dict(
        {
            "name": name,
            "state": {"ready": ready, "config_update": "NOT_UPDATING"},
            "config": {
                "served_entities": [{"name": n, "entity_name": m, "entity_version": v} for n, m, v in entities],
                "traffic_config": {"routes": routes},
            },
        }
    )


class FakeServing:
    def __init__(self, endpoints):
        self.endpoints = {e.name: e for e in endpoints}

    def list(self):
        return [SimpleNamespace(name=n) for n in self.endpoints]

    def get(self, name):
        return self.endpoints[name]


class ServedEndpointTest(unittest.TestCase):
    """Databricks SDK 0.20.0 (DBR 15.4 LTS): Route has served_model_name and no served_entity_name."""

    def test_the_sdk_of_the_runtime_has_no_served_entity_name(self):
        from databricks.sdk.service.serving import Route

        self.assertFalse(hasattr(Route(served_model_name="a", traffic_percentage=100), "served_entity_name"))

    def test_finds_the_version_with_most_traffic_through_the_old_route_field(self):
        client = SimpleNamespace(
            serving_endpoints=FakeServing(
                [
                    endpoint("other", [("x-1", "lakehouse.ml.other", "1")], [{"served_model_name": "x-1", "traffic_percentage": 100}]),
                    endpoint(
                        "lakectl-sentiment",
                        [("sentiment-3", "lakehouse.ml.sentiment", "3"), ("sentiment-4", "lakehouse.ml.sentiment", "4")],
                        [{"served_model_name": "sentiment-3", "traffic_percentage": 20}, {"served_model_name": "sentiment-4", "traffic_percentage": 80}],
                    ),
                ]
            )
        )
        self.assertEqual(lp.served_endpoint(client, "lakehouse.ml.sentiment"), ("lakectl-sentiment", "4"))

    def test_skips_endpoints_that_are_not_ready(self):
        client = SimpleNamespace(
            serving_endpoints=FakeServing([endpoint("e", [("s-1", "lakehouse.ml.sentiment", "1")], [{"served_model_name": "s-1", "traffic_percentage": 100}], ready="NOT_READY")])
        )
        self.assertEqual(lp.served_endpoint(client, "lakehouse.ml.sentiment"), (None, None))


class AiQueryTest(unittest.TestCase):
    def test_sends_the_signature_column_and_never_fails_the_batch(self):
        sql = lp.databricks_score_function("lakectl-sentiment", "4")
        self.assertIn("ai_query('lakectl-sentiment', named_struct('review_text', text), returnType => 'DOUBLE', failOnError => false).result", sql)

    def test_returns_null_without_a_served_version(self):
        self.assertIn("RETURN CAST(NULL AS DOUBLE)", lp.databricks_score_function(None, None))
        self.assertIn("RETURN CAST(NULL AS STRING)", lp.databricks_version_function(None))

    def test_refuses_names_that_could_break_out_of_the_literal(self):
        self.assertIn("CAST(NULL AS DOUBLE)", lp.databricks_score_function("x'); DROP", "4"))
        self.assertIn("CAST(NULL AS STRING)", lp.databricks_version_function("4'"))


class ProgressTest(unittest.TestCase):
    """PySpark 3.5's StreamingQueryProgress: ids are uuid.UUID, a missing offset is the text 'None'."""

    def progress(self, start_offset):
        from pyspark.sql.streaming.listener import StreamingQueryProgress

        return StreamingQueryProgress.fromJson(
            {
                "id": str(uuid.uuid4()),
                "runId": str(uuid.uuid4()),
                "name": "lakectl_bronze",
                "timestamp": "2026-11-26T08:00:00.123Z",
                "batchId": 0,
                "batchDuration": 1200,
                "durationMs": {"triggerExecution": 1200},
                "eventTime": {"max": "2026-11-26T07:59:59.000Z"},
                "stateOperators": [],
                "sources": [
                    {
                        "description": "KafkaV2[Subscribe[customer-events]]",
                        "startOffset": start_offset,
                        # As the JVM hands them over: JSON text (and null for a first batch).
                        "endOffset": '{"customer-events":{"0":10,"1":12}}',
                        "latestOffset": '{"customer-events":{"0":15,"1":12}}',
                        "numInputRows": 22,
                        "inputRowsPerSecond": 0.0,
                        "processedRowsPerSecond": 18.3,
                        "metrics": {},
                    }
                ],
                "sink": {"description": "DeltaSink", "numOutputRows": -1, "metrics": {}},
                "numInputRows": 22,
                "inputRowsPerSecond": 0.0,
                "processedRowsPerSecond": 18.3,
                "observedMetrics": {},
            }
        )

    @staticmethod
    def fields(row: tuple) -> dict:
        return dict(zip([f.name for f in lp.STREAM_PROGRESS_SCHEMA.fields], row))

    def test_the_runtime_gives_uuid_objects_and_the_text_none(self):
        progress = self.progress(None)
        self.assertIsInstance(progress.id, uuid.UUID)
        self.assertEqual(progress.sources[0].startOffset, "None")

    def test_rows_carry_string_ids_and_null_offsets(self):
        progress = self.progress(None)
        row = lp.ProgressRecorder("bronze", "lakectl_bronze").row(progress, lp.utc_now())
        fields = self.fields(row)
        self.assertEqual(fields["query_id"], str(progress.id))
        self.assertEqual(fields["run_id"], str(progress.runId))
        self.assertIsNone(fields["start_offset"])
        self.assertEqual(json.loads(fields["end_offset"]), {"customer-events": {"0": 10, "1": 12}})
        self.assertEqual(fields["offsets_behind_latest"], 5)
        # The row fits the table's schema (createDataFrame verifies every field).
        lp.STREAM_PROGRESS_SCHEMA.fromInternal(lp.STREAM_PROGRESS_SCHEMA.toInternal(row))

    def test_records_the_time_the_progress_came_not_the_time_it_is_written(self):
        progress = self.progress(None)
        came = lp.parse_spark_time(progress.timestamp) + timedelta(seconds=2)
        fields = self.fields(lp.ProgressRecorder("bronze", "lakectl_bronze").row(progress, came))
        self.assertEqual(fields["recorded_at"], came)
        newest = lp.as_utc(fields["max_event_time"])
        self.assertAlmostEqual(fields["ingest_lag_seconds"], (came - newest).total_seconds())

    def test_keeps_real_offsets(self):
        row = lp.ProgressRecorder("bronze", "lakectl_bronze").row(self.progress('{"customer-events":{"0":3}}'), lp.utc_now())
        self.assertEqual(json.loads(row[10]), {"customer-events": {"0": 3}})


class WriteConflictTest(unittest.TestCase):
    """Every Delta concurrency exception (the subclasses of DeltaConcurrentModificationException)."""

    NAMES = [
        "ConcurrentAppendException",
        "ConcurrentDeleteReadException",
        "ConcurrentDeleteDeleteException",
        "ConcurrentTransactionException",
        "ConcurrentWriteException",
        "MetadataChangedException",
        "ProtocolChangedException",
    ]
    ERROR_CLASSES = [
        "DELTA_CONCURRENT_APPEND",
        "DELTA_CONCURRENT_DELETE_READ",
        "DELTA_CONCURRENT_DELETE_DELETE",
        "DELTA_CONCURRENT_TRANSACTION",
        "DELTA_CONCURRENT_WRITE",
        "DELTA_METADATA_CHANGED",
        "DELTA_PROTOCOL_CHANGED",
    ]

    def test_every_delta_concurrency_exception_is_a_conflict(self):
        import delta.exceptions as de

        for name in self.NAMES:
            self.assertTrue(hasattr(de, name), name)
            self.assertTrue(lp.is_write_conflict(Exception(f"io.delta.exceptions.{name}: [X] a concurrent transaction")), name)
        for error_class in self.ERROR_CLASSES:
            self.assertTrue(lp.is_write_conflict(Exception(f"[{error_class}] Transaction conflict detected")), error_class)

    def test_other_errors_are_not(self):
        self.assertFalse(lp.is_write_conflict(Exception("[TABLE_OR_VIEW_NOT_FOUND] The table cannot be found")))
        self.assertFalse(lp.is_write_conflict(ValueError("bad value")))

    def test_retries_a_conflict_then_succeeds_and_gives_up_on_others(self):
        calls = []

        def flaky():
            calls.append(1)
            if len(calls) < 3:
                raise Exception("io.delta.exceptions.ConcurrentAppendException: Files were added")
            return "done"

        self.assertEqual(lp.retry_conflicts(flaky, base_seconds=0.001), "done")
        self.assertEqual(len(calls), 3)
        with self.assertRaises(ValueError):
            lp.retry_conflicts(lambda: (_ for _ in ()).throw(ValueError("no")), base_seconds=0.001)


class SeamTest(unittest.TestCase):
    def setUp(self):
        self.saved = dict(os.environ)

    def tearDown(self):
        os.environ.clear()
        os.environ.update(self.saved)

    def test_databricks_paths_and_modules(self):
        os.environ["DATABRICKS_RUNTIME_VERSION"] = "15.4"
        self.assertEqual(lp.workspace_path("/Shared/lakectl"), "/Workspace/Shared/lakectl")
        self.assertEqual(lp.volume_path("/Volumes/lakehouse/ops/checkpoints/bronze"), "/Volumes/lakehouse/ops/checkpoints/bronze")
        self.assertTrue(lp.kafka_login_module("PLAIN").startswith("kafkashaded.org.apache.kafka."))
        self.assertEqual(lp.model_registry_uri(), "databricks-uc")

    def test_open_source_stand_ins(self):
        os.environ.pop("DATABRICKS_RUNTIME_VERSION", None)
        os.environ.update(LAKECTL_WORKSPACE_ROOT="/tmp/ws", LAKECTL_VOLUMES_ROOT="/tmp/vol")
        self.assertEqual(lp.workspace_path("/Shared/lakectl"), "/tmp/ws/Shared/lakectl")
        self.assertEqual(lp.workspace_path("/Workspace/Shared/lakectl"), "/tmp/ws/Shared/lakectl")
        self.assertEqual(lp.volume_path("/Volumes/lakehouse/ops/checkpoints/bronze"), "/tmp/vol/lakehouse/ops/checkpoints/bronze")
        self.assertEqual(lp.kafka_login_module("SCRAM-SHA-512"), "org.apache.kafka.common.security.scram.ScramLoginModule")
        self.assertIsNone(lp.model_registry_uri())

    def test_a_missing_stand_in_folder_is_named(self):
        os.environ.pop("DATABRICKS_RUNTIME_VERSION", None)
        os.environ.pop("LAKECTL_VOLUMES_ROOT", None)
        with self.assertRaisesRegex(RuntimeError, "LAKECTL_VOLUMES_ROOT"):
            lp.volume_path("/Volumes/x/y/z")


if __name__ == "__main__":
    unittest.main()

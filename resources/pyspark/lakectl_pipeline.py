"""Shared by the lakectl PySpark runners (bronze.py, silver.py, gold.py, backfill.py) on Databricks.

A layer's micro-batch runs the steps of pipeline/manifest.yaml exactly as the local DuckDB executor
(src/pipeline/executor.ts) does: a `view` step is materialised once (localCheckpoint) and registered as a
temp view, so later steps of the batch see a snapshot; a `write` step is a MERGE run with spark.sql.
{{catalog}} is rendered into the SQL text (validated as an identifier); every other {{name}} is bound as
a named parameter (:name), never spliced.
"""
from __future__ import annotations

import json
import os
import queue
import re
import time
from datetime import date, datetime, timezone

import yaml
from pyspark.sql import SparkSession
from pyspark.sql import types as T
from pyspark.sql.streaming import StreamingQueryListener

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,254}$")
PLACEHOLDER = re.compile(r"\{\{([a-z_]+)\}\}")
ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
MODEL_VERSION = re.compile(r"^[0-9]{1,10}$")


def identifier(value: str) -> str:
    """argparse type for catalog names: lower-case letters, digits and underscores."""
    if not IDENTIFIER.match(value):
        raise ValueError(f"'{value}' is not a valid catalog name")
    return value


def workspace_path(folder: str) -> str:
    """Workspace files are mounted under /Workspace on the driver."""
    return folder if folder.startswith("/Workspace/") else "/Workspace" + folder


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def utc_wall_time(moment: datetime) -> str:
    """'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: a timestamp literal Spark and DuckDB read the same way."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


class Pipeline:
    """The manifest and its SQL files, read from the workspace folder bootstrap uploaded."""

    def __init__(self, resources: str, catalog: str):
        self.root = workspace_path(resources)
        self.catalog = identifier(catalog)
        with open(os.path.join(self.root, "pipeline", "manifest.yaml"), encoding="utf-8") as f:
            self.manifest = yaml.safe_load(f)
        self._statements: dict[str, tuple[str, list[str]]] = {}

    def input_view(self, layer: str) -> str:
        return self.manifest["layers"][layer]["input"]["view"]

    def statement(self, file: str) -> tuple[str, list[str]]:
        """The SQL of a step with the catalog rendered and parameters as :name markers, and their names."""
        if file not in self._statements:
            with open(os.path.join(self.root, "sql", file), encoding="utf-8") as f:
                text = f.read().replace("{{catalog}}", self.catalog)
            names: list[str] = []

            def bind(match: re.Match) -> str:
                name = match.group(1)
                if name not in self.manifest["parameters"]:
                    raise ValueError(f"{file} uses {{{{{name}}}}}, which is not a manifest parameter")
                names.append(name)
                return ":" + name

            text = PLACEHOLDER.sub(bind, text)
            self._statements[file] = (text, sorted(set(names)))
        return self._statements[file]

    def run_batch(self, session: SparkSession, layer: str, batch_id: int, stream: str | None = None) -> dict:
        """Runs the layer's steps over the input view already registered on `session`; returns the figures row."""
        spec = self.manifest["layers"][layer]
        parameters = {"batch_id": batch_id, "stream": stream or layer, "recorded_at": utc_wall_time(utc_now())}
        views = []
        for step in spec["steps"]:
            text, names = self.statement(step["sql"])
            args = {name: parameters[name] for name in names} or None
            if "view" in step:
                session.sql(text, args=args).localCheckpoint(eager=True).createOrReplaceTempView(step["view"])
                views.append(step["view"])
            else:
                session.sql(text, args=args)
        figures = session.table(spec["figures"]).first().asDict()
        for view in views:
            session.catalog.dropTempView(view)
        return figures


class SentimentFunctions:
    """sentiment_score(text) and sentiment_model_version() for the Silver SQL.

    Scoring goes through ai_query to the Model Serving endpoint that serves the Unity Catalog model (the
    endpoint `lakectl model promote` updates), so Silver scores with exactly the served champion and the
    cluster loads no model. The endpoint and its version are looked up again every refresh_seconds, so a
    promotion reaches Silver without a restart. With no ready endpoint both functions return NULL.
    """

    def __init__(self, model_name: str, refresh_seconds: float = 60):
        self.model_name = model_name
        self.refresh_seconds = refresh_seconds
        self._next_check = 0.0
        self._served: tuple[str | None, str | None] = (None, None)
        self._registered_on = None

    def register(self, session: SparkSession) -> None:
        if time.monotonic() >= self._next_check:
            self._next_check = time.monotonic() + self.refresh_seconds
            served = self._lookup()
            if served != self._served:
                self._served = served
                self._registered_on = None
        if self._registered_on is session:
            return
        endpoint, version = self._served
        if endpoint and version:
            # Both values come from the serving API and match strict patterns: safe to put in the text
            # (a function body cannot take parameter markers).
            session.sql(
                "CREATE OR REPLACE TEMPORARY FUNCTION sentiment_score(text STRING) RETURNS DOUBLE RETURN "
                f"CASE WHEN text IS NULL OR text = '' THEN NULL ELSE ai_query('{endpoint}', text, returnType => 'DOUBLE') END"
            )
            session.sql(f"CREATE OR REPLACE TEMPORARY FUNCTION sentiment_model_version() RETURNS STRING RETURN '{version}'")
        else:
            session.sql("CREATE OR REPLACE TEMPORARY FUNCTION sentiment_score(text STRING) RETURNS DOUBLE RETURN CAST(NULL AS DOUBLE)")
            session.sql("CREATE OR REPLACE TEMPORARY FUNCTION sentiment_model_version() RETURNS STRING RETURN CAST(NULL AS STRING)")
        self._registered_on = session

    def _lookup(self) -> tuple[str | None, str | None]:
        """The ready endpoint serving the model, and the version that takes most of its traffic."""
        from databricks.sdk import WorkspaceClient

        client = WorkspaceClient()
        for summary in client.serving_endpoints.list():
            endpoint = client.serving_endpoints.get(summary.name)
            config = endpoint.config
            if not config or not config.served_entities or not ENDPOINT_NAME.match(endpoint.name):
                continue
            ready = getattr(endpoint.state, "ready", None)
            if getattr(ready, "value", ready) != "READY":
                continue
            entities = [e for e in config.served_entities if e.entity_name == self.model_name]
            if not entities:
                continue
            traffic = {r.served_entity_name or r.served_model_name: r.traffic_percentage or 0 for r in (config.traffic_config.routes if config.traffic_config else [])}
            best = max(entities, key=lambda e: traffic.get(e.name, 0))
            version = str(best.entity_version or "")
            if MODEL_VERSION.match(version):
                return endpoint.name, version
        return None, None


STREAM_PROGRESS_SCHEMA = T.StructType(
    [
        T.StructField("stream", T.StringType(), False),
        T.StructField("query_id", T.StringType()),
        T.StructField("run_id", T.StringType()),
        T.StructField("batch_id", T.LongType(), False),
        T.StructField("trigger_ts", T.TimestampType(), False),
        T.StructField("num_input_rows", T.LongType()),
        T.StructField("num_output_rows", T.LongType()),
        T.StructField("input_rows_per_second", T.DoubleType()),
        T.StructField("processed_rows_per_second", T.DoubleType()),
        T.StructField("batch_duration_ms", T.LongType()),
        T.StructField("start_offset", T.StringType()),
        T.StructField("end_offset", T.StringType()),
        T.StructField("latest_offset", T.StringType()),
        T.StructField("offsets_behind_latest", T.LongType()),
        T.StructField("max_event_time", T.TimestampType()),
        T.StructField("ingest_lag_seconds", T.DoubleType()),
        T.StructField("progress_json", T.StringType()),
        T.StructField("recorded_at", T.TimestampType(), False),
        T.StructField("progress_date", T.DateType(), False),
    ]
)


def parse_spark_time(text: str | None) -> datetime | None:
    """StreamingQueryProgress times look like 2026-11-26T08:00:00.123Z."""
    if not text:
        return None
    return datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")


def kafka_lag(end_offset: str | None, latest_offset: str | None) -> int | None:
    """Records between the batch's end offsets and the latest offsets, summed over partitions."""
    try:
        end, latest = json.loads(end_offset or "null"), json.loads(latest_offset or "null")
    except ValueError:
        return None
    if not isinstance(end, dict) or not isinstance(latest, dict):
        return None
    return sum(
        max(0, int(offset) - int(end.get(topic, {}).get(partition, 0)))
        for topic, partitions in latest.items()
        for partition, offset in partitions.items()
    )


class ProgressRecorder(StreamingQueryListener):
    """Collects the progress of one query and appends it to ops.stream_progress.

    Listener callbacks run on Spark's listener thread: they only queue the progress, and flush() writes
    from the thread that runs the query, so a slow write never blocks the listener bus.
    """

    def __init__(self, stream: str, query_name: str):
        self.stream = stream
        self.query_name = query_name
        self._progress: queue.Queue = queue.Queue()
        self._figures: dict[int, dict] = {}

    def onQueryStarted(self, event) -> None:
        pass

    def onQueryProgress(self, event) -> None:
        if event.progress.name == self.query_name:
            self._progress.put(event.progress)

    def onQueryIdle(self, event) -> None:
        pass

    def onQueryTerminated(self, event) -> None:
        pass

    def note_batch(self, batch_id: int, figures: dict) -> None:
        """Figures of a foreachBatch run (rows written, newest ingest and event time), for the progress row."""
        self._figures[batch_id] = figures

    def flush(self, spark: SparkSession, catalog: str) -> None:
        rows = []
        while True:
            try:
                rows.append(self._row(self._progress.get_nowait()))
            except queue.Empty:
                break
        if rows:
            spark.createDataFrame(rows, STREAM_PROGRESS_SCHEMA).write.mode("append").saveAsTable(f"{identifier(catalog)}.ops.stream_progress")

    def _row(self, progress) -> tuple:
        figures = self._figures.pop(progress.batchId, {})
        source = progress.sources[0] if progress.sources else None
        event_time = progress.eventTime or {}
        max_event_time = parse_spark_time(event_time.get("max")) or figures.get("max_event_ts")
        newest = figures.get("max_ingest_ts") or max_event_time
        recorded_at = utc_now()
        trigger_ts = parse_spark_time(progress.timestamp)
        output_rows = figures.get("rows_written", progress.sink.numOutputRows if progress.sink else None)
        metrics = (source.metrics if source else None) or {}
        behind = kafka_lag(source.endOffset, source.latestOffset) if source else None
        if behind is None and "maxOffsetsBehindLatest" in metrics:
            behind = int(float(metrics["maxOffsetsBehindLatest"]))
        return (
            self.stream,
            progress.id,
            progress.runId,
            progress.batchId,
            trigger_ts,
            progress.numInputRows,
            output_rows if output_rows is None or output_rows >= 0 else None,
            float(progress.inputRowsPerSecond or 0.0),
            float(progress.processedRowsPerSecond or 0.0),
            progress.durationMs.get("triggerExecution"),
            source.startOffset if source else None,
            source.endOffset if source else None,
            source.latestOffset if source else None,
            behind,
            as_utc(max_event_time),
            (recorded_at - as_utc(newest)).total_seconds() if newest else None,
            progress.json,
            recorded_at,
            trigger_ts.date() if trigger_ts else date.today(),
        )


def as_utc(moment: datetime | None) -> datetime | None:
    """Spark returns naive datetimes in the session time zone (UTC here)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def run_until_stopped(spark: SparkSession, query, recorder: ProgressRecorder, catalog: str, flush_seconds: float) -> None:
    """Waits for the query (a cancelled job run stops it), recording progress as it goes; re-raises its failure."""
    try:
        while not query.awaitTermination(flush_seconds):
            recorder.flush(spark, catalog)
    finally:
        recorder.flush(spark, catalog)

"""Shared by the lakectl PySpark runners (bronze.py, silver.py, gold.py, backfill.py, train.py).

A layer's micro-batch runs the steps of pipeline/manifest.yaml exactly as the local DuckDB executor
(src/pipeline/executor.ts) does: a `view` step is materialised once (localCheckpoint) and registered as a
temp view, so later steps of the batch see a snapshot; a `write` step is a MERGE run with spark.sql; an
`append` step appends its SELECT's rows once per (stream, batch id), as an idempotent Delta write; a
`replace` step swaps a partition of a table for a view's rows with Delta's replaceWhere (backfills).
{{catalog}} is rendered into the SQL text (validated as an identifier); every other {{name}} is bound as
a named parameter (:name), never spliced.

The runners are written for Databricks. What only exists there sits behind the seams below, each of
which chooses the open-source equivalent only off Databricks (no DATABRICKS_RUNTIME_VERSION), so the
same files run on Apache Spark with Delta Lake, a Kafka broker and an MLflow server (the engines tier):

| Databricks                              | off Databricks                                                   |
|-----------------------------------------|------------------------------------------------------------------|
| /Workspace/<folder>                     | $LAKECTL_WORKSPACE_ROOT/<folder>                                 |
| /Volumes/<catalog>/<schema>/<volume>/.. | $LAKECTL_VOLUMES_ROOT/<catalog>/<schema>/<volume>/..             |
| dbutils.secrets.get(scope, key)         | the file $LAKECTL_SECRETS_DIR/<scope>/<key>                      |
| kafkashaded.org.apache.kafka... (JAAS)  | org.apache.kafka... (the Kafka client Spark's connector ships)   |
| Unity Catalog <catalog>.<schema>.<t>    | spark_catalog.<schema>.<t>: every Delta table of the shared      |
|                                         | warehouse $LAKECTL_WAREHOUSE (<schema>.db/<table>) registered in |
|                                         | this driver's in-memory session catalog                          |
| Model Serving endpoint + ai_query       | the MLflow registry ($MLFLOW_TRACKING_URI): the version under    |
|                                         | alias $LAKECTL_SERVED_ALIAS (default champion), scored by a      |
|                                         | pandas UDF over the model loaded from its models:/ URI           |
| MLflow registry databricks-uc           | the tracking server's own registry                               |
"""
from __future__ import annotations

import glob
import json
import os
import queue
import random
import re
import signal
import sys
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
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
SESSION_CATALOG = "spark_catalog"
# Delta's optimistic concurrency: every exception a commit raises when a concurrent transaction won
# (the subclasses of DeltaConcurrentModificationException, by class name and by Delta error class).
WRITE_CONFLICT = re.compile(
    r"Concurrent(Write|Append|DeleteRead|DeleteDelete|Transaction)Exception|MetadataChangedException|ProtocolChangedException"
    r"|DeltaConcurrentModificationException|DELTA_CONCURRENT_[A-Z_]+|DELTA_METADATA_CHANGED|DELTA_PROTOCOL_CHANGED"
)


def identifier(value: str) -> str:
    """argparse type for catalog names: lower-case letters, digits and underscores."""
    if not IDENTIFIER.match(value):
        raise ValueError(f"'{value}' is not a valid catalog name")
    return value


# --------------------------------------------------------------------------------------------------
# Seams: Databricks, or its open-source equivalent off Databricks.


def on_databricks() -> bool:
    return bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))


def _site_folder(variable: str) -> str:
    folder = os.environ.get(variable)
    if not folder:
        raise RuntimeError(f"off Databricks, {variable} must name the folder that stands in for it")
    return folder


def workspace_path(folder: str) -> str:
    """Workspace files are mounted under /Workspace on the driver."""
    inside = folder[len("/Workspace"):] if folder.startswith("/Workspace/") else folder
    if on_databricks():
        return "/Workspace" + inside
    return os.path.join(_site_folder("LAKECTL_WORKSPACE_ROOT"), inside.lstrip("/"))


def volume_path(path: str) -> str:
    """A /Volumes path (checkpoints) as the driver reaches it."""
    if on_databricks() or not path.startswith("/Volumes/"):
        return path
    return os.path.join(_site_folder("LAKECTL_VOLUMES_ROOT"), path[len("/Volumes/"):])


def secret(spark: SparkSession, scope: str, key: str) -> str:
    if on_databricks():
        from pyspark.dbutils import DBUtils

        return DBUtils(spark).secrets.get(scope=scope, key=key)
    with open(os.path.join(_site_folder("LAKECTL_SECRETS_DIR"), scope, key), encoding="utf-8") as f:
        return f.read().strip()


def kafka_login_module(mechanism: str) -> str:
    """Databricks Runtime shades the Kafka client, so its JAAS login modules live under kafkashaded."""
    module = "org.apache.kafka.common.security." + ("plain.PlainLoginModule" if mechanism == "PLAIN" else "scram.ScramLoginModule")
    return "kafkashaded." + module if on_databricks() else module


def lakehouse_catalog(spark: SparkSession, catalog: str) -> str:
    """The catalog name to put in the SQL: the Unity Catalog catalog on Databricks.

    Off Databricks there is no shared metastore (the in-memory catalog is per driver, an embedded Derby
    metastore admits one driver at a time), so each driver registers the lakehouse's Delta tables from
    the shared warehouse folder in its own session catalog; Delta's transaction log on the shared folder
    keeps the concurrent drivers consistent.
    """
    identifier(catalog)
    if on_databricks():
        return catalog
    register_warehouse(spark)
    return SESSION_CATALOG


def register_warehouse(spark: SparkSession) -> None:
    """Registers every <schema>.db folder of $LAKECTL_WAREHOUSE and every Delta table in it."""
    warehouse = _site_folder("LAKECTL_WAREHOUSE")
    for schema_dir in sorted(glob.glob(os.path.join(warehouse, "*.db"))):
        schema = identifier(os.path.basename(schema_dir)[: -len(".db")])
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {SESSION_CATALOG}.{schema} LOCATION '{schema_dir}'")
        for log in sorted(glob.glob(os.path.join(schema_dir, "*", "_delta_log"))):
            table_dir = os.path.dirname(log)
            table = identifier(os.path.basename(table_dir))
            spark.sql(f"CREATE TABLE IF NOT EXISTS {SESSION_CATALOG}.{schema}.{table} USING DELTA LOCATION '{table_dir}'")


def model_registry_uri() -> str | None:
    """Unity Catalog's registry on Databricks; the tracking server's own registry elsewhere."""
    return "databricks-uc" if on_databricks() else None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def utc_wall_time(moment: datetime) -> str:
    """'YYYY-MM-DD HH:MM:SS.ffffff' in UTC: a timestamp literal Spark and DuckDB read the same way."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f")


def is_write_conflict(error: BaseException) -> bool:
    """A Delta commit lost to a concurrent transaction (the stream, a backfill): safe to run again."""
    return bool(WRITE_CONFLICT.search(f"{type(error).__name__}: {error}"))


def retry_conflicts(action, attempts: int = 8, base_seconds: float = 0.2, max_seconds: float = 10.0):
    """Runs action(); runs it again after a jittered backoff when it lost a Delta write conflict."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - only write conflicts are retried
            if attempt == attempts or not is_write_conflict(error):
                raise
            # One line per lost commit in the driver's log (the tier counts them: conflict-free by design).
            print(f"lakectl: write conflict ({type(error).__name__}), attempt {attempt} of {attempts}, retrying", file=sys.stderr, flush=True)
            time.sleep(min(max_seconds, base_seconds * 2 ** (attempt - 1)) * (0.5 + random.random()))


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

    def table(self, name: str) -> str:
        """<catalog>.<schema>.<table> for a schema.table name."""
        return f"{self.catalog}.{name}"

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

    def run_batch(self, session: SparkSession, layer: str, batch_id: int, stream: str | None = None, run_key: str = "") -> dict:
        """Runs the layer's steps over the input view already registered on `session`; returns the figures row.

        Every step may run again: views are recomputed, MERGEs are idempotent and appends are written
        once per (stream, batch id). A write that loses a Delta conflict is retried on its own. run_key
        names the stream run an append belongs to (the query id): Delta keeps the batch ids it has
        appended per run key, so a batch that Spark replays after a crash appends nothing twice.
        """
        spec = self.manifest["layers"][layer]
        stream = stream or layer
        parameters = {"batch_id": batch_id, "stream": stream, "recorded_at": utc_wall_time(utc_now())}
        return self._run_steps(session, spec["steps"], spec["figures"], parameters, run_key)

    def run_partition(self, session: SparkSession, layer: str, mode: str, partition_date: date) -> dict:
        """A backfill of one partition (event_date) in `mode` (manifest `backfills`): presents the layer's
        input from the backfill's input SQL, runs the mode's steps and returns the figures row. The batch
        id is -yyyymmdd and the stream <layer>_backfill, as on the local engine."""
        spec = self.manifest["backfills"][layer]
        parameters = {
            "batch_id": -int(partition_date.strftime("%Y%m%d")),
            "stream": f"{layer}_backfill",
            "recorded_at": utc_wall_time(utc_now()),
            "partition_date": partition_date.isoformat(),
        }
        text, names = self.statement(spec["input"])
        session.sql(text, args={name: parameters[name] for name in names} or None).createOrReplaceTempView(self.input_view(layer))
        try:
            return self._run_steps(session, spec["modes"][mode], spec["figures"], parameters)
        finally:
            session.catalog.dropTempView(self.input_view(layer))

    def _run_steps(self, session: SparkSession, steps: list[dict], figures_view: str, parameters: dict, run_key: str = "") -> dict:
        views = []
        parameters = dict(parameters)
        try:
            for step in steps:
                if "replace" in step:
                    retry_conflicts(lambda: self._replace(session, step, parameters["partition_date"]))
                    continue
                text, names = self.statement(step["sql"])
                args = {name: parameters[name] for name in names} or None
                if "bind" in step:
                    parameters.update(self._bound_values(step["sql"], session.sql(text, args=args).collect()))
                elif "view" in step:
                    session.sql(text, args=args).localCheckpoint(eager=True).createOrReplaceTempView(step["view"])
                    views.append(step["view"])
                elif "append" in step:
                    rows = session.sql(text, args=args)
                    retry_conflicts(lambda: self._append_once(rows, step["append"], parameters["stream"], parameters["batch_id"], run_key))
                else:
                    retry_conflicts(lambda: session.sql(text, args=args))
            return session.table(figures_view).first().asDict()
        finally:
            for view in views:
                session.catalog.dropTempView(view)

    def _bound_values(self, file: str, rows: list) -> dict:
        """A bind step's one row: each column is the manifest's date parameter of that name ('YYYY-MM-DD'
        or None) for the later steps, as on the local engine (src/pipeline/executor.ts boundValues)."""
        if len(rows) != 1:
            raise ValueError(f"{file} must return one row, not {len(rows)}")
        values = rows[0].asDict()
        for name, value in values.items():
            if self.manifest["parameters"].get(name, {}).get("type") != "date":
                raise ValueError(f"{file} returns {name}, which is not a date parameter of the manifest")
            if value is not None and not (isinstance(value, str) and DATE.match(value)):
                raise ValueError(f"{file} returns {name} = {value!r}, not a date 'YYYY-MM-DD' or NULL")
        return values

    def _replace(self, session: SparkSession, step: dict, partition_date: str) -> None:
        """The partition's rows give way to the view's in one Delta commit (replaceWhere). Delta refuses a
        row of the view outside the partition (DELTA_REPLACE_WHERE_MISMATCH); columns match by name."""
        if not DATE.match(partition_date) or not IDENTIFIER.match(step["where"]):
            raise ValueError(f"bad replace step {step!r} for {partition_date!r}")
        (
            session.table(step["from"])
            .write.format("delta")
            .mode("overwrite")
            .option("replaceWhere", f"{step['where']} = DATE'{partition_date}'")
            .saveAsTable(self.table(step["replace"]))
        )

    def _append_once(self, rows, table: str, stream: str, batch_id: int, run_key: str) -> None:
        """Delta's idempotent writes: a (txnAppId, txnVersion) already committed is skipped.

        Stream batches count up from 0 within a run: one application id per stream run, the batch id as
        version. A backfilled partition (negative batch id) gets an application id of its own, version 0.
        """
        app = f"lakectl.{table}.{stream}" + (f".{run_key}" if run_key else "")
        version = batch_id
        if batch_id < 0:
            app, version = f"{app}.{-batch_id}", 0
        (
            rows.write.format("delta")
            .mode("append")
            .option("txnAppId", app)
            .option("txnVersion", version)
            .saveAsTable(self.table(table))
        )


def query_id(spark: SparkSession, query_name: str) -> str:
    """The id of the running query of that name (stable across restarts from the same checkpoint)."""
    for query in spark.streams.active:
        if query.name == query_name:
            return str(query.id)
    raise RuntimeError(f"no active streaming query named {query_name}")


# --------------------------------------------------------------------------------------------------
# Sentiment scoring


class SentimentFunctions:
    """sentiment_score(text) and sentiment_model_version() for the Silver SQL.

    On Databricks scoring goes through ai_query to the Model Serving endpoint that serves the Unity
    Catalog model (the endpoint `lakectl model promote` updates), so Silver scores with exactly the
    served champion and the cluster loads no model. Off Databricks the served version is the registered
    model's version under $LAKECTL_SERVED_ALIAS in the MLflow registry, scored by a pandas UDF over that
    version's model. The served version is looked up again every refresh_seconds, so a promotion reaches
    Silver without a restart. With nothing served both functions return NULL.
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
        target, version = self._served
        if on_databricks():
            session.sql(databricks_score_function(target, version))
            session.sql(databricks_version_function(target and version))
        else:
            register_mlflow_functions(session, target, version)
        self._registered_on = session

    def _lookup(self) -> tuple[str | None, str | None]:
        if on_databricks():
            from databricks.sdk import WorkspaceClient

            return served_endpoint(WorkspaceClient(), self.model_name)
        return served_registry_version(self.model_name, os.environ.get("LAKECTL_SERVED_ALIAS", "champion"))


def databricks_score_function(endpoint: str | None, version: str | None) -> str:
    """The SQL function that scores through ai_query.

    The served model's signature has one named input column, review_text: ai_query sends a struct with
    that field (a bare string would be rejected as an input that does not match the signature). With
    failOnError => false an endpoint error (overload, timeout, a bad row) gives a NULL score for the
    row, counted as unscored, instead of failing the batch and with it the stream. Both values come
    from the serving API and match strict patterns: safe to put in the text (a function body cannot
    take parameter markers).
    """
    if not (endpoint and version and ENDPOINT_NAME.match(endpoint) and MODEL_VERSION.match(version)):
        return "CREATE OR REPLACE TEMPORARY FUNCTION sentiment_score(text STRING) RETURNS DOUBLE RETURN CAST(NULL AS DOUBLE)"
    return (
        "CREATE OR REPLACE TEMPORARY FUNCTION sentiment_score(text STRING) RETURNS DOUBLE RETURN "
        "CASE WHEN text IS NULL OR text = '' THEN NULL ELSE "
        f"ai_query('{endpoint}', named_struct('review_text', text), returnType => 'DOUBLE', failOnError => false).result END"
    )


def databricks_version_function(version: str | None) -> str:
    if not (version and MODEL_VERSION.match(version)):
        return "CREATE OR REPLACE TEMPORARY FUNCTION sentiment_model_version() RETURNS STRING RETURN CAST(NULL AS STRING)"
    return f"CREATE OR REPLACE TEMPORARY FUNCTION sentiment_model_version() RETURNS STRING RETURN '{version}'"


def served_endpoint(client, model_name: str) -> tuple[str | None, str | None]:
    """The ready endpoint serving the model, and the version that takes most of its traffic.

    Works with the Databricks SDK that Databricks Runtime 15.4 LTS ships (0.20.0), whose Route has only
    served_model_name, as with newer ones (served_entity_name).
    """
    for summary in client.serving_endpoints.list():
        endpoint = client.serving_endpoints.get(summary.name)
        config = endpoint.config
        if not config or not config.served_entities or not ENDPOINT_NAME.match(endpoint.name or ""):
            continue
        ready = getattr(endpoint.state, "ready", None)
        if getattr(ready, "value", ready) != "READY":
            continue
        entities = [e for e in config.served_entities if e.entity_name == model_name]
        if not entities:
            continue
        routes = (config.traffic_config.routes if config.traffic_config else None) or []
        traffic = {getattr(r, "served_entity_name", None) or getattr(r, "served_model_name", None): r.traffic_percentage or 0 for r in routes}
        best = max(entities, key=lambda e: traffic.get(e.name, 0))
        version = str(best.entity_version or "")
        if MODEL_VERSION.match(version):
            return endpoint.name, version
    return None, None


def served_registry_version(model_name: str, alias: str) -> tuple[str | None, str | None]:
    """(models:/ URI, version) of the registered model's version under the alias, or (None, None)."""
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    try:
        version = MlflowClient().get_model_version_by_alias(model_name, alias).version
    except MlflowException:
        return None, None
    version = str(version)
    return (f"models:/{model_name}/{version}", version) if MODEL_VERSION.match(version) else (None, None)


def register_mlflow_functions(session: SparkSession, model_uri: str | None, version: str | None) -> None:
    """Python UDFs standing in for the ai_query functions: the model's P(positive), NULL for no score."""
    from pyspark.sql.functions import PandasUDFType, pandas_udf

    if model_uri is None:
        session.udf.register("sentiment_score", lambda text: None, T.DoubleType())
        session.udf.register("sentiment_model_version", lambda: None, T.StringType())
        return
    import mlflow
    import pandas as pd

    model = mlflow.pyfunc.load_model(model_uri)

    def score(texts):
        """A pandas.Series of texts -> their scores (no type hints: annotations are strings in this module)."""
        present = texts.map(lambda t: isinstance(t, str) and t != "")
        scores = pd.Series([None] * len(texts), index=texts.index, dtype="object")
        if present.any():
            predicted = pd.Series(model.predict(pd.DataFrame({"review_text": texts[present]})), index=texts[present].index)
            scores[present] = predicted.map(lambda s: None if pd.isna(s) else float(s))
        return scores.astype("float64")

    session.udf.register("sentiment_score", pandas_udf(score, T.DoubleType(), PandasUDFType.SCALAR))
    session.udf.register("sentiment_model_version", lambda: version, T.StringType())


# --------------------------------------------------------------------------------------------------
# Progress


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


def offset_text(offset) -> str | None:
    """An offset as JSON text, or None: PySpark 3.5 renders a missing offset as the text 'None'."""
    if offset is None:
        return None
    text = offset if isinstance(offset, str) else json.dumps(offset)
    return None if text.strip() in ("", "None", "null") else text


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

    Listener callbacks run on Spark's listener thread: they only queue the progress with the time it
    came (the row's recorded_at, so a batch's ingest lag is measured when it ended, not when the row is
    written), and flush() writes from the thread that runs the query, so a slow write never blocks the
    listener bus. Rows are plain appends (conflict-free beside the other streams' appends).
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
            self._progress.put((event.progress, utc_now()))

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
                rows.append(self.row(*self._progress.get_nowait()))
            except queue.Empty:
                break
        if rows:
            table = f"{identifier(catalog)}.ops.stream_progress"
            retry_conflicts(lambda: spark.createDataFrame(rows, STREAM_PROGRESS_SCHEMA).write.format("delta").mode("append").saveAsTable(table))

    def row(self, progress, recorded_at: datetime) -> tuple:
        figures = self._figures.pop(progress.batchId, {})
        source = progress.sources[0] if progress.sources else None
        event_time = progress.eventTime or {}
        max_event_time = parse_spark_time(event_time.get("max")) or figures.get("max_event_ts")
        newest = figures.get("max_ingest_ts") or max_event_time
        trigger_ts = parse_spark_time(progress.timestamp)
        output_rows = figures.get("rows_written", progress.sink.numOutputRows if progress.sink else None)
        metrics = (source.metrics if source else None) or {}
        start, end, latest = (offset_text(source.startOffset), offset_text(source.endOffset), offset_text(source.latestOffset)) if source else (None, None, None)
        behind = kafka_lag(end, latest)
        if behind is None and "maxOffsetsBehindLatest" in metrics:
            behind = int(float(metrics["maxOffsetsBehindLatest"]))
        return (
            self.stream,
            str(progress.id),
            str(progress.runId),
            progress.batchId,
            trigger_ts,
            progress.numInputRows,
            output_rows if output_rows is None or output_rows >= 0 else None,
            float(progress.inputRowsPerSecond or 0.0),
            float(progress.processedRowsPerSecond or 0.0),
            progress.durationMs.get("triggerExecution"),
            start,
            end,
            latest,
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


# How often a runner writes the progress it has collected. Each write is a Delta commit (about 0.7 s of
# the driver's time, measured on the engines tier), so not one a batch: `stream status` sees a batch up
# to this much later, well inside the tightest lag SLO (60 s), and each row keeps the time its batch ended.
PROGRESS_SECONDS = 15


def run_until_stopped(spark: SparkSession, query, recorder: ProgressRecorder, catalog: str) -> None:
    """Waits for the query (a cancelled job run stops it), recording progress as it goes; re-raises its failure.

    SIGTERM stops the query within a second, and the progress of its last batches is still recorded.
    """
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    next_flush = time.monotonic() + PROGRESS_SECONDS
    try:
        while not query.awaitTermination(1):
            if stopping:
                query.stop()
            elif time.monotonic() >= next_flush:
                recorder.flush(spark, catalog)
                next_flush = time.monotonic() + PROGRESS_SECONDS
    finally:
        recorder.flush(spark, catalog)

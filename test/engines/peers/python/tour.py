"""
A scripted tour of the local workspace through the official Databricks SDK for Python.

Run by test/engines/peers/python-sdk.test.ts against a local workspace it started and seeded
(DATABRICKS_HOST / DATABRICKS_TOKEN, plus TOUR_* names of what it prepared). Every step calls the
SDK's own typed methods; each raw response is compared with the SDK's dataclasses, so a field the
SDK does not know (a misnamed or invented field) or an enum value it cannot read fails the step as
surely as a missing one. Prints one JSON document: {"steps": [{"name", "ok", "error"?}], ...}.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import sys
import time
import traceback
from typing import Any, Callable

from databricks.sdk import WorkspaceClient
from databricks.sdk import errors
from databricks.sdk.core import ApiClient
from databricks.sdk.service import catalog, jobs, serving, sql, workspace

# ------------------------------------------------------------------------------------------------
# Raw responses, to compare with the typed objects

_last_raw: list[Any] = []
_original_do = ApiClient.do


def _recording_do(self, method, path=None, *args, **kwargs):
    result = _original_do(self, method, path, *args, **kwargs)
    _last_raw.append({"method": method, "path": path, "body": result})
    return result


ApiClient.do = _recording_do


def raw(path_part: str, method: str | None = None) -> Any:
    """The newest raw response body of a call whose path contains path_part."""
    for entry in reversed(_last_raw):
        if path_part in (entry["path"] or "") and (method is None or entry["method"] == method):
            return entry["body"]
    raise AssertionError(f"no recorded call to {path_part}")


def calls(path_part: str, method: str = "GET") -> list[Any]:
    return [e for e in _last_raw if path_part in (e["path"] or "") and e["method"] == method]


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def conforms(typed: Any, body: Any, where: str = "") -> None:
    """
    The raw JSON survives the SDK's round trip (from_dict, then as_dict): a field the SDK's type does
    not have, or an enum value it cannot read, is dropped on the way and fails the check; a value of
    the wrong JSON type (a string where the SDK reads an int) fails it too.
    """
    expect(dataclasses.is_dataclass(typed), f"{where}: expected an SDK object, got {type(typed).__name__}")
    compare(typed.as_dict(), body, where or type(typed).__name__)


def compare(kept: Any, body: Any, where: str) -> None:
    if isinstance(body, dict):
        expect(isinstance(kept, dict), f"{where}: the SDK did not read an object here (got {kept!r})")
        for key, value in body.items():
            if _empty(value):
                continue
            expect(key in kept, f"{where}: field '{key}' = {json.dumps(value)[:80]} is dropped by the SDK (not a field of its type, or an unknown enum value)")
            compare(kept[key], value, f"{where}.{key}")
    elif isinstance(body, list):
        expect(isinstance(kept, list) and len(kept) == len(body), f"{where}: the SDK kept {kept!r} of the list {body!r}")
        for i, (k, v) in enumerate(zip(kept, body)):
            compare(k, v, f"{where}[{i}]")
    elif isinstance(body, bool) or isinstance(kept, bool):
        expect(type(body) is type(kept), f"{where}: {body!r} is not a boolean")


def has(obj: Any, *fields: str) -> None:
    """Fields a real response always carries (the SDK makes every field optional, so check)."""
    missing = [f for f in fields if getattr(obj, f, None) in (None, "", [])]
    if missing:
        raise AssertionError(f"{type(obj).__name__} lacks {missing}")


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


def expect_error(call: Callable[[], Any], error_class: type, error_code: str, status: int) -> errors.DatabricksError:
    try:
        call()
    except errors.DatabricksError as error:
        expect(isinstance(error, error_class), f"expected {error_class.__name__}, got {type(error).__name__}: {error}")
        expect(error.error_code == error_code, f"expected error_code {error_code}, got {error.error_code} ({error})")
        response = getattr(error, "_response", None) or getattr(error, "response", None)
        if response is not None and hasattr(response, "status_code"):
            expect(response.status_code == status, f"expected HTTP {status}, got {response.status_code}")
        return error
    raise AssertionError(f"expected {error_class.__name__}, the call succeeded")


def wait_until(what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


# ------------------------------------------------------------------------------------------------
# Steps

STEPS: list[tuple[str, Callable[[WorkspaceClient], None]]] = []


def step(name: str):
    def register(fn):
        STEPS.append((name, fn))
        return fn

    return register


CAT = os.environ.get("TOUR_CATALOG", "sdk_tour")
MODEL = os.environ["TOUR_MODEL"]
ENDPOINT = os.environ["TOUR_ENDPOINT"]
WAREHOUSE = os.environ["TOUR_WAREHOUSE"]
PRINCIPAL = "analysts"


@step("current user")
def current_user(w: WorkspaceClient) -> None:
    me = w.current_user.me()
    conforms(me, raw("/Me"))
    has(me, "id", "user_name", "active")


@step("catalogs create/get/list/update")
def catalogs(w: WorkspaceClient) -> None:
    created = w.catalogs.create(name=CAT, comment="tour", properties={"owner_team": "platform"})
    conforms(created, raw("/catalogs", "POST"))
    has(created, "name", "full_name", "owner", "created_at", "catalog_type", "metastore_id")
    expect(created.catalog_type == catalog.CatalogType.MANAGED_CATALOG, f"catalog_type {created.catalog_type}")
    for extra in ("sdk_tour_b", "sdk_tour_c"):
        w.catalogs.create(name=extra)
    got = w.catalogs.get(CAT)
    conforms(got, raw(f"/catalogs/{CAT}"))
    expect(got.comment == "tour" and got.properties == {"owner_team": "platform"}, f"get returned {got}")
    before = len(calls("/unity-catalog/catalogs"))
    names = [c.name for c in w.catalogs.list(max_results=1)]
    pages = len(calls("/unity-catalog/catalogs")) - before
    expect({CAT, "sdk_tour_b", "sdk_tour_c"} <= set(names), f"list returned {names}")
    expect(pages >= 3, f"max_results=1 should page, took {pages} page(s)")
    expect(len(names) == len(set(names)), f"paging repeated catalogs: {names}")
    updated = w.catalogs.update(CAT, comment="tour (updated)")
    conforms(updated, raw(f"/catalogs/{CAT}", "PATCH"))
    expect(updated.comment == "tour (updated)", f"update returned comment {updated.comment!r}")
    expect(w.catalogs.get(CAT).comment == "tour (updated)", "the update did not persist")


@step("schemas create/get/list/update")
def schemas(w: WorkspaceClient) -> None:
    for name in ("bronze", "silver", "gold"):
        created = w.schemas.create(name=name, catalog_name=CAT, comment=f"{name} layer")
        conforms(created, raw("/schemas", "POST"))
        has(created, "name", "catalog_name", "full_name", "owner", "created_at")
    got = w.schemas.get(f"{CAT}.silver")
    conforms(got, raw(f"/schemas/{CAT}.silver"))
    expect(got.full_name == f"{CAT}.silver", f"full_name {got.full_name}")
    names = [s.name for s in w.schemas.list(catalog_name=CAT, max_results=1)]
    expect({"bronze", "silver", "gold", "default"} <= set(names), f"list returned {names}")
    updated = w.schemas.update(f"{CAT}.gold", comment="aggregates")
    conforms(updated, raw(f"/schemas/{CAT}.gold", "PATCH"))
    expect(w.schemas.get(f"{CAT}.gold").comment == "aggregates", "the schema update did not persist")


def run_sql(w: WorkspaceClient, statement: str, **kwargs) -> sql.StatementResponse:
    response = w.statement_execution.execute_statement(statement=statement, warehouse_id=WAREHOUSE, wait_timeout="30s", **kwargs)
    expect(response.status.state == sql.StatementState.SUCCEEDED, f"{statement}: {response.status}")
    return response


@step("tables get/list/exists/update/delete")
def tables(w: WorkspaceClient) -> None:
    for i in range(3):
        run_sql(w, f"CREATE TABLE {CAT}.bronze.events_{i} (id BIGINT NOT NULL, payload STRING, ts TIMESTAMP) PARTITIONED BY (ts)" if i == 0 else f"CREATE TABLE {CAT}.bronze.events_{i} (id BIGINT, payload STRING)")
    got = w.tables.get(f"{CAT}.bronze.events_0")
    conforms(got, raw(f"/tables/{CAT}.bronze.events_0"))
    has(got, "name", "catalog_name", "schema_name", "full_name", "table_type", "data_source_format", "columns", "owner", "table_id", "created_at")
    expect([c.name for c in got.columns] == ["id", "payload", "ts"], f"columns {[c.name for c in got.columns]}")
    expect(got.columns[0].type_name == catalog.ColumnTypeName.LONG and got.columns[0].nullable is False, f"id column {got.columns[0]}")
    expect(got.columns[2].partition_index == 0, f"ts should be partition 0: {got.columns[2]}")
    listed = list(w.tables.list(catalog_name=CAT, schema_name="bronze", max_results=1))
    expect(sorted(t.name for t in listed) == ["events_0", "events_1", "events_2"], f"list returned {[t.name for t in listed]}")
    for t, body in zip(listed, [b for e in calls("/unity-catalog/tables") for b in (e["body"].get("tables") or [])]):
        conforms(t, body)
    expect(w.tables.exists(f"{CAT}.bronze.events_1").table_exists is True, "exists said no")
    expect(w.tables.exists(f"{CAT}.bronze.nope").table_exists is False, "exists said yes for a missing table")
    w.tables.update(f"{CAT}.bronze.events_1", owner=PRINCIPAL)
    expect(w.tables.get(f"{CAT}.bronze.events_1").owner == PRINCIPAL, "the owner change did not persist")
    w.tables.delete(f"{CAT}.bronze.events_2")
    expect_error(lambda: w.tables.get(f"{CAT}.bronze.events_2"), errors.NotFound, "TABLE_DOES_NOT_EXIST", 404)


@step("volumes create/read/list/update/delete")
def volumes(w: WorkspaceClient) -> None:
    for name in ("landing", "checkpoints"):
        created = w.volumes.create(catalog_name=CAT, schema_name="bronze", name=name, volume_type=catalog.VolumeType.MANAGED, comment=f"{name} files")
        conforms(created, raw("/volumes", "POST"))
        has(created, "name", "catalog_name", "schema_name", "full_name", "volume_type", "owner", "volume_id", "storage_location", "created_at")
    got = w.volumes.read(f"{CAT}.bronze.landing")
    conforms(got, raw(f"/volumes/{CAT}.bronze.landing"))
    listed = [v.name for v in w.volumes.list(catalog_name=CAT, schema_name="bronze", max_results=1)]
    expect(sorted(listed) == ["checkpoints", "landing"], f"list returned {listed}")
    updated = w.volumes.update(f"{CAT}.bronze.landing", comment="raw drops")
    conforms(updated, raw(f"/volumes/{CAT}.bronze.landing", "PATCH"))
    expect(w.volumes.read(f"{CAT}.bronze.landing").comment == "raw drops", "the volume update did not persist")
    w.volumes.delete(f"{CAT}.bronze.checkpoints")
    expect_error(lambda: w.volumes.read(f"{CAT}.bronze.checkpoints"), errors.NotFound, "VOLUME_DOES_NOT_EXIST", 404)


@step("grants get/update/effective")
def grants(w: WorkspaceClient) -> None:
    changed = w.grants.update(
        "catalog",
        CAT,
        changes=[catalog.PermissionsChange(principal=PRINCIPAL, add=[catalog.Privilege.USE_CATALOG, catalog.Privilege.USE_SCHEMA, catalog.Privilege.SELECT])],
    )
    conforms(changed, raw(f"/permissions/catalog/{CAT}", "PATCH"))
    got = w.grants.get("catalog", CAT)
    conforms(got, raw(f"/permissions/catalog/{CAT}", "GET"))
    mine = [a for a in got.privilege_assignments or [] if a.principal == PRINCIPAL]
    expect(len(mine) == 1 and sorted(p.value for p in mine[0].privileges) == ["SELECT", "USE_CATALOG", "USE_SCHEMA"], f"grants {got}")
    w.grants.update("schema", f"{CAT}.silver", changes=[catalog.PermissionsChange(principal=PRINCIPAL, add=[catalog.Privilege.MODIFY])])
    effective = w.grants.get_effective("table", f"{CAT}.bronze.events_0", principal=PRINCIPAL)
    conforms(effective, raw(f"/effective-permissions/table/{CAT}.bronze.events_0"))
    privileges = {(p.privilege, p.inherited_from_type, p.inherited_from_name) for a in effective.privilege_assignments or [] for p in a.privileges or []}
    expect((catalog.Privilege.SELECT, catalog.SecurableType.CATALOG, CAT) in privileges, f"SELECT inherited from the catalog: {privileges}")
    expect(not any(p[0] == catalog.Privilege.MODIFY for p in privileges), f"MODIFY on silver must not reach a bronze table: {privileges}")
    w.grants.update("catalog", CAT, changes=[catalog.PermissionsChange(principal=PRINCIPAL, remove=[catalog.Privilege.SELECT])])
    after = w.grants.get("catalog", CAT, principal=PRINCIPAL)
    expect(sorted(p.value for p in after.privilege_assignments[0].privileges) == ["USE_CATALOG", "USE_SCHEMA"], f"after remove {after}")
    expect_error(
        lambda: w.grants.update("catalog", CAT, changes=[catalog.PermissionsChange(principal=PRINCIPAL, add=[catalog.Privilege.SELECT], remove=[catalog.Privilege.SELECT])]),
        errors.InvalidParameterValue,
        "INVALID_PARAMETER_VALUE",
        400,
    )


@step("warehouses list/get")
def warehouses(w: WorkspaceClient) -> None:
    listed = list(w.warehouses.list())
    expect(any(x.id == WAREHOUSE for x in listed), f"list {listed}")
    for x, body in zip(listed, raw("/sql/warehouses")["warehouses"]):
        conforms(x, body)
    got = w.warehouses.get(WAREHOUSE)
    conforms(got, raw(f"/sql/warehouses/{WAREHOUSE}"))
    has(got, "id", "name", "state", "cluster_size", "creator_name")
    expect(got.state == sql.State.RUNNING, f"state {got.state}")


@step("statements: named parameters, polling, chunks")
def statements(w: WorkspaceClient) -> None:
    response = w.statement_execution.execute_statement(
        statement="SELECT id, CAST(id * :factor AS DOUBLE) AS scaled, :label AS label, CAST(:day AS DATE) AS day FROM range(0, 25) AS t(id) ORDER BY id",
        warehouse_id=WAREHOUSE,
        parameters=[
            sql.StatementParameterListItem(name="factor", value="2", type="INT"),
            sql.StatementParameterListItem(name="label", value="x"),
            sql.StatementParameterListItem(name="day", value="2026-11-26", type="DATE"),
        ],
        wait_timeout="0s",
    )
    conforms(response, raw("/sql/statements", "POST"))
    has(response, "statement_id", "status")
    statement_id = response.statement_id
    final = wait_until(
        "the statement to finish",
        lambda: (lambda r: r if r.status.state not in (sql.StatementState.PENDING, sql.StatementState.RUNNING) else None)(w.statement_execution.get_statement(statement_id)),
    )
    conforms(final, raw(f"/sql/statements/{statement_id}"))
    expect(final.status.state == sql.StatementState.SUCCEEDED, f"status {final.status}")
    manifest = final.manifest
    has(manifest, "format", "schema", "total_row_count", "total_chunk_count", "chunks")
    expect([c.name for c in manifest.schema.columns] == ["id", "scaled", "label", "day"], f"columns {manifest.schema.columns}")
    expect(manifest.schema.columns[3].type_name == sql.ColumnInfoTypeName.DATE, f"day type {manifest.schema.columns[3]}")
    expect(manifest.total_row_count == 25 and manifest.total_chunk_count > 1, f"want several chunks: {manifest.total_chunk_count}")
    rows = list(final.result.data_array)
    chunk = final.result
    while chunk.next_chunk_index is not None:
        chunk = w.statement_execution.get_statement_result_chunk_n(statement_id, chunk.next_chunk_index)
        conforms(chunk, raw(f"/result/chunks/{chunk.chunk_index}"))
        rows.extend(chunk.data_array)
    expect(len(rows) == 25, f"{len(rows)} rows over the chunks")
    expect(rows[3] == ["3", "6.0", "x", "2026-11-26"], f"row 3 {rows[3]}")
    # The SDK's own helper pages through the same chunks.
    rows_via_helper = list(w.statement_execution.execute_statement(statement="SELECT 1 AS one", warehouse_id=WAREHOUSE).result.data_array)
    expect(rows_via_helper == [["1"]], f"SELECT 1 gave {rows_via_helper}")


@step("statements: cancel")
def cancel(w: WorkspaceClient) -> None:
    response = w.statement_execution.execute_statement(
        statement="SELECT count(*) FROM range(0, 100000000000) a", warehouse_id=WAREHOUSE, wait_timeout="0s"
    )
    w.statement_execution.cancel_execution(response.statement_id)
    final = wait_until(
        "the cancel to land",
        lambda: (lambda r: r if r.status.state not in (sql.StatementState.PENDING, sql.StatementState.RUNNING) else None)(w.statement_execution.get_statement(response.statement_id)),
    )
    expect(final.status.state == sql.StatementState.CANCELED, f"state {final.status.state}")


@step("statements: failures")
def failures(w: WorkspaceClient) -> None:
    failed = w.statement_execution.execute_statement(statement=f"SELECT * FROM {CAT}.bronze.no_such_table", warehouse_id=WAREHOUSE, wait_timeout="30s")
    conforms(failed, raw("/sql/statements", "POST"))
    expect(failed.status.state == sql.StatementState.FAILED, f"state {failed.status.state}")
    expect(failed.status.error.error_code is not None, f"error_code must be a ServiceErrorCode: {raw('/sql/statements', 'POST')}")
    expect(failed.status.error.message.startswith("[TABLE_OR_VIEW_NOT_FOUND]"), f"message {failed.status.error.message}")
    expect(failed.status.sql_state == "42P01", f"sql_state {failed.status.sql_state}")
    expect_error(
        lambda: w.statement_execution.execute_statement(statement="SELECT 1", warehouse_id=WAREHOUSE, wait_timeout="3s"),
        errors.InvalidParameterValue,
        "INVALID_PARAMETER_VALUE",
        400,
    )


def task(key: str, python_file: str) -> jobs.Task:
    return jobs.Task(task_key=key, spark_python_task=jobs.SparkPythonTask(python_file=python_file), environment_key="default")


@step("jobs create/get/list/reset/run-now/runs/cancel")
def jobs_tour(w: WorkspaceClient) -> None:
    from databricks.sdk.service import compute

    environments = [jobs.JobEnvironment(environment_key="default", spec=compute.Environment(environment_version="2"))]
    ids = []
    for i in range(3):
        created = w.jobs.create(
            name=f"sdk-tour-{i}",
            tasks=[task("main", "/Workspace/sdk-tour/missing.py")],
            environments=environments,
            parameters=[jobs.JobParameterDefinition(name="day", default="2026-11-26")],
            max_concurrent_runs=1,
            tags={"tour": "sdk"},
        )
        conforms(created, raw("/jobs/create", "POST"))
        ids.append(created.job_id)
    job = w.jobs.get(ids[0])
    conforms(job, raw("/jobs/get"))
    has(job, "job_id", "creator_user_name", "created_time", "settings")
    expect(job.settings.name == "sdk-tour-0" and job.settings.tasks[0].task_key == "main", f"settings {job.settings}")
    before = len(calls("/jobs/list"))
    listed = [j.job_id for j in w.jobs.list(limit=1, name=None)]
    expect(set(ids) <= set(listed), f"list {listed}")
    expect(len(calls("/jobs/list")) - before >= 3, "limit=1 should page")
    by_name = list(w.jobs.list(name="SDK-TOUR-1"))
    expect([j.job_id for j in by_name] == [ids[1]], f"name filter {by_name}")
    w.jobs.reset(ids[2], new_settings=jobs.JobSettings(name="sdk-tour-2-reset", tasks=[task("other", "/Workspace/sdk-tour/other.py")], environments=environments))
    reset = w.jobs.get(ids[2])
    expect(reset.settings.name == "sdk-tour-2-reset" and [t.task_key for t in reset.settings.tasks] == ["other"], f"after reset {reset.settings}")
    expect(not reset.settings.parameters, f"reset replaces the whole settings: {raw('/jobs/get')}")
    waiter = w.jobs.run_now(ids[0], job_parameters={"day": "2026-11-27"})
    conforms(waiter.response, raw("/jobs/run-now", "POST"))
    run_id = waiter.response.run_id
    run = w.jobs.get_run(run_id)
    conforms(run, raw("/jobs/runs/get"))
    has(run, "run_id", "job_id", "number_in_job", "state", "status", "start_time", "tasks", "run_page_url", "trigger")
    expect(run.trigger == jobs.TriggerType.ONE_TIME, f"trigger {run.trigger}")
    expect({p.name: p.value for p in run.job_parameters or []}.get("day") == "2026-11-27", f"job_parameters {run.job_parameters}")
    w.jobs.cancel_run(run_id)
    final = wait_until(
        "the cancelled run to end",
        lambda: (lambda r: r if r.state.life_cycle_state in (jobs.RunLifeCycleState.TERMINATED, jobs.RunLifeCycleState.SKIPPED, jobs.RunLifeCycleState.INTERNAL_ERROR) else None)(w.jobs.get_run(run_id)),
    )
    conforms(final, raw("/jobs/runs/get"))
    expect(final.state.result_state in (jobs.RunResultState.CANCELED, jobs.RunResultState.FAILED), f"result {final.state}")
    expect(final.status.state == jobs.RunLifecycleStateV2State.TERMINATED, f"status {final.status}")
    has(final.status, "termination_details")
    # A run that fails on its own: the task's file does not exist.
    second = w.jobs.run_now(ids[1]).response.run_id
    ended = wait_until(
        "the second run to end",
        lambda: (lambda r: r if r.state.life_cycle_state == jobs.RunLifeCycleState.TERMINATED else None)(w.jobs.get_run(second)),
    )
    expect(ended.state.result_state == jobs.RunResultState.FAILED, f"second run {ended.state}")
    expect(ended.status.termination_details.code == jobs.TerminationCodeCode.RUN_EXECUTION_ERROR, f"termination {ended.status.termination_details}")
    runs = list(w.jobs.list_runs(job_id=ids[1], limit=1))
    expect([r.run_id for r in runs] == [second], f"runs/list {[r.run_id for r in runs]}")
    all_runs = list(w.jobs.list_runs(limit=1))
    expect({run_id, second} <= {r.run_id for r in all_runs}, f"runs/list all {[r.run_id for r in all_runs]}")
    for r, body in zip(all_runs[-1:], (raw("/jobs/runs/list").get("runs") or [])[-1:]):
        conforms(r, body)
    expect_error(lambda: w.jobs.get(999999999), errors.NotFound, "RESOURCE_DOES_NOT_EXIST", 404)
    expect_error(lambda: w.jobs.get_run(999999999), errors.NotFound, "RESOURCE_DOES_NOT_EXIST", 404)


@step("jobs: continuous job paused and unpaused")
def continuous(w: WorkspaceClient) -> None:
    from databricks.sdk.service import compute

    environments = [jobs.JobEnvironment(environment_key="default", spec=compute.Environment(environment_version="2"))]
    job_id = w.jobs.create(
        name="sdk-tour-continuous",
        tasks=[task("stream", "/Workspace/sdk-tour/stream.py")],
        environments=environments,
        continuous=jobs.Continuous(pause_status=jobs.PauseStatus.PAUSED),
    ).job_id
    expect(w.jobs.get(job_id).settings.continuous.pause_status == jobs.PauseStatus.PAUSED, "created paused")
    expect(list(w.jobs.list_runs(job_id=job_id, active_only=True)) == [], "a paused continuous job has no active run")
    w.jobs.update(job_id, new_settings=jobs.JobSettings(continuous=jobs.Continuous(pause_status=jobs.PauseStatus.UNPAUSED)))
    run = wait_until("the continuous run to start", lambda: next(iter(w.jobs.list_runs(job_id=job_id)), None))
    expect(run.trigger in (jobs.TriggerType.CONTINUOUS, jobs.TriggerType.CONTINUOUS_RESTART), f"trigger {run.trigger}")
    w.jobs.update(job_id, new_settings=jobs.JobSettings(continuous=jobs.Continuous(pause_status=jobs.PauseStatus.PAUSED)))
    expect(w.jobs.get(job_id).settings.continuous.pause_status == jobs.PauseStatus.PAUSED, "paused again")
    wait_until("no active run once paused", lambda: list(w.jobs.list_runs(job_id=job_id, active_only=True)) == [])


@step("registered models, versions, aliases")
def models(w: WorkspaceClient) -> None:
    catalog_name, schema_name, name = MODEL.split(".")
    got = w.registered_models.get(MODEL, include_aliases=True)
    conforms(got, raw(f"/models/{MODEL}"))
    has(got, "name", "catalog_name", "schema_name", "full_name", "owner", "created_at")
    listed = [m.full_name for m in w.registered_models.list(catalog_name=catalog_name, schema_name=schema_name, max_results=1)]
    expect(MODEL in listed, f"list {listed}")
    versions = list(w.model_versions.list(MODEL, max_results=1))
    expect(sorted(v.version for v in versions) == [1, 2], f"versions {[v.version for v in versions]}")
    version = w.model_versions.get(MODEL, 2)
    conforms(version, raw(f"/models/{MODEL}/versions/2"))
    has(version, "model_name", "catalog_name", "schema_name", "version", "source", "status", "created_at", "id")
    expect(version.status == catalog.ModelVersionInfoStatus.READY, f"status {version.status}")
    alias = w.registered_models.set_alias(MODEL, "challenger", 2)
    conforms(alias, raw(f"/models/{MODEL}/aliases/challenger", "PUT"))
    expect(alias.alias_name == "challenger" and alias.version_num == 2, f"alias {alias}")
    by_alias = w.model_versions.get_by_alias(MODEL, "challenger", include_aliases=True)
    conforms(by_alias, raw(f"/models/{MODEL}/aliases/challenger", "GET"))
    expect(by_alias.version == 2 and any(a.alias_name == "challenger" for a in by_alias.aliases or []), f"by alias {by_alias}")
    with_aliases = w.registered_models.get(MODEL, include_aliases=True)
    expect(any(a.alias_name == "challenger" and a.version_num == 2 for a in with_aliases.aliases or []), f"aliases {with_aliases.aliases}")
    w.registered_models.delete_alias(MODEL, "challenger")
    expect_error(lambda: w.model_versions.get_by_alias(MODEL, "challenger"), errors.NotFound, "RESOURCE_DOES_NOT_EXIST", 404)


@step("serving endpoints get/update-config/query")
def serving_tour(w: WorkspaceClient) -> None:
    got = w.serving_endpoints.get(ENDPOINT)
    conforms(got, raw(f"/serving-endpoints/{ENDPOINT}"))
    has(got, "name", "id", "creator", "creation_timestamp", "state", "config")
    entity = got.config.served_entities[0]
    expect(entity.entity_name == MODEL and entity.entity_version == "1", f"served {entity}")
    updated = w.serving_endpoints.update_config_and_wait(
        ENDPOINT,
        served_entities=[serving.ServedEntityInput(entity_name=MODEL, entity_version="2", workload_size="Small", scale_to_zero_enabled=True)],
    )
    expect(updated.state.config_update == serving.EndpointStateConfigUpdate.NOT_UPDATING, f"state {updated.state}")
    expect(updated.config.served_entities[0].entity_version == "2", f"after update {updated.config}")
    conforms(updated, raw(f"/serving-endpoints/{ENDPOINT}", "GET"))
    answer = w.serving_endpoints.query(ENDPOINT, dataframe_records=[{"review_text": "great product, love it"}, {"review_text": "awful, broke after a day"}])
    conforms(answer, raw(f"/serving-endpoints/{ENDPOINT}/invocations", "POST"))
    expect(len(answer.predictions) == 2 and answer.predictions[0] > answer.predictions[1], f"predictions {answer.predictions}")
    expect_error(lambda: w.serving_endpoints.get("no-such-endpoint"), errors.NotFound, "RESOURCE_DOES_NOT_EXIST", 404)


@step("workspace mkdirs/import/export/get-status/list")
def workspace_tour(w: WorkspaceClient) -> None:
    folder = "/Shared/sdk-tour"
    w.workspace.mkdirs(f"{folder}/pyspark")
    source = "# Databricks notebook source\nprint('hello')\n"
    w.workspace.import_(f"{folder}/pyspark/notebook", content=base64.b64encode(source.encode()).decode(), format=workspace.ImportFormat.SOURCE, language=workspace.Language.PYTHON)
    w.workspace.upload(f"{folder}/pyspark/runner.py", b"print('runner')\n", format=workspace.ImportFormat.AUTO)
    status = w.workspace.get_status(f"{folder}/pyspark/notebook")
    conforms(status, raw("/workspace/get-status"))
    has(status, "path", "object_type", "object_id", "language")
    expect(status.object_type == workspace.ObjectType.NOTEBOOK, f"type {status.object_type}")
    file_status = w.workspace.get_status(f"{folder}/pyspark/runner.py")
    expect(file_status.object_type == workspace.ObjectType.FILE, f"file type {file_status.object_type}")
    exported = w.workspace.export(f"{folder}/pyspark/notebook", format=workspace.ExportFormat.SOURCE)
    conforms(exported, raw("/workspace/export"))
    expect(base64.b64decode(exported.content).decode().strip().endswith("print('hello')"), f"export {exported.content}")
    with w.workspace.download(f"{folder}/pyspark/runner.py") as f:
        expect(f.read() == b"print('runner')\n", "download returned other bytes")
    listed = sorted(o.path for o in w.workspace.list(f"{folder}/pyspark"))
    expect(listed == [f"{folder}/pyspark/notebook", f"{folder}/pyspark/runner.py"], f"list {listed}")
    for o, body in zip(w.workspace.list(f"{folder}/pyspark"), raw("/workspace/list")["objects"]):
        conforms(o, body)
    expect_error(
        lambda: w.workspace.import_(f"{folder}/pyspark/notebook", content=base64.b64encode(source.encode()).decode(), format=workspace.ImportFormat.SOURCE, language=workspace.Language.PYTHON),
        errors.ResourceAlreadyExists,
        "RESOURCE_ALREADY_EXISTS",
        409,
    )
    expect_error(lambda: w.workspace.get_status(f"{folder}/missing"), errors.NotFound, "RESOURCE_DOES_NOT_EXIST", 404)


@step("errors: 404, 409, 400")
def error_classes(w: WorkspaceClient) -> None:
    expect_error(lambda: w.catalogs.get("no_such_catalog"), errors.NotFound, "CATALOG_DOES_NOT_EXIST", 404)
    expect_error(lambda: w.schemas.get(f"{CAT}.no_such_schema"), errors.NotFound, "SCHEMA_DOES_NOT_EXIST", 404)
    expect_error(lambda: w.catalogs.create(name=CAT), errors.ResourceConflict, "CATALOG_ALREADY_EXISTS", 409)
    expect_error(lambda: w.schemas.create(name="bronze", catalog_name=CAT), errors.ResourceConflict, "SCHEMA_ALREADY_EXISTS", 409)
    expect_error(lambda: w.catalogs.create(name="bad name"), errors.InvalidParameterValue, "INVALID_PARAMETER_VALUE", 400)
    expect_error(lambda: list(w.catalogs.list(max_results=-1)), errors.InvalidParameterValue, "INVALID_PARAMETER_VALUE", 400)


@step("clean up: delete schema, catalogs")
def cleanup(w: WorkspaceClient) -> None:
    expect_error(lambda: w.schemas.delete(f"{CAT}.bronze"), errors.BadRequest, "SCHEMA_NOT_EMPTY", 400)
    w.schemas.delete(f"{CAT}.gold")
    expect_error(lambda: w.schemas.get(f"{CAT}.gold"), errors.NotFound, "SCHEMA_DOES_NOT_EXIST", 404)
    w.catalogs.delete(CAT, force=True)
    for extra in ("sdk_tour_b", "sdk_tour_c"):
        w.catalogs.delete(extra)
    expect_error(lambda: w.catalogs.get(CAT), errors.NotFound, "CATALOG_DOES_NOT_EXIST", 404)


def main() -> int:
    w = WorkspaceClient()
    results = []
    for name, fn in STEPS:
        if len(sys.argv) > 1 and not any(a in name for a in sys.argv[1:]):
            continue
        try:
            fn(w)
            results.append({"name": name, "ok": True})
        except Exception as error:  # a step's failure is reported, and the tour goes on
            results.append({"name": name, "ok": False, "error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc(limit=4)})
    import databricks.sdk.version as v

    print(json.dumps({"sdk": f"databricks-sdk {v.__version__}", "steps": results}, indent=1))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())

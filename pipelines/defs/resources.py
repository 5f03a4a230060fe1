"""The resources every asset takes: the settings, the build database, the run lock, dbt.

``TokenroiSettings`` is where a run's paths and engine settings come from: each field is
given in the run config (the CLI builds it from its flags; the launchpad shows it), else
the field's TOKENROI_* environment variable (pipelines/settings.py ``VARIABLES``), else
its default. Assets call ``settings.resolve()`` once and pass the values on.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import shutil
import sys
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource, DbtProject
from packaging import version
from pydantic import Field

from pipelines.runlock import lock_path, run_lock
from pipelines.settings import Settings, resolve_settings

# A run the CLI started carries this tag: the CLI already holds the run lock.
CLI_TAG = "tokenroi/started_by"


def _unset(description: str):
    return Field(default=None, description=description)


class TokenroiSettings(dg.ConfigurableResource):
    """Paths and engine settings. Unset fields take TOKENROI_<FIELD> from the environment
    (e.g. TOKENROI_LAKE for ``lake``), else the default under the data folder."""

    data: str | None = _unset("folder holding every default path (TOKENROI_DATA; data/)")
    landing: str | None = _unset("landing files to ingest (TOKENROI_LANDING; data/landing)")
    lake: str | None = _unset("the append-only event log (TOKENROI_LAKE; data/lake)")
    warehouse: str | None = _unset("the published DuckDB file (TOKENROI_WAREHOUSE)")
    reports: str | None = _unset("the monthly reports' folder (TOKENROI_REPORTS)")
    build_db: str | None = _unset("the private DuckDB file dbt builds in (TOKENROI_BUILD_DB)")
    quality: str | None = _unset("kept validation results (TOKENROI_QUALITY)")
    spark_dir: str | None = _unset("engine=spark: the local Spark folders (TOKENROI_SPARK_DIR)")
    dbt_project: str | None = _unset("the dbt project to build (TOKENROI_DBT_PROJECT)")
    engine: str | None = _unset("duckdb or spark (TOKENROI_ENGINE)")
    spark_method: str | None = _unset("session, thrift or http (TOKENROI_SPARK_METHOD)")
    spark_lake: str | None = _unset("the lake as Spark reads it (TOKENROI_SPARK_LAKE)")
    spark_export: str | None = _unset("where Spark writes its exports (TOKENROI_SPARK_EXPORT)")
    keep_prompts: bool | None = _unset("log prompt text (TOKENROI_KEEP_PROMPTS=1)")
    token_conventions: str | None = _unset("FORMAT[/NAME]=CONVENTION,… "
                                           "(TOKENROI_TOKEN_CONVENTIONS)")
    csv_encoding: str | None = _unset("CRM and reference CSV encoding (TOKENROI_CSV_ENCODING)")
    reporting_currency: str | None = _unset("deal amounts converted to "
                                            "(TOKENROI_REPORTING_CURRENCY; USD)")
    company_currency: str | None = _unset("currency of amounts naming none "
                                          "(TOKENROI_COMPANY_CURRENCY; USD)")
    dbt_vars: str | None = _unset("JSON object of dbt vars (TOKENROI_DBT_VARS)")
    report_pdf: bool | None = _unset("render the report as PDF too (TOKENROI_REPORT_PDF; 1)")

    def resolve(self) -> Settings:
        return resolve_settings({name: getattr(self, name)
                                 for name in TokenroiSettings.model_fields})


class BuildDatabase(dg.ConfigurableResource):
    """The DuckDB file the checks and publication read (the build, or engine=spark its
    local mirror). Read-only: the in-process executor runs one step at a time, so this
    never meets dbt's writer."""

    settings: TokenroiSettings

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.settings.resolve().marts_db), read_only=True)


class RunLockResource(dg.ConfigurableResource):
    """Held for the whole run by every asset that writes (the event log, the build, the
    warehouse). The CLI takes it before the run starts (refusing, or waiting with --wait);
    a run the daemon or the UI started waits for it: such runs queue behind each other in
    Dagster's run coordinator (tag ``tokenroi/build``), and behind a CLI run here. With the
    in-process executor a resource lives from the first step to the last."""

    settings: TokenroiSettings

    @contextlib.contextmanager
    def yield_for_execution(self, context):
        path = lock_path(self.settings.resolve().build_db)
        started_by_cli = context.dagster_run is not None and (
            context.dagster_run.tags.get(CLI_TAG) == "cli")
        with run_lock(path, wait=not started_by_cli,
                      waiting=lambda message: context.log.info(message)):
            yield self


def dbt_executable() -> str:
    """The dbt beside this Python (a venv started as .venv/bin/... may not be on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


class TokenroiDbt(DbtCliResource):
    """dagster-dbt's dbt resource. When the dbt it runs is the one installed beside this
    Python, its version is read from the installed package instead of a `dbt --version`
    subprocess (about 3 s of every run)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable) == Path(sys.executable).parent / "dbt":
            return version.parse(importlib.metadata.version("dbt-core"))
        return DbtCliResource._cli_version.func(self)


def dbt_resource(project: DbtProject) -> DbtCliResource:
    """dbt on the project; the target (the engine) is chosen per run from the settings."""
    return TokenroiDbt(project_dir=project, profiles_dir=str(project.project_dir),
                       dbt_executable=dbt_executable())

"""dbt models as Dagster assets: staging → intermediate → marts, with dbt tests as checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from pydantic import Field

from pipelines.defs.dbt_project import dbt_build_args, manifest_path
from pipelines.defs.resources import RunLockResource, TokenroiSettings
from pipelines.eventlog.provenance import drop_build, foreign_build, record_build
from pipelines.eventlog.store import EventLog
from pipelines.quality.dbt_results import keep_dbt_results
from pipelines.settings import VARIABLES, Settings, dbt_reads
from pipelines.spark_mirror import exported_relations, mirror_spark_build


class TokenroiTranslator(DagsterDbtTranslator):
    """Models are keyed [layer, model] (e.g. ["marts", "fct_spend_daily"]) and grouped by
    layer; sources keep dbt's default [source, table], the keys the ingest assets use."""

    @staticmethod
    def layer(props: Mapping[str, Any]) -> str:
        """The folder under models/ (staging, intermediate, marts), or "seeds"."""
        if props["resource_type"] == "seed":
            return "seeds"
        return props["fqn"][1] if len(props["fqn"]) > 2 else "models"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([self.layer(dbt_resource_props), dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return self.layer(dbt_resource_props)
        return super().get_group_name(dbt_resource_props)


translator = TokenroiTranslator()


class DbtBuildConfig(dg.Config):
    """How dbt builds in this run (run config of the tokenroi_dbt step)."""

    full_refresh: bool = Field(
        default=False, description="drop the build database and rebuild every model from "
        "the whole event log (`tokenroi rebuild`)")
    vars: dict[str, Any] = Field(
        default_factory=dict, description="dbt_project.yml vars for this run (thresholds, "
        "currencies), over the settings' TOKENROI_DBT_VARS and currencies")


class BuildPathsDiffer(RuntimeError):
    """dbt would build elsewhere than the run's settings say."""


def check_dbt_reads(settings: Settings) -> None:
    """dbt takes the lake and the build file from its environment: they must be the run's."""
    for name, seen in dbt_reads(settings).items():
        wanted = getattr(settings, name)
        if seen != wanted:
            raise BuildPathsDiffer(
                f"dbt would read {name} at {seen} but this run's settings say {wanted}: set "
                f"{VARIABLES[name]}={wanted} in the environment of the code location (dbt "
                "reads it there), or run through `tokenroi`, which hands it over")


def build_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    """The dbt models of ``project`` as one multi-asset; dbt tests are its checks."""

    @dbt_assets(manifest=manifest_path(project), project=project,
                dagster_dbt_translator=translator, name="tokenroi_dbt")
    def tokenroi_dbt_models(context: dg.AssetExecutionContext, config: DbtBuildConfig,
                            dbt: DbtCliResource, settings: TokenroiSettings,
                            run_lock: RunLockResource):
        """Build and test every dbt model: in the private build DuckDB file, or on Spark
        (engine=spark), whose results are then copied into a local DuckDB file for the
        checks and publication."""
        resolved = settings.resolve()
        check_dbt_reads(resolved)
        on_spark = resolved.engine == "spark"
        log = EventLog(resolved.lake)
        if config.full_refresh:
            for path in (resolved.build_db, resolved.marts_db):
                drop_build(path)
            context.log.info(f"Running a full refresh: dropped the build database, rebuilding "
                             f"every model from the event log in {resolved.lake}")
        foreign = foreign_build(resolved.build_db, log)
        if foreign is not None:
            # incremental staging would keep another log's rows: start again from this one
            drop_build(resolved.build_db)
            context.log.warning(f"{foreign}: dropped the build database, rebuilding from "
                                f"the event log in {resolved.lake}")
        resolved.build_db.parent.mkdir(parents=True, exist_ok=True)
        exports = exported_relations(project.manifest_path) if on_spark else None
        args = dbt_build_args(resolved, full_refresh=config.full_refresh,
                              dbt_vars={**resolved.dbt_vars, **config.vars},
                              spark_exports=exports)
        # one target folder per build (not dagster-dbt's folder per invocation): dbt's
        # partial parse there spares the next run of this build the full parse
        invocation = dbt.cli(args, context=context, raise_on_error=False,
                             target_path=resolved.build_db.parent / "dbt_target")
        yield from invocation.stream()
        # dbt's test results of every run are kept beside the GX results (quality/dbt/).
        keep_dbt_results(resolved.quality, context.run.run_id,
                         invocation.target_path / "run_results.json")
        error = invocation.get_error()
        if error is not None:
            raise error
        record_build(resolved.build_db, log)
        if on_spark:
            counts = mirror_spark_build(resolved.spark_export, resolved.marts_db, exports,
                                        invocation.target_path / "manifest.json")
            context.log.info(f"copied {len(counts)} relations ({sum(counts.values()):,} "
                             f"rows) from the Spark build into {resolved.marts_db}")

    return tokenroi_dbt_models


def mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])

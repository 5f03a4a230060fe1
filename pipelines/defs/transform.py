"""dbt models as Dagster assets: staging → intermediate → marts, with dbt tests as checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.defs.dbt_project import dbt_build_args, ensure_manifest, tokenroi_dbt_project
from pipelines.defs.resources import RunLockResource
from pipelines.eventlog.provenance import drop_build, foreign_build, record_build
from pipelines.eventlog.store import EventLog
from pipelines.quality.dbt_results import keep_dbt_results
from pipelines.settings import dbt_vars, load_settings
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


@dbt_assets(manifest=ensure_manifest(), project=tokenroi_dbt_project,
            dagster_dbt_translator=translator, name="tokenroi_dbt")
def tokenroi_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                        run_lock: RunLockResource):
    """Build and test every dbt model: in the private build DuckDB file, or on Spark
    (TOKENROI_ENGINE=spark), whose results are then copied into a local DuckDB file for the
    checks and publication."""
    settings = load_settings()
    on_spark = settings.engine == "spark"
    log = EventLog(settings.lake)
    foreign = foreign_build(settings.build_db, log)
    if foreign is not None:
        # incremental staging would keep another log's rows: start again from this one
        drop_build(settings.build_db)
        context.log.warning(f"{foreign}: dropped the build database, rebuilding from the "
                            f"event log in {settings.lake}")
    exports = exported_relations(tokenroi_dbt_project.manifest_path) if on_spark else None
    invocation = dbt.cli(dbt_build_args(dbt_vars=dbt_vars(), spark_exports=exports),
                         context=context, raise_on_error=False)
    yield from invocation.stream()
    # dbt's test results of every run are kept beside the GX results (data/quality/dbt/).
    keep_dbt_results(settings.quality, context.run.run_id,
                     invocation.target_path / "run_results.json")
    error = invocation.get_error()
    if error is not None:
        raise error
    record_build(settings.build_db, log)
    if on_spark:
        counts = mirror_spark_build(settings.spark_export, settings.marts_db, exports,
                                    invocation.target_path / "manifest.json")
        context.log.info(f"copied {len(counts)} relations ({sum(counts.values()):,} rows) "
                         f"from the Spark build into {settings.marts_db}")


def mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])

"""dbt models as Dagster assets: staging → intermediate → marts, with dbt tests as checks."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from pipelines.defs.dbt_project import dbt_build_args, ensure_manifest, tokenroi_dbt_project
from pipelines.defs.resources import RunLockResource
from pipelines.quality.dbt_results import keep_dbt_results
from pipelines.settings import dbt_vars, load_settings


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
    """Build and test every dbt model in the private build DuckDB file."""
    invocation = dbt.cli(dbt_build_args(dbt_vars=dbt_vars()), context=context,
                         raise_on_error=False)
    yield from invocation.stream()
    # dbt's test results of every run are kept beside the GX results (data/quality/dbt/).
    keep_dbt_results(load_settings().quality, context.run.run_id,
                     invocation.target_path / "run_results.json")
    error = invocation.get_error()
    if error is not None:
        raise error


def mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])

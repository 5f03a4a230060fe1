"""Blocking Great Expectations checks on the marts: a failure stops publication."""

import dagster as dg
import duckdb

from pipelines.defs.transform import mart_key
from pipelines.quality.gx_suites import keep_result, validate_dataframe
from pipelines.settings import load_settings


def _read_mart(name: str):
    # Only the pipeline opens the build file, and the in-process executor runs one step at a
    # time, so this read-only connection never meets dbt's writer.
    with duckdb.connect(str(load_settings().build_db), read_only=True) as con:
        return con.execute(f"select * from marts.{name}").df()  # name: a constant below


@dg.asset_check(asset=mart_key("fct_spend_daily"), blocking=True,
                description="GX suite: spend is non-negative and plausible, keys unique, "
                            "task classes and tiers in their accepted sets.")
def fct_spend_daily_expectations(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    result = validate_dataframe("fct_spend_daily", _read_mart("fct_spend_daily"))
    kept = keep_result(load_settings().quality, context.run.run_id, result)
    return dg.AssetCheckResult(
        passed=result.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description=result.one_line(),
        metadata={"expectations": result.evaluated, "failures": "; ".join(result.failures),
                  "result_json": str(kept)},
    )


checks = [fct_spend_daily_expectations]

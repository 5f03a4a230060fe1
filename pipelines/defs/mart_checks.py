"""Great Expectations suites on the marts, as Dagster asset checks.

Every mart suite (pipelines/quality/mart_suites.py) is blocking: a failure stops the
warehouse and the report from being published. All suites of a run are validated in one
step, in one GX context, against one set of staging facts. The quality gates are dbt
tests (pipelines/quality/gates.py), which dagster-dbt shows as checks of their own.
"""

from pathlib import Path

import dagster as dg

from pipelines.defs.resources import BuildDatabase, TokenroiSettings
from pipelines.defs.transform import mart_key
from pipelines.quality.gx_suites import SuiteResult, Validator, keep_result
from pipelines.quality.mart_suites import SUITES, Facts


def _result(context, quality: Path, asset: dg.AssetKey, check: str,
            severity: dg.AssetCheckSeverity, result: SuiteResult, description: str,
            **metadata) -> dg.AssetCheckResult:
    kept = keep_result(quality, context.run.run_id, result)
    return dg.AssetCheckResult(
        asset_key=asset, check_name=check, passed=result.success, severity=severity,
        description=description,
        metadata={"expectations": result.evaluated,
                  "failures": "; ".join(result.failures) or "none",
                  "result_json": dg.MetadataValue.path(str(kept)), **metadata})


SUITE_SPECS = {
    dg.AssetCheckKey(mart_key(suite.mart), f"{suite.mart}_expectations"): (suite, dg.AssetCheckSpec(
        f"{suite.mart}_expectations", asset=mart_key(suite.mart), blocking=True,
        description=f"GX suite (blocking): {suite.description}"))
    for suite in SUITES
}


@dg.multi_asset_check(specs=[spec for _, spec in SUITE_SPECS.values()], can_subset=True,
                      name="mart_expectations")
def mart_expectations(context: dg.AssetCheckExecutionContext, build_db: BuildDatabase,
                      settings: TokenroiSettings):
    """Every selected mart suite, in one GX context."""
    validator = Validator()
    facts = Facts(build_db.connect)
    quality = settings.resolve().quality
    for key in sorted(context.selected_asset_check_keys, key=lambda k: k.name):
        suite, _ = SUITE_SPECS[key]
        with build_db.connect() as con:
            frame = con.execute(suite.sql).df()
        result = validator.validate(suite.mart, frame, suite.expectations(facts))
        yield _result(context, quality, key.asset_key, key.name, dg.AssetCheckSeverity.ERROR,
                      result, result.one_line(), rows=len(frame))


checks = [mart_expectations]

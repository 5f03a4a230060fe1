"""Great Expectations suites for the marts, run on DataFrames read from DuckDB.

GX 1.x has no working DuckDB SQL datasource here, so each mart is read into pandas and
validated in an ephemeral context. Results are kept as JSON under the quality folder.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

TASK_CLASSES = ["planning", "implementation", "trivial", "non_work", "unknown"]
MODEL_TIERS = ["frontier", "mid", "open", "unknown"]
# A day's spend above this for one person and model is a unit error, not usage.
MAX_DAILY_COST_PER_ROW_USD = 100_000


@dataclass(frozen=True)
class SuiteResult:
    suite: str
    success: bool
    failures: list[str]
    evaluated: int
    result_json: dict

    def one_line(self) -> str:
        if self.success:
            return f"{self.suite}: {self.evaluated} expectations passed"
        return f"{self.suite} failed: {'; '.join(self.failures)}"


def _expectations(suite_name: str):
    import great_expectations as gx

    expect = gx.expectations
    if suite_name == "fct_spend_daily":
        return [
            expect.ExpectColumnValuesToNotBeNull(column="day"),
            expect.ExpectColumnValuesToNotBeNull(column="person_email"),
            expect.ExpectColumnValuesToNotBeNull(column="cost_usd"),
            expect.ExpectColumnValuesToBeBetween(column="cost_usd", min_value=0,
                                                 max_value=MAX_DAILY_COST_PER_ROW_USD),
            # unlogged spend rows (DESIGN.md "The bill") carry cost but no known requests
            expect.ExpectColumnValuesToBeBetween(column="calls", min_value=0),
            expect.ExpectColumnValuesToBeInSet(column="task_class", value_set=TASK_CLASSES),
            expect.ExpectColumnValuesToBeInSet(column="model_tier", value_set=MODEL_TIERS),
            expect.ExpectCompoundColumnsToBeUnique(column_list=[
                "day", "person_email", "team", "provider", "model", "model_tier", "task_class"]),
        ]
    raise KeyError(f"no expectation suite named {suite_name}")


def validate_dataframe(suite_name: str, frame: pd.DataFrame) -> SuiteResult:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{suite_name}_source")
    asset = source.add_dataframe_asset(suite_name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=suite_name)
    for expectation in _expectations(suite_name):
        suite.add_expectation(expectation)
    result = batch.validate(suite)
    failures = []
    for item in result.results:
        if not item.success:
            config = item.expectation_config
            column = config.kwargs.get("column") or config.kwargs.get("column_list")
            unexpected = (item.result or {}).get("unexpected_count")
            failures.append(f"{config.type} on {column}"
                            + (f" ({unexpected} unexpected rows)" if unexpected else ""))
    return SuiteResult(suite_name, bool(result.success), failures, len(result.results),
                       result.to_json_dict())


def keep_result(quality_dir: Path, run_id: str, result: SuiteResult) -> Path:
    """Write the GX result as JSON: data/quality/<suite>/<timestamp>_<run>.json."""
    folder = quality_dir / result.suite
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"{stamp}_{run_id[:8]}.json"
    path.write_text(json.dumps({"suite": result.suite, "success": result.success,
                                "failures": result.failures, "result": result.result_json},
                               indent=1, default=str))
    return path

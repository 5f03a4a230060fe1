"""Run Great Expectations on DataFrames read from DuckDB, and keep every result.

GX 1.x has no working DuckDB SQL datasource here, so each frame is validated in an
ephemeral pandas context, one per run. Every validation is kept as JSON under the quality
folder (<suite>/<timestamp>_<run>.json); Dagster keeps each check's outcome, which
`tokenroi checks` reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd


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

def _describe_failure(item) -> str:
    """'expect_column_values_to_be_between on cost_usd (3 unexpected rows, e.g. -1.5)'."""
    config = item.expectation_config
    kwargs = config.kwargs
    target = kwargs.get("column") or kwargs.get("column_list") or (
        f"{kwargs['column_A']} vs {kwargs['column_B']}" if "column_A" in kwargs else "the table")
    result = item.result or {}
    detail = []
    if result.get("unexpected_count"):
        examples = ", ".join(str(v) for v in (result.get("partial_unexpected_list") or [])[:3])
        detail.append(f"{result['unexpected_count']} unexpected rows"
                      + (f", e.g. {examples}" if examples else ""))
    elif result.get("observed_value") is not None:
        detail.append(f"observed {result['observed_value']}")
    if item.exception_info and item.exception_info.get("raised_exception"):
        detail.append(f"error: {item.exception_info.get('exception_message')}")
    meaning = (config.meta or {}).get("meaning")
    text = f"{config.type} on {target}"
    if meaning:
        text = f"{meaning}: {text}"
    return text + (f" ({'; '.join(detail)})" if detail else "")

class Validator:
    """One ephemeral GX context for every suite of a run (a context costs a second)."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)

    def validate(self, suite_name: str, frame: pd.DataFrame,
                 expectations: Sequence) -> SuiteResult:
        """Validate ``frame`` against ``expectations`` (gx.expectations instances)."""
        source = self.context.data_sources.add_or_update_pandas(f"{suite_name}_source")
        asset = source.add_dataframe_asset(f"{suite_name}_{len(source.assets)}")
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": frame})
        suite = self._gx.ExpectationSuite(name=suite_name)
        for expectation in expectations:
            suite.add_expectation(expectation)
        result = batch.validate(suite)
        failures = [_describe_failure(item) for item in result.results if not item.success]
        return SuiteResult(suite_name, bool(result.success), failures, len(result.results),
                           result.to_json_dict())

def validate_dataframe(suite_name: str, frame: pd.DataFrame,
                       expectations: Sequence) -> SuiteResult:
    """Validate one frame in a context of its own (tests, one-off checks)."""
    return Validator().validate(suite_name, frame, expectations)

def keep_result(quality_dir: Path, run_id: str, result: SuiteResult) -> Path:
    """Write the GX result as JSON (quality/<suite>/<timestamp>_<run>.json); Dagster keeps
    each check's outcome and history (`tokenroi checks`)."""
    folder = quality_dir / result.suite
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}_{run_id[:8]}.json"
    path.write_text(json.dumps({"suite": result.suite, "run_id": run_id,
                                "success": result.success, "failures": result.failures,
                                "result": result.result_json}, indent=1, default=str))
    return path

"""Run Great Expectations on DataFrames read from DuckDB, and keep every result.

GX 1.x has no working DuckDB SQL datasource here, so each frame is validated in an
ephemeral pandas context. Every validation is kept as JSON under the quality folder
(<suite>/<timestamp>_<run>.json) and summarised in one line of history.jsonl, so a data
team can see when a check started failing (`tokenroi checks`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

HISTORY_FILE = "history.jsonl"


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


def validate_dataframe(suite_name: str, frame: pd.DataFrame,
                       expectations: Sequence) -> SuiteResult:
    """Validate ``frame`` against ``expectations`` (gx.expectations instances)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas(f"{suite_name}_source")
    asset = source.add_dataframe_asset(suite_name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=suite_name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    result = batch.validate(suite)
    failures = [_describe_failure(item) for item in result.results if not item.success]
    return SuiteResult(suite_name, bool(result.success), failures, len(result.results),
                       result.to_json_dict())


def keep_result(quality_dir: Path, run_id: str, result: SuiteResult, *, check: str,
                asset: str, severity: str, summary: str) -> Path:
    """Write the GX result as JSON and append its one-line summary to history.jsonl."""
    folder = quality_dir / result.suite
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    path = folder / f"{now.strftime('%Y%m%dT%H%M%SZ')}_{run_id[:8]}.json"
    path.write_text(json.dumps({"suite": result.suite, "run_id": run_id,
                                "success": result.success, "failures": result.failures,
                                "result": result.result_json}, indent=1, default=str))
    append_history(quality_dir, {"checked_at": now.isoformat(timespec="seconds"),
                                 "run_id": run_id, "check": check, "asset": asset,
                                 "severity": severity, "passed": result.success,
                                 "summary": summary, "result_json": str(path)})
    return path


def append_history(quality_dir: Path, entry: dict) -> None:
    quality_dir.mkdir(parents=True, exist_ok=True)
    with (quality_dir / HISTORY_FILE).open("a") as history:
        history.write(json.dumps(entry, default=str) + "\n")


def read_history(quality_dir: Path) -> list[dict]:
    path = quality_dir / HISTORY_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check_states(history: list[dict]) -> list[dict]:
    """Per check, its latest entry plus ``outcome`` (pass / warn / FAIL) and ``since`` /
    ``since_run``: when it took that outcome (started failing, or recovered)."""
    states: dict[str, dict] = {}
    for entry in history:
        outcome = ("pass" if entry["passed"]
                   else "warn" if entry.get("severity") == "WARN" else "FAIL")
        previous = states.get(entry["check"])
        since = (previous["since"], previous["since_run"]) if (
            previous and previous["outcome"] == outcome) else (entry["checked_at"],
                                                               entry["run_id"])
        states[entry["check"]] = {**entry, "outcome": outcome, "since": since[0],
                                  "since_run": since[1]}
    return list(states.values())

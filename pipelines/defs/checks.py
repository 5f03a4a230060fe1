"""Great Expectations checks on the marts, as Dagster asset checks.

Every mart suite (pipelines/quality/mart_suites.py) is blocking: a failure stops the
warehouse and the report from being published. The gates of marts.data_quality are
blocking (unpriced_token_share) or warnings (freshness, telemetry coverage, quarantine,
unknown identities) that the report's data-quality section shows.
"""

import functools

import dagster as dg
import duckdb

from pipelines.defs.transform import mart_key
from pipelines.quality.gx_suites import keep_result, validate_dataframe
from pipelines.quality.mart_suites import (
    GATES,
    SUITES,
    Facts,
    Gate,
    MartSuite,
    describe_gate_rows,
    gate_expectations,
)
from pipelines.settings import load_settings


@functools.lru_cache(maxsize=1)
def _facts(run_id: str) -> Facts:
    """The staging-layer facts, shared by every suite of one run."""
    return Facts(_connect)


def _connect() -> duckdb.DuckDBPyConnection:
    # Only the pipeline opens the build file, and the in-process executor runs one step at a
    # time, so this read-only connection never meets dbt's writer.
    return duckdb.connect(str(load_settings().marts_db), read_only=True)


def _result(context, check: str, asset: str, severity: dg.AssetCheckSeverity, result,
            description: str, **metadata) -> dg.AssetCheckResult:
    kept = keep_result(load_settings().quality, context.run.run_id, result, check=check,
                       asset=asset, severity=severity.value, summary=description)
    return dg.AssetCheckResult(
        passed=result.success, severity=severity, description=description,
        metadata={"expectations": result.evaluated,
                  "failures": "; ".join(result.failures) or "none",
                  "result_json": dg.MetadataValue.path(str(kept)), **metadata})


def _suite_check(suite: MartSuite) -> dg.AssetChecksDefinition:
    name = f"{suite.mart}_expectations"

    @dg.asset_check(asset=mart_key(suite.mart), name=name, blocking=True,
                    description=f"GX suite (blocking): {suite.description}")
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        with _connect() as con:
            frame = con.execute(suite.sql).df()
        expectations = suite.expectations(_facts(context.run.run_id))
        result = validate_dataframe(suite.mart, frame, expectations)
        return _result(context, name, f"marts/{suite.mart}", dg.AssetCheckSeverity.ERROR,
                       result, result.one_line(), rows=len(frame))

    return _check


def _gate_check(gate: Gate) -> dg.AssetChecksDefinition:
    severity = dg.AssetCheckSeverity.ERROR if gate.blocking else dg.AssetCheckSeverity.WARN

    @dg.asset_check(asset=mart_key("data_quality"), name=gate.name, blocking=gate.blocking,
                    description=("Gate (blocking): " if gate.blocking else "Gate (warning): ")
                    + gate.description)
    def _check(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        with _connect() as con:
            frame = con.execute("select * from marts.data_quality where check_name = ? "
                                "order by subject, detail", [gate.name]).df()
        result = validate_dataframe(gate.name, frame, gate_expectations())
        failing = frame[frame["status"] != "pass"].to_dict("records")
        description = (describe_gate_rows(failing) if failing
                       else f"{gate.name}: {len(frame)} subjects within the threshold")
        return _result(context, gate.name, "marts/data_quality", severity, result,
                       description, subjects=len(frame), outside=len(failing))

    return _check


checks = [*(_suite_check(suite) for suite in SUITES), *(_gate_check(g) for g in GATES)]

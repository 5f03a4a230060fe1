"""Run a Dagster job of the code location from the command line, with readable progress.

`tokenroi run` executes the very job the daily schedule runs, in process, against the
instance in DAGSTER_HOME, so command-line runs appear in the Dagster UI as well; the
command's flags reach the assets as the run config of the ``settings`` resource.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.quality.gates import GATE_MODEL_PREFIX, describe_gate
from pipelines.settings import Settings

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
OWN_ERROR = re.compile(r"^pipelines(\.\w+)+: ")
DBT_FAILURE = re.compile(r"(Failure|Error) in (test|unit_test|model|seed|snapshot)|"
                         r"(Compilation|Database|Runtime|Parsing) Error")


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    checks_passed: list[str] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def reason(self) -> str:
        """One line: the failed checks first (they are why publication stopped)."""
        if self.checks_failed:
            return "blocking check failed, nothing published: " + "; ".join(self.checks_failed)
        if self.failures:
            return self.failures[0]
        return "the run failed"


def _failure_text(event) -> str:
    """The innermost error's first line: the user's problem, not Dagster's wrapper."""
    error = getattr(event.event_specific_data, "error", None)
    while error is not None and error.cause is not None:
        error = error.cause
    if not error or not error.message:
        return f"step {event.step_key} failed: {event.message}"
    plain = ANSI_ESCAPE.sub("", error.message)
    lines = [line.strip() for line in plain.strip().splitlines() if line.strip()]
    # dbt's error lists what failed ("Failure in test …", "Compilation Error in model …")
    # after a generic first line: name that.
    specific = [line for line in lines if DBT_FAILURE.search(line)]
    # our own errors' messages are written for the user: without the class's dotted path
    first = OWN_ERROR.sub("", (specific or lines)[0])
    return f"step {event.step_key} failed: {first}"


def run_config(settings: Settings, full_refresh: bool = False,
               dbt_vars: dict | None = None) -> dict:
    """The daily job's run config for these settings: the settings resource's fields, the
    dbt step's full refresh and vars, and the progress logger."""
    dbt_config: dict = {"full_refresh": full_refresh}
    if dbt_vars:
        dbt_config["vars"] = dbt_vars
    return {"loggers": {"progress": {}},
            "resources": {"settings": {"config": settings.as_config()}},
            "ops": {"tokenroi_dbt": {"config": dbt_config}}}


def run_job(defs: dg.Definitions, job_name: str, log_path: Path, config: dict,
            instance: dg.DagsterInstance, tags: dict[str, str] | None = None,
            marts_db: Path | None = None) -> RunOutcome:
    """Execute the job in process; progress goes to stderr, dbt's own output to ``log_path``."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log, contextlib.redirect_stdout(log):
        result = defs.resolve_job_def(job_name).execute_in_process(
            instance=instance, raise_on_error=False, run_config=config, tags=tags)
    return outcome_of(result, marts_db)


def outcome_of(result: dg.ExecuteInProcessResult, marts_db: Path | None = None) -> RunOutcome:
    """What a run did: checks passed, warned and failed, and why it failed if it did. A gate
    outside its threshold is described from the build in ``marts_db``."""
    outcome = RunOutcome(success=result.success, run_id=result.run_id)
    for event in result.all_events:
        kind = event.event_type_value
        if kind == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            label = f"{data.check_name} on {data.asset_key.to_user_string()}"
            description = data.description
            model = data.asset_key.path[-1]
            if not data.passed and marts_db and model.startswith(GATE_MODEL_PREFIX):
                description = describe_gate(marts_db, model) or description
            described = label + (f" ({description})" if description else "")
            if data.passed:
                outcome.checks_passed.append(label)
            elif data.severity == dg.AssetCheckSeverity.WARN:
                outcome.warnings.append(described)
            else:
                outcome.checks_failed.append(described)
        elif kind == "STEP_FAILURE":
            outcome.failures.append(_failure_text(event))
        elif kind == "STEP_SKIPPED":
            # Dagster counts a skipped step as success; a skipped publication is not one.
            outcome.failures.append(f"step {event.step_key} was skipped: an asset it "
                                    "depends on was not produced, so nothing was published")
    if outcome.failures:
        outcome.success = False
    return outcome

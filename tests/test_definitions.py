"""What the code location defines: a snapshot of keys, the job, the schedule, and validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from pipelines.defs.dbt_project import dbt_build_args

ROOT = Path(__file__).resolve().parent.parent


def test_asset_keys_link_ingest_to_dbt_sources_and_layers():
    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"raw/agent_calls", "raw/commits", "raw/deal_events", "raw/quarantine",
            "reference/people", "reference/budgets", "reference/features",
            "reference/deal_features", "reference/model_prices", "seeds/model_prices",
            "staging/stg_raw__agent_calls", "intermediate/int_agent_calls_priced",
            "marts/fct_agent_calls", "marts/fct_spend_daily", "marts/dim_people",
            "marts/dim_models", "warehouse", "outcome_report"} <= keys
    graph = defs.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_raw__agent_calls"]))
    assert dg.AssetKey(["raw", "agent_calls"]) in staging.parent_keys
    assert dg.AssetKey(["warehouse"]) in graph.get(dg.AssetKey(["outcome_report"])).parent_keys


def test_the_spend_mart_has_a_blocking_great_expectations_check():
    checks = {key.name: key for key in defs.resolve_asset_graph().asset_check_keys}
    key = checks["fct_spend_daily_expectations"]
    assert key.asset_key == dg.AssetKey(["marts", "fct_spend_daily"])
    assert defs.resolve_asset_graph().get_check_spec(key).blocking


def test_the_daily_schedule_runs_the_daily_job_at_0200_utc():
    schedule = defs.resolve_schedule_def("tokenroi_daily_0200_utc")
    assert (schedule.job_name, schedule.cron_schedule, schedule.execution_timezone) == (
        "tokenroi_daily", "0 2 * * *", "UTC")


def test_dbt_build_args():
    assert dbt_build_args() == ["build"]
    assert dbt_build_args(full_refresh=True, dbt_vars={"b": 1, "a": "x"}) == [
        "build", "--full-refresh", "--vars", '{"a": "x", "b": 1}']


def test_dagster_validates_the_workspace(tmp_path):
    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
                               "HOME": str(tmp_path), "TOKENROI_DATA": str(tmp_path),
                               "DAGSTER_HOME": str(tmp_path)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All code locations passed validation" in done.stdout + done.stderr

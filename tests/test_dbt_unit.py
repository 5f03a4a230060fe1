"""dbt's unit tests: the densest SQL rules pinned on fixed rows (given → expected, written
by hand in each model's yml). They run here, not in the daily build.

dbt needs the models' parents to exist to type the given rows: an empty build (`dbt build
--empty`) over an empty event log makes them in a few seconds, with no pipeline run.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from pipelines.defs.resources import dbt_executable
from pipelines.eventlog.store import EventLog
from pipelines.settings import SHIPPED_DBT_PROJECT
from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS

# The rules the issue named, each with at least one unit test (model: a word of its name).
DENSEST_RULES = {
    "attribution order": ("int_call_feature_shares", "attribution_order"),
    "sessionisation": ("int_agent_calls_sessionized", "session"),
    "revenue credit": ("fct_revenue_attribution", "credited"),
    "percentiles": ("fct_salary_share_summary", "p90"),
    "routing savings": ("fct_routing_savings", "savings"),
    "headline deltas": ("fct_monthly_headlines", "month_over_month"),
}


def _dbt(args: list[str], folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "TOKENROI_DATA": str(folder), "TOKENROI_LAKE": str(folder / "lake"),
           "TOKENROI_BUILD_DB": str(folder / "build.duckdb")}
    return subprocess.run([dbt_executable(), *args, "--profiles-dir", str(SHIPPED_DBT_PROJECT),
                           "--target-path", str(folder / "target"),
                           "--log-path", str(folder / "logs")],
                          cwd=SHIPPED_DBT_PROJECT, env=env, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def unit_results(tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("dbt_unit")
    EventLog(folder / "lake").ensure_layout(REFERENCE_SCHEMAS)
    empty = _dbt(["build", "--empty", "--exclude", "test_type:unit", "--quiet"], folder)
    assert empty.returncode == 0, empty.stdout + empty.stderr
    done = _dbt(["test", "--select", "test_type:unit"], folder)
    results = json.loads((folder / "target" / "run_results.json").read_text())["results"]
    statuses = {r["unique_id"]: r["status"] for r in results
                if r["unique_id"].startswith("unit_test.")}
    assert done.returncode == 0 or statuses, done.stdout + done.stderr
    return statuses


def test_every_dbt_unit_test_passes(unit_results):
    failed = {name: status for name, status in unit_results.items() if status != "pass"}
    assert not failed
    assert len(unit_results) >= 26


@pytest.mark.parametrize("rule", sorted(DENSEST_RULES))
def test_the_densest_rules_have_unit_tests(unit_results, rule):
    model, word = DENSEST_RULES[rule]
    assert any(name.startswith(f"unit_test.tokenroi.{model}.") and word in name
               for name in unit_results), rule

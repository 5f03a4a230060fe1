"""Each test corrupts one thing in a copy of a published org and re-runs, in process, the
steps the fault reaches: a blocking check stops publication (the run fails naming the
check; the previous warehouse and report are untouched); a warning publishes and shows up
in marts.data_quality, the run's warnings and the report. The command line's side of a
blocked run (exit code, one line) is proven end to end in test_pricing_and_publication."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
import pytest

from conftest import Workspace

pytestmark = pytest.mark.e2e

PROJECT_DBT = Path(__file__).resolve().parent.parent / "dbt_project"
PEOPLE = """email,name,team,annual_cost_usd,aliases
ada@acme.example,Ada Okafor,payments,180000,
bruno@acme.example,Bruno Silva,growth,150000,
"""
NOW = datetime.now(UTC).replace(microsecond=0)


def _call(event_id: str, hours_ago: float, person: str = "ada@acme.example",
          model: str = "claude-sonnet-4-5", provider: str = "anthropic",
          task: str = "implementation", **tokens) -> dict:
    when = NOW - timedelta(hours=hours_ago)
    return {"event_id": event_id, "occurred_at": when.isoformat().replace("+00:00", "Z"),
            "provider": provider, "model": model, "person_email": person,
            "tags": {"task": task}, "input_tokens": 10_000, "output_tokens": 2_000,
            **tokens}


# 40 calls over the last 30 hours (every source fresh), 4 of them non-work.
BASELINE_CALLS = [_call(f"c{i:02d}", hours_ago=1 + i * 0.7,
                        person=("ada@acme.example" if i % 2 else "bruno@acme.example"),
                        task=("non_work" if i % 10 == 3 else "implementation"),
                        feature_key=("PAY-1" if i % 3 == 0 else None))
                  for i in range(40)]


def _jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Workspace:
    """A fresh, clean org published once: every check passes, no warning."""
    workspace = Workspace(tmp_path_factory.mktemp("quality") / "data")
    _jsonl(workspace.landing / "agent_calls" / "canonical" / "calls.jsonl", BASELINE_CALLS)
    reference = workspace.landing / "reference"
    reference.mkdir(parents=True)
    (reference / "people.csv").write_text(PEOPLE)
    (reference / "features.csv").write_text("feature_key,name,product_area\nPAY-1,Pay,pay\n")
    workspace.run()
    return workspace


@pytest.fixture
def copy_of(baseline, tmp_path) -> Workspace:
    """The published baseline (landing, lake, build, warehouse, reports), copied."""
    shutil.copytree(baseline.data, tmp_path / "data")
    return Workspace(tmp_path / "data")


def _report(workspace: Workspace) -> Path:
    return sorted((workspace.data / "reports").glob("*/outcome_report.html"))[-1]


def _assert_blocked(workspace: Workspace, check: str, upstream_of: list[str]) -> str:
    """Re-run what reaches ``upstream_of`` and publication; assert the run fails naming
    ``check`` and publishes nothing. Returns the run's one-line reason."""
    warehouse, report = _digest(workspace.warehouse), _digest(_report(workspace))
    # data_quality, a published mart, puts publication behind the dbt step, as in the
    # whole job
    outcome = workspace.run(upstream_of=upstream_of, expect_success=False,
                            select=["marts/data_quality", "warehouse", "outcome_report"])
    assert not outcome.success
    reason = outcome.reason()
    assert reason.startswith("blocking check failed, nothing published"), reason
    assert check in reason, reason
    assert _digest(workspace.warehouse) == warehouse
    assert _digest(_report(workspace)) == report
    return reason


def _mutated_dbt_project(tmp_path: Path, model: str, old: str, new: str) -> Path:
    """A copy of the dbt project with one model broken (a bug the guards must catch)."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DBT, project, ignore=shutil.ignore_patterns("target", "logs"))
    sql = next(project.glob(f"models/**/{model}.sql"))
    text = sql.read_text()
    assert old in text
    sql.write_text(text.replace(old, new))
    return project


def test_the_clean_baseline_passes_every_check_without_warning(baseline):
    rows = baseline.query("select check_name, subject, status from marts.data_quality "
                          "order by 1, 2")
    assert ("source_freshness", "agent_calls/canonical", "pass") in rows
    assert {status for _, _, status in rows} == {"pass"}
    # `tokenroi checks` reads what Dagster kept of the run: every check passed
    done = baseline.tokenroi("checks")
    lines = done.stdout.strip().splitlines()
    assert lines[-1].endswith("0 failing, 0 warning (full results: "
                              f"{baseline.data / 'quality'})"), lines[-1]
    assert all(line.startswith("pass") for line in lines[:-1])
    assert {"fct_spend_daily_expectations", "unpriced_token_share",
            "unique_stg_raw__agent_calls_event_id"} <= {line.split()[5] for line in lines[:-1]}


def test_a_negative_price_stops_publication(copy_of):
    # A price override typed with a minus sign would make every sonnet call cost < 0.
    (copy_of.landing / "reference" / "model_prices.csv").write_text(
        "provider,model,valid_from,valid_to,tier,input_usd_per_mtok,output_usd_per_mtok,"
        "cache_read_usd_per_mtok,cache_write_usd_per_mtok,cache_write_1h_usd_per_mtok\n"
        "anthropic,claude-sonnet-4-5,2024-01-01,,mid,-3,15,,,\n")
    _assert_blocked(copy_of, "non_negative_stg_reference__model_price_overrides_input",
                    ["staging/stg_reference__model_price_overrides"])


def test_a_duplicated_call_stops_publication(copy_of, tmp_path):
    # A staging model that forgot to deduplicate, and a call landed twice.
    copy_of.settings["TOKENROI_DBT_PROJECT"] = str(_mutated_dbt_project(
        tmp_path, "stg_raw__agent_calls", "qualify row_number() over (",
        "qualify true or row_number() over ("))
    # Twice in one new file: an incremental run merges only new batches, so the repeat must
    # be inside the batch for the missing deduplication to show.
    _jsonl(copy_of.landing / "agent_calls" / "canonical" / "again.jsonl", BASELINE_CALLS[:1] * 2)
    _assert_blocked(copy_of, "unique_stg_raw__agent_calls_event_id",
                    ["staging/stg_raw__agent_calls"])


def test_broken_spend_conservation_stops_publication(copy_of, tmp_path):
    # An attribution model that loses the non-work spend from "unattributed".
    copy_of.settings["TOKENROI_DBT_PROJECT"] = str(_mutated_dbt_project(
        tmp_path, "fct_spend_attribution", "filter (where feature_key is null)",
        "filter (where feature_key is null and unattributed_reason <> 'non_work')"))
    _jsonl(copy_of.landing / "agent_calls" / "canonical" / "more.jsonl",
           [_call("c-more", hours_ago=2, task="non_work")])
    _assert_blocked(copy_of, "assert_spend_is_conserved_per_day",
                    ["marts/fct_spend_attribution"])


def test_an_unpriced_model_above_the_threshold_stops_publication(copy_of):
    from pipelines.instance import instance
    from pipelines.quality.history import check_history

    # 2 calls of 100k tokens on a model without a price, beside the month's priced calls
    # of 12k tokens each (all 40 unless the month began within the last 30 hours).
    mystery = [_call(f"m{i}", hours_ago=3, provider="acme", model="acme-llm-9",
                     input_tokens=100_000, output_tokens=0) for i in range(2)]
    month = mystery[0]["occurred_at"][:7]
    priced = sum(12_000 for c in BASELINE_CALLS if c["occurred_at"][:7] == month)
    expected_share = 200_000 / (200_000 + priced)  # 200k / 680k = 29.4% with all 40
    _jsonl(copy_of.landing / "agent_calls" / "canonical" / "mystery.jsonl", mystery)
    line = _assert_blocked(copy_of, "unpriced_token_share on marts/gate_unpriced_token_share",
                           ["marts/gate_unpriced_token_share"])
    assert f"{month}: {expected_share:.1%} (limit 2.0%)" in line
    assert "no price for acme/acme-llm-9" in line
    # Dagster keeps the gate's history: passed on the baseline run, failed now
    key = dg.AssetCheckKey(dg.AssetKey(["marts", "gate_unpriced_token_share"]),
                           "unpriced_token_share")
    history = check_history(instance(copy_of.resolved()), [key])
    assert [entry["passed"] for entry in history] == [True, False]


def test_a_stale_source_warns_and_still_publishes(copy_of):
    # A CRM export whose newest event is 20 days old: deal events may be 14 days old.
    stale = (datetime.now(UTC) - timedelta(days=20)).isoformat().replace("+00:00", "Z")
    _jsonl(copy_of.landing / "crm" / "canonical" / "deals.jsonl", [
        {"event_id": "d1-1", "deal_id": "D1", "occurred_at": stale, "sequence": 1,
         "event_type": "created", "account": "Initech", "deal_name": "Initech pilot",
         "stage": "open", "amount_usd": 1000, "features": ["PAY-1"]}])
    before = _digest(copy_of.warehouse)
    outcome = copy_of.run(upstream_of=["marts/gate_source_freshness"],
                          select=["marts/data_quality", "warehouse", "outcome_report"])
    [warning] = outcome.warnings
    assert warning.startswith("source_freshness on marts/gate_source_freshness")
    assert "deal_events: 480.0 h (limit 336 h)" in warning
    assert _digest(copy_of.warehouse) != before  # published
    assert copy_of.query("select status, round(observed_value) from marts.data_quality "
                         "where check_name = 'source_freshness' and subject = 'deal_events'"
                         ) == [("warn", 480.0)]
    html = _report(copy_of).read_text()
    assert "data-check='source_freshness'" in html and "deal_events" in html

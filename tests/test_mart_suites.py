"""The GX suites on small hand-made frames: each corruption fails the expectation meant
to catch it, and the clean frame passes (so no suite is vacuous)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from pipelines.quality.gates import describe_gate_rows
from pipelines.quality.gx_suites import validate_dataframe
from pipelines.quality.history import check_states
from pipelines.quality.mart_suites import (
    SUITES,
)

# What the staging layer says, for frames below: two logged calls of 1 request each,
# 300 input and 30 output tokens, $3.50 in total, October and November.
FACTS = SimpleNamespace(
    expected_months=["2026-10", "2026-11"], unlogged_rows=1, total_cost_usd=Decimal("3.50"),
    staged_calls={"rows": 2, "requests": 2, "input_tokens": 300, "output_tokens": 30},
    won_revenue_usd=Decimal("1000"), staged_commits=1, staged_deals=1, people=2, budgets=1,
    features=1)


def run(mart: str, frame: pd.DataFrame):
    suite = next(s for s in SUITES if s.mart == mart)
    return validate_dataframe(mart, frame, suite.expectations(FACTS))


def spend_daily(**changes) -> pd.DataFrame:
    rows = [
        {"day": "2026-10-05", "person_email": "ada@x", "team": "pay", "provider": "anthropic",
         "model": "claude-opus-4-6", "model_tier": "frontier", "task_class": "planning",
         "calls": 1, "input_tokens": 100, "output_tokens": 10, "cost_usd": Decimal("2.50")},
        {"day": "2026-11-02", "person_email": "bo@x", "team": "web", "provider": "openai",
         "model": "gpt-5-mini", "model_tier": "mid", "task_class": "trivial",
         "calls": 1, "input_tokens": 200, "output_tokens": 20, "cost_usd": Decimal("1.00")},
    ]
    rows[1].update(changes)
    return pd.DataFrame(rows)


def test_clean_daily_spend_passes():
    result = run("fct_spend_daily", spend_daily())
    assert result.success, result.failures


@pytest.mark.parametrize(("changes", "caught_by"), [
    ({"cost_usd": Decimal("-1.00")}, "money is non-negative"),
    ({"cost_usd": Decimal("250000")}, "money is non-negative and at most 100,000"),
    ({"calls": 2}, "calls add up to the staged requests"),
    ({"task_class": "chitchat"}, "expect_column_values_to_be_in_set on task_class"),
    ({"day": "2026-10-05", "person_email": "ada@x", "team": "pay", "provider": "anthropic",
      "model": "claude-opus-4-6", "model_tier": "frontier", "task_class": "planning"},
     "expect_compound_columns_to_be_unique"),
])
def test_each_corruption_of_daily_spend_is_caught(changes, caught_by):
    result = run("fct_spend_daily", spend_daily(**changes))
    assert not result.success
    assert any(caught_by in failure for failure in result.failures), result.failures


def calls_profile(rows: int = 1, distinct: int = 1) -> pd.DataFrame:
    return pd.DataFrame([
        {"day": "2026-10-05", "source": "canonical", "cost_source": "catalog", "rows": rows,
         "distinct_event_ids": distinct, "logged_rows": rows, "unlogged_rows": 0,
         "min_cost_usd": Decimal("1"), "max_call_cost_usd": Decimal("2.5"),
         "max_unlogged_cost_usd": None, "costless_priced_rows": 0, "min_token_count": 0},
        {"day": "2026-10-06", "source": "canonical", "cost_source": "catalog", "rows": 2,
         "distinct_event_ids": 2, "logged_rows": 1, "unlogged_rows": 1,
         "min_cost_usd": Decimal("0.5"), "max_call_cost_usd": Decimal("0.5"),
         "max_unlogged_cost_usd": Decimal("0.5"), "costless_priced_rows": 0,
         "min_token_count": 0},
    ])


def test_a_duplicated_call_is_caught_in_the_call_profile():
    assert run("fct_agent_calls", calls_profile()).success
    result = run("fct_agent_calls", calls_profile(rows=2, distinct=1))
    assert not result.success
    failures = "; ".join(result.failures)
    assert "no call appears twice" in failures
    assert "every staged call is in the mart, once" in failures


def headlines(months=("2026-10", "2026-11"), coverage=0.5) -> pd.DataFrame:
    money = {c: Decimal("1.75") for c in [
        "total_spend_usd", "frontier_spend_usd", "frontier_waste_usd",
        "routable_frontier_spend_usd", "routing_savings_usd", "attributed_spend_usd",
        "credited_revenue_usd"]}
    return pd.DataFrame([{"month": m, **money, "revenue_per_token_dollar": 2.0,
                          "spend_pct_of_payroll": 0.01, "routable_share_of_frontier_spend": 1.0,
                          "frontier_waste_share": 1.0,
                          "spend_coverage": coverage, "revenue_coverage": 0.0}
                         for m in months])


def test_monthly_headlines_need_every_month_and_shares_within_0_and_1():
    assert run("fct_monthly_headlines", headlines()).success
    missing = run("fct_monthly_headlines", headlines(months=("2026-10",)))
    assert any("every month from the first call to the last is present" in f
               for f in missing.failures)
    above = run("fct_monthly_headlines", headlines(coverage=1.2))
    assert any("a share is within 0..1" in f and "spend_coverage" in f for f in above.failures)


def test_attribution_coverage_may_show_a_deal_month_outside_the_calls_span():
    """A deal won before the first call (CRM history is older than AI use) or in a month the
    call exports have not reached yet is a month of revenue coverage, not an error; a month
    of the calls' span missing still is."""
    def coverage(periods):
        return pd.DataFrame([{"period": p, "total_spend_usd": Decimal("1"),
                              "attributed_spend_usd": Decimal("0.5"), "spend_coverage": 0.5,
                              "won_revenue_usd": Decimal("10"), "credited_revenue_usd": 0,
                              "revenue_coverage": 0.0} for p in periods])

    assert run("fct_attribution_coverage", coverage(["2026-10", "2026-11", "all"])).success
    assert run("fct_attribution_coverage",
               coverage(["2025-03", "2026-10", "2026-11", "2026-12", "all"])).success
    missing = run("fct_attribution_coverage", coverage(["2026-10", "2026-12", "all"]))
    assert any("every month from the first call to the last is present" in f
               for f in missing.failures)


def test_a_gate_outside_its_threshold_is_described_readably():
    rows = [
        {"check_name": "source_freshness", "subject": "agent_calls/otlp", "status": "warn",
         "observed_value": 180.04, "threshold": 48.0, "unit": "hours",
         "detail": "newest event 2026-11-14 20:25 UTC"},
        {"check_name": "telemetry_coverage", "subject": "openai", "status": "warn",
         "observed_value": 0.85, "threshold": 0.9, "unit": "share", "detail": "$85 of $100"},
    ]
    assert describe_gate_rows(rows) == (
        "agent_calls/otlp: 180.0 h (limit 48 h), newest event 2026-11-14 20:25 UTC; "
        "openai: 85.0% (floor 90.0%), $85 of $100")


def test_only_the_unpriced_token_share_gate_blocks_by_default():
    import yaml

    project = yaml.safe_load((Path(__file__).resolve().parent.parent / "dbt_project"
                              / "dbt_project.yml").read_text())
    severities = {name.removesuffix("_severity"): value
                  for name, value in project["vars"].items() if name.endswith("_severity")}
    assert severities == {"unpriced_token_share": "error", "source_freshness": "warn",
                          "telemetry_coverage": "warn", "quarantined_records": "warn",
                          "unknown_identity_spend": "warn", "unconverted_deal_amounts": "warn"}


def test_check_states_say_since_when_a_check_fails():
    def entry(run, passed, severity="ERROR"):
        return {"check": "c", "asset": "a", "run_id": run, "passed": passed,
                "severity": severity, "checked_at": f"2026-11-0{run}", "summary": run}
    history = [entry("1", True), entry("2", True), entry("3", False), entry("4", False)]
    [state] = check_states(history)
    assert (state["outcome"], state["since_run"], state["summary"]) == ("FAIL", "3", "4")
    [state] = check_states([*history, entry("5", True)])
    assert (state["outcome"], state["since_run"]) == ("pass", "5")
    [state] = check_states([entry("1", False, "WARN")])
    assert state["outcome"] == "warn"

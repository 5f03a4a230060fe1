"""The truth book's attribution and revenue rules on hand-computed cases."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from pipelines.generate.list_prices import load_prices
from pipelines.generate.truth import CommitRecord, TruthBook
from pipelines.settings import SHIPPED_PRICE_CATALOG

T0 = datetime(2026, 10, 5, 10, 0, tzinfo=UTC)
NO_TOKENS = dict(input_tokens=0, cache_read_tokens=0, cache_write_tokens=0,
                 cache_write_1h_tokens=0, output_tokens=0)


def book() -> TruthBook:
    return TruthBook(load_prices(SHIPPED_PRICE_CATALOG), {}, {"ada@x": "payments"})


def add(b: TruthBook, cost: str, session: str, branch="main", task="implementation", tag=None,
        when=T0, person="ada@x"):
    b.add_call(occurred_at=when, person_email=person, provider="openai", model="gpt-5",
               task_class=task, tokens=NO_TOKENS, cost=Decimal(cost), session_id=session,
               repo="api", branch=branch, tagged_feature=tag)


def test_a_session_splits_over_its_commits_by_lines_changed():
    b = book()
    add(b, "9", "s1")
    add(b, "3", "s1", when=T0.replace(hour=11))
    # 4 hours after the last call is still linked; one line more is not.
    b.add_commit(CommitRecord("api", "ada@x", T0.replace(hour=15), 30, "PAY-1", []))
    b.add_commit(CommitRecord("api", "ada@x", T0.replace(hour=12), 10, None, []))
    b.add_commit(CommitRecord("api", "ada@x", T0.replace(hour=15, minute=1), 99, "PAY-9", []))
    answers = b.answers([], {}, [])
    assert answers["features"]["PAY-1"]["agent_cost_usd"] == 9.0  # 12 * 30/40
    assert answers["unattributed_spend_usd_by_reason"] == {"no_feature_key": 3.0}
    assert "PAY-9" not in answers["features"]


def test_explicit_then_branch_then_trailer_and_non_work_is_never_attributed():
    b = book()
    add(b, "1", "s1", branch="feature/PAY-2-x", tag="PAY-3")
    add(b, "2", "s2", branch="feature/PAY-2-x")
    add(b, "4", "s3", branch="wip/ada")
    add(b, "8", "s4", branch="feature/PAY-2-x", task="non_work")
    add(b, "16", "s5", person="stranger@y")
    b.add_commit(CommitRecord("web", "ada@x", T0.replace(day=20), 5, "PAY-4", ["s3"]))
    answers = b.answers([], {}, [])
    assert {k: v["agent_cost_usd"] for k, v in answers["features"].items()} == {
        "PAY-2": 2.0, "PAY-3": 1.0, "PAY-4": 4.0}
    assert answers["unattributed_spend_usd_by_reason"] == {"non_work": 8.0,
                                                           "unknown_person": 16.0}
    assert answers["spend_attribution_coverage"] == round(7 / 31, 9)


def test_revenue_is_credited_by_weight_to_features_shipped_by_the_close_date():
    b = book()
    b.add_ship("PAY-1", datetime(2026, 10, 10, 17, tzinfo=UTC))
    b.add_ship("PAY-2", datetime(2026, 10, 11, 17, tzinfo=UTC))
    deals = [
        {"deal_id": "D1", "won": True, "amount_usd": 1000, "close_date": date(2026, 10, 10),
         "features": ["PAY-1", "PAY-2", "PAY-3"]},
        {"deal_id": "D2", "won": True, "amount_usd": 300, "close_date": date(2026, 10, 12),
         "features": []},
        {"deal_id": "D3", "won": False, "amount_usd": 5000, "close_date": date(2026, 10, 12),
         "features": ["PAY-1"]},
    ]
    weights = {"D1": {"PAY-1": Decimal(2), "PAY-2": Decimal(1), "PAY-3": Decimal(1)}}
    answers = b.answers(deals, weights, [])
    assert answers["features"]["PAY-1"]["credited_revenue_usd"] == 500.0
    assert answers["not_credited_revenue_usd_by_reason"] == {
        "never_shipped": 250.0, "no_cited_feature": 300.0, "shipped_after_close": 250.0}
    assert answers["won_revenue_usd"] == 1300.0


def test_budget_projection_runs_the_month_to_date_rate_to_month_end():
    b = book()
    add(b, "100", "s1", when=datetime(2026, 11, 10, 9, tzinfo=UTC))
    answers = b.answers([], {}, [("user", "ada@x", Decimal(250)), ("org", "acme", Decimal(50)),
                                 ("team", "payments", Decimal(400))])
    assert answers["budget_status"] == {
        "2026-11|user|ada@x": {"spend_usd": 100.0, "limit_usd": 250.0,
                               "projected_usd": 300.0, "status": "at_risk"},
        "2026-11|org|acme": {"spend_usd": 100.0, "limit_usd": 50.0, "projected_usd": 300.0,
                             "status": "over"},
        "2026-11|team|payments": {"spend_usd": 100.0, "limit_usd": 400.0,
                                  "projected_usd": 300.0, "status": "ok"},
    }

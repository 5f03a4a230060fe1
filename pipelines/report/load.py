"""Read one month's report figures from the published warehouse.

Every number comes from a mart (fct_monthly_headlines holds the headline figures and their
month-over-month changes); queries here only select, order and sum a mart's rows for a
chart. The template formats, it never computes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields
from pathlib import Path

import duckdb

BUDGET_ORDER = "case status when 'over' then 0 when 'at_risk' then 1 else 2 end"
# Sections over all of history (not the month): every month's report shows them as of the
# run that rendered it.
ALL_TIME = {"all_time": True}


@dataclass(frozen=True)
class MonthReport:
    month: str
    headline: dict
    days: list[str]
    daily_by_team: dict[str, list[float]]
    by_team: list[tuple[str, float, float]]  # (label, spend, share of the month)
    by_tier: list[tuple[str, float, float]]
    by_class: list[tuple[str, float, float]]
    waste_by_team: list[tuple[str, float]]
    waste_examples: list[dict]
    budgets: list[dict]
    top_features: list[dict] = field(metadata=ALL_TIME)
    bottom_features: list[dict] = field(metadata=ALL_TIME)
    feature_coverage: dict = field(metadata=ALL_TIME)
    salary_distribution: list[tuple[str, int]]
    people: list[dict] = field(metadata=ALL_TIME)
    quality: list[dict]  # the month's own gates, and the run's global ones

    def own(self) -> MonthReport:
        """What the report says about its month: without the all-time sections, and with each
        gate's status (a warning appears or clears), not the hours and times a run measures."""
        return dataclasses.replace(
            self, **{f.name: None for f in fields(self) if f.metadata == ALL_TIME},
            quality=[(r["check_name"], r["subject"], r["status"]) for r in self.quality])


def available_months(warehouse: Path) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select month from marts.fct_monthly_headlines order by 1").fetchall()
    return [r[0] for r in rows]


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _pairs(con, sql: str, params: list) -> list[tuple[str, float]]:
    return [(str(label), float(value or 0)) for label, value in con.execute(sql, params).fetchall()]


def _spend_split(con, column: str, month: str) -> list[tuple[str, float, float]]:
    """Spend of the month by one column of fct_spend_daily, with each part's share."""
    rows = con.execute(
        f"select {column}, sum(cost_usd), sum(cost_usd) / nullif(sum(sum(cost_usd)) over (), 0) "
        "from marts.fct_spend_daily where strftime(day, '%Y-%m') = ? group by 1 "
        "order by 2 desc, 1", [month]).fetchall()
    return [(str(label), float(usd or 0), float(share or 0)) for label, usd, share in rows]


def load_month(warehouse: Path, month: str) -> MonthReport:
    this_month = "strftime(day, '%Y-%m') = ?"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        [headline] = _records(con, "select * from marts.fct_monthly_headlines where month = ?",
                              [month])
        teams = [t for (t,) in con.execute(
            f"select team from marts.fct_spend_daily where {this_month} group by team "
            "order by sum(cost_usd) desc, team", [month]).fetchall()]
        days = [str(d) for (d,) in con.execute(
            f"select distinct day from marts.fct_spend_daily where {this_month} order by 1",
            [month]).fetchall()]
        spend = {(str(d), t): float(v) for d, t, v in con.execute(
            f"select day, team, sum(cost_usd) from marts.fct_spend_daily where {this_month} "
            "group by all", [month]).fetchall()}
        daily_by_team = {team: [spend.get((day, team), 0.0) for day in days] for team in teams}
        # column names are constants here, never data
        by_team, by_tier, by_class = (_spend_split(con, column, month)
                                      for column in ("team", "model_tier", "task_class"))
        waste_by_team = _pairs(
            con, "select team, sum(cost_usd) from marts.fct_frontier_waste where month = ? "
                 "and model_tier = 'frontier' group by 1 order by 2 desc, 1", [month])
        waste_examples = _records(
            con, "select task_class, team, provider, model, prompt_chars, total_tokens, "
                 "cost_usd, prompt_text from marts.fct_frontier_waste_examples "
                 "where month = ? order by rank_in_month limit 10", [month])
        budgets = _records(
            con, "select scope, scope_id, limit_usd, spend_usd, projected_usd, status "
                 f"from marts.fct_budget_status where month = ? order by {BUDGET_ORDER}, "
                 "projected_usd / nullif(limit_usd, 0) desc, scope, scope_id", [month])
        shipped = ("from marts.fct_feature_roi where shipped_at is not null "
                   "and agent_cost_usd > 0")
        columns = ("feature_key, name, shipped_at, commits, ai_assisted_commits, "
                   "agent_cost_usd, attributed_revenue_usd, revenue_per_token_dollar")
        top_features = _records(
            con, f"select {columns} {shipped} order by revenue_per_token_dollar desc, "
                 "feature_key limit 5", [])
        bottom_features = _records(
            con, f"select {columns} {shipped} and feature_key not in (select feature_key "
                 f"{shipped} order by revenue_per_token_dollar desc, feature_key limit 5) "
                 "order by revenue_per_token_dollar, agent_cost_usd desc, feature_key limit 5",
            [])
        [feature_coverage] = _records(
            con, "select * from marts.fct_attribution_coverage where period = 'all'", []) or [{}]
        salary_distribution = [(label, int(people)) for label, people in con.execute(
            "select bucket_label, people from marts.fct_salary_share_distribution "
            "where month = ? order by bucket_order", [month]).fetchall()]
        people = _records(
            con, "select person_email, team, spend_usd, ai_assisted_commits, shipped_features, "
                 "credited_revenue_usd from marts.fct_person_output where spend_usd > 0 "
                 "order by spend_usd desc, person_email limit 10", [])
        quality = _records(
            con, "select check_name, subject, severity, status, observed_value, threshold, "
                 "unit, affected_rows, detail, measured_at from marts.data_quality "
                 "where check_name not in ('unpriced_token_share', 'unknown_identity_spend') "
                 "or subject = ? order by status = 'pass', check_name, subject, detail",
            [month])
    return MonthReport(month, headline, days, daily_by_team, by_team, by_tier, by_class,
                       waste_by_team,
                       waste_examples, budgets, top_features, bottom_features,
                       feature_coverage, salary_distribution, people, quality)

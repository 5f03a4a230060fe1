"""The Great Expectations suites that guard the marts the report and analysts read.

Each suite validates one mart (or, for the call-grain table, a per-day profile of it, so a
10M-row table is never loaded into pandas) against expectations whose parameters come
from the staging layer: row counts, token sums and months are computed in DuckDB from
staging and compared with what the mart holds. Money is non-negative and below
plausible bounds, shares lie between 0 and 1, every month from the first call to the
last is present. Every suite is a blocking Dagster check (pipelines/defs/mart_checks.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

import duckdb

TASK_CLASSES = ["planning", "implementation", "trivial", "non_work", "unknown"]
MODEL_TIERS = ["frontier", "mid", "open", "unknown"]
COST_SOURCES = ["reported", "catalog", "unpriced"]
BUDGET_STATUSES = ["ok", "at_risk", "over"]

# Plausible bounds: past these a number is a unit or join error, not usage.
MAX_CALL_COST_USD = 1_000  # one logged call (a 1M-token frontier call costs ~$100)
MAX_BUCKET_COST_USD = 1_000_000  # one unlogged usage-export bucket (provider, model, day, key)
MAX_DAILY_ROW_COST_USD = 100_000  # one person's day on one model and task class
MAX_MONTHLY_ROW_COST_USD = 10_000_000  # a team or person in a month
MAX_DEAL_USD = 1_000_000_000
MAX_ANNUAL_COST_USD = 10_000_000
# Spend as a share of salary above 1 would mean a person costs more in tokens than in pay.
MAX_SALARY_SHARE = 1.0
CENT = Decimal("0.01")


# The relations besides the marts that Facts reads: a Spark build exports them with the
# marts (pipelines/spark_mirror.py).
FACT_RELATIONS = ("staging.stg_raw__agent_calls", "staging.stg_raw__commits",
                  "staging.stg_raw__deal_events", "staging.stg_reference__people",
                  "staging.stg_reference__budgets", "intermediate.int_unlogged_spend")


class Facts:
    """Numbers from the build database the suites compare the marts with, each computed
    once, on first use; one instance serves every check of a run (the build database does
    not change between them), so staging is scanned once, not once per suite."""

    def __init__(self, connect: Callable[[], duckdb.DuckDBPyConnection]):
        self.connect = connect

    def row(self, sql: str) -> tuple:
        with self.connect() as con:
            return con.execute(sql).fetchall()[0]

    def scalar(self, sql: str):
        return self.row(sql)[0]

    @cached_property
    def expected_months(self) -> list[str]:
        """Every month from the first call's to the last call's ('YYYY-MM')."""
        first, last = self.row(
            "select min(occurred_date), max(occurred_date) from marts.fct_agent_calls")
        if first is None:
            return []
        months, year, month = [], first.year, first.month
        while date(year, month, 1) <= last:
            months.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months

    @cached_property
    def staged_calls(self) -> dict[str, int]:
        """Logged calls in staging (usage exports are the bill, not calls)."""
        row = self.row(
            "select count(*), coalesce(sum(request_count), 0), coalesce(sum(input_tokens), 0), "
            "coalesce(sum(output_tokens), 0) "
            "from staging.stg_raw__agent_calls where not is_usage_export")
        return dict(zip(["rows", "requests", "input_tokens", "output_tokens"], row, strict=True))

    @cached_property
    def unlogged_rows(self) -> int:
        return self.scalar("select count(*) from intermediate.int_unlogged_spend")

    @cached_property
    def total_cost_usd(self) -> Decimal:
        return self.scalar("select coalesce(sum(cost_usd), 0) from marts.fct_agent_calls")

    @cached_property
    def won_revenue_usd(self) -> Decimal:
        return self.scalar(
            "select coalesce(sum(amount_usd), 0) from marts.fct_deals where is_won")

    @cached_property
    def staged_commits(self) -> int:
        return self.scalar("select count(*) from staging.stg_raw__commits")

    @cached_property
    def staged_deals(self) -> int:
        return self.scalar("select count(distinct deal_id) from staging.stg_raw__deal_events")

    @cached_property
    def people(self) -> int:
        return self.scalar("select count(*) from staging.stg_reference__people")

    @cached_property
    def budgets(self) -> int:
        return self.scalar("select count(*) from staging.stg_reference__budgets")

    @cached_property
    def features(self) -> int:
        return self.scalar("select count(*) from marts.dim_features")


def _gx():
    import great_expectations as gx

    return gx.expectations


def _meaning(expectation, meaning: str):
    expectation.meta = {"meaning": meaning}
    return expectation


def money(column: str, max_value: float | None = None):
    return _meaning(_gx().ExpectColumnValuesToBeBetween(
        column=column, min_value=0, max_value=max_value),
        "money is non-negative" + (f" and at most {max_value:,}" if max_value else ""))


def share(column: str):
    return _meaning(_gx().ExpectColumnValuesToBeBetween(column=column, min_value=0,
                                                        max_value=1), "a share is within 0..1")


def not_null(*columns: str):
    return [_gx().ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def in_set(column: str, values: list[str]):
    return _gx().ExpectColumnValuesToBeInSet(column=column, value_set=values)


def sum_is(column: str, value, tolerance=0, meaning: str = ""):
    return _meaning(_gx().ExpectColumnSumToBeBetween(
        column=column, min_value=value - tolerance, max_value=value + tolerance),
        meaning or f"{column} adds up to {value}")


def rows_are(count: int, meaning: str):
    return _meaning(_gx().ExpectTableRowCountToEqual(value=count), meaning)


def a_at_least_b(column_a: str, column_b: str):
    return _meaning(_gx().ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=column_a, column_B=column_b, or_equal=True,
        ignore_row_if="either_value_is_missing"), f"{column_a} >= {column_b}")


def months_complete(facts: Facts, column: str = "month", extra: tuple[str, ...] = ()):
    return _meaning(_gx().ExpectColumnDistinctValuesToEqualSet(
        column=column, value_set=[*facts.expected_months, *extra]),
        "every month from the first call to the last is present")


def months_included(facts: Facts, column: str = "month", extra: tuple[str, ...] = ()):
    """Every month of the calls' span is present; others may be too (a deal won in a month
    before the first call, or after the last one the call exports have reached)."""
    return _meaning(_gx().ExpectColumnDistinctValuesToContainSet(
        column=column, value_set=[*facts.expected_months, *extra]),
        "every month from the first call to the last is present")


def months_within(facts: Facts, column: str = "month"):
    return _meaning(_gx().ExpectColumnValuesToBeInSet(column=column,
                                                      value_set=facts.expected_months),
                    "months lie within the calls' span")


def unique(*columns: str):
    if len(columns) == 1:
        return _gx().ExpectColumnValuesToBeUnique(column=columns[0])
    return _gx().ExpectCompoundColumnsToBeUnique(column_list=list(columns))


@dataclass(frozen=True)
class MartSuite:
    mart: str
    description: str
    expectations: Callable[[Facts], list]
    # The frame validated; by default the whole mart.
    frame_sql: str | None = None

    @property
    def sql(self) -> str:
        return self.frame_sql or f"select * from marts.{self.mart}"


# fct_agent_calls is validated through a per-day profile, never row by row in pandas.
AGENT_CALLS_PROFILE = """
select
    occurred_date as day,
    source,
    cost_source,
    count(*) as rows,
    count(distinct event_id) as distinct_event_ids,
    count(*) filter (where not is_unlogged) as logged_rows,
    count(*) filter (where is_unlogged) as unlogged_rows,
    min(cost_usd) as min_cost_usd,
    max(cost_usd) filter (where not is_unlogged) as max_call_cost_usd,
    max(cost_usd) filter (where is_unlogged) as max_unlogged_cost_usd,
    count(*) filter (where cost_usd is null and cost_source <> 'unpriced') as costless_priced_rows,
    min(least(input_tokens, cache_read_tokens, cache_write_tokens, cache_write_1h_tokens,
              output_tokens, request_count)) as min_token_count
from marts.fct_agent_calls
group by all
"""


def _agent_calls(facts: Facts) -> list:
    gx = _gx()
    return [
        _meaning(gx.ExpectColumnPairValuesToBeEqual(column_A="rows",
                                                    column_B="distinct_event_ids"),
                 "no call appears twice"),
        sum_is("logged_rows", facts.staged_calls["rows"],
               meaning="every staged call is in the mart, once"),
        sum_is("unlogged_rows", facts.unlogged_rows,
               meaning="every unlogged-spend row is in the mart, once"),
        money("min_cost_usd"),
        money("max_call_cost_usd", MAX_CALL_COST_USD),
        money("max_unlogged_cost_usd", MAX_BUCKET_COST_USD),
        _meaning(gx.ExpectColumnValuesToBeBetween(column="costless_priced_rows", min_value=0,
                                                  max_value=0),
                 "only unpriced calls lack a cost"),
        _meaning(gx.ExpectColumnValuesToBeBetween(column="min_token_count", min_value=0),
                 "token counts are non-negative"),
        in_set("cost_source", COST_SOURCES),
        *not_null("day", "source"),
    ]


def _spend_daily(facts: Facts) -> list:
    staged = facts.staged_calls
    return [
        *not_null("day", "person_email", "team", "cost_usd"),
        unique("day", "person_email", "team", "provider", "model", "model_tier", "task_class"),
        money("cost_usd", MAX_DAILY_ROW_COST_USD),
        in_set("task_class", TASK_CLASSES),
        in_set("model_tier", MODEL_TIERS),
        sum_is("calls", staged["requests"], meaning="calls add up to the staged requests"),
        sum_is("input_tokens", staged["input_tokens"],
               meaning="input tokens add up to staging's"),
        sum_is("output_tokens", staged["output_tokens"],
               meaning="output tokens add up to staging's"),
        sum_is("cost_usd", facts.total_cost_usd, CENT,
               meaning="daily spend adds up to the calls' cost"),
    ]


def _spend_attribution(facts: Facts) -> list:
    money_columns = ["total_cost_usd", "attributed_cost_usd", "unattributed_cost_usd",
                     "unattributed_non_work_usd", "unattributed_unlogged_usd",
                     "unattributed_unknown_person_usd", "unattributed_no_linked_commit_usd",
                     "unattributed_no_feature_key_usd"]
    return [
        *not_null("day", "team", "total_cost_usd"),
        unique("day", "team"),
        *[money(c, MAX_MONTHLY_ROW_COST_USD) for c in money_columns],
        a_at_least_b("total_cost_usd", "attributed_cost_usd"),
        sum_is("total_cost_usd", facts.total_cost_usd, CENT,
               meaning="attribution covers all spend"),
    ]


def _monthly_headlines(facts: Facts) -> list:
    return [
        months_complete(facts),
        rows_are(len(facts.expected_months), "one row per month"),
        *[money(c) for c in ["total_spend_usd", "frontier_spend_usd", "frontier_waste_usd",
                             "routable_frontier_spend_usd", "routing_savings_usd",
                             "attributed_spend_usd", "credited_revenue_usd",
                             "revenue_per_token_dollar"]],
        *[share(c) for c in ["spend_pct_of_payroll", "routable_share_of_frontier_spend",
                             "spend_coverage", "revenue_coverage", "frontier_waste_share"]],
        a_at_least_b("total_spend_usd", "frontier_spend_usd"),
        a_at_least_b("frontier_spend_usd", "frontier_waste_usd"),
        a_at_least_b("total_spend_usd", "attributed_spend_usd"),
        sum_is("total_spend_usd", facts.total_cost_usd, CENT,
               meaning="monthly spend adds up to the calls' cost"),
    ]


def _spend_vs_salary(facts: Facts) -> list:
    return [
        months_complete(facts),
        rows_are(facts.people * len(facts.expected_months),
                 "one row per person in people.csv and month"),
        unique("month", "person_email"),
        money("spend_usd", MAX_MONTHLY_ROW_COST_USD),
        _meaning(_gx().ExpectColumnValuesToBeBetween(column="spend_pct_of_salary", min_value=0,
                                                     max_value=MAX_SALARY_SHARE),
                 "spend is a plausible share of salary"),
        *not_null("person_email", "team", "spend_pct_of_salary"),
    ]


def _salary_share_summary(facts: Facts) -> list:
    return [
        months_complete(facts),
        unique("month", "group_name"),
        *[share(c) for c in ["median_spend_pct_of_salary", "p90_spend_pct_of_salary",
                             "spend_pct_of_payroll"]],
        a_at_least_b("p90_spend_pct_of_salary", "median_spend_pct_of_salary"),
        money("spend_usd", MAX_MONTHLY_ROW_COST_USD),
        _meaning(_gx().ExpectColumnValuesToBeBetween(column="people", min_value=1),
                 "every group has people"),
    ]


def _salary_share_distribution(facts: Facts) -> list:
    return [
        months_complete(facts),
        unique("month", "bucket_order"),
        sum_is("people", facts.people * len(facts.expected_months),
               meaning="everyone in people.csv is in one bucket each month"),
        _meaning(_gx().ExpectColumnValuesToBeBetween(column="people", min_value=0),
                 "people are counted, not negative"),
    ]


def _budget_status(facts: Facts) -> list:
    return [
        months_complete(facts) if facts.budgets else months_within(facts),
        rows_are(facts.budgets * len(facts.expected_months),
                 "one row per budget in budgets.csv and month"),
        unique("month", "scope", "scope_id"),
        in_set("status", BUDGET_STATUSES),
        in_set("scope", ["user", "team", "org"]),
        money("spend_usd", MAX_MONTHLY_ROW_COST_USD),
        money("limit_usd"),
        a_at_least_b("projected_usd", "spend_usd"),
    ]


def _routing_savings(facts: Facts) -> list:
    return [
        months_within(facts),
        unique("month", "team", "task_class", "model_tier"),
        in_set("task_class", TASK_CLASSES),
        in_set("model_tier", MODEL_TIERS),
        *[money(c, MAX_MONTHLY_ROW_COST_USD) for c in ["cost_usd", "routed_cost_usd",
                                                        "savings_usd"]],
        a_at_least_b("cost_usd", "savings_usd"),
        sum_is("cost_usd", facts.total_cost_usd, CENT,
               meaning="routing covers all spend"),
    ]


def _frontier_waste(facts: Facts) -> list:
    return [
        months_within(facts),
        in_set("task_class", ["trivial", "non_work"]),
        in_set("model_tier", MODEL_TIERS),
        money("cost_usd", MAX_MONTHLY_ROW_COST_USD),
    ]


def _feature_roi(facts: Facts) -> list:
    return [
        rows_are(facts.features, "one row per feature in dim_features"),
        unique("feature_key"),
        *not_null("feature_key"),
        money("agent_cost_usd", MAX_MONTHLY_ROW_COST_USD),
        money("attributed_revenue_usd", MAX_DEAL_USD),
        money("revenue_per_token_dollar"),
        a_at_least_b("commits", "ai_assisted_commits"),
    ]


def _revenue_attribution(facts: Facts) -> list:
    return [
        share("share"),
        money("credited_revenue_usd", MAX_DEAL_USD),
        money("not_credited_revenue_usd", MAX_DEAL_USD),
        sum_is("split_usd", facts.won_revenue_usd, CENT,
               meaning="credited + not credited adds up to won revenue"),
        *not_null("deal_id"),
    ]


def _bill_reconciliation(facts: Facts) -> list:
    return [
        unique("day", "provider", "model"),
        *[money(c, MAX_BUCKET_COST_USD) for c in ["billed_cost_usd", "logged_cost_usd",
                                                   "unlogged_cost_usd"]],
        share("telemetry_coverage"),
        a_at_least_b("billed_cost_usd", "unlogged_cost_usd"),
    ]


def _attribution_coverage(facts: Facts) -> list:
    return [
        months_included(facts, column="period", extra=("all",)),
        unique("period"),
        share("spend_coverage"),
        share("revenue_coverage"),
        *[money(c) for c in ["total_spend_usd", "attributed_spend_usd", "won_revenue_usd",
                             "credited_revenue_usd"]],
        a_at_least_b("total_spend_usd", "attributed_spend_usd"),
        a_at_least_b("won_revenue_usd", "credited_revenue_usd"),
    ]


def _deals(facts: Facts) -> list:
    return [
        rows_are(facts.staged_deals, "one row per deal in staging"),
        unique("deal_id"),
        money("amount_usd", MAX_DEAL_USD),
        *not_null("deal_id", "is_won", "is_closed"),
    ]


def _commits(facts: Facts) -> list:
    return [
        rows_are(facts.staged_commits, "one row per staged commit"),
        unique("commit_id"),
        _meaning(_gx().ExpectColumnValuesToBeBetween(column="lines_changed", min_value=0),
                 "lines changed are non-negative"),
        *not_null("repo", "sha", "is_ai_assisted", "on_default_branch"),
    ]


def _people(facts: Facts) -> list:
    return [
        rows_are(facts.people, "one row per person in people.csv"),
        unique("person_email"),
        money("annual_cost_usd", MAX_ANNUAL_COST_USD),
        *not_null("person_email", "team"),
    ]


def _person_output(facts: Facts) -> list:
    return [
        rows_are(facts.people, "one row per person in people.csv"),
        unique("person_email"),
        money("spend_usd", MAX_MONTHLY_ROW_COST_USD),
        money("credited_revenue_usd", MAX_DEAL_USD),
    ]


def _unknown_identities(facts: Facts) -> list:
    return [unique("identity"), money("cost_usd", MAX_MONTHLY_ROW_COST_USD)]


def _ingested_files(facts: Facts) -> list:
    return [
        unique("stream", "source_file"),
        _meaning(_gx().ExpectColumnValuesToBeInSet(column="unaccounted", value_set=[0]),
                 "every record read is loaded, quarantined or skipped by a named rule"),
        *[_meaning(_gx().ExpectColumnValuesToBeBetween(column=column, min_value=0),
                   f"{column} is not negative")
          for column in ("records", "loaded", "quarantined", "skipped")],
    ]


SUITES = [
    MartSuite("fct_agent_calls", "Per-day profile: no call twice, every staged call present, "
              "costs non-negative and plausible, only unpriced calls without a cost.",
              _agent_calls, AGENT_CALLS_PROFILE),
    MartSuite("fct_spend_daily", "Keys unique, spend non-negative and plausible, calls and "
              "tokens add up to staging, spend adds up to the calls.", _spend_daily),
    MartSuite("fct_spend_attribution", "Attribution money non-negative, covers all spend.",
              _spend_attribution),
    MartSuite("fct_monthly_headlines", "Every month present; money non-negative; shares in "
              "0..1; spend adds up to the calls.", _monthly_headlines),
    MartSuite("fct_spend_vs_salary", "Every person in every month; plausible salary shares.",
              _spend_vs_salary),
    MartSuite("fct_salary_share_summary", "Every month; shares in 0..1; p90 >= median.",
              _salary_share_summary),
    MartSuite("fct_salary_share_distribution", "Every month; everyone in exactly one "
              "bucket.", _salary_share_distribution),
    MartSuite("fct_budget_status", "Every budget in every month; statuses known; projection "
              ">= spend.", _budget_status),
    MartSuite("fct_routing_savings", "Savings never exceed cost; routing covers all spend.",
              _routing_savings),
    MartSuite("fct_frontier_waste", "Only trivial and non-work spend; money plausible.",
              _frontier_waste),
    MartSuite("fct_feature_roi", "One row per feature; money non-negative.", _feature_roi),
    MartSuite("fct_revenue_attribution", "Shares in 0..1; credited + not credited = won "
              "revenue.", _revenue_attribution,
              "select *, credited_revenue_usd + not_credited_revenue_usd as split_usd "
              "from marts.fct_revenue_attribution"),
    MartSuite("fct_bill_reconciliation", "Bill money non-negative; coverage in 0..1.",
              _bill_reconciliation),
    MartSuite("fct_attribution_coverage",
              "Every month of the calls (and of won deals) and 'all'; coverage in 0..1.",
              _attribution_coverage),
    MartSuite("fct_deals", "One row per staged deal; amounts plausible.", _deals),
    MartSuite("fct_commits", "One row per staged commit.", _commits),
    MartSuite("dim_people", "One row per person in people.csv; plausible pay.", _people),
    MartSuite("fct_person_output", "One row per person; money non-negative.", _person_output),
    MartSuite("fct_unknown_identities", "Identities unique; money non-negative.",
              _unknown_identities),
    MartSuite("fct_ingested_files", "One row per landing file; records read = loaded + "
              "quarantined + skipped.", _ingested_files,
              "select *, records - loaded - quarantined - skipped as unaccounted "
              "from marts.fct_ingested_files"),
]

"""The whole daily job on a generated org, checked against the generator's truth.json."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from pipelines.quality.mart_suites import SUITES

pytestmark = pytest.mark.e2e


def cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_run_reports_every_check_passed_and_prints_where_outputs_are(pipeline_run):
    from pipelines.definitions import defs
    from pipelines.instance import instance
    from pipelines.quality.history import check_history

    workspace, _, done = pipeline_run
    assert "0 failed" in done.stdout
    assert f"warehouse: {workspace.warehouse}" in done.stdout
    # Dagster keeps every check's outcome: the GX suites and every dbt test ran and passed
    history = check_history(instance(workspace.resolved()),
                            defs.resolve_asset_graph().asset_check_keys)
    ran = {entry["check"]: entry["passed"] for entry in history}
    assert {f"{suite.mart}_expectations" for suite in SUITES} <= set(ran)
    assert {"unique_stg_raw__agent_calls_event_id", "assert_spend_is_conserved_per_day",
            "unpriced_token_share"} <= set(ran)
    assert len(ran) > 200
    assert all(passed for check, passed in ran.items() if check != "source_freshness")
    gates = workspace.query("select check_name, status from marts.data_quality")
    assert {status for check, status in gates if check != "source_freshness"} == {"pass"}
    # The sample ends on 2026-10-10, long before any run of this test: every source is
    # stale, and the run says so without blocking.
    assert {status for check, status in gates if check == "source_freshness"} == {"warn"}
    assert "warning: source_freshness on marts/gate_source_freshness (agent_calls/" in done.stdout
    assert "outcome_report.html" in done.stdout


# (group-by expression, mart, truth.json key): each breakdown must equal truth to the cent.
BREAKDOWNS = [
    ("team", "fct_spend_daily", "spend_by_team_usd"),
    ("model_tier", "fct_spend_daily", "spend_by_tier_usd"),
    ("person_email", "fct_spend_daily", "spend_by_person_usd"),
    ("provider || '/' || model", "fct_spend_daily", "spend_by_model_usd"),
    ("cast(day as varchar)", "fct_spend_daily", "spend_by_day_usd"),
    ("tool", "fct_agent_calls", "spend_by_tool_usd"),
]


@pytest.mark.parametrize(("dimension", "mart", "truth_key"), BREAKDOWNS,
                         ids=[key for *_, key in BREAKDOWNS])
def test_spend_breakdown_matches_truth_to_the_cent(pipeline_run, dimension, mart, truth_key):
    workspace, truth, _ = pipeline_run
    rows = workspace.query(f"select {dimension}, sum(cost_usd) from marts.{mart} group by 1")
    assert {key: cents(v) for key, v in rows} == {
        key: cents(v) for key, v in truth[truth_key].items()}


def test_every_generated_call_lands_once_and_bad_records_are_quarantined(pipeline_run):
    workspace, truth, _ = pipeline_run
    assert workspace.query("select count(*) from marts.fct_agent_calls")[0][0] == \
        truth["agent_calls"]
    with duckdb.connect() as con:
        quarantined = con.execute(
            "select source_file, source_line, reason from read_parquet(?) order by 1, 2",
            [str(workspace.lake / "_quarantine" / "agent_calls" / "*.parquet")]).fetchall()
    assert len(quarantined) == truth["quarantined_agent_calls"]
    by_format = {f.split("/")[1]: reason for f, _, reason in quarantined}
    assert by_format["litellm"] == "input_tokens is negative"
    assert by_format["claude_code"].startswith("malformed JSON")
    assert {r for f, _, r in quarantined if "/canonical/" in f} == {
        "malformed JSON", "input_tokens is negative", "occurred_at is not a timestamp"}
    assert all(line > 0 for _, line, _ in quarantined)


def test_every_landing_format_was_ingested(pipeline_run):
    workspace, _, _ = pipeline_run
    rows = dict(workspace.query("select source, count(*) from marts.fct_agent_calls "
                                "where not is_unlogged group by 1"))
    assert set(rows) == {"canonical", "claude_code", "otlp", "litellm"}
    with duckdb.connect() as con:
        exports = con.execute(
            "select source, count(*) from read_parquet(?) group by 1",
            [str(workspace.lake / "agent_calls" / "**" / "*.parquet")]).fetchall()
    assert {"openai_usage", "anthropic_usage"} <= {source for source, _ in exports}


def test_the_bill_is_matched_and_unlogged_spend_is_booked(pipeline_run):
    workspace, truth, _ = pipeline_run
    rows = workspace.query("select provider, sum(billed_cost_usd), sum(logged_cost_usd), "
                           "sum(unlogged_cost_usd) from marts.fct_bill_reconciliation group by 1")
    assert {p: (cents(b), cents(lg), cents(u)) for p, b, lg, u in rows} == {
        p: (cents(v["billed_usd"]), cents(v["logged_usd"]), cents(v["unlogged_usd"]))
        for p, v in truth["bill_by_provider"].items()}
    unlogged = workspace.query("select provider, sum(cost_usd) from marts.fct_agent_calls "
                               "where is_unlogged group by 1")
    assert {p: cents(v) for p, v in unlogged} == {
        p: cents(v["unlogged_usd"]) for p, v in truth["bill_by_provider"].items()}


def test_report_headline_is_the_warehouse_total(pipeline_run):
    workspace, truth, _ = pipeline_run
    month = truth["generator"]["start"][:7]
    html = (workspace.data / "reports" / month / "outcome_report.html").read_text()
    total = workspace.query("select sum(cost_usd) from marts.fct_spend_daily "
                            "where strftime(day, '%Y-%m') = ?", [month])[0][0]
    assert f'data-value="{float(total):.2f}"' in html
    assert "<svg" in html and "<script" not in html and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    pdf = workspace.data / "reports" / month / "outcome_report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_running_twice_changes_nothing_and_a_rebuild_gives_identical_marts(baseline_copy):
    """The daily job again on the same landing (in process), then `tokenroi rebuild`: the
    daily job with a full refresh, which drops the build and rebuilds it from the log."""
    workspace, _ = baseline_copy
    before = workspace.table_counts()
    checksums = workspace.mart_checksums()
    lake_files = sorted(p.relative_to(workspace.lake) for p in workspace.lake.rglob("*.parquet"))
    reports = {p: p.stat().st_mtime_ns for p in workspace.reports.rglob("outcome_*")}
    again = workspace.run()
    # nothing a report shows moved: no month is rendered again
    assert {p: p.stat().st_mtime_ns for p in reports} == reports
    assert not again.checks_failed and again.checks_passed
    assert workspace.table_counts() == before
    assert sorted(p.relative_to(workspace.lake) for p in workspace.lake.rglob("*.parquet")) == \
        lake_files

    done = workspace.tokenroi("rebuild")
    assert "0 failed" in done.stdout
    assert "Running a full refresh: dropped the build database" in done.stderr
    assert "0 new file(s)" in done.stderr  # nothing was re-ingested
    assert workspace.mart_checksums() == checksums


def test_spend_as_share_of_payroll_matches_truth(pipeline_run):
    workspace, truth, _ = pipeline_run
    payroll = workspace.query("select sum(annual_cost_usd) / 12 from marts.dim_people")[0][0]
    rows = workspace.query("select strftime(day, '%Y-%m'), sum(cost_usd) "
                           "from marts.fct_spend_daily group by 1")
    assert {m: round(float(spend) / float(payroll), 6) for m, spend in rows} == {
        m: round(share, 6) for m, share in truth["spend_pct_of_payroll_by_month"].items()}


def test_unknown_identities_are_kept_and_counted(pipeline_run):
    workspace, truth, _ = pipeline_run
    people = {line.split(",")[0] for line in
              (workspace.landing / "reference" / "people.csv").read_text().splitlines()[1:]}
    expected = {who: cents(v) for who, v in truth["spend_by_person_usd"].items()
                if who not in people}
    rows = workspace.query("select identity, cost_usd from marts.fct_unknown_identities")
    assert {who: cents(v) for who, v in rows} == expected
    assert expected  # the sample org has a contractor and keys nobody claimed


def test_commits_from_repositories_and_exports_with_ai_assistance_detected(pipeline_run):
    workspace, truth, _ = pipeline_run
    assert workspace.query("select count(*) from marts.fct_commits")[0][0] == truth["commits"]
    rows = workspace.query("select ai_method, count(*) from marts.fct_commits "
                           "where is_ai_assisted group by 1")
    assert dict(rows) == truth["ai_assisted_commits_by_method"]
    repos = {r for (r,) in workspace.query("select distinct repo from marts.fct_commits")}
    assert "acme-legacy" in repos and len(repos) >= 4  # git log and the canonical export


def test_per_feature_agent_cost_and_credited_revenue_match_truth(pipeline_run):
    workspace, truth, _ = pipeline_run
    rows = workspace.query("select feature_key, agent_cost_usd, attributed_revenue_usd "
                           "from marts.fct_feature_roi")
    got = {k: (cents(c), cents(r)) for k, c, r in rows if c or r}
    expected = {k: (cents(v["agent_cost_usd"]), cents(v["credited_revenue_usd"]))
                for k, v in truth["features"].items()
                if v["agent_cost_usd"] or v["credited_revenue_usd"]}
    assert got == expected
    shipped = dict(workspace.query("select feature_key, cast(shipped_at as date)::varchar "
                                   "from marts.dim_features where shipped_at is not null"))
    assert shipped == {k: v["shipped_on"] for k, v in truth["features"].items()
                       if v["shipped_on"]}


def test_coverage_of_spend_and_of_won_revenue_match_truth(pipeline_run):
    workspace, truth, _ = pipeline_run
    spend, revenue, attributed, won, credited = workspace.query(
        "select spend_coverage, revenue_coverage, attributed_spend_usd, won_revenue_usd, "
        "credited_revenue_usd from marts.fct_attribution_coverage where period = 'all'")[0]
    assert round(spend, 6) == round(truth["spend_attribution_coverage"], 6)
    assert round(revenue, 6) == round(truth["revenue_credit_coverage"], 6)
    assert (cents(attributed), cents(won), cents(credited)) == (
        cents(truth["attributed_spend_usd"]), cents(truth["won_revenue_usd"]),
        cents(truth["credited_revenue_usd"]))


def test_every_dollar_is_accounted_for_per_day_and_per_deal(pipeline_run):
    workspace, truth, _ = pipeline_run
    # attributed + unattributed = total spend, per day and team, to the cent
    assert workspace.query(
        "select count(*) from marts.fct_spend_attribution as a join ("
        "  select occurred_date as day, team, sum(cost_usd) as cost from marts.fct_agent_calls"
        "  group by all) as c on a.day = c.day and a.team = c.team "
        "where round(a.attributed_cost_usd + a.unattributed_cost_usd, 2) <> round(c.cost, 2)"
        "   or round(a.total_cost_usd, 2) <> round(c.cost, 2)")[0][0] == 0
    reasons = workspace.query(
        "select sum(unattributed_non_work_usd), sum(unattributed_unlogged_usd), "
        "sum(unattributed_unknown_person_usd), sum(unattributed_no_linked_commit_usd), "
        "sum(unattributed_no_feature_key_usd) from marts.fct_spend_attribution")[0]
    names = ["non_work", "unlogged", "unknown_person", "no_linked_commit", "no_feature_key"]
    assert {n: cents(v) for n, v in zip(names, reasons, strict=True) if v} == {
        n: cents(v) for n, v in truth["unattributed_spend_usd_by_reason"].items()}
    # credited + not credited = closed-won revenue, per deal
    assert workspace.query(
        "select count(*) from marts.fct_deals as d left join ("
        "  select deal_id, sum(credited_revenue_usd + not_credited_revenue_usd) as split"
        "  from marts.fct_revenue_attribution group by 1) as r on d.deal_id = r.deal_id "
        "where d.is_won and round(r.split, 2) <> round(d.amount_usd, 2)")[0][0] == 0
    assert {r: cents(v) for r, v in workspace.query(
        "select not_credited_reason, sum(not_credited_revenue_usd) "
        "from marts.fct_revenue_attribution where not_credited_reason is not null group by 1")
    } == {r: cents(v) for r, v in truth["not_credited_revenue_usd_by_reason"].items()}


def test_routing_savings_match_truth_per_month_team_class_and_tier(pipeline_run):
    workspace, truth, _ = pipeline_run
    rows = workspace.query("select month, team, task_class, model_tier, cost_usd, "
                           "routed_cost_usd, savings_usd from marts.fct_routing_savings")
    assert {f"{m}|{t}|{c}|{tier}": (cents(a), cents(b), cents(s))
            for m, t, c, tier, a, b, s in rows} == {
        key: (cents(v["cost_usd"]), cents(v["routed_cost_usd"]), cents(v["savings_usd"]))
        for key, v in truth["routing_by_month_team_class_tier"].items()}


def test_budget_statuses_and_salary_shares_match_truth(pipeline_run):
    workspace, truth, _ = pipeline_run
    rows = workspace.query("select month, scope, scope_id, spend_usd, projected_usd, status "
                           "from marts.fct_budget_status")
    assert {f"{m}|{s}|{i}": (cents(sp), cents(pr), st) for m, s, i, sp, pr, st in rows} == {
        key: (cents(v["spend_usd"]), cents(v["projected_usd"]), v["status"])
        for key, v in truth["budget_status"].items()}
    shares = workspace.query("select person_email || '|' || month, spend_pct_of_salary "
                             "from marts.fct_spend_vs_salary where spend_usd > 0")
    assert {k: round(v, 6) for k, v in shares} == {
        k: round(v, 6) for k, v in truth["spend_pct_of_salary_by_person_month"].items()}


def test_frontier_waste_matches_truth_by_the_class_the_pipeline_can_see(pipeline_run):
    workspace, truth, _ = pipeline_run
    rows = workspace.query("select team || '|' || month, sum(cost_usd) "
                           "from marts.fct_frontier_waste where model_tier = 'frontier' group by 1")
    assert {k: cents(v) for k, v in rows} == {
        k: cents(v) for k, v in truth["frontier_waste_usd_by_team_month"].items() if v}
    # examples are redacted: no prompt text unless the user opted in
    assert workspace.query("select count(*) from marts.fct_frontier_waste_examples "
                           "where prompt_text is not null")[0][0] == 0


def test_salary_share_spread_matches_truth(pipeline_run):
    import statistics

    workspace, truth, _ = pipeline_run
    people = (workspace.landing / "reference" / "people.csv").read_text().splitlines()[1:]
    emails = [line.split(",")[0] for line in people]
    month = truth["generator"]["start"][:7]
    shares = sorted(truth["spend_pct_of_salary_by_person_month"].get(f"{e}|{month}", 0.0)
                    for e in emails)
    median, share_of_payroll = workspace.query(
        "select median_spend_pct_of_salary, spend_pct_of_payroll "
        "from marts.fct_salary_share_summary where group_name = 'org' and month = ?",
        [month])[0]
    assert round(median, 6) == round(statistics.median(shares), 6)
    assert round(share_of_payroll, 6) == round(truth["spend_pct_of_payroll_by_month"][month], 6)


def test_with_the_classifier_deciding_frontier_waste_is_within_3_percent_of_the_truth(
        pipeline_run):
    workspace, truth, _ = pipeline_run
    waste = workspace.query("select sum(cost_usd) from marts.fct_frontier_waste "
                            "where model_tier = 'frontier'")[0][0]
    true_waste = sum(truth["frontier_waste_true_usd_by_team_month"].values())
    assert abs(float(waste) - true_waste) <= 0.03 * true_waste


def test_a_month_is_rendered_again_only_when_what_it_shows_moved(pipeline_run, tmp_path):
    import dataclasses

    from pipelines.report.load import load_month
    from pipelines.report.render import fingerprint, render_month

    workspace, truth, _ = pipeline_run
    month = truth["generator"]["start"][:7]
    report = load_month(workspace.warehouse, month)
    # a number moves the fingerprint; the time and hours a run measures do not
    more = dataclasses.replace(report, headline={**report.headline, "spend_usd": 1})
    assert fingerprint(more) != fingerprint(report)
    later = dataclasses.replace(report, quality=[{**r, "measured_at": "2031-01-01"}
                                                 for r in report.quality])
    assert fingerprint(later) == fingerprint(report)
    # nor do the all-time sections: a closed month's report keeps them as last rendered
    assert fingerprint(dataclasses.replace(report, people=[])) == fingerprint(report)
    assert render_month(workspace.warehouse, month, tmp_path, pdf=False,
                        only_if_changed=True)[1] is True
    assert render_month(workspace.warehouse, month, tmp_path, pdf=False,
                        only_if_changed=True)[1] is False
    (tmp_path / month / ".fingerprint").write_text("the numbers of an earlier run")
    assert render_month(workspace.warehouse, month, tmp_path, pdf=False,
                        only_if_changed=True)[1] is True
    assert render_month(workspace.warehouse, month, tmp_path, pdf=False)[1] is True

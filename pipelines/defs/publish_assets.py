"""Publication and the report: run only after every blocking check on the marts passed."""

import dagster as dg

from pipelines.defs.resources import RunLockResource, TokenroiSettings
from pipelines.defs.transform import mart_key
from pipelines.report.render import available_months, render_month
from pipelines.warehouse import publish_warehouse

PUBLISHED_MARTS = ["fct_agent_calls", "fct_spend_daily", "fct_bill_reconciliation",
                   "fct_unknown_identities", "fct_commits", "fct_spend_attribution",
                   "fct_deals", "fct_revenue_attribution", "fct_feature_roi",
                   "fct_attribution_coverage", "fct_routing_savings", "fct_budget_status",
                   "fct_spend_vs_salary", "fct_frontier_waste", "fct_frontier_waste_examples",
                   "fct_salary_share_summary", "fct_person_output", "fct_monthly_headlines",
                   "fct_salary_share_distribution", "fct_quarantined_records",
                   "fct_ingested_files", "data_quality",
                   "dim_people", "dim_models", "dim_features"]


@dg.asset(key=["warehouse"], group_name="publish", kinds={"duckdb"},
          deps=[mart_key(name) for name in PUBLISHED_MARTS])
def warehouse(settings: TokenroiSettings, run_lock: RunLockResource) -> dg.MaterializeResult:
    """The analysts' DuckDB file: the marts copied into a new file, renamed into place."""
    settings = settings.resolve()
    counts = publish_warehouse(settings.marts_db, settings.warehouse)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(settings.warehouse)),
        "tables": len(counts),
        **{f"rows.{table}": dg.MetadataValue.int(n) for table, n in counts.items()},
    })


@dg.asset(key=["outcome_report"], group_name="publish", kinds={"html"}, deps=[warehouse])
def outcome_report(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                   run_lock: RunLockResource) -> dg.MaterializeResult:
    """The monthly outcome report (HTML + Markdown + PDF) for every month in the warehouse;
    a month whose report would say the same about it as last time is kept."""
    settings = settings.resolve()
    rendered = [render_month(settings.warehouse, month, settings.reports, pdf=settings.report_pdf,
                             only_if_changed=True)
                for month in available_months(settings.warehouse)]
    paths = [path for path, _ in rendered]
    for path, written in rendered:
        context.log.info(f"report: {path}{'' if written else ' (unchanged)'}")
    return dg.MaterializeResult(metadata={
        "months": len(paths),
        "months re-rendered": sum(written for _, written in rendered),
        "latest": dg.MetadataValue.path(str(paths[-1])) if paths else "none",
    })


assets = [warehouse, outcome_report]

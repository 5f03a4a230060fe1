"""The quarantine: what every source's ingest refused, with file, line and reason."""

import dagster as dg
import duckdb

from pipelines.defs.resources import TokenroiSettings
from pipelines.sources.agent_calls.calls_asset import raw_agent_calls
from pipelines.sources.crm.deals_asset import raw_deal_events
from pipelines.sources.git.commits_asset import raw_commits
from pipelines.sources.landing_ingest import GROUP, event_log


@dg.asset(key=["raw", "quarantine"], group_name=GROUP, kinds={"python", "parquet"},
          deps=[raw_agent_calls, raw_commits, raw_deal_events])
def raw_quarantine(settings: TokenroiSettings) -> dg.MaterializeResult:
    """Records the ingests rejected, with file, line and reason (counted per stream and reason)."""
    log = event_log(settings.resolve())
    with duckdb.connect() as con:
        rows = con.execute(
            "select stream, reason, count(*) from read_parquet(?, union_by_name = true) "
            "group by all order by 3 desc",
            [str(log.lake / "_quarantine" / "**" / "*.parquet")],
        ).fetchall()
    table = "\n".join(f"| {s} | {r} | {n} |" for s, r, n in rows)
    return dg.MaterializeResult(metadata={
        "quarantined": dg.MetadataValue.int(sum(n for *_, n in rows)),
        "by_reason": dg.MetadataValue.md("| stream | reason | rows |\n|---|---|---|\n" + table),
    })

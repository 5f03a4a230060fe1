"""Ingest assets: landing files → the append-only event log (one asset per stream).

Keys match dbt's sources (`source('raw', 'agent_calls')` is ["raw", "agent_calls"]), so
Dagster links these assets to the dbt models that read them.
"""

import dagster as dg
import duckdb

from pipelines.adapters.options import reading
from pipelines.defs.resources import RunLockResource, TokenroiSettings
from pipelines.eventlog.ingest import (
    REFERENCE_COLUMNS,
    REFERENCE_PATHS,
    REFERENCE_SCHEMAS,
    check_landing,
    ingest_reference,
    ingest_stream,
)
from pipelines.eventlog.store import EventLog
from pipelines.settings import Settings

GROUP = "ingest"


def _event_log(settings: Settings) -> EventLog:
    log = EventLog(settings.lake)
    log.ensure_layout(REFERENCE_SCHEMAS)
    return log


def _ingest(context: dg.AssetExecutionContext, settings: TokenroiSettings,
            stream: str) -> dg.MaterializeResult:
    resolved = settings.resolve()
    check_landing(resolved.landing)
    with reading(resolved.read):
        result = ingest_stream(resolved.landing, _event_log(resolved), stream,
                               progress=context.log.info)
    context.log.info(result.summary())
    return dg.MaterializeResult(metadata={
        "files_ingested": result.files_ingested,
        "files_already_ingested": result.files_skipped,
        "rows": dg.MetadataValue.int(result.rows),
        "quarantined": dg.MetadataValue.int(result.quarantined),
        "seconds": dg.MetadataValue.float(round(result.seconds, 2)),
    })


@dg.asset(key=["raw", "agent_calls"], group_name=GROUP, kinds={"python", "parquet"})
def raw_agent_calls(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                    run_lock: RunLockResource) -> dg.MaterializeResult:
    """Agent calls from landing/agent_calls/<format>/ appended to the event log, one batch
    per new landing file; records that break the contract go to the quarantine."""
    return _ingest(context, settings, "agent_calls")


@dg.asset(key=["raw", "commits"], group_name=GROUP, kinds={"python", "parquet"})
def raw_commits(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                run_lock: RunLockResource) -> dg.MaterializeResult:
    """Commits from the repositories in landing/git/repos.yml (one streamed `git log` each,
    re-read only when a ref moved) and from exported landing/git/*.jsonl files."""
    return _ingest(context, settings, "commits")


@dg.asset(key=["raw", "deal_events"], group_name=GROUP, kinds={"python", "parquet"})
def raw_deal_events(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                    run_lock: RunLockResource) -> dg.MaterializeResult:
    """CRM deal events from landing/crm/canonical/*.jsonl appended to the event log."""
    return _ingest(context, settings, "deal_events")


@dg.asset(key=["raw", "quarantine"], group_name=GROUP, kinds={"python", "parquet"},
          deps=[raw_agent_calls, raw_commits, raw_deal_events])
def raw_quarantine(settings: TokenroiSettings) -> dg.MaterializeResult:
    """Records the ingests rejected, with file, line and reason (counted per stream and reason)."""
    log = _event_log(settings.resolve())
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


@dg.multi_asset(
    specs=[dg.AssetSpec(["reference", name], group_name=GROUP, kinds={"python", "parquet"},
                        description=f"Snapshot of landing/"
                        f"{REFERENCE_PATHS.get(name, f'reference/{name}.csv')} (latest wins).",
                        skippable=True)
           for name in REFERENCE_COLUMNS],
    can_subset=False,
)
def reference_snapshots(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                        run_lock: RunLockResource):
    """People, budgets, features, deal features, price overrides and exchange rates (the
    org's fx_rates.csv, Salesforce's DatedConversionRate and CurrencyType), as snapshots."""
    resolved = settings.resolve()
    check_landing(resolved.landing)
    with reading(resolved.read):
        result = ingest_reference(resolved.landing, _event_log(resolved),
                                  progress=context.log.info)
    context.log.info(result.summary())
    for name in REFERENCE_COLUMNS:
        yield dg.MaterializeResult(asset_key=["reference", name],
                                   metadata={"files_ingested": result.files_ingested})


assets = [raw_agent_calls, raw_commits, raw_deal_events, raw_quarantine, reference_snapshots]

"""The reference ingest: one asset per reference file, snapshotted together."""

import dagster as dg

from pipelines.defs.resources import RunLockResource, TokenroiSettings
from pipelines.eventlog.ingest import check_landing
from pipelines.sources.landing_ingest import GROUP, event_log
from pipelines.sources.reading.options import reading
from pipelines.sources.reference.reference_files import (
    REFERENCE_COLUMNS,
    REFERENCE_PATHS,
    ingest_reference,
)


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
        result = ingest_reference(resolved.landing, event_log(resolved),
                                  progress=context.log.info)
    context.log.info(result.summary())
    for name in REFERENCE_COLUMNS:
        yield dg.MaterializeResult(asset_key=["reference", name],
                                   metadata={"files_ingested": result.files_ingested})

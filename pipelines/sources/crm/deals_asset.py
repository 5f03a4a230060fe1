"""The deal-events ingest asset: the canonical form, Salesforce's and HubSpot's exports."""

import dagster as dg

from pipelines.defs.resources import RunLockResource, TokenroiSettings
from pipelines.sources.landing_ingest import GROUP, ingest_landing_stream


@dg.asset(key=["raw", "deal_events"], group_name=GROUP, kinds={"python", "parquet"})
def raw_deal_events(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                    run_lock: RunLockResource) -> dg.MaterializeResult:
    """CRM deal events from landing/crm/<format>/ (canonical JSONL, Salesforce, HubSpot)
    appended to the event log."""
    return ingest_landing_stream(context, settings, "deal_events")

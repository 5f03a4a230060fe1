"""The agent-calls ingest asset: every format under landing/agent_calls/<format>/."""

import dagster as dg

from pipelines.defs.resources import RunLockResource, TokenroiSettings
from pipelines.sources.landing_ingest import GROUP, ingest_landing_stream


@dg.asset(key=["raw", "agent_calls"], group_name=GROUP, kinds={"python", "parquet"})
def raw_agent_calls(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                    run_lock: RunLockResource) -> dg.MaterializeResult:
    """Agent calls from landing/agent_calls/<format>/ appended to the event log, one batch
    per new landing file; records that break the contract go to the quarantine."""
    return ingest_landing_stream(context, settings, "agent_calls")

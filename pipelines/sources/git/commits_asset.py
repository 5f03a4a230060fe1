"""The commits ingest asset: repositories in landing/git/repos.yml and exported commits."""

import dagster as dg

from pipelines.defs.resources import RunLockResource, TokenroiSettings
from pipelines.sources.landing_ingest import GROUP, ingest_landing_stream


@dg.asset(key=["raw", "commits"], group_name=GROUP, kinds={"python", "parquet"})
def raw_commits(context: dg.AssetExecutionContext, settings: TokenroiSettings,
                run_lock: RunLockResource) -> dg.MaterializeResult:
    """Commits from the repositories in landing/git/repos.yml (one streamed `git log` each,
    re-read only when a ref moved) and from exported landing/git/*.jsonl files."""
    return ingest_landing_stream(context, settings, "commits")

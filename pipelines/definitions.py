"""The tokenroi code location: assembles the definitions, nothing else.

Importing this module reads no setting and runs nothing: the dbt manifest is prepared
ahead (`make install`, the CLI), and every setting is read by the resources at run time.
"""

from pathlib import Path

import dagster as dg

from pipelines.defs import mart_checks, publish_assets
from pipelines.defs.dbt_project import dbt_project
from pipelines.defs.jobs import daily_job, daily_schedule
from pipelines.defs.progress import progress_logger
from pipelines.defs.resources import (
    BuildDatabase,
    RunLockResource,
    TokenroiSettings,
    dbt_resource,
)
from pipelines.defs.sensors import landing_files_sensor
from pipelines.defs.transform import build_dbt_assets
from pipelines.settings import SHIPPED_DBT_PROJECT
from pipelines.sources.agent_calls.calls_asset import raw_agent_calls
from pipelines.sources.crm.deals_asset import raw_deal_events
from pipelines.sources.git.commits_asset import raw_commits
from pipelines.sources.quarantine_asset import raw_quarantine
from pipelines.sources.reference.snapshots_asset import reference_snapshots

# One ingest asset per source family (pipelines/sources/<family>/), then the quarantine.
INGEST_ASSETS = [raw_agent_calls, raw_commits, raw_deal_events, reference_snapshots,
                 raw_quarantine]


def build_definitions(dbt_project_dir: Path = SHIPPED_DBT_PROJECT,
                      settings: TokenroiSettings | None = None) -> dg.Definitions:
    """The code location on a dbt project (the shipped one, or a customised copy)."""
    project = dbt_project(dbt_project_dir)
    settings = settings or TokenroiSettings()
    return dg.Definitions(
        assets=[*INGEST_ASSETS, build_dbt_assets(project), *publish_assets.assets],
        asset_checks=mart_checks.checks,
        jobs=[daily_job],
        schedules=[daily_schedule],
        sensors=[landing_files_sensor],
        resources={"settings": settings, "dbt": dbt_resource(project),
                   "build_db": BuildDatabase(settings=settings),
                   "run_lock": RunLockResource(settings=settings)},
        loggers={"progress": progress_logger},
    )


defs = build_definitions()

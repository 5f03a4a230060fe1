"""The tokenroi code location: assembles the definitions, nothing else.

Importing this module reads no setting and runs nothing: the dbt manifest is prepared
ahead (`make install`, the CLI), and every setting is read by the resources at run time.
"""

from pathlib import Path

import dagster as dg

from pipelines.defs import checks, ingest, publish
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


def build_definitions(dbt_project_dir: Path = SHIPPED_DBT_PROJECT,
                      settings: TokenroiSettings | None = None) -> dg.Definitions:
    """The code location on a dbt project (the shipped one, or a customised copy)."""
    project = dbt_project(dbt_project_dir)
    settings = settings or TokenroiSettings()
    return dg.Definitions(
        assets=[*ingest.assets, build_dbt_assets(project), *publish.assets],
        asset_checks=checks.checks,
        jobs=[daily_job],
        schedules=[daily_schedule],
        sensors=[landing_files_sensor],
        resources={"settings": settings, "dbt": dbt_resource(project),
                   "build_db": BuildDatabase(settings=settings),
                   "run_lock": RunLockResource(settings=settings)},
        loggers={"progress": progress_logger},
    )


defs = build_definitions()

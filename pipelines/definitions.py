"""The tokenroi code location: assembles the definitions, nothing else."""

import dagster as dg

from pipelines.defs import checks, ingest, publish
from pipelines.defs.jobs import daily_job, daily_schedule, rebuild_job
from pipelines.defs.progress import progress_logger
from pipelines.defs.resources import RunLockResource, dbt_resource
from pipelines.defs.sensors import landing_files_sensor
from pipelines.defs.transform import tokenroi_dbt_models

defs = dg.Definitions(
    assets=[*ingest.assets, tokenroi_dbt_models, *publish.assets],
    asset_checks=checks.checks,
    jobs=[daily_job, rebuild_job],
    schedules=[daily_schedule],
    sensors=[landing_files_sensor],
    resources={"dbt": dbt_resource(), "run_lock": RunLockResource()},
    loggers={"progress": progress_logger},
)

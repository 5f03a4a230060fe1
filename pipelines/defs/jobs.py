"""The daily job (run by the schedule, the sensor, `tokenroi run` and `tokenroi rebuild`)."""

import dagster as dg

# Runs of this tag queue behind each other in Dagster's run coordinator (limit 1 in the
# instance's dagster.yaml, pipelines/instance.py): one writer for the event log and the build.
BUILD_TAG = {"tokenroi/build": "tokenroi"}

# One step at a time in one process: DuckDB allows a single writer per file, and dbt,
# the checks and publication all open the build file.
daily_job = dg.define_asset_job(
    name="tokenroi_daily",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    tags=BUILD_TAG,
    description="Ingest new landing files, build the dbt models, run the checks, publish "
                "the warehouse and the outcome report. With the tokenroi_dbt step's "
                "full_refresh config (`tokenroi rebuild`), the build is dropped and every "
                "model rebuilt from the whole event log.",
)

daily_schedule = dg.ScheduleDefinition(
    name="tokenroi_daily_0200_utc",
    job=daily_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
)

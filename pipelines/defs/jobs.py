"""The daily job (run by the schedule and by `tokenroi run`) and its schedule."""

import dagster as dg

# One step at a time in one process: DuckDB allows a single writer per file, and dbt,
# the checks and publication all open the build file.
daily_job = dg.define_asset_job(
    name="tokenroi_daily",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Ingest new landing files, build the dbt models, run the checks, publish "
                "the warehouse and the outcome report.",
)

# `tokenroi rebuild`: everything downstream of the event log, none of the ingest.
rebuild_job = dg.define_asset_job(
    name="tokenroi_rebuild",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("ingest"),
    executor_def=dg.in_process_executor,
    description="Rebuild the warehouse from the event log alone (no landing files read).",
)

daily_schedule = dg.ScheduleDefinition(
    name="tokenroi_daily_0200_utc",
    job=daily_job,
    cron_schedule="0 2 * * *",
    execution_timezone="UTC",
)

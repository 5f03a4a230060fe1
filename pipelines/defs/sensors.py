"""Start the daily job when new files land, between the 02:00 UTC scheduled runs."""

import hashlib
import os
from pathlib import Path

import dagster as dg

from pipelines.defs.jobs import daily_job
from pipelines.defs.resources import TokenroiSettings


def landing_fingerprint(landing: Path) -> tuple[str, int]:
    """A digest of every landing file's path, size and modification time, and the count.
    Top-level files (truth.json, notes) are not read by the pipeline and do not count."""
    entries = []
    for folder in sorted(p for p in landing.iterdir() if p.is_dir()) if landing.exists() else []:
        for root, _, files in os.walk(folder):
            for name in files:
                path = Path(root) / name
                stat = path.stat()
                entries.append(f"{path.relative_to(landing)}\t{stat.st_size}\t{stat.st_mtime_ns}")
    entries.sort()
    return hashlib.sha256("\n".join(entries).encode()).hexdigest(), len(entries)


@dg.sensor(job=daily_job, minimum_interval_seconds=300,
           default_status=dg.DefaultSensorStatus.STOPPED)
def landing_files_sensor(context: dg.SensorEvaluationContext, settings: TokenroiSettings):
    """Runs tokenroi_daily when a file under the landing folder is new or changed (checked
    every 5 minutes; turn it on in the UI). New commits in repositories listed in
    git/repos.yml do not change the landing folder: the daily schedule reads them. A run
    requested while another runs waits in Dagster's run queue (the job's concurrency tag)."""
    fingerprint, files = landing_fingerprint(settings.resolve().landing)
    if fingerprint == context.cursor:
        return dg.SkipReason(f"no new or changed file among {files} landing files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"tokenroi/landing_files": str(files)})

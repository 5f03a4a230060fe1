"""Resources, declared once: the dbt CLI (with the venv's own dbt) and the run lock."""

import contextlib
import shutil
import sys
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from pipelines.defs.dbt_project import tokenroi_dbt_project
from pipelines.runlock import lock_path, run_lock
from pipelines.settings import load_settings


def dbt_executable() -> str:
    """The dbt beside this Python (a venv started as .venv/bin/... may not be on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    """dbt on the engine TOKENROI_ENGINE names: the profiles.yml target is the only change."""
    return DbtCliResource(
        project_dir=tokenroi_dbt_project,
        profiles_dir=str(tokenroi_dbt_project.project_dir),
        dbt_executable=dbt_executable(),
        target=load_settings().dbt_target,
    )


class RunLockResource(dg.ConfigurableResource):
    """Held for the whole run by every asset that writes (the event log, the build, the
    warehouse): a run started from the UI or the schedule while another is running fails
    at once with who holds the lock, instead of writing beside it. With the in-process
    executor a resource lives from the first step to the last."""

    @contextlib.contextmanager
    def yield_for_execution(self, context):
        with run_lock(lock_path(load_settings().build_db)):
            yield self

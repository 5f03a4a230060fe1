"""Resources, declared once: the dbt CLI (with the venv's own dbt) and the settings."""

import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from pipelines.defs.dbt_project import tokenroi_dbt_project


def dbt_executable() -> str:
    """The dbt beside this Python (a venv started as .venv/bin/... may not be on PATH)."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(
        project_dir=tokenroi_dbt_project,
        profiles_dir=str(tokenroi_dbt_project.project_dir),
        dbt_executable=dbt_executable(),
    )

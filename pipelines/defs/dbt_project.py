"""The one cached DbtProject, its manifest kept fresh, and the dbt CLI arguments."""

import json
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.settings import DBT_PROJECT_DIR, load_settings

# dbt reads TOKENROI_LAKE / TOKENROI_BUILD_DB: make sure they hold the resolved defaults.
load_settings().export()

tokenroi_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in files if p.exists())


def ensure_manifest(project: DbtProject = tokenroi_dbt_project) -> Path:
    """Run `dbt parse` when the manifest is missing or older than the project's files."""
    manifest = project.manifest_path
    stale = not manifest.exists() or (
        manifest.stat().st_mtime < _newest_source_mtime(project.project_dir))
    if stale:
        dbt = Path(sys.executable).parent / "dbt"
        subprocess.run(
            [str(dbt) if dbt.exists() else "dbt", "parse", "--quiet",
             "--profiles-dir", str(project.profiles_dir)],
            cwd=project.project_dir, check=True, stdout=subprocess.DEVNULL,
        )
    return manifest


def dbt_build_args(full_refresh: bool = False, dbt_vars: dict | None = None,
                   spark_exports: list[str] | None = None) -> list[str]:
    """The `dbt build` command line for one run of the pipeline. On Spark, the lake as Spark
    reads it and the relations to export for the checks and publication go in as vars."""
    args = ["build"]
    if full_refresh:
        args.append("--full-refresh")
    dbt_vars = dict(dbt_vars or {})
    if spark_exports is not None:
        settings = load_settings()
        dbt_vars.update(spark_lake=settings.spark_lake, spark_export=settings.spark_export,
                        spark_exports=spark_exports)
    if dbt_vars:
        args.extend(["--vars", json.dumps(dbt_vars, sort_keys=True)])
    return args

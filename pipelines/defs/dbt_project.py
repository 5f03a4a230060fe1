"""The dbt project: its manifest (prepared ahead, never at import) and the dbt command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dagster_dbt import DbtProject

from pipelines.defs.resources import dbt_executable
from pipelines.settings import SHIPPED_DBT_PROJECT, Settings


class ManifestMissing(RuntimeError):
    """No dbt manifest: `make install` and every tokenroi command prepare it."""


def dbt_project(project_dir: Path = SHIPPED_DBT_PROJECT) -> DbtProject:
    return DbtProject(project_dir=project_dir, profiles_dir=project_dir)


def _newest_source_mtime(project_dir: Path) -> float:
    files = [project_dir / "dbt_project.yml", project_dir / "profiles.yml"]
    for folder in ("models", "macros", "seeds", "tests"):
        files.extend(p for p in (project_dir / folder).rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in files if p.exists())


def prepare_manifest(project_dir: Path = SHIPPED_DBT_PROJECT) -> Path:
    """`dbt parse` when the manifest is missing or older than the project's files: run by
    `make install`, the CLI and the tests' session setup, never by an import."""
    project = dbt_project(project_dir)
    manifest = project.manifest_path
    stale = not manifest.exists() or (
        manifest.stat().st_mtime < _newest_source_mtime(project.project_dir))
    if stale:
        done = subprocess.run([dbt_executable(), "parse", "--quiet", "--profiles-dir",
                               str(project.profiles_dir)], cwd=project.project_dir,
                              capture_output=True, text=True)
        if done.returncode != 0 or not manifest.exists():
            lines = (done.stdout + done.stderr).strip().splitlines()
            raise ManifestMissing(f"dbt parse failed in {project.project_dir}: "
                                  + (lines[-1] if lines else "no output"))
    return manifest


def manifest_path(project: DbtProject) -> Path:
    """The prepared manifest, or a one-line error saying how to prepare it."""
    if not project.manifest_path.exists():
        raise ManifestMissing(f"no dbt manifest at {project.manifest_path}: run `make "
                              "install`, or `python -m pipelines.defs.dbt_project` to parse "
                              "the dbt project")
    return project.manifest_path


def dbt_build_args(settings: Settings, full_refresh: bool = False, dbt_vars: dict | None = None,
                   spark_exports: list[str] | None = None) -> list[str]:
    """The `dbt build` command line for one run of the pipeline: the settings' target, and
    the vars. On Spark, the lake as Spark reads it and the relations to export for the
    checks and publication go in as vars."""
    # dbt unit tests pin the SQL rules on fixed rows: they run in the test suite
    # (tests/test_dbt_unit.py), not over every day's data.
    args = ["build", "--target", settings.dbt_target, "--exclude", "test_type:unit"]
    if full_refresh:
        args.append("--full-refresh")
    dbt_vars = dict(dbt_vars or {})
    if spark_exports is not None:
        dbt_vars.update(spark_lake=settings.spark_lake, spark_export=settings.spark_export,
                        spark_exports=spark_exports)
    if dbt_vars:
        args.extend(["--vars", json.dumps(dbt_vars, sort_keys=True)])
    return args


if __name__ == "__main__":
    print(prepare_manifest())

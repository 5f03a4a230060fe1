"""Shared fixtures: one published baseline per test session, copies of it, and runs.

The baseline is a generated org run once through the real command (`tokenroi generate`,
`tokenroi run` in a subprocess) and shared by every xdist worker: tests read it, never
change it. A test that injects a fault works on a copy (``baseline_copy``) and re-runs
only the steps its fault affects, in process (``Workspace.run(select=...)``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from filelock import FileLock

TOKENROI = str(Path(sys.executable).parent / "tokenroi")
ROOT = Path(__file__).resolve().parent.parent

# An xdist worker's __main__ has neither a spec nor a file, which PySpark (imported by GX)
# takes for a doctest run and exits: give it the file a normal pytest run has.
if not hasattr(sys.modules["__main__"], "__file__"):
    sys.modules["__main__"].__file__ = __file__

# What the CLI sets for itself; tests run the pipeline in process too.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")
os.environ.setdefault("TQDM_DISABLE", "1")


def pytest_configure(config):
    """Parse the dbt project once, before the workers start (the CLI's own step)."""
    if not hasattr(config, "workerinput"):
        from pipelines.defs.dbt_project import prepare_manifest

        prepare_manifest()


# The slowest files first (measured: `pytest --durations=0`), so that with `--dist loadfile
# --no-loadscope-reorder` (xdist would otherwise order files by their number of tests) the
# two lanes take the long files at once and end together, not one waiting on the other's
# last long file.
SLOWEST_FIRST = ["test_spark_parity.py", "test_crash_recovery.py", "test_end_to_end.py",
                 "test_quality_gates.py", "test_reliability.py",
                 "test_pricing_and_publication.py", "test_build_provenance.py",
                 "test_analyst_access.py", "test_guarantees.py", "test_fuzz_adapters.py",
                 "test_hangover.py", "test_bench_smoke.py", "test_real_corpus.py",
                 "test_report_safety.py", "test_dbt_unit.py"]


def pytest_collection_modifyitems(config, items):
    rank = {name: n for n, name in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: file order kept


_DEFINITIONS: dict[Path, dg.Definitions] = {}


def definitions(project: Path) -> dg.Definitions:
    """The code location on ``project`` (the shipped dbt project or a test's copy)."""
    from pipelines.definitions import build_definitions, defs
    from pipelines.defs.dbt_project import prepare_manifest
    from pipelines.settings import SHIPPED_DBT_PROJECT

    if project == SHIPPED_DBT_PROJECT:
        return defs
    if project not in _DEFINITIONS:
        prepare_manifest(project)
        _DEFINITIONS[project] = build_definitions(project)
    return _DEFINITIONS[project]


@dataclass
class Workspace:
    """A data folder (landing, lake, build, warehouse, reports) used by runs."""

    data: Path
    # TOKENROI_* settings for this workspace's runs (e.g. TOKENROI_DBT_VARS)
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def landing(self) -> Path:
        return self.data / "landing"

    @property
    def warehouse(self) -> Path:
        return self.data / "warehouse.duckdb"

    @property
    def lake(self) -> Path:
        return self.data / "lake"

    @property
    def reports(self) -> Path:
        return self.data / "reports"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TOKENROI_") and k != "DAGSTER_HOME"}
        env["TOKENROI_DATA"] = str(self.data)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        return {**env, **self.settings}

    def tokenroi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """The real command, in a new process."""
        done = subprocess.run([TOKENROI, *args], env=self.env(), capture_output=True, text=True,
                              timeout=900)
        if check and done.returncode != 0:
            raise AssertionError(f"tokenroi {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

    def resolved(self):
        from pipelines.settings import resolve_settings

        environ = {"TOKENROI_DATA": str(self.data), "TOKENROI_REPORT_PDF": "0",
                   **self.settings}
        return resolve_settings(environ=environ)

    def run(self, select: list[str] | None = None, *, upstream_of: list[str] | None = None,
            full_refresh: bool = False, dbt_vars: dict | None = None,
            expect_success: bool = True):
        """The daily job in this process, or only the assets in ``select`` (keys such as
        "raw/agent_calls", "marts/fct_spend_daily", "warehouse") and those ``upstream_of``
        the given keys (with them), each with its checks. The report is rendered without
        PDF unless the workspace's settings ask for one. Returns the RunOutcome."""
        settings = self.resolved()
        handed = settings.dbt_env()
        before = {name: os.environ.get(name) for name in handed}
        os.environ.update(handed)  # the CLI's hand-off to dbt, undone after the run
        try:
            return self._run(settings, select, upstream_of, full_refresh, dbt_vars,
                             expect_success)
        finally:
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def _run(self, settings, select, upstream_of, full_refresh, dbt_vars, expect_success):
        from pipelines.instance import instance
        from pipelines.runner import outcome_of, run_config

        defs = definitions(settings.dbt_project)
        keys = None
        if select is not None or upstream_of is not None:
            graph = defs.resolve_asset_graph()
            keys = {dg.AssetKey.from_user_string(k) for k in select or []}
            if upstream_of:
                keys |= dg.AssetSelection.assets(*[dg.AssetKey.from_user_string(k)
                                                   for k in upstream_of]).upstream().resolve(graph)
            # an asset of a multi-asset that runs whole (the reference snapshots) brings all
            keys = dg.AssetSelection.assets(*keys).required_multi_asset_neighbors().resolve(graph)
        dagster = instance(settings)
        result = defs.resolve_job_def("tokenroi_daily").execute_in_process(
            run_config=run_config(settings, full_refresh=full_refresh, dbt_vars=dbt_vars),
            instance=dagster, raise_on_error=False,
            asset_selection=None if keys is None else sorted(keys))
        outcome = outcome_of(result, settings.marts_db)
        # what the steps logged as warnings (e.g. a foreign build dropped)
        outcome.logged_warnings = [entry.user_message for entry in dagster.all_logs(
            result.run_id) if entry.dagster_event is None and entry.level >= logging.WARNING]
        if expect_success and not outcome.success:
            raise AssertionError(f"the run failed: {outcome.reason()}")
        return outcome

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def mart_checksums(self, across_runs: bool = False) -> dict[str, tuple]:
        """(rows, checksum) of every published table, for "the same marts" comparisons;
        ``across_runs`` leaves out when each batch was ingested (another run's clock)."""
        relations = {table: table for table in self.table_counts()}
        if across_runs:
            for schema, table in self.query("select table_schema, table_name from "
                                            "information_schema.columns "
                                            "where column_name = 'ingested_at'"):
                relations[f"{schema}.{table}"] = (f'(select * exclude (ingested_at) '
                                                  f'from "{schema}"."{table}")')
        # marts.data_quality is measured at run time: compare it without the run's clock.
        relations["marts.data_quality"] = (
            "(select * exclude (measured_at) from marts.data_quality "
            "where check_name <> 'source_freshness')")
        return {table: self.query(
            f"select count(*), md5(string_agg(row::varchar, '|' order by row::varchar)) "
            f"from {relation} as row")[0] for table, relation in relations.items()}

    def table_counts(self) -> dict[str, int]:
        tables = self.query("select table_schema, table_name from information_schema.tables "
                            "order by 1, 2")
        return {f"{s}.{t}": self.query(f'select count(*) from "{s}"."{t}"')[0][0]
                for s, t in tables}


@dataclass(frozen=True)
class Done:
    """What a finished command printed."""

    stdout: str
    stderr: str
    returncode: int = 0


def _shared_folder(tmp_path_factory, name: str) -> Path:
    """A folder every xdist worker of this session sees (the base temp's parent)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return root / name


def built_once(tmp_path_factory, name: str, build) -> Path:
    """``build(folder)`` run by the first worker to get here; the others wait and reuse it."""
    folder = _shared_folder(tmp_path_factory, name)
    with FileLock(str(folder) + ".lock"):
        if not (folder / ".done").exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            build(folder)
            (folder / ".done").write_text("")
    return folder


def _generate(workspace: Workspace) -> dict:
    workspace.tokenroi("generate", "--out", str(workspace.landing), "--engineers", "12",
                       "--days", "10", "--seed", "11")
    return json.loads((workspace.landing / "truth.json").read_text())


@pytest.fixture(scope="session")
def generated_org(tmp_path_factory) -> tuple[Workspace, dict]:
    """A small generated org (12 people, 10 days) in a fresh workspace, and its truth.
    Shared: copy its landing folder before changing anything."""
    folder = built_once(tmp_path_factory, "org", lambda f: _generate(Workspace(f / "data")))
    workspace = Workspace(folder / "data")
    return workspace, json.loads((workspace.landing / "truth.json").read_text())


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory, generated_org) -> tuple[Workspace, dict, Done]:
    """The published baseline: the generated org run once by `tokenroi run` (PDF included).
    Shared by every test and worker: read it, never change it (see ``baseline_copy``)."""
    source, truth = generated_org

    def build(folder: Path) -> None:
        workspace = Workspace(folder / "data")
        shutil.copytree(source.landing, workspace.landing)
        done = workspace.tokenroi("run")
        (folder / "stdout.txt").write_text(done.stdout)
        (folder / "stderr.txt").write_text(done.stderr)

    folder = built_once(tmp_path_factory, "baseline", build)
    done = Done((folder / "stdout.txt").read_text(), (folder / "stderr.txt").read_text())
    return Workspace(folder / "data"), truth, done


@pytest.fixture
def baseline_copy(pipeline_run, tmp_path) -> tuple[Workspace, dict]:
    """The published baseline (landing, lake, build, warehouse, reports, Dagster's
    instance), copied for a test to change."""
    workspace, truth, _ = pipeline_run
    shutil.copytree(workspace.data, tmp_path / "data", symlinks=True)
    return Workspace(tmp_path / "data"), truth

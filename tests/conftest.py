"""Shared fixtures: a generated org and real pipeline runs through the installed CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

TOKENROI = str(Path(sys.executable).parent / "tokenroi")


@dataclass
class Workspace:
    """A data folder (landing, lake, build, warehouse, reports) used by CLI runs."""

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

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("TOKENROI_") and k != "DAGSTER_HOME"}
        env["TOKENROI_DATA"] = str(self.data)
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        return {**env, **self.settings}

    def tokenroi(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([TOKENROI, *args], env=self.env(), capture_output=True, text=True,
                              timeout=900)
        if check and done.returncode != 0:
            raise AssertionError(f"tokenroi {' '.join(args)} exited {done.returncode}:\n"
                                 f"{done.stdout}\n{done.stderr}")
        return done

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


@pytest.fixture(scope="session")
def generated_org(tmp_path_factory) -> tuple[Workspace, dict]:
    """A small generated org (12 people, 10 days) in a fresh workspace, and its truth."""
    workspace = Workspace(tmp_path_factory.mktemp("org"))
    workspace.tokenroi("generate", "--out", str(workspace.landing), "--engineers", "12",
                       "--days", "10", "--seed", "11")
    truth = json.loads((workspace.landing / "truth.json").read_text())
    return workspace, truth


@pytest.fixture(scope="session")
def pipeline_run(generated_org) -> tuple[Workspace, dict, subprocess.CompletedProcess]:
    """The whole daily job run once on the generated org."""
    workspace, truth = generated_org
    done = workspace.tokenroi("run")
    return workspace, truth, done

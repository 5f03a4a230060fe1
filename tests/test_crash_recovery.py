"""Crash safety: a run killed (SIGKILL, no cleanup) mid-ingest, mid dbt build and mid
publication, then run again, gives the marts and event log of a run never interrupted.

The three kills land one after another on the same data folder, each at its stage, so the
last run recovers from all three at once; an uninterrupted run on the same landing files is
the reference.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from conftest import TOKENROI, Workspace

pytestmark = pytest.mark.e2e

# (stage, the progress line that starts it, seconds after that line to kill the run)
STAGES = [
    ("mid-ingest of a large file", "→ raw__agent_calls", 0.8),
    ("mid dbt build", "→ tokenroi_dbt", 6.0),
    ("mid publication", "→ warehouse", 0.05),
]


def slow_calls_file(path: Path, people: list[str], lines: int = 250_000) -> None:
    """A large canonical file with one blank line, so it is read line by line (the slow,
    bounded-memory path): a kill can land while it is being read."""
    rows = [json.dumps({"event_id": f"big-{n}", "occurred_at": f"2026-10-{n % 9 + 1:02d}T10:00:00Z",
                        "provider": "openai", "model": "gpt-5-mini",
                        "person_email": people[n % len(people)], "input_tokens": n % 997,
                        "output_tokens": n % 101, "tags": {"task": "implementation"}})
            for n in range(lines)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n" + "\n".join(rows) + "\n")


def _event_log_counts(workspace: Workspace) -> dict[str, tuple]:
    """(rows, distinct event ids) per stream in the event log, and the manifest's files."""
    counts = {}
    with duckdb.connect() as con:
        for stream in ("agent_calls", "commits", "deal_events"):
            glob = str(workspace.lake / stream / "**" / "*.parquet")
            counts[stream] = con.execute(
                "select count(*), count(distinct event_id) from read_parquet(?)", [glob]
            ).fetchall()[0]
    lines = (workspace.lake / "_manifest" / "manifest.jsonl").read_text().splitlines()
    files = [(entry["stream"], entry["source_file"]) for entry in map(json.loads, lines)]
    assert len(files) == len(set(files)), "a landing file was recorded twice"
    counts["manifest"] = sorted(files)
    return counts


def _kill_at(workspace: Workspace, marker: str, delay: float) -> None:
    """`tokenroi run`, killed with its dbt child ``delay`` seconds after ``marker``."""
    run = subprocess.Popen([TOKENROI, "run"], env=workspace.env(), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    for line in run.stderr:
        seen.append(line)
        if marker in line:
            break
    else:
        pytest.fail(f"the run ended before {marker!r}:\n{''.join(seen)}")
    time.sleep(delay)
    os.killpg(run.pid, signal.SIGKILL)  # the run and its dbt child, with no cleanup
    run.wait()


@pytest.fixture(scope="module")
def crash_landing(generated_org, tmp_path_factory) -> tuple[Path, Workspace]:
    """The generated org plus a large slow file, and an uninterrupted run on it."""
    source, _ = generated_org
    landing = tmp_path_factory.mktemp("crash") / "landing"
    shutil.copytree(source.landing, landing)
    people = [line.split(",")[0] for line in
              (landing / "reference" / "people.csv").read_text().splitlines()[1:]]
    slow_calls_file(landing / "agent_calls" / "canonical" / "000-big.jsonl", people)
    reference = Workspace(tmp_path_factory.mktemp("reference"))
    shutil.copytree(landing, reference.landing)
    reference.tokenroi("run")
    return landing, reference


def test_runs_killed_mid_ingest_mid_build_and_mid_publication_then_run_again_give_the_uninterrupted_marts(  # noqa: E501
        crash_landing, tmp_path):
    landing, reference = crash_landing
    workspace = Workspace(tmp_path)
    shutil.copytree(landing, workspace.landing)
    for stage, marker, delay in STAGES:
        _kill_at(workspace, marker, delay)
        # the kill landed where it was meant to
        assert not workspace.warehouse.exists(), stage  # nothing published yet
        if stage == "mid-ingest of a large file":
            manifest = workspace.lake / "_manifest" / "manifest.jsonl"
            assert "000-big.jsonl" not in (manifest.read_text() if manifest.exists() else "")

    workspace.tokenroi("run")
    assert (workspace.mart_checksums(across_runs=True)
            == reference.mart_checksums(across_runs=True))
    assert _event_log_counts(workspace) == _event_log_counts(reference)
    assert not list(workspace.lake.rglob(".*.tmp"))
    assert not list(workspace.data.glob(".warehouse.duckdb.*.tmp"))

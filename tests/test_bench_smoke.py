"""The benchmark command at toy scale: it runs end to end, and the pipeline, the hand-written
DuckDB floor and the pandas way agree on fct_spend_daily. No timing is asserted."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent


def test_bench_runs_and_all_three_ways_agree(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--calls", "3k", "--days", "3",
         "--work", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| floor |" in done.stdout and "| pandas |" in done.stdout
    assert done.stdout.count("identical (") == 2
    for stage in ("| ingest |", "| dbt build |", "| checks |", "| publish |", "| report |"):
        assert stage in done.stdout
    landing = json.loads((tmp_path / "3k" / "landing" / "bench.json").read_text())
    assert landing["calls"] == 3000
    assert "| agent_calls | 3,000 |" in done.stdout  # every generated call ingested

"""Reliability: one run at a time per data folder (a real OS lock between real processes),
and what an interrupted run leaves behind."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

from conftest import Workspace

HOLD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pipelines.runlock import lock_path, run_lock
    with run_lock(lock_path(Path(sys.argv[1]) / "build" / "tokenroi_build.duckdb")):
        print("held", flush=True)
        time.sleep(float(sys.argv[2]))
    print("released", time.time(), flush=True)
""")


def _hold_lock(workspace: Workspace, seconds: float) -> subprocess.Popen:
    """Another process holding the data folder's run lock, as a running `tokenroi run` does."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(workspace.data), str(seconds)],
                              stdout=subprocess.PIPE, text=True, env=workspace.env())
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_run_refuses_at_once_and_names_the_run_holding_the_folder(tmp_path):
    workspace = Workspace(tmp_path)
    workspace.landing.mkdir()
    holder = _hold_lock(workspace, 60)
    try:
        started = time.monotonic()
        done = workspace.tokenroi("run", check=False)
        assert time.monotonic() - started < 30  # refused, not queued
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode != 0
    [message] = [line for line in done.stderr.splitlines() if line.strip()]
    assert "another tokenroi run is using this data folder" in message
    assert f"pid {holder.pid}" in message and "--wait" in message
    assert not workspace.lake.exists() and not workspace.warehouse.exists()  # nothing written


def test_a_killed_holder_leaves_no_stale_lock_and_a_waiting_run_goes_after_it(tmp_path):
    workspace = Workspace(tmp_path)
    holder = _hold_lock(workspace, 2)
    waiter = subprocess.run(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from pathlib import Path
            from pipelines.runlock import lock_path, run_lock
            path = lock_path(Path(sys.argv[1]) / "build" / "tokenroi_build.duckdb")
            with run_lock(path, wait=True, waiting=lambda m: print(m, flush=True)):
                print("acquired", time.time(), flush=True)
        """), str(workspace.data)], capture_output=True, text=True, env=workspace.env(),
        timeout=60)
    released = float(holder.stdout.readline().split()[1])
    holder.wait()
    lines = waiter.stdout.splitlines()
    assert lines[0].startswith("waiting for the run that holds") and f"pid {holder.pid}" in lines[0]
    assert float(lines[1].split()[1]) >= released  # it went only after the holder let go

    killed = _hold_lock(workspace, 60)
    killed.kill()  # SIGKILL: no cleanup code runs
    killed.wait()
    from pipelines.runlock import lock_path, run_lock
    with run_lock(lock_path(workspace.data / "build" / "tokenroi_build.duckdb")):
        pass  # the kernel dropped the dead process's lock


def test_a_job_started_from_dagster_while_a_run_holds_the_folder_fails_before_writing(tmp_path):
    """Runs launched by the schedule or the UI take the same lock (a resource held by every
    writing asset for the whole run), so they cannot write beside a CLI run either."""
    workspace = Workspace(tmp_path)
    workspace.landing.mkdir()
    holder = _hold_lock(workspace, 120)
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent("""
                from pipelines.settings import ensure_dagster_home, load_settings
                load_settings().export()
                ensure_dagster_home()
                import dagster as dg
                from pipelines.definitions import defs
                result = defs.resolve_job_def("tokenroi_daily").execute_in_process(
                    instance=dg.DagsterInstance.get(), raise_on_error=False)
                print("success" if result.success else "failed", flush=True)
            """)], capture_output=True, text=True, env=workspace.env(), timeout=300)
    finally:
        holder.kill()
        holder.wait()
    assert done.stdout.strip().splitlines()[-1] == "failed", done.stdout + done.stderr
    assert "another tokenroi run is using this data folder" in done.stdout + done.stderr
    assert not workspace.lake.exists() and not workspace.warehouse.exists()

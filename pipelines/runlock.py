"""One run at a time per data folder: a second run refuses (or waits) instead of writing
the same event log, build database and warehouse.

The lock is an OS file lock (``flock``) on ``<build folder>/tokenroi.lock``: the kernel
drops it when its process ends, however it ends (a killed run never leaves a stale lock).
The file itself says who holds it, for the message the second run prints. Analysts'
read-only connections to the published warehouse need no lock: publication renames a new
file into place.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

_held: dict[Path, int] = {}  # lock file -> how many holders in this process


class RunLocked(RuntimeError):
    """Another run holds the lock; the message says which and what to do."""


def lock_path(build_db: Path) -> Path:
    return build_db.parent / "tokenroi.lock"


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "another process"
    except OSError:
        return "another process"


@contextlib.contextmanager
def run_lock(path: Path, wait: bool = False,
             waiting: Callable[[str], None] = lambda _: None) -> Iterator[None]:
    """Hold the run lock; re-entrant within a process (the CLI takes it, then the job)."""
    path = path.resolve()
    if path in _held:
        _held[path] += 1
        try:
            yield
        finally:
            _held[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(path)
            if not wait:
                raise RunLocked(
                    f"another tokenroi run is using this data folder ({holder}; lock "
                    f"{path}): wait for it to finish, or run with --wait to queue behind it"
                ) from None
            waiting(f"waiting for the run that holds {path} ({holder}) to finish ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:2]])
        handle.write(f"pid {os.getpid()}, `{command}`, since "
                     f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        _held[path] = 1
        try:
            yield
        finally:
            del _held[path]
    finally:
        handle.close()  # closing the descriptor releases the flock

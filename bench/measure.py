"""Run a command and measure it: wall time per pipeline stage and peak RSS of its whole
process tree (sampled from /proc every 0.1 s), from the progress lines it prints."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
STEP_LINE = re.compile(r"^\[\s*([\d.]+)s\] ([→✓✗]) (\S+)")
PROGRESS_LINE = re.compile(r"^\[\s*[\d.]+s\]   ")
INGEST_LINE = re.compile(r"(\w+): (\d+) new file\(s\), \d+ already ingested, (\d+) rows, "
                         r"(\d+) quarantined in ([\d.]+)s")


def stage_of(step: str) -> str:
    if step.startswith(("raw__", "reference")):
        return "ingest"
    if step == "tokenroi_dbt":
        return "dbt build"
    if step == "warehouse":
        return "publish"
    if step == "outcome_report":
        return "report"
    return "checks"


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


@dataclass
class Measured:
    seconds: float
    peak_rss: int
    returncode: int
    stages: dict[str, dict] = field(default_factory=dict)  # stage -> {seconds, peak_rss}
    streams: dict[str, dict] = field(default_factory=dict)  # stream -> {rows, seconds}
    output: str = ""
    first_step_at: float = 0.0  # seconds from launch to the first pipeline step


def measure(command: list[str], env: dict[str, str], log: Path | None = None) -> Measured:
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        for line in process.stdout:
            lines.append((time.monotonic() - started, line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    samples: list[tuple[float, int]] = []
    while process.poll() is None:
        samples.append((time.monotonic() - started, tree_rss(process.pid)))
        time.sleep(0.1)
    reader.join()
    seconds = time.monotonic() - started
    text = "\n".join(line for _, line in lines)
    if log:
        log.write_text(text)
    result = Measured(seconds, max((r for _, r in samples), default=0), process.returncode,
                      output=text)
    # Stage windows: from the first step of a stage starting to its last step ending, in
    # the wall-clock of this process (the progress lines carry the run's own clock).
    # A step's own progress lines count too: the last step's ✓ can come after the summary.
    windows: dict[str, list[float]] = {}
    stage = None
    for at, line in lines:
        match = STEP_LINE.match(line)
        if match and not result.first_step_at:
            result.first_step_at = at
        if match:
            stage = stage_of(match.group(3))
        if stage and (match or PROGRESS_LINE.match(line)):
            window = windows.setdefault(stage, [at, at])
            window[0], window[1] = min(window[0], at), max(window[1], at)
        ingest = INGEST_LINE.search(line)
        if ingest and int(ingest.group(2)):
            result.streams[ingest.group(1)] = {"rows": int(ingest.group(3)),
                                               "seconds": float(ingest.group(5))}
    for stage, (begin, end) in windows.items():
        peak = max((r for t, r in samples if begin - 0.1 <= t <= end + 0.1), default=0)
        result.stages[stage] = {"seconds": end - begin, "peak_rss": peak}
    return result


def gib(value: int) -> str:
    return f"{value / 2**30:.2f} GiB"

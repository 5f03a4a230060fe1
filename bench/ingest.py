"""Ingest alone, at scale: landing files → event log, per stream, wall time and peak memory.

    .venv/bin/python -m bench.ingest --calls 10M            # generates bench/work/ingest-10M once
    .venv/bin/python -m bench.ingest --landing DIR          # an existing landing folder

The landing folder is generated once per size (bench.generate) and reused, so two checkouts
(before and after a change) can be measured on the same files. Each run ingests into a fresh
lake; the numbers are printed as a markdown row for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ingest(landing: Path, lake: Path) -> None:
    """Run in a child process so its peak memory is its own."""
    from pipelines.eventlog.ingest import ingest_stream
    from pipelines.eventlog.store import STREAMS, EventLog
    from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS, ingest_reference

    log = EventLog(lake)
    log.ensure_layout(REFERENCE_SCHEMAS)
    started = time.monotonic()
    ingest_reference(landing, log)
    for stream in STREAMS:
        began = time.monotonic()
        result = ingest_stream(landing, log, stream)
        print(f"{stream}\t{result.rows}\t{result.quarantined}\t{time.monotonic() - began:.1f}",
              flush=True)
    print(f"total\t\t\t{time.monotonic() - started:.1f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", default="1M", help="calls in the generated org (100k, 1M, 10M)")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--landing", help="ingest this landing folder instead of generating one")
    parser.add_argument("--work", default=str(ROOT / "bench" / "work"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _ingest(Path(args.child[0]), Path(args.child[1]))
        return
    from bench.run import count

    work = Path(args.work)
    landing = Path(args.landing) if args.landing else work / f"ingest-{args.calls}" / "landing"
    if not args.landing and not (landing / ".complete").exists():
        from bench.generate import generate

        shutil.rmtree(landing, ignore_errors=True)
        print(f"generating {args.calls} calls into {landing} ...", file=sys.stderr)
        generate(landing, count(args.calls), args.days)
        (landing / ".complete").touch()
    lake = work / f"ingest-{args.calls}" / "lake"
    shutil.rmtree(lake, ignore_errors=True)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bench.ingest", "--child", str(landing),
                           str(lake)], cwd=ROOT, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"ingest failed:\n{done.stdout}\n{done.stderr}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = usage.ru_maxrss / (1 << 20)
    print("| stream | rows | quarantined | seconds |\n|---|---:|---:|---:|")
    for line in done.stdout.splitlines():
        print("| " + " | ".join(line.split("\t")) + " |")
    # CPU time (user + system, every thread) says more than wall time on a busy machine
    print(f"\ningest of {landing}: {seconds:.1f} s wall (process start included), "
          f"{usage.ru_utime + usage.ru_stime:.1f} s CPU, peak RSS {peak:.2f} GiB")


if __name__ == "__main__":
    main()

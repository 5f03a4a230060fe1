"""One multi-GB landing file, ingested: wall time and peak memory of the ingest alone.

    .venv/bin/python -m bench.big_file --gib 3

Writes a canonical JSONL file of about that size (over 512 MiB, so it takes the
block-by-block path that any file too big or too broken for the one-pass reader takes), then
ingests it into a fresh event log in this process and prints the peak RSS. Run on demand;
the figure goes in BENCHMARKS.md and RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import time
from pathlib import Path

import duckdb

from pipelines.eventlog.ingest import REFERENCE_SCHEMAS, ingest_stream
from pipelines.eventlog.store import EventLog

ROOT = Path(__file__).resolve().parent.parent
LINE_BYTES = 262  # about, for the rows written below


def write_file(path: Path, gib: float) -> int:
    lines = int(gib * (1 << 30) / LINE_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as con:
        con.execute(f"""
            copy (
                select 'big-' || i as event_id,
                    timestamp '2026-01-01' + to_seconds(i % 2592000) as occurred_at,
                    'openai' as provider, 'gpt-5-mini' as model,
                    'eng' || lpad((i % 2000)::varchar, 5, '0') || '@bench.example'
                        as person_email,
                    i % 30000 as input_tokens, i % 3000 as cache_read_tokens,
                    i % 900 as output_tokens, {{'task': 'implementation'}} as tags
                from range({lines}) t(i)
            ) to '{path}' (format json)""")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=3.0, help="file size in GiB (default 3)")
    parser.add_argument("--work", default=str(ROOT / "bench" / "work" / "big-file"))
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    landing = work / "landing"
    path = landing / "agent_calls" / "canonical" / "big.jsonl"
    print(f"writing ~{args.gib:g} GiB of canonical JSONL ...", flush=True)
    lines = write_file(path, args.gib)
    print(f"{path.stat().st_size / (1 << 30):.2f} GiB, {lines:,} lines", flush=True)
    log = EventLog(work / "lake")
    log.ensure_layout(REFERENCE_SCHEMAS)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
    started = time.monotonic()
    result = ingest_stream(landing, log, "agent_calls", progress=lambda _: None)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20)
    print(f"ingested {result.rows:,} rows, {result.quarantined} quarantined in {seconds:.1f} s; "
          f"peak RSS {peak:.2f} GiB (before the ingest {before:.2f} GiB)")


if __name__ == "__main__":
    main()

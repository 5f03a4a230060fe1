"""One multi-GB landing file, ingested: wall time and peak memory of the ingest alone.

    .venv/bin/python -m bench.big_file --gib 3 [--format canonical|otlp|litellm-csv|litellm-jsonl]

Writes a landing file of about that size in the format (over 512 MiB, so it takes the
part-by-part path that any file too big or too broken for a one-pass reader takes: blocks of
lines for canonical JSONL, 16 MiB blocks of lines for the others), then ingests it into a
fresh event log in this process and prints the peak RSS. Run on demand; the figures go in
BENCHMARKS.md and RELIABILITY.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import time
from pathlib import Path

import duckdb

from pipelines.eventlog.ingest import ingest_stream
from pipelines.eventlog.store import EventLog
from pipelines.sources.reference.reference_files import REFERENCE_SCHEMAS

ROOT = Path(__file__).resolve().parent.parent
LINE_BYTES = 262  # about, for the canonical rows written below
FILES = {"canonical": "canonical/big.jsonl", "otlp": "otlp/big.jsonl",
         "litellm-csv": "litellm/big.csv", "litellm-jsonl": "litellm/big.jsonl"}


def write_file(path: Path, gib: float) -> int:
    lines = int(gib * (1 << 30) / LINE_BYTES)
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


def _person(n: int) -> str:
    return f"eng{n % 2000:05d}@bench.example"


def _otlp_line(n: int) -> str:
    """One export per line, as the collector's file exporter writes them."""
    def attribute(key: str, value: str | int) -> dict:
        return {"key": key, "value": {"intValue": str(value)} if isinstance(value, int)
                else {"stringValue": value}}

    span = {"traceId": f"{n:032x}", "spanId": f"{n:016x}",
            "startTimeUnixNano": str(1767225600_000_000_000 + (n % 2592000) * 1_000_000_000),
            "attributes": [attribute("gen_ai.provider.name", "openai"),
                           attribute("gen_ai.request.model", "gpt-5-mini"),
                           attribute("gen_ai.usage.input_tokens", n % 30000),
                           attribute("gen_ai.usage.cache_read.input_tokens", n % 3000 // 2),
                           attribute("gen_ai.usage.output_tokens", n % 900),
                           attribute("tokenroi.task", "implementation")]}
    resource = {"attributes": [attribute("service.name", "bench-agent"),
                               attribute("user.email", _person(n))]}
    return json.dumps({"resourceSpans": [{"resource": resource, "scopeSpans": [
        {"scope": {"name": "bench"}, "spans": [span]}]}]})


def _litellm_row(n: int) -> dict:
    return {"request_id": f"chatcmpl-{n}", "call_type": "acompletion",
            "startTime": f"2026-01-{n % 28 + 1:02d} 10:00:01", "model": "gpt-5-mini",
            "custom_llm_provider": "openai", "user": _person(n), "spend": "0.0012",
            "prompt_tokens": str(n % 30000), "completion_tokens": str(n % 900),
            "request_tags": '["task:implementation"]'}


def write_source_file(path: Path, kind: str, gib: float) -> int:
    """A file of the format's records written in Python, one at a time, until ``gib``."""
    target, count = gib * (1 << 30), 0
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(_litellm_row(0)))
        if kind == "litellm-csv":
            writer.writeheader()
        while handle.tell() < target:
            for n in range(count, count + 10_000):
                if kind == "otlp":
                    handle.write(_otlp_line(n) + "\n")
                elif kind == "litellm-csv":
                    writer.writerow(_litellm_row(n))
                else:
                    handle.write(json.dumps(_litellm_row(n)) + "\n")
            count += 10_000
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gib", type=float, default=3.0, help="file size in GiB (default 3)")
    parser.add_argument("--format", choices=list(FILES), default="canonical",
                        help="the landing format (default canonical)")
    parser.add_argument("--work", default=str(ROOT / "bench" / "work" / "big-file"))
    args = parser.parse_args()
    work = Path(args.work)
    shutil.rmtree(work, ignore_errors=True)
    landing = work / "landing"
    path = landing / "agent_calls" / FILES[args.format]
    path.parent.mkdir(parents=True, exist_ok=True)
    print(f"writing ~{args.gib:g} GiB of {args.format} ...", flush=True)
    records = (write_file(path, args.gib) if args.format == "canonical"
               else write_source_file(path, args.format, args.gib))
    print(f"{path.stat().st_size / (1 << 30):.2f} GiB, {records:,} records", flush=True)
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

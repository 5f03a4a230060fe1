"""tokenroi at scale: the pipeline per stage, against the floor and the pandas way.

    make bench SCALE=1M            # or: .venv/bin/python -m bench.run --calls 1M
    make bench SCALE=100k INCREMENTAL=30,180
    make bench SCALE=1M ENGINE=spark    # the same org built on Spark (local session)

Prints markdown tables (paste them into BENCHMARKS.md) and writes bench/results/*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from bench.baselines import KEYS
from bench.generate import generate
from bench.measure import Measured, gib, measure

ROOT = Path(__file__).resolve().parent.parent
TOKENROI = str(Path(sys.executable).parent / "tokenroi")
STAGES = ["start-up", "ingest", "dbt build", "checks", "publish", "report"]


def count(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("km")) * scale)


def env_for(data: Path, engine: str = "duckdb") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENROI_")}
    env.update(TOKENROI_DATA=str(data), DAGSTER_HOME=str(data / "dagster_home"),
               TOKENROI_ENGINE=engine,
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}")
    return env


def fresh_data(data: Path, landing: Path) -> None:
    """An empty data folder whose landing is ``landing`` (symlinked, not copied)."""
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    (data / "landing").symlink_to(landing.resolve())


def run_pipeline(data: Path, log: Path, engine: str = "duckdb") -> Measured:
    result = measure([TOKENROI, "run"], env_for(data, engine), log)
    if result.returncode != 0:
        raise SystemExit(f"tokenroi run failed ({result.returncode}); see {log}")
    # Start-up: interpreter, Dagster definitions, dbt manifest, before the first step.
    result.stages["start-up"] = {"seconds": result.first_step_at, "peak_rss": 0}
    return result


def spend_daily(source) -> pd.DataFrame:
    frame = source if isinstance(source, pd.DataFrame) else pd.read_parquet(source)
    frame = frame[[*KEYS, "calls", "input_tokens", "cache_read_tokens", "cache_write_tokens",
                   "output_tokens", "cost_usd"]].copy()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date.astype(str)
    frame["cost_usd"] = frame["cost_usd"].astype(float).round(6)
    for column in ["calls", "input_tokens", "cache_read_tokens", "cache_write_tokens",
                   "output_tokens"]:
        frame[column] = frame[column].astype("int64")
    return frame.sort_values(KEYS).reset_index(drop=True)


def warehouse_spend_daily(data: Path) -> pd.DataFrame:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as con:
        return spend_daily(con.execute("select * from marts.fct_spend_daily").df())


def baseline(way: str, landing: Path, work: Path) -> tuple[Measured, pd.DataFrame]:
    out = work / f"{way}.parquet"
    result = measure([sys.executable, "-m", "bench.baselines", way, str(landing), str(out)],
                     {**os.environ, "PYTHONPATH": str(ROOT)}, work / f"{way}.log")
    if result.returncode != 0:
        raise SystemExit(f"the {way} baseline failed; see {work / f'{way}.log'}")
    return result, spend_daily(out)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal"))) * 1024
    return f"{os.cpu_count()} cores ({cpu}), {gib(memory)}, {platform.platform()}"


def versions() -> str:
    from importlib.metadata import version

    import dagster
    import dbt.version

    return (f"Python {platform.python_version()}, duckdb {duckdb.__version__}, dagster "
            f"{dagster.__version__}, dbt-core {dbt.version.__version__}, pandas {pd.__version__}, "
            f"pyspark {version('pyspark')}, dbt-spark {version('dbt-spark')}")


def stage_table(result: Measured, rows: int) -> str:
    lines = ["| stage | wall time | peak RSS (process tree) |", "|---|---:|---:|"]
    for stage in STAGES:
        if stage in result.stages:
            s = result.stages[stage]
            lines.append(f"| {stage} | {s['seconds']:.1f} s | "
                         f"{gib(s['peak_rss']) if s['peak_rss'] else '–'} |")
    lines.append(f"| **end to end** | **{result.seconds:.1f} s** | **{gib(result.peak_rss)}** |")
    lines += ["", "| stream | rows | ingest time | rows/s |", "|---|---:|---:|---:|"]
    for stream, s in result.streams.items():
        # the progress lines give tenths of a second: no rate for a stream read in less
        rate = f"{s['rows'] / s['seconds']:,.0f}" if s["seconds"] >= 0.1 else "–"
        lines.append(f"| {stream} | {s['rows']:,} | {s['seconds']:.1f} s | {rate} |")
    lines.append(f"| all calls, end to end | {rows:,} | {result.seconds:.1f} s | "
                 f"{rows / result.seconds:,.0f} |")
    return "\n".join(lines)


def compare(name: str, ours: pd.DataFrame, theirs: pd.DataFrame) -> str:
    """Same rows, same counts, same cost to the micro-dollar (pandas sums floats)."""
    exact = [c for c in ours.columns if c != "cost_usd"]
    if (len(ours) == len(theirs) and ours[exact].equals(theirs[exact])
            and (ours["cost_usd"] - theirs["cost_usd"]).abs().max() <= 2e-6):
        return f"identical ({len(ours):,} rows; cost within $0.000002)"
    merged = ours.merge(theirs, on=KEYS, how="outer", indicator=True, suffixes=("", "_b"))
    raise SystemExit(f"{name}'s fct_spend_daily differs from the pipeline's: "
                     f"{(merged['_merge'] != 'both').sum()} unmatched rows of {len(merged)}")


def spend_daily_models_seconds(data: Path) -> float:
    """dbt's execution time for fct_spend_daily and every model it is built from, in the
    run's results (data/quality/dbt/) over the project's dependency graph."""
    parents = json.loads((ROOT / "dbt_project" / "target" / "manifest.json")
                         .read_text())["parent_map"]
    upstream, todo = set(), ["model.tokenroi.fct_spend_daily"]
    while todo:
        node = todo.pop()
        if node not in upstream:
            upstream.add(node)
            todo.extend(parents.get(node, []))
    [results] = sorted((data / "quality" / "dbt").glob("*.json"))[-1:]
    return sum(r["execution_time"] for r in json.loads(results.read_text())["results"]
               if r["unique_id"] in upstream)


def main_run(args, work: Path) -> dict:
    calls = count(args.calls)
    landing = work / "landing"
    # the org generated last time is reused when it was asked for with the same size
    spec = {"requested_calls": calls, "days": args.days}
    marker = landing / "bench.json"
    if not marker.exists() or {k: json.loads(marker.read_text()).get(k)
                               for k in spec} != spec:
        shutil.rmtree(landing, ignore_errors=True)
        print(f"generating {calls:,} calls over {args.days} days into {landing} ...", flush=True)
        generate(landing, calls, args.days)
    summary = json.loads(marker.read_text())
    data = work / "data"
    fresh_data(data, landing)
    print("running the pipeline ...", flush=True)
    pipeline = run_pipeline(data, work / f"pipeline-{args.engine}.log", args.engine)
    ours = warehouse_spend_daily(data)
    print(stage_table(pipeline, summary["calls"]))
    result = {"pipeline": pipeline.__dict__ | {"output": None}, "summary": summary}
    result["spend_daily_models_seconds"] = spend_daily_models_seconds(data)
    ways = ["floor"] + ([] if args.skip_pandas else ["pandas"])
    rows = ["| way | wall time | peak RSS | fct_spend_daily |", "|---|---:|---:|---|"]
    core = pipeline.stages["ingest"]["seconds"] + pipeline.stages["dbt build"]["seconds"]
    core_rss = max(pipeline.stages[s]["peak_rss"] for s in ("ingest", "dbt build"))
    rows.append(f"| tokenroi: ingest + dbt build | {core:.1f} s | {gib(core_rss)} | "
                "(reference) |")
    # The like-for-like figure: the ingest and only the models fct_spend_daily is built from.
    path = pipeline.stages["ingest"]["seconds"] + spend_daily_models_seconds(data)
    rows.append(f"| tokenroi: ingest + fct_spend_daily's models | {path:.1f} s | "
                f"{gib(core_rss)} | (same build) |")
    for way in ways:
        print(f"running the {way} baseline ...", flush=True)
        measured, frame = baseline(way, landing, work)
        rows.append(f"| {way} | {measured.seconds:.1f} s | {gib(measured.peak_rss)} | "
                    f"{compare(way, ours, frame)} |")
        result[way] = {"seconds": measured.seconds, "peak_rss": measured.peak_rss}
    print("\n".join(rows))
    floor = result["floor"]["seconds"]
    print(f"\npipeline (ingest + dbt build) / floor: {core / floor:.1f}×; "
          f"(ingest + fct_spend_daily's models) / floor: {path / floor:.1f}×")
    if "pandas" in result:
        pandas_seconds = result["pandas"]["seconds"]
        print(f"pandas / pipeline (ingest + dbt build): {pandas_seconds / core:.1f}×; "
              f"pandas / whole pipeline run: {pandas_seconds / pipeline.seconds:.1f}×")
    return result


# The next-day run is timed on this many days in a row and the median kept: one run of
# ~40 s varies by a few seconds from run to run on this machine.
DAILY_RUNS = 3


def _move_files(source: Path, target: Path) -> None:
    for path in [p for p in source.rglob("*") if p.is_file()]:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, destination)


def incremental(args, work: Path) -> dict:
    """Backfill N days, then land one more day at the same volume and time that daily run
    (DAILY_RUNS days in turn; the median is reported)."""
    per_day = count(args.calls) // args.days
    results = {}
    for history in [int(n) for n in args.incremental.split(",")]:
        base = work / f"incremental-{history}"
        full, held = base / "generated", base / "held-back"
        if held.exists():  # an interrupted run left days out of the generated set
            for day in held.iterdir():
                _move_files(day, full)
            shutil.rmtree(held)
        marker = full / "bench.json"
        days = history + DAILY_RUNS
        if not marker.exists() or json.loads(marker.read_text())["days"] != days:
            shutil.rmtree(full, ignore_errors=True)
            generate(full, per_day * days, days)
        next_days = [str(date(2026, 1, 1) + timedelta(days=history + k))
                     for k in range(DAILY_RUNS)]
        for day in next_days:
            for path in [p for p in full.rglob(f"*{day}*") if p.is_file()]:
                target = held / day / path.relative_to(full)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(path, target)
        data = base / "data"
        fresh_data(data, full)
        print(f"backfilling {history} days ({per_day * history:,} calls) ...", flush=True)
        backfill = run_pipeline(data, base / "backfill.log", args.engine)
        runs = []
        for number, day in enumerate(next_days, start=1):
            _move_files(held / day, full)
            print(f"landing day {history + number} ({per_day:,} calls) and running ...",
                  flush=True)
            runs.append(run_pipeline(data, base / f"daily-{number}.log", args.engine))
            print(f"  {runs[-1].seconds:.1f} s", flush=True)
        shutil.rmtree(held)
        daily = sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]
        results[history] = {"backfill_seconds": backfill.seconds, "daily_seconds": daily.seconds,
                            "daily_runs_seconds": [run.seconds for run in runs],
                            "daily_stages": daily.stages, "daily_peak_rss": daily.peak_rss}
        print(f"N={history}: backfill {backfill.seconds:.1f} s, next day {daily.seconds:.1f} s "
              f"(median of {len(runs)}: " + ", ".join(f"{k} {v['seconds']:.1f} s"
                                                      for k, v in daily.stages.items())
              + ")")
    if len(results) >= 2:
        small, large = min(results), max(results)
        ratio = results[large]["daily_seconds"] / results[small]["daily_seconds"]
        print(f"daily run after N={large} / after N={small}: {ratio:.2f}")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", default="100k", help="calls in the org (100k, 1M, 10M)")
    parser.add_argument("--days", type=int, default=30, help="days they span (default 30)")
    parser.add_argument("--skip-pandas", action="store_true", help="no pandas baseline")
    parser.add_argument("--incremental", metavar="N,N",
                        help="also time one more day after backfills of N days (e.g. 30,180)")
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                        help="what builds the dbt models (default duckdb; spark: a local "
                             "PySpark session, TOKENROI_ENGINE=spark)")
    parser.add_argument("--work", default=str(ROOT / "bench" / "work"),
                        help="folder for generated data and runs (default bench/work)")
    args = parser.parse_args()
    work = Path(args.work) / args.calls.lower()
    work.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}\nversions: {versions()}\ndate: {datetime.now(UTC):%Y-%m-%d}",
          flush=True)
    results = {"machine": machine(), "versions": versions(),
               "date": f"{datetime.now(UTC):%Y-%m-%d}", "calls": args.calls,
               "engine": args.engine}
    results["run"] = main_run(args, work)
    if args.incremental:
        results["incremental"] = incremental(args, work)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    engine = "" if args.engine == "duckdb" else f"-{args.engine}"
    path = out / f"{results['date']}-{args.calls.lower()}{engine}.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()

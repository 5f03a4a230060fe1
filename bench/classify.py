"""What the task classifier costs at ingest: `python -m bench.classify [--prompts N]`.

Classifies N prompts through the same DuckDB function the ingest calls
(`tokenroi_classify`, pipelines/classify/model.py), three ways: every prompt distinct (the
cold path: features and the linear model for each), every prompt one of the corpus's (the
cached path: agents repeat "continue", "yes" and their instructions), and no prompt at all
(tagged or prompt-less calls: the function is never called). Prints prompts per second and
what that makes for 10M calls.
"""

from __future__ import annotations

import argparse
import time

import duckdb
import pyarrow as pa

from pipelines.classify.corpus_split import read_corpus
from pipelines.classify.model import register


def _seconds(con: duckdb.DuckDBPyConnection, prompts: pa.Table) -> float:
    con.register("prompts", prompts)
    started = time.perf_counter()
    con.execute("select count(*), count(tokenroi_classify(prompt).task_class) "
                "from prompts").fetchall()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=100_000)
    n = parser.parse_args().prompts
    corpus = [p.prompt for p in read_corpus()]
    distinct = [f"{corpus[i % len(corpus)]} #{i}" for i in range(n)]
    repeated = [corpus[i % len(corpus)] for i in range(n)]
    rows = {
        "distinct prompts (cold)": distinct,
        "corpus prompts repeated (cached)": repeated,
        "no prompt (tagged or not captured)": [None] * n,
    }
    print(f"| {n:,} prompts | seconds | prompts/s | 10M calls |")
    print("|---|---:|---:|---:|")
    for name, prompts in rows.items():
        con = duckdb.connect()
        register(con)
        seconds = _seconds(con, pa.table({"prompt": pa.array(prompts, pa.string())}))
        rate = n / seconds if seconds else float("inf")
        print(f"| {name} | {seconds:.2f} | {rate:,.0f} | {10_000_000 / rate / 60:.1f} min |")
        con.close()


if __name__ == "__main__":
    main()

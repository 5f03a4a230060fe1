"""The labelled prompt corpus and its fixed train / development / test split.

The corpus is `pipelines/classify/corpus/p*.jsonl` (written after docs/task-classes.md). Each
prompt's split follows from its id and the seed alone: sha256(seed:id) read as a number in
[0, 1) puts it in train below 0.70, in development below 0.85, else in test. Adding prompts
never moves one already there. The assignment is committed (`corpus/split.csv`, rewritten by
`python -m pipelines.classify.corpus_split` after prompts were added) and a test checks the
committed file is what the seed gives.

The test split is scored once per change (`tokenroi classify-eval`), never read while
writing rules or training: `train.py` reads only `train` and `dev`.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pipelines.classify.scores import CLASSES

CORPUS = Path(__file__).parent / "corpus"
SPLIT_FILE = CORPUS / "split.csv"
SEED = "tokenroi-task-classes-2026"
SHARES = (("train", 0.70), ("dev", 0.15), ("test", 0.15))


@dataclass(frozen=True)
class Prompt:
    id: str
    prompt: str
    label: str
    lang: str
    style: str


def read_corpus(folder: Path = CORPUS) -> list[Prompt]:
    """Every labelled prompt of the corpus parts, in file and line order."""
    prompts, seen = [], set()
    for path in sorted(folder.glob("p*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            record = json.loads(line)
            if record["label"] not in CLASSES:
                raise ValueError(f"{path.name}:{number}: unknown label {record['label']!r}")
            if record["id"] in seen:
                raise ValueError(f"{path.name}:{number}: id {record['id']} appears twice")
            seen.add(record["id"])
            prompts.append(Prompt(record["id"], record["prompt"], record["label"],
                                  record.get("lang", "en"), record.get("style", "")))
    return prompts


def assign(prompts: list[Prompt], seed: str = SEED) -> dict[str, str]:
    """id -> train | dev | test, from the id and the seed alone."""
    split = {}
    for prompt in prompts:
        position = int(hashlib.sha256(f"{seed}:{prompt.id}".encode()).hexdigest()[:12], 16)
        position /= 16**12
        bound = 0.0
        for name, share in SHARES:
            bound += share
            if position < bound or name == SHARES[-1][0]:
                split[prompt.id] = name
                break
    return split


def read_split(path: Path = SPLIT_FILE) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row["split"] for row in csv.DictReader(handle)}


def write_split(prompts: list[Prompt], path: Path = SPLIT_FILE) -> dict[str, str]:
    split = assign(prompts)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "split"])
        writer.writerows(sorted(split.items()))
    return split


def prompts_of(split_name: str, folder: Path = CORPUS) -> list[Prompt]:
    """The corpus prompts in one split (train, dev or test)."""
    split = read_split(folder / "split.csv")
    return [p for p in read_corpus(folder) if split.get(p.id) == split_name]


if __name__ == "__main__":
    corpus = read_corpus()
    split = write_split(corpus)
    counts: dict[str, int] = defaultdict(int)
    for name in split.values():
        counts[name] += 1
    print(f"{len(corpus)} prompts: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))

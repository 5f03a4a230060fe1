"""Score the task classifier: `tokenroi classify-eval`.

By default on the corpus's test split (never read while training or writing rules): the
shipped learned model's per-class precision, recall and F1 and its confusion matrix, beside
the old rules-and-lexicon classifier's macro F1 on the same prompts. `--write` keeps the
scores in `task_model_scores.json`, which the report quotes next to the waste figure.
Another labelled file (CSV `label,prompt` or corpus JSONL) can be scored with `--file`.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from pipelines.classify.corpus_split import prompts_of
from pipelines.classify.model import MODEL_FILE, Classifier, load_model
from pipelines.classify.rules import classify as classify_by_rules
from pipelines.classify.scores import Scores

SCORES_FILE = Path(__file__).parent / "task_model_scores.json"


@dataclass(frozen=True)
class Evaluation:
    name: str  # what was scored
    model: Scores
    rules: Scores


def labelled(path: Path) -> list[tuple[str, str]]:
    """(prompt, label) rows of a CSV (label,prompt) or a corpus JSONL file."""
    if path.suffix == ".jsonl":
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
                   if line.strip()]
        return [(record["prompt"], record["label"]) for record in records]
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["prompt"], row["label"]) for row in csv.DictReader(handle)]


def evaluate(rows: list[tuple[str, str]], name: str) -> Evaluation:
    prompts = [prompt for prompt, _ in rows]
    truth = [label for _, label in rows]
    model = Classifier(load_model(MODEL_FILE))
    return Evaluation(
        name,
        Scores.of(truth, [label for label, _ in model.classify(prompts)]),
        Scores.of(truth, [classify_by_rules(prompt) for prompt in prompts]))


def evaluate_test_split() -> Evaluation:
    return evaluate([(p.prompt, p.label) for p in prompts_of("test")], "the corpus's test split")


def write_scores(evaluation: Evaluation, path: Path = SCORES_FILE) -> None:
    meta = load_model(MODEL_FILE).meta
    path.write_text(json.dumps({
        "scored_on": evaluation.name, "model": evaluation.model.as_dict(),
        "rules": evaluation.rules.as_dict(), "threshold": meta.get("threshold"),
        "corpus_sha256": meta.get("corpus_sha256")}, indent=2, sort_keys=True) + "\n")


def shipped_scores(path: Path = SCORES_FILE) -> dict | None:
    """The test-split scores shipped with the model (None if never written)."""
    return json.loads(path.read_text()) if path.exists() else None

"""Per-class precision, recall and F1 of the task classifier on a labelled prompt set."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from pipelines.classify.rules import classify

CLASSES = ("planning", "implementation", "trivial", "non_work")


@dataclass(frozen=True)
class Evaluation:
    per_class: dict[str, tuple[float, float, float]]  # precision, recall, F1
    total: int

    @property
    def macro_f1(self) -> float:
        return sum(f1 for _, _, f1 in self.per_class.values()) / len(self.per_class)

    def table(self) -> str:
        lines = [f"{'class':<16}{'precision':>10}{'recall':>10}{'F1':>10}"]
        for name, (precision, recall, f1) in self.per_class.items():
            lines.append(f"{name:<16}{precision:>10.3f}{recall:>10.3f}{f1:>10.3f}")
        lines.append(f"{'macro F1':<16}{'':>20}{self.macro_f1:>10.3f}   ({self.total} prompts)")
        return "\n".join(lines)


def evaluate(path: Path) -> Evaluation:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [(row["label"], classify(row["prompt"])) for row in csv.DictReader(handle)]
    per_class = {}
    for name in CLASSES:
        true_positive = sum(1 for label, guess in rows if label == name and guess == name)
        predicted = sum(1 for _, guess in rows if guess == name)
        actual = sum(1 for label, _ in rows if label == name)
        precision = true_positive / predicted if predicted else 0.0
        recall = true_positive / actual if actual else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[name] = (precision, recall, f1)
    return Evaluation(per_class, len(rows))

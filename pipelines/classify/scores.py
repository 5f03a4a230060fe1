"""Per-class precision, recall and F1, and the confusion matrix, of predicted task classes.

`unknown` is a prediction, not a class: it lowers the recall of the prompt's true class and
no class's precision (the classifier abstained instead of being wrong).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipelines.sources.reading.schema import TASK_CLASSES

CLASSES = tuple(name for name in TASK_CLASSES if name != "unknown")  # what a prompt can be
PREDICTIONS = (*CLASSES, "unknown")


@dataclass(frozen=True)
class Scores:
    per_class: dict[str, tuple[float, float, float]]  # precision, recall, F1
    confusion: dict[tuple[str, str], int]  # (true, predicted) -> prompts
    total: int

    @classmethod
    def of(cls, truth: list[str], predicted: list[str]) -> Scores:
        confusion = Counter(zip(truth, predicted, strict=True))
        per_class = {}
        for name in CLASSES:
            hits = confusion[(name, name)]
            guessed = sum(n for (_, guess), n in confusion.items() if guess == name)
            actual = sum(n for (label, _), n in confusion.items() if label == name)
            precision = hits / guessed if guessed else 0.0
            recall = hits / actual if actual else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            per_class[name] = (precision, recall, f1)
        return cls(per_class, dict(confusion), len(truth))

    @property
    def macro_f1(self) -> float:
        return sum(f1 for _, _, f1 in self.per_class.values()) / len(self.per_class)

    @property
    def min_precision(self) -> float:
        return min(precision for precision, _, _ in self.per_class.values())

    @property
    def unknown_share(self) -> float:
        unknown = sum(n for (_, guess), n in self.confusion.items() if guess == "unknown")
        return unknown / self.total if self.total else 0.0

    def table(self) -> str:
        lines = [f"{'class':<16}{'precision':>10}{'recall':>10}{'F1':>10}"]
        for name, (precision, recall, f1) in self.per_class.items():
            lines.append(f"{name:<16}{precision:>10.3f}{recall:>10.3f}{f1:>10.3f}")
        lines.append(f"{'macro F1':<16}{'':>20}{self.macro_f1:>10.3f}   ({self.total} prompts, "
                     f"{self.unknown_share:.1%} unknown)")
        return "\n".join(lines)

    def matrix(self) -> str:
        """Rows: the true class; columns: the predicted one."""
        width = max(len(p) for p in PREDICTIONS) + 2
        lines = ["true \\ predicted".ljust(18) + "".join(p.rjust(width) for p in PREDICTIONS)]
        for name in CLASSES:
            lines.append(name.ljust(18) + "".join(
                str(self.confusion.get((name, guess), 0)).rjust(width) for guess in PREDICTIONS))
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {"prompts": self.total, "macro_f1": round(self.macro_f1, 4),
                "unknown_share": round(self.unknown_share, 4),
                "per_class": {name: {"precision": round(p, 4), "recall": round(r, 4),
                                     "f1": round(f, 4)}
                              for name, (p, r, f) in self.per_class.items()}}

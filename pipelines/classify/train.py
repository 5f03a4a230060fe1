"""Train the task classifier: `python -m pipelines.classify.train`.

Reads the corpus's train split (plus two training-only sets: the sample org's prompt
templates and the hand-written set the rules were first written against), chooses the
regularisation and the `unknown` threshold on the development split, fits the final model
on train and development together, and writes `task_model.npz`. The test split is never
read here. Deterministic: the same corpus gives
the same file.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
from sklearn.svm import LinearSVC

from pipelines.classify.corpus_split import CORPUS, prompts_of
from pipelines.classify.model import (
    CLASSES,
    MODEL_FILE,
    TaskModel,
    counts,
    features,
    idf_of,
    softmax,
)
from pipelines.classify.scores import Scores
from pipelines.generate.prompts import AREAS, PROMPTS

# the hand-written set the rules were first written against: training only, never scored
RULES_SET = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "task_class_eval.csv"
C_GRID = (0.5, 1.0, 3.0)
TEMPERATURES = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0)
THRESHOLDS = tuple(round(t, 2) for t in np.arange(0.25, 0.61, 0.05))
# macro F1 (development) given up for abstaining on the least certain prompts
ABSTAIN_COST = 0.01


def training_only() -> list[tuple[str, str]]:
    """(prompt, label) of the sample org's templates (so the generated org's unambiguous
    prompts keep their class) and of the rules' original set."""
    rows = [(template.format(area=area, key="PAY-101"), label)
            for label, templates in PROMPTS.items() for template in templates
            for area in AREAS[:3]]
    if RULES_SET.exists():
        with RULES_SET.open(newline="", encoding="utf-8") as handle:
            rows += [(row["prompt"], row["label"]) for row in csv.DictReader(handle)]
    return rows


def _as_shipped(values: np.ndarray) -> np.ndarray:
    """The values as the model file keeps them (float16), so what is chosen here is what
    ships."""
    return values.astype(np.float16).astype(np.float32)


def fit(prompts: list[str], labels: list[str], c: float) -> TaskModel:
    """A linear SVM over the TF-IDF n-grams (one class against the rest, balanced)."""
    chars, words = counts(prompts)
    idf_char, idf_word = _as_shipped(idf_of(chars)), _as_shipped(idf_of(words))
    svm = LinearSVC(C=c, class_weight="balanced", random_state=0, max_iter=5000)
    svm.fit(features(prompts, idf_char, idf_word), [CLASSES.index(label) for label in labels])
    return TaskModel(coef=_as_shipped(svm.coef_), intercept=svm.intercept_, idf_char=idf_char,
                     idf_word=idf_word, temperature=1.0, threshold=0.0, meta={})


def _log_loss(probabilities: np.ndarray, truth: list[str]) -> float:
    rows = np.arange(len(truth))
    picked = probabilities[rows, [CLASSES.index(label) for label in truth]]
    return float(-np.log(np.clip(picked, 1e-12, 1)).mean())


def main() -> None:
    train, dev = prompts_of("train"), prompts_of("dev")
    extra = training_only()
    prompts = [p.prompt for p in train] + [p for p, _ in extra]
    labels = [p.label for p in train] + [label for _, label in extra]
    dev_prompts, dev_labels = [p.prompt for p in dev], [p.label for p in dev]
    candidates = []
    for c in C_GRID:
        candidate = fit(prompts, labels, c)
        scores = candidate.scores(dev_prompts)
        # the temperature that makes the development split's probabilities honest
        temperature = min(TEMPERATURES,
                          key=lambda t: _log_loss(softmax(scores, t), dev_labels))
        probabilities = softmax(scores, temperature)
        for threshold in THRESHOLDS:
            predicted = [CLASSES[row.argmax()] if row.max() >= threshold else "unknown"
                         for row in probabilities]
            candidates.append((c, temperature, threshold, Scores.of(dev_labels, predicted)))
    # every precision at least 0.85, then the best macro F1; of the thresholds within one
    # point of it, the highest: the least certain prompts become unknown, not a guess
    usable = [x for x in candidates if x[3].min_precision >= 0.85] or candidates
    top = max(usable, key=lambda x: x[3].macro_f1)
    c, temperature, threshold, result = max(
        (x for x in usable if x[0] == top[0] and x[3].macro_f1 >= top[3].macro_f1 - ABSTAIN_COST),
        key=lambda x: x[2])
    # chosen on development, the final model learns from train and development together
    final = fit(prompts + dev_prompts, labels + dev_labels, c)
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(CORPUS.glob("p*.jsonl")))
                            + (CORPUS / "split.csv").read_bytes()).hexdigest()
    model = TaskModel(final.coef, final.intercept, final.idf_char, final.idf_word,
                      temperature, threshold, {
                          "C": c, "temperature": temperature, "threshold": threshold,
                          "train_prompts": len(train), "training_only_prompts": len(extra),
                          "dev_prompts": len(dev), "dev_macro_f1": round(result.macro_f1, 4),
                          "corpus_sha256": digest})
    model.save(MODEL_FILE)
    print(f"C={c} temperature={temperature} threshold={threshold}: development split "
          f"({len(dev)} prompts, model trained on train only)")
    print(result.table())
    print(f"wrote {MODEL_FILE} ({MODEL_FILE.stat().st_size / 1e6:.1f} MB), trained on train "
          "and development")


if __name__ == "__main__":
    main()

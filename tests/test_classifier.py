"""The task classifier, measured on prompts it never saw: the corpus's fixed test split.

The corpus (pipelines/classify/corpus, labelled after docs/task-classes.md) is split by a
seed into train / development / test; the model is trained on train, its threshold chosen on
development, and only these tests and `tokenroi classify-eval` read the test split.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from pipelines.classify.corpus_split import CORPUS, assign, prompts_of, read_corpus, read_split
from pipelines.classify.evaluate import evaluate_test_split, shipped_scores
from pipelines.classify.model import Classifier, load_model, register
from pipelines.generate.prompts import AREAS, PROMPTS

LANGUAGES = ("en", "es", "de", "fr", "pt", "zh", "ja")


@pytest.fixture(scope="module")
def test_split():
    return evaluate_test_split()


def test_the_corpus_is_large_multilingual_and_in_every_style():
    corpus = read_corpus()
    assert len(corpus) >= 2000
    languages = Counter(p.lang for p in corpus)
    for language in LANGUAGES:
        assert languages[language] >= 100, language
    styles = Counter(p.style for p in corpus)
    for style in ("short", "typo", "code_paste", "log_paste", "multi_step", "mixed_language"):
        assert styles[style] >= 20, style
    labels = Counter(p.label for p in corpus)
    assert min(labels.values()) >= 300, labels
    assert len({" ".join(p.prompt.lower().split()) for p in corpus}) == len(corpus)


def test_the_split_is_fixed_by_the_seed_and_covers_every_prompt():
    corpus = read_corpus()
    committed = read_split()
    assert set(committed) == {p.id for p in corpus}
    assert committed == assign(corpus)  # nothing moved since it was committed
    shares = Counter(committed.values())
    assert abs(shares["test"] / len(corpus) - 0.15) < 0.02
    assert abs(shares["dev"] / len(corpus) - 0.15) < 0.02


def test_the_shipped_model_was_trained_on_this_corpus():
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(CORPUS.glob("p*.jsonl")))
                            + (CORPUS / "split.csv").read_bytes()).hexdigest()
    assert load_model().meta["corpus_sha256"] == digest
    meta = load_model().meta
    assert (meta["train_prompts"], meta["dev_prompts"]) == (len(prompts_of("train")),
                                                            len(prompts_of("dev")))


def test_on_the_test_split_macro_f1_is_at_least_0_90(test_split):
    assert test_split.model.total == len(prompts_of("test"))
    assert test_split.model.macro_f1 >= 0.90, test_split.model.table()


def test_on_the_test_split_trivial_and_non_work_recall_are_at_least_0_90(test_split):
    per_class = test_split.model.per_class
    assert per_class["trivial"][1] >= 0.90, test_split.model.table()
    assert per_class["non_work"][1] >= 0.90, test_split.model.table()


def test_on_the_test_split_no_class_is_below_0_85_precision(test_split):
    assert test_split.model.min_precision >= 0.85, test_split.model.table()


def test_the_scores_the_report_quotes_are_the_models_on_the_test_split(test_split):
    shipped = shipped_scores()
    assert shipped["model"] == test_split.model.as_dict()


def test_every_sample_org_prompt_gets_its_generated_class():
    classifier = Classifier()
    prompts = [(template.format(area=area, key="PAY-101"), expected)
               for expected, templates in PROMPTS.items() for template in templates
               for area in AREAS]
    results = classifier.classify([prompt for prompt, _ in prompts])
    wrong = [(prompt, expected, got) for (prompt, expected), (got, _) in
             zip(prompts, results, strict=True) if got != expected]
    assert wrong == []


@pytest.mark.parametrize(("prompt", "expected"), [
    ("thanks!", "trivial"),
    ("continue", "trivial"),
    ("what's the weather in Porto tomorrow", "non_work"),
    ("Propose a phased plan to move auth to a separate service", "planning"),
    ("Fix the KeyError in the importer and add a regression test", "implementation"),
    ("gracias, sigue", "trivial"),
    ("帮我写一个红烧肉的菜谱", "non_work"),
    ("test_billing.py のテストが落ちる原因を調べて直してください", "implementation"),
    # A known miss, kept visible: a short Japanese request to fix a test, with no file or
    # code named, reads as a go-ahead (trivial 0.50). strict: it fails once it is fixed.
    pytest.param("このテストが落ちる原因を調べて直してください", "implementation",
                 marks=pytest.mark.xfail(strict=True, reason="short Japanese fix request "
                                         "without a file name reads as trivial")),
])
def test_hand_picked_prompts(prompt, expected):
    [(label, confidence)] = Classifier().classify([prompt])
    assert label == expected and 0 < confidence <= 1


def test_no_prompt_is_unknown_and_a_low_confidence_is_unknown_not_a_guess():
    model = load_model()
    assert Classifier().classify([None, "", "   "]) == [("unknown", None)] * 3
    # the gibberish scores below the threshold on every class
    low = [p for p in ("qwzx", "¿¿¿", "…", "zzz zzz") if
           model.probabilities([p]).max() < model.threshold]
    for prompt in low:
        assert Classifier(model).classify([prompt])[0][0] == "unknown"


def test_the_ingest_function_gives_class_and_confidence_per_row():
    con = duckdb.connect()
    register(con)
    con.register("calls", pa.table({"prompt": pa.array(["thanks", None, "thanks"])}))
    rows = con.execute("select tokenroi_classify(prompt) from calls").fetchall()
    assert rows[0] == rows[2] and rows[0][0]["task_class"] == "trivial"
    assert 0 < rows[0][0]["confidence"] <= 1
    assert rows[1][0] is None  # not called without a prompt: the ingest makes that unknown


def test_classify_eval_prints_scores_and_the_confusion_matrix():
    done = subprocess.run([str(Path(sys.executable).parent / "tokenroi"), "classify-eval"],
                          capture_output=True, text=True, check=True)
    assert "precision" in done.stdout and "true \\ predicted" in done.stdout
    assert "test split" in done.stdout

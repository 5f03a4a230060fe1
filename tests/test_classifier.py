"""The rules-and-lexicon task classifier, scored on the labelled evaluation set."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.classify.evaluate import evaluate
from pipelines.classify.rules import classify
from pipelines.generate.prompts import AREAS, PROMPTS

EVAL_SET = Path(__file__).parent / "fixtures" / "task_class_eval.csv"


def test_the_evaluation_set_is_large_and_balanced():
    evaluation = evaluate(EVAL_SET)
    assert evaluation.total >= 300


def test_macro_f1_and_non_work_recall_clear_the_bar():
    evaluation = evaluate(EVAL_SET)
    assert evaluation.macro_f1 >= 0.85
    assert evaluation.per_class["non_work"][1] >= 0.9


@pytest.mark.parametrize(("prompt", "expected"), [
    ("what are my macros", "non_work"),
    ("how's it going", "non_work"),
    ("thanks!", "trivial"),
    ("how do I delete a remote branch", "trivial"),
    ("Propose a phased plan to move auth to a separate service", "planning"),
    ("Fix the KeyError in the importer and add a regression test", "implementation"),
    ("", "unknown"),
    (None, "unknown"),
])
def test_hand_picked_prompts(prompt, expected):
    assert classify(prompt) == expected


def test_every_sample_org_prompt_gets_its_generated_class():
    for expected, templates in PROMPTS.items():
        for template in templates:
            for area in AREAS:
                prompt = template.format(area=area, key="PAY-101")
                assert classify(prompt) == expected, prompt

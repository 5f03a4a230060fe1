"""The learned task classifier: a linear model over hashed character and word n-grams.

Trained by `python -m pipelines.classify.train` on the corpus's train split (its settings
and the threshold chosen on the development split) and shipped as `task_model.npz` beside
this file: no download, no network, the same answer on every machine. Each prompt gets the
class with the highest score and, as its confidence, that class's probability (the scores
through a softmax whose temperature was fitted on the development split); below the
threshold the class is `unknown` rather than a wrong class.

Character n-grams (1-5, inside word boundaries) read any language and survive typos; word
uni- and bigrams carry the vocabulary; both are TF-IDF weighted (sublinear counts, the
training set's document frequencies). Three length features (characters, words, lines) tell
a "continue" from a pasted stack trace.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from pipelines.classify.scores import CLASSES

MODEL_FILE = Path(__file__).parent / "task_model.npz"
CHAR_FEATURES = 2**18
WORD_FEATURES = 2**17


def _char_vectorizer() -> HashingVectorizer:
    return HashingVectorizer(analyzer="char_wb", ngram_range=(1, 5), n_features=CHAR_FEATURES,
                             alternate_sign=False, norm=None, lowercase=True)


def _word_vectorizer() -> HashingVectorizer:
    # \w+ keeps CJK runs together; punctuation-only tokens are dropped
    return HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=WORD_FEATURES,
                             alternate_sign=False, norm=None, lowercase=True,
                             token_pattern=r"(?u)\b\w+\b")


def counts(prompts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Hashed character and word n-gram counts, one row per prompt."""
    return _char_vectorizer().transform(prompts), _word_vectorizer().transform(prompts)


def idf_of(matrix: sp.csr_matrix) -> np.ndarray:
    """Smoothed inverse document frequencies of a count matrix's columns (as sklearn's
    TfidfTransformer computes them)."""
    documents = np.bincount(matrix.indices, minlength=matrix.shape[1])
    return (np.log((1 + matrix.shape[0]) / (1 + documents)) + 1).astype(np.float32)


def _tfidf(matrix: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    weighted = matrix.astype(np.float64)
    weighted.data = 1 + np.log(weighted.data)
    return normalize(weighted @ sp.diags(idf.astype(np.float64)))


def features(prompts: list[str], idf_char: np.ndarray, idf_word: np.ndarray) -> sp.csr_matrix:
    """The model's input: TF-IDF n-grams and length features, one row per prompt."""
    chars, words = counts(prompts)
    lengths = np.array([[np.log1p(len(p)), np.log1p(len(p.split())), np.log1p(p.count("\n"))]
                        for p in prompts], dtype=np.float64) / 5.0
    return sp.hstack([_tfidf(chars, idf_char), _tfidf(words, idf_word),
                      sp.csr_matrix(lengths)], format="csr")


@dataclass(frozen=True)
class TaskModel:
    coef: np.ndarray  # classes × features
    intercept: np.ndarray  # classes
    idf_char: np.ndarray
    idf_word: np.ndarray
    temperature: float  # scores × temperature → softmax
    threshold: float  # below it: unknown
    meta: dict

    def scores(self, prompts: list[str]) -> np.ndarray:
        return (features(prompts, self.idf_char, self.idf_word) @ self.coef.T.astype(np.float64)
                + self.intercept)

    def probabilities(self, prompts: list[str]) -> np.ndarray:
        return softmax(self.scores(prompts), self.temperature)

    def predict(self, prompts: list[str]) -> list[tuple[str, float | None]]:
        """(class, confidence) per prompt; `unknown` below the threshold, and with no
        confidence without text."""
        results: list[tuple[str, float | None]] = [("unknown", None)] * len(prompts)
        texts = [(n, p) for n, p in enumerate(prompts) if p is not None and p.strip()]
        if not texts:
            return results
        probabilities = self.probabilities([p for _, p in texts])
        best = probabilities.argmax(axis=1)
        for (position, _), index, row in zip(texts, best, probabilities, strict=True):
            confidence = float(row[index])
            label = CLASSES[index] if confidence >= self.threshold else "unknown"
            results[position] = (label, round(confidence, 4))
        return results

    def save(self, path: Path = MODEL_FILE) -> None:
        np.savez_compressed(path, coef=self.coef.astype(np.float16),
                            intercept=self.intercept.astype(np.float64),
                            idf_char=self.idf_char.astype(np.float16),
                            idf_word=self.idf_word.astype(np.float16),
                            temperature=np.float64(self.temperature),
                            threshold=np.float64(self.threshold),
                            meta=np.array(json.dumps(self.meta, sort_keys=True)))


def softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    scaled = scores * temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    exp = np.exp(scaled)
    return exp / exp.sum(axis=1, keepdims=True)


@cache
def load_model(path: Path = MODEL_FILE) -> TaskModel:
    with np.load(path, allow_pickle=False) as data:
        return TaskModel(coef=data["coef"].astype(np.float32), intercept=data["intercept"],
                         idf_char=data["idf_char"].astype(np.float32),
                         idf_word=data["idf_word"].astype(np.float32),
                         temperature=float(data["temperature"]),
                         threshold=float(data["threshold"]),
                         meta=json.loads(str(data["meta"])))


class Classifier:
    """The shipped model with a cache of recent prompts (agents repeat "continue", "yes"
    and the same instructions many times: each distinct prompt is scored once)."""

    def __init__(self, model: TaskModel | None = None, cache_size: int = 200_000):
        self.model = model or load_model()
        self.cache: OrderedDict[str, tuple[str, float | None]] = OrderedDict()
        self.cache_size = cache_size
        self.lock = threading.Lock()  # ingest reads files on two threads

    def classify(self, prompts: list[str | None]) -> list[tuple[str, float | None]]:
        """(class, confidence) per prompt; ("unknown", None) without one."""
        with self.lock:
            missing = list(dict.fromkeys(p for p in prompts
                                         if p is not None and p not in self.cache))
            for prompt, result in zip(missing, self.model.predict(missing), strict=True):
                self.cache[prompt] = result
            found = [("unknown", None) if p is None else self.cache[p] for p in prompts]
            while len(self.cache) > self.cache_size:
                self.cache.popitem(last=False)
        return found


@cache
def shared_classifier() -> Classifier:
    return Classifier()


RESULT_TYPE = pa.struct([("task_class", pa.string()), ("confidence", pa.float64())])


def _classify_column(prompts: pa.Array) -> pa.Array:
    results = shared_classifier().classify(prompts.to_pylist())
    return pa.array([{"task_class": label, "confidence": confidence}
                     for label, confidence in results], type=RESULT_TYPE)


def register(con: duckdb.DuckDBPyConnection) -> None:
    """`tokenroi_classify(prompt)` on ``con``: STRUCT(task_class, confidence), a batch of
    rows at a time (the ingest's queries classify while they read)."""
    con.create_function("tokenroi_classify", _classify_column, [duckdb.sqltype("VARCHAR")],
                        duckdb.sqltype("STRUCT(task_class VARCHAR, confidence DOUBLE)"),
                        type="arrow", side_effects=False)

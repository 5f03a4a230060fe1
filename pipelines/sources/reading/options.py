"""The read options of the ingest in progress, for the adapters deep in the readers.

The ingest asset takes them from the run's settings (``Settings.read``) and reads its
landing files inside ``reading(options)``; an adapter called on its own (tests, tools)
reads with the defaults: no prompt text kept, each format's own token convention, CSV
encodings detected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from pipelines.settings import ReadOptions

DEFAULT = ReadOptions()
_current: ContextVar[ReadOptions | None] = ContextVar("tokenroi_read_options", default=None)


def current() -> ReadOptions:
    return _current.get() or DEFAULT


@contextlib.contextmanager
def reading(options: ReadOptions) -> Iterator[ReadOptions]:
    token = _current.set(options)
    try:
        yield options
    finally:
        _current.reset(token)


def keep_prompts() -> bool:
    return current().keep_prompts


def token_conventions() -> dict[str, str]:
    return dict(current().token_conventions)


def csv_encoding() -> str | None:
    return current().csv_encoding

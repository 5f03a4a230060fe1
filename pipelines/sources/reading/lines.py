"""Stream a text file as numbered lines, in Arrow batches, without per-line Python."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

# JSON escapes every control character, so no valid record contains a raw \x01: splitting
# on it keeps each physical line whole. pyarrow strips a UTF-8 BOM and accepts CRLF.
# A file read line by line is read, checked and written this many bytes at a time. pyarrow's
# reader reads several blocks ahead, so peak memory grows with it (64 MiB peaked at 3 GiB).
BLOCK_BYTES = 16 << 20
# Read as bytes: a line that is not UTF-8 is decoded with replacement characters (as Python's
# errors="replace" does) instead of failing the file.
_CONVERT = pcsv.ConvertOptions(column_types={"raw": pa.large_binary()},
                               strings_can_be_null=False, quoted_strings_can_be_null=False)


def _text(raw: pa.ChunkedArray | pa.Array) -> pa.Array:
    try:
        return pc.cast(raw, pa.large_string())
    except pa.ArrowInvalid:  # invalid UTF-8 somewhere in the block: decode it in Python
        return pa.array([None if b is None else b.decode("utf-8", "replace")
                         for b in raw.to_pylist()], pa.large_string())


def numbered_lines(path: Path, block_size: int | None = None) -> Iterator[pa.Table]:
    """Yield tables (source_line int64 1-based, raw string) of about ``block_size`` bytes
    each (BLOCK_BYTES if not given); blank lines are left out."""
    odd_lines: list[tuple[int, str]] = []

    def keep_odd_line(row) -> str:
        # A raw \x01 can only be in a broken line: hand it on whole, the caller quarantines it.
        odd_lines.append((row.number or 0, row.text))  # (pyarrow decodes it with replacement)
        return "skip"

    parse = pcsv.ParseOptions(delimiter="\x01", quote_char=False, escape_char=False,
                              newlines_in_values=False, ignore_empty_lines=False,
                              invalid_row_handler=keep_odd_line)
    try:
        read = pcsv.ReadOptions(column_names=["raw"], block_size=block_size or BLOCK_BYTES,
                                use_threads=False)
        reader = pcsv.open_csv(path, read_options=read,
                               parse_options=parse, convert_options=_CONVERT)
    except pa.ArrowInvalid as error:
        if "Empty CSV file" in str(error):  # no bytes (or a BOM alone): no lines
            return
        raise
    offset = 0
    for batch in reader:
        table = pa.table({"raw": _text(batch.column(0))})
        skipped = {number for number, _ in odd_lines if number > offset}
        numbers = np.arange(offset + 1, offset + 1 + table.num_rows + len(skipped))
        if skipped:
            numbers = numbers[~np.isin(numbers, list(skipped))]
        offset += table.num_rows + len(skipped)
        table = table.add_column(0, "source_line", pa.array(numbers, pa.int64()))
        keep = pc.not_equal(pc.utf8_trim_whitespace(table["raw"]), "")
        yield table.filter(keep)
    if odd_lines:
        yield pa.table({"source_line": pa.array([n for n, _ in odd_lines], pa.int64()),
                        "raw": pa.array([text for _, text in odd_lines], pa.large_string())})


class DocumentTooBig(Exception):
    """A pretty-printed JSON document too big to hold whole: the file is one refused record
    (line 1), saying what to do."""

    def __init__(self, size: int, limit: int):
        super().__init__(too_big_reason(size, limit))

    def refusal(self) -> pa.Table:
        return pa.table({"source_line": pa.array([1], pa.int64()),
                         "raw": pa.array([""], pa.large_string()),
                         "reason": pa.array([str(self)], pa.string())})


def too_big_reason(size: int, limit: int) -> str:
    return (f"one JSON document of {size:,} bytes: a file over {limit:,} bytes is read as "
            "JSON lines; write one document per line")


def json_texts(path: Path, max_document_bytes: int, block_bytes: int | None = None,
               ) -> Iterator[pa.Table]:
    """A JSON file as tables of (source_line, raw): one JSON text per line (JSON lines, what
    collectors' file exporters write), a block of lines at a time; or, when its first line
    is not JSON on its own, the whole file as one text on line 1 (a pretty-printed
    document), up to ``max_document_bytes``. Lines come ``block_bytes`` at a time (default
    BLOCK_BYTES). A bigger document cannot be held in bounded
    memory: DocumentTooBig, before any table."""
    blocks = (table for table in numbered_lines(path, block_bytes) if table.num_rows)
    first = next(blocks, None)
    if first is None:
        return
    head = first["raw"][0].as_py().strip()
    if not _is_json(head):
        size = path.stat().st_size
        if size > max_document_bytes and head in ("{", "["):
            raise DocumentTooBig(size, max_document_bytes)
        if size <= max_document_bytes:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
            if _is_json(text):
                yield pa.table({"source_line": pa.array([1], pa.int64()),
                                "raw": pa.array([text], pa.large_string())})
                return
    yield first
    yield from blocks


def _is_json(text: str) -> bool:
    import json

    try:
        json.loads(text)
    except ValueError:
        return False
    return True

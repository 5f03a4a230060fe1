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
_CONVERT = pcsv.ConvertOptions(column_types={"raw": pa.large_string()},
                               strings_can_be_null=False, quoted_strings_can_be_null=False)


def numbered_lines(path: Path, block_size: int | None = None) -> Iterator[pa.Table]:
    """Yield tables (source_line int64 1-based, raw string) of about ``block_size`` bytes
    each (BLOCK_BYTES if not given); blank lines are left out."""
    odd_lines: list[tuple[int, str]] = []

    def keep_odd_line(row) -> str:
        # A raw \x01 can only be in a broken line: hand it on whole, the caller quarantines it.
        odd_lines.append((row.number or 0, row.text))
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
        table = pa.Table.from_batches([batch])
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

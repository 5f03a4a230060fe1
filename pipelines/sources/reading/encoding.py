"""The text of a CSV whatever its encoding: CRM exports and hand-kept reference files.

Salesforce's Data Export asks for an encoding (UTF-8 or ISO-8859-1 among others) and
Excel saves CSVs in the machine's ANSI code page, so a Latin-1 or Windows-1252 file is as
likely as a UTF-8 one. A file that is valid UTF-8 is read as UTF-8 (a BOM dropped);
otherwise as Windows-1252, a superset of Latin-1's printable characters that also names
0x80-0x9F (the en dash, curly quotes); a byte even cp1252 leaves undefined is read as
Latin-1. TOKENROI_CSV_ENCODING forces one encoding instead.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.sources.reading.options import csv_encoding

# Tried in order when no encoding is set: Latin-1 decodes any byte, so it comes last.
DETECTED = ("utf-8-sig", "cp1252", "latin-1")


def decode_csv(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """(the text, the encoding it was read with); ``encoding`` (else the setting) is used as
    given, undecodable bytes replaced, never guessed past."""
    forced = encoding or csv_encoding()
    if forced:
        return data.decode(forced, errors="replace").removeprefix("\ufeff"), forced
    for candidate in DETECTED:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def read_csv_text(path: Path) -> str:
    return decode_csv(path.read_bytes())[0]

"""tokenroi's own JSONL schema for agent calls, commits and deal events (docs/formats.md).

Each line is parsed and checked against the contract inside an in-memory DuckDB, a batch
at a time: valid lines become canonical rows, the others come back with a reason.
Every line is parsed once: all the keys the contract reads are extracted in one
``json_extract_string`` call (re-parsing a line per field was 15x slower).
"""

from __future__ import annotations

import functools
import json
import re
import threading
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.classify.model import register as register_classifier
from pipelines.sources.reading.lines import numbered_lines, too_big_reason
from pipelines.sources.reading.options import keep_prompts
from pipelines.sources.reading.schema import (
    BILL_SOURCES,
    STREAM_FIELDS,
    TASK_CLASSES,
    UNHASHED_FIELDS,
    Field,
)

# Tokens above this are a unit mix-up, not a request.
MAX_TOKENS = 10**12
# Clock skew allowance before an event counts as "in the future".
FUTURE_SLACK = "interval 1 day"


def _text(key: str) -> str:
    """The key's value as text (NULL when absent); resolved to an index by build_query."""
    return f"«text:{key}»"


def _node(key: str) -> str:
    """The key's value as JSON (to tell lists and objects apart)."""
    return f"«node:{key}»"


def _cast(field: Field) -> tuple[str, list[str]]:
    """SQL for the typed value and SQL for each contract violation (NULL when fine)."""
    raw = _text(field.name)
    problems: list[str] = []
    if field.kind == "text":
        value = f"nullif(trim({raw}), '')"
    elif field.kind in ("count", "integer"):
        number = f"try_cast({raw} as double)"
        value = f"try_cast({number} as bigint)"  # 1e300 is a reason, not a crash
        problems.append(f"case when {raw} is not null and ({number} is null or isnan({number}) "
                        f"or {number} <> floor({number}) or abs({number}) > {MAX_TOKENS}) "
                        f"then '{field.name} is not a whole number' end")
        if field.kind == "count":
            problems.append(f"case when {number} < 0 then '{field.name} is negative' end")
    elif field.kind == "money":
        value = f"try_cast({raw} as double)"
        problems.append(f"case when {raw} is not null and ({value} is null or isnan({value}) "
                        f"or isinf({value})) then '{field.name} is not a number' end")
        problems.append(f"case when {value} < 0 then '{field.name} is negative' end")
    elif field.kind == "timestamp":
        parsed = f"try_cast({raw} as timestamptz)"
        value = f"cast(timezone('UTC', {parsed}) as timestamp)"
        problems.append(f"case when {raw} is not null and {parsed} is null "
                        f"then '{field.name} is not a timestamp' end")
        problems.append(f"case when {parsed} > now() + {FUTURE_SLACK} "
                        f"then '{field.name} is in the future' end")
    elif field.kind == "date":
        value = (f"coalesce(try_cast({raw} as date), "
                 f"try_cast(try_cast({raw} as timestamptz) as date))")
        problems.append(f"case when {raw} is not null and {value} is null "
                        f"then '{field.name} is not a date' end")
    elif field.kind == "boolean":
        value = f"try_cast({raw} as boolean)"
        problems.append(f"case when {raw} is not null and {value} is null "
                        f"then '{field.name} is not true or false' end")
    elif field.kind == "text_list":
        node = _node(field.name)
        value = f"try(from_json({node}, '[\"VARCHAR\"]'))"
        problems.append(f"case when {node} is not null "
                        f"and json_type({node}) not in ('ARRAY', 'NULL') "
                        f"then '{field.name} is not a list' end")
    else:  # pragma: no cover - a programming error in the field table
        raise ValueError(f"unknown field kind {field.kind}")
    if field.required:
        problems.append(f"case when nullif(trim({raw}), '') is null "
                        f"then 'missing required field {field.name}' end")
    return value, problems


def _tag(key: str) -> str:
    """A tag value from a `tags` object ({"task": "..."}) or list (["task:..."])."""
    tags = _node("tags")
    return (f"case json_type({tags}) when 'OBJECT' then {tags}->>'{key}' "
            f"when 'ARRAY' then substr(list_filter(try(from_json({tags}, '[\"VARCHAR\"]')), "
            f"lambda t: starts_with(t, '{key}:'))[1], {len(key) + 2}) end")


# A class the source gave itself: a task: tag, then a task_class field.
_SOURCE_CLASS = (f"list_filter([{_tag('task')}, {_text('task_class')}], "
                 f"lambda c: c in {TASK_CLASSES})[1]")
# Agent calls carry a few derived fields: the prompt is hashed and measured, then dropped.
_AGENT_CALL_OVERRIDES = {
    "source": f"coalesce(nullif(trim({_text('source')}), ''), 'canonical')",
    "feature_key": f"coalesce(nullif(trim({_text('feature_key')}), ''), {_tag('feature')})",
    # The source's own class first (a task: tag, then a task_class field), else the
    # learned classifier over the prompt (pipelines/classify/model.py), with its confidence:
    # unknown without a prompt or below the model's threshold.
    "task_class": (f"coalesce({_SOURCE_CLASS}, tokenroi_classify({_text('prompt')}).task_class, "
                   "'unknown')"),
    "task_class_confidence": (f"case when {_SOURCE_CLASS} is null "
                              f"then tokenroi_classify({_text('prompt')}).confidence end"),
    "prompt_sha256": f"coalesce({_text('prompt_sha256')}, sha256({_text('prompt')}))",
    "prompt_chars": (f"coalesce(try_cast({_text('prompt_chars')} as bigint), "
                     f"length({_text('prompt')}))"),
    "request_count": f"coalesce(try_cast({_text('request_count')} as bigint), 1)",
}
_AGENT_CALL_PROBLEMS = [
    f"case when nullif(trim({_text('person_email')}), '') is null "
    f"and nullif(trim({_text('user_key')}), '') is null "
    "then 'missing required field person_email or user_key' end",
    f"case when nullif(trim({_text('model')}), '') is null "
    f"and coalesce(trim({_text('source')}), '') not in {BILL_SOURCES} "
    "then 'missing required field model' end",
]
_TOKEN_FIELDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                 "cache_write_1h_tokens", "output_tokens")


def _typed_query(stream: str, by_column: bool = False, keep: tuple[str, ...] = (),
                 ) -> tuple[str, dict[str, list[str]]]:
    """SELECT over a `parsed` relation giving typed columns + reason, and the keys it reads.

    `parsed` has source_line, raw, is_json, is_object, pre_reason, and the keys' values:
    as two lists, text_values (each key as text) and node_values (each key as JSON), or
    with ``by_column`` as one column per key, "text:<key>" and "node:<key>".
    """
    fields = STREAM_FIELDS[stream]
    columns, problems = [], []
    for field in fields:
        value, field_problems = _cast(field)
        if stream == "agent_calls":
            value = _AGENT_CALL_OVERRIDES.get(field.name, value)
            if field.name == "prompt_text":
                # Prompt text is dropped unless the user opts in (TOKENROI_KEEP_PROMPTS=1).
                value = _text("prompt") if keep_prompts() else "cast(null as varchar)"
            if field.name in _TOKEN_FIELDS:
                value = f"coalesce({value}, 0)"
        columns.append(f"{value} as {field.name}")
        problems.extend(field_problems)
    if stream == "agent_calls":
        problems.extend(_AGENT_CALL_PROBLEMS)
    hashed = ", ".join(f"coalesce(cast({f.name} as varchar), '')" for f in fields
                       if f.name not in UNHASHED_FIELDS)
    reason = ("case when not is_json then 'malformed JSON' "
              "when not is_object then 'not a JSON object' "
              "when pre_reason is not null then pre_reason "
              f"else nullif(concat_ws('; ', {', '.join(problems)}), '') end")
    kept = "".join(f"{column}, " for column in keep)
    typed = (f"select source_line, raw, {reason} as reason, skip_rule, {kept}"
             f"{', '.join(columns)} from parsed")
    # Resolve «text:key» / «node:key» markers to positions in the two value lists.
    keys: dict[str, list[str]] = {"text": [], "node": []}

    def position(match: re.Match) -> str:
        kind, key = match.group(1), match.group(2)
        if key not in keys[kind]:
            keys[kind].append(key)
        return f'"{kind}:{key}"' if by_column else f"{kind}_values[{keys[kind].index(key) + 1}]"

    typed = re.sub(r"«(text|node):([a-z0-9_]+)»", position, typed)
    return f"""
        with typed as ({typed})
        select * replace (
            coalesce(event_id, sha256(concat_ws('|', '{stream}', {hashed}))) as event_id
        )
        from typed
    """, keys


def build_query(stream: str) -> str:
    """One SELECT over a `lines` relation (source_line, raw): typed columns + reason.

    Every line is parsed once: all the keys the contract reads are extracted in one
    ``json_extract_string`` call per line."""
    typed, keys = _typed_query(stream)

    def paths(kind: str) -> str:
        return "[" + ", ".join(f"'$.{key}'" for key in keys[kind] or ["_"]) + "]"

    return f"""
        with checked as (
            select source_line, raw, json_valid(raw) as is_json,
                   coalesce(try(json_type(raw)) = 'OBJECT', false) as is_object,
                   cast(null as varchar) as pre_reason, cast(null as varchar) as skip_rule
            from lines
        ),
        parsed as (
            select
                source_line, raw, is_json, is_object, pre_reason, skip_rule,
                -- CASE evaluates both branches on a vector: try() keeps bad lines from raising.
                case when is_object then try(json_extract_string(raw, {paths("text")})) end
                    as text_values,
                case when is_object then try(json_extract(raw, {paths("node")})) end
                    as node_values
            from checked
        ),
        {typed.strip().removeprefix("with ")}
    """


def build_relation_query(stream: str, source: str, text_of: Callable[[str], str],
                         node_of: Callable[[str], str], source_line: str = "ordinality",
                         pre_reason: str = "cast(null as varchar)",
                         raw: str = "cast(null as varchar)",
                         skip_rule: str = "cast(null as varchar)",
                         keep: tuple[str, ...] = ()) -> str:
    """The same contract over rows already split into columns by a vectorised reader.

    ``source`` is SQL for the rows; ``text_of(key)`` / ``node_of(key)`` give SQL for a
    canonical key's value as text / as JSON (``null`` where the source has none);
    ``pre_reason`` is a reason found before the contract (a line that is not JSON, a token
    count that is not a number); ``raw`` the record's own text where the reader has it;
    ``skip_rule`` the rule that leaves a record out on purpose (not a model request);
    ``keep`` columns of the source passed through as they are."""
    typed, keys = _typed_query(stream, by_column=True, keep=keep)
    values = [f'{text_of(k)} as "text:{k}"' for k in keys["text"]]
    values += [f'{node_of(k)} as "node:{k}"' for k in keys["node"]]
    return f"""
        with source as ({source}),
        parsed as (
            select {source_line} as source_line, {raw} as raw,
                   true as is_json, true as is_object, {pre_reason} as pre_reason,
                   {skip_rule} as skip_rule,{"".join(f" {c}," for c in keep)}
                   {", ".join(values)}
            from source
        ),
        {typed.strip().removeprefix("with ")}
    """


def build_file_query(stream: str) -> str:
    """The contract over a whole JSONL file read by DuckDB's own JSON reader ($1 = path).

    Keys are declared VARCHAR (text) and JSON (node) columns, so no value can fail the
    read; each line's number is its ordinality, which holds only when the file has no
    blank line (the caller checks the row count against the file's line count)."""
    _, keys = _typed_query(stream)
    # A VARCHAR column holds a string unquoted and anything else as JSON text, but its own
    # rendering of numbers (1e300 as 1e+300): only numeric and time fields, whose value is
    # what counts, are read so; text keeps json_extract_string's exact text.
    kinds = {f.name: f.kind for f in STREAM_FIELDS[stream]}
    types = {key: "JSON" if kinds.get(key, "text") == "text" else "VARCHAR"
             for key in keys["text"]} | {key: "JSON" for key in keys["node"]}
    columns = ", ".join(f"'{key}': '{kind}'" for key, kind in sorted(types.items()))
    return build_relation_query(
        stream,
        f"""select * from read_json($1, format = 'newline_delimited', records = true,
                                    columns = {{{columns}}}, maximum_object_size = 16777216)
            with ordinality""",
        text_of=lambda key: (f"json_extract_string(\"{key}\", '$')" if types[key] == "JSON"
                             else f'"{key}"'),
        node_of=lambda key: f'"{key}"')


class Part(NamedTuple):
    """What a reader made of (part of) a file: valid canonical rows (with source_line),
    refused records (source_line, raw, reason) and, by rule, the records it left out on
    purpose (a transcript's user lines, a span that is no model request). Every record of
    a file is in exactly one of the three."""

    valid: pa.Table | None
    rejected: pa.Table | None
    skipped: dict[str, int] = {}


def check_batches(stream: str, batches: Iterable[pa.Table]) -> Part:
    """Check tables of (source_line, raw canonical JSON) against the contract."""
    query = _query(stream, keep_prompts())
    return merged(split_checked(stream, run_query(query, {"lines": lines.select(
        ["source_line", "raw"])})) for lines in batches)


def split_checked(stream: str, checked: pa.Table) -> Part:
    """Rows of a contract query → valid rows, refused records and skip counts by rule."""
    skipped = pc.is_valid(checked["skip_rule"])
    skips = {}
    if pc.any(skipped).as_py():
        counts = pc.value_counts(checked["skip_rule"].filter(skipped))
        skips = {item["values"].as_py(): item["counts"].as_py() for item in counts}
        checked = checked.filter(pc.invert(skipped))
    bad = pc.is_valid(checked["reason"])
    valid = checked.select([*(f.name for f in STREAM_FIELDS[stream]), "source_line"])
    if not pc.any(bad).as_py():  # the common case: no copy of the rows
        return Part(_concat([valid]), None, skips)
    return Part(_concat([valid.filter(pc.invert(bad))]),
                _concat([checked.select(["source_line", "raw", "reason"]).filter(bad)]), skips)


def merged(parts: Iterable[Part]) -> Part:
    """Several parts as one (a whole file, for callers that want it at once)."""
    parts = list(parts)
    skipped: Counter[str] = Counter()
    for part in parts:
        skipped.update(part.skipped)
    return Part(_concat([p.valid for p in parts if p.valid is not None]),
                _concat([p.rejected for p in parts if p.rejected is not None]), dict(skipped))


def joined(parts: Iterable[Part]) -> tuple[pa.Table | None, pa.Table | None]:
    """A reader's parts as one (valid, rejected) pair."""
    whole = merged(parts)
    return whole.valid, whole.rejected


@functools.cache
def _query(stream: str, keeping_prompts: bool) -> str:
    return build_query(stream)  # keeping_prompts is part of the cache key


@functools.cache
def _file_query(stream: str, keeping_prompts: bool) -> str:
    return build_file_query(stream)  # keeping_prompts is part of the cache key


@functools.cache
def _database() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB for all checks: opening one per file cost more than the check."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    register_classifier(con)
    return con


_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's cursor on the checks database (ingest reads files on two threads)."""
    if getattr(_local, "con", None) is None:
        _local.con = _database().cursor()
    return _local.con


SCAN_ROWS = 2048
# ``arrow`` takes the one extra copy on purpose (catch_warnings is not thread-safe: ingest
# reads files on two threads).
warnings.filterwarnings("ignore", "Arrow output on a DB-API result", UserWarning)


def arrow(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> pa.Table:
    """A query's rows as an Arrow table, planned once: ``con.sql`` binds a query to describe
    the relation and again to run it, which for a format's query costs more than checking
    a small block (the result's one extra copy costs far less)."""
    return con.execute(query, params).to_arrow_table()


def run_query(query: str, relations: dict[str, pa.Table]) -> pa.Table:
    """The query's rows over Arrow tables registered under the names it reads, on this
    thread's connection. (Not a prepared statement: DuckDB plans one with the first tables'
    statistics, and a later table's rows outside them are filtered away.)"""
    con = _connection()
    for name, table in relations.items():
        # DuckDB scans an Arrow table a record batch per thread: small batches use every core
        con.register(name, pa.Table.from_batches(table.to_batches(max_chunksize=SCAN_ROWS),
                                                 table.schema))
    try:
        return arrow(con, query)
    finally:
        for name in relations:
            con.unregister(name)


def canonical_jsonl_parts(stream: str, path: Path) -> Iterator[Part]:
    """tokenroi's own JSONL, in parts: each line is already a canonical record.

    A file that DuckDB's JSON reader takes whole (every line a JSON object, no blank line,
    at most WHOLE_FILE_MAX_BYTES) is checked in one vectorised pass: one part. Any other
    file goes line by line, one part per block of lines (lines.BLOCK_BYTES), so a file of
    any size is read and written in bounded memory; a broken line is quarantined on its
    own."""
    checked = _check_whole_file(stream, path)
    if checked is not None:
        yield checked
        return
    for lines in numbered_lines(path):
        yield check_batches(stream, [lines])


def read_canonical_jsonl(stream: str, path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    """The whole file's (valid, rejected) rows at once (see canonical_jsonl_parts)."""
    return joined(canonical_jsonl_parts(stream, path))


def _check_whole_file(stream: str, path: Path) -> Part | None:
    return check_whole_file(stream, path, _file_query(stream, keep_prompts()),
                            lambda wanted: _original_lines(path, wanted))


# Above this a file is streamed in batches, so memory stays bounded whatever lands.
WHOLE_FILE_MAX_BYTES = 512 << 20


def check_whole_file(stream: str, path: Path, query: str,
                     originals: Callable[[set[int]], dict[int, str]], header_lines: int = 0,
                     one_row_per_line: bool = True, min_bytes: int = 1) -> Part | None:
    """Run a whole-file contract query ($1 = the path), or None when it cannot number lines.

    None when the file is under ``min_bytes`` (where planning the query costs more than
    the record path) or too big, the reader refuses it (or the query raises),
    or, with ``one_row_per_line``, its rows are not one per line after ``header_lines``
    (blank lines, quoted newlines): the caller then takes the record path.
    ``originals(numbers)`` gives the source text of the rejected rows."""
    if not max(min_bytes, 1) <= path.stat().st_size <= WHOLE_FILE_MAX_BYTES:
        return None
    try:
        checked = arrow(_connection(), query, [str(path)])
    except (duckdb.Error, UnicodeDecodeError):  # (an error quoting bytes that are not UTF-8)
        return None
    if one_row_per_line and checked.num_rows + header_lines != _line_count(path):
        return None
    valid, rejected, skipped = split_checked(stream, checked)
    if rejected is not None and pc.any(pc.is_null(rejected["raw"])).as_py():
        # The quarantine keeps each rejected record's own text: read those back.
        lines = rejected["source_line"].to_pylist()
        text = originals(set(lines))
        rejected = rejected.set_column(1, "raw", pa.array([text[n] for n in lines],
                                                          pa.large_string()))
    return Part(valid, rejected, skipped)


def _original_lines(path: Path, wanted: set[int]) -> dict[int, str]:
    rows = pa.concat_tables(
        lines.filter(pc.is_in(lines["source_line"], pa.array(sorted(wanted), pa.int64())))
        for lines in numbered_lines(path))
    return dict(zip(rows["source_line"].to_pylist(), rows["raw"].to_pylist(), strict=True))


def _line_count(path: Path) -> int:
    count, last = 0, b"\n"
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(16 << 20), b""):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


@dataclass(frozen=True)
class SourceRecord:
    """One record an adapter read: its canonical form, or the reason it has none."""

    # The line in a file of one record per line; where a line or document holds several
    # records (OTLP exports, JSON pages), the record's number in file order, a line that is
    # not JSON counting as one. Unique in a file: the quarantine is keyed by it.
    source_line: int
    original: str  # the source's own text, kept in the quarantine
    canonical: dict | None = None
    reason: str | None = None


def check_records(stream: str, records: Iterable[SourceRecord],
                  skipped: dict[str, int] | None = None) -> Part:
    """Contract-check adapter output; rejected rows keep the source's original text.

    Records may share a source line (the rows of one JSON line): each is checked under its
    own index, then given its line back."""
    parsed, refused = [], []
    for record in records:
        (refused if record.canonical is None else parsed).append(record)
    lines = pa.table({
        "source_line": pa.array(range(len(parsed)), pa.int64()),
        "raw": pa.array([json.dumps(r.canonical, default=str) for r in parsed],
                        pa.large_string())})
    valid, rejected, _ = check_batches(stream, [lines])
    if valid is not None:
        numbers = pa.array([r.source_line for r in parsed], pa.int64())
        valid = valid.set_column(valid.schema.get_field_index("source_line"), "source_line",
                                 pc.take(numbers, valid["source_line"]))
    rows = [] if rejected is None else [
        (parsed[r["source_line"]].source_line, parsed[r["source_line"]].original, r["reason"])
        for r in rejected.select(["source_line", "reason"]).to_pylist()]
    rows += [(r.source_line, r.original, r.reason or "unreadable record") for r in refused]
    if not rows:
        return Part(valid, None, skipped or {})
    rows.sort()
    return Part(valid, pa.table({"source_line": pa.array([n for n, _, _ in rows], pa.int64()),
                            "raw": pa.array([o for _, o, _ in rows], pa.large_string()),
                            "reason": pa.array([r for _, _, r in rows], pa.string())}),
                skipped or {})


def json_documents(path: Path, containing: str | None = None) -> Iterator[SourceRecord]:
    """A file of JSON lines (what OTLP file exporters write), or holding one JSON document.

    Yields one SourceRecord per document with the parsed object in ``canonical``; a line
    that does not parse comes back with a reason. JSON lines are read one at a time, so
    memory holds a line, not the file; with ``containing``, lines after the first without
    that text are skipped unparsed (a cheap first pass). A file whose first line is not JSON
    on its own may be one (pretty-printed) document, read whole: up to WHOLE_FILE_MAX_BYTES,
    as a bigger one cannot be held in bounded memory."""
    # Universal newlines: \n, \r\n or \r ends a line; U+2028 and the like, which JSON allows
    # inside a string, do not.
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        lines = ((number, line.removesuffix("\n"))
                 for number, line in enumerate(handle, start=1) if line.strip())
        first = next(lines, None)
        if first is None:
            return
        record = _json_line(*first)
        if record.canonical is None:
            document = _whole_document(path, first_line=first[1])
            if document is not None:
                yield document
                return
        if containing is None or containing in first[1]:
            yield record
        for number, line in lines:
            if containing is None or containing in line:
                yield _json_line(number, line)


def _json_line(number: int, line: str) -> SourceRecord:
    try:
        return SourceRecord(number, line, json.loads(line))
    except json.JSONDecodeError as error:
        return SourceRecord(number, line, reason=f"malformed JSON ({error.msg})")


def _whole_document(path: Path, first_line: str) -> SourceRecord | None:
    """The file as one JSON document; None if it is not one (JSON lines, some broken)."""
    size = path.stat().st_size
    if size > WHOLE_FILE_MAX_BYTES:
        if first_line.strip() not in ("{", "["):
            return None
        return SourceRecord(1, "", reason=too_big_reason(size, WHOLE_FILE_MAX_BYTES))
    try:
        return SourceRecord(1, "", json.loads(path.read_text(encoding="utf-8-sig",
                                                             errors="replace")))
    except json.JSONDecodeError:
        return None


def _concat(tables: list[pa.Table]) -> pa.Table | None:
    tables = [t for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else None

"""LiteLLM proxy ``LiteLLM_SpendLogs`` exports (CSV or JSON) → canonical agent calls.

LiteLLM reports OpenAI-style usage: ``prompt_tokens`` includes cache reads (and, for
Anthropic, cache writes); the split is in ``metadata.usage_object``
(``cache_read_input_tokens`` / ``prompt_tokens_details.cached_tokens`` and
``cache_creation_input_tokens``). ``spend`` is LiteLLM's own cost: kept as reported cost.
``api_key`` is LiteLLM's hashed token; anything that is not a hash is hashed here.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.adapters import fields_sql as sql
from pipelines.adapters.canonical import (
    SourceRecord,
    build_relation_query,
    check_whole_file,
    checked_parts,
    joined,
    json_documents,
)
from pipelines.adapters.fields import (
    BadValue,
    as_object,
    hashed_key,
    last_user_text,
    text_value,
    whole_number,
)

SOURCE = "litellm"


def _json_field(value: Any) -> Any:
    """CSV exports hold JSON columns as text."""
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return None
    return value


def _call(row: dict) -> dict:
    metadata = as_object(_json_field(row.get("metadata")))
    usage = as_object(metadata.get("usage_object"))
    details = as_object(usage.get("prompt_tokens_details"))
    prompt_tokens = whole_number(row.get("prompt_tokens"), "prompt_tokens")
    cache_read = whole_number(usage.get("cache_read_input_tokens")
                              or details.get("cached_tokens"), "cache_read_input_tokens")
    cache_write = whole_number(usage.get("cache_creation_input_tokens"),
                               "cache_creation_input_tokens")
    model = (text_value(row.get("model"), "model") or "").strip()
    provider = (text_value(row.get("custom_llm_provider"), "custom_llm_provider")
                or text_value(metadata.get("custom_llm_provider"), "custom_llm_provider")
                or "")
    if not provider and "/" in model:
        provider = model.split("/", 1)[0]
    tags = _json_field(row.get("request_tags")) or metadata.get("tags") or []
    user = row.get("user") or row.get("end_user") or metadata.get("user_api_key_user_id")
    api_key = text_value(row.get("api_key"), "api_key")
    return {
        "event_id": f"{SOURCE}:{row['request_id']}" if row.get("request_id") else None,
        "occurred_at": row.get("startTime") or row.get("start_time"),
        "source": SOURCE,
        # Gateway users and hashed keys are identities that people.csv aliases resolve.
        "user_key": text_value(user, "user") or hashed_key(api_key),
        "tool": SOURCE,
        "session_id": row.get("session_id") or metadata.get("session_id"),
        "request_id": row.get("request_id"),
        "provider": provider or None,
        "model": model.split("/", 1)[1] if provider and model.startswith(f"{provider}/")
        else model,
        "input_tokens": prompt_tokens - cache_read - cache_write,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "output_tokens": row.get("completion_tokens"),
        "reported_cost_usd": row.get("spend"),
        "tags": tags if isinstance(tags, list | dict) else [],
        # present when the proxy stores prompts in its spend logs; classified, then dropped
        "prompt": last_user_text(_json_field(row.get("messages"))),
    }


def _rows(path: Path) -> Iterator[tuple[int, dict | None, str, str | None]]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                yield reader.line_num, row, json.dumps(row), None
        return
    # Rows are numbered in file order (a line that is not JSON counts as one): a JSON line,
    # or a document, may hold many rows.
    ordinal = 0
    for document in json_documents(path):
        page = document.canonical
        items = page.get("data", page) if isinstance(page, dict) else page
        if document.canonical is None or not isinstance(items, list | dict):
            ordinal += 1
            yield ordinal, None, document.original or json.dumps(items), (
                document.reason or "not a SpendLogs row (a JSON object), nor a list of them")
            continue
        for item in items if isinstance(items, list) else [items]:
            ordinal += 1
            yield ordinal, item if isinstance(item, dict) else None, json.dumps(item), (
                None if isinstance(item, dict) else "not a JSON object")


def read_litellm_parts(path: Path) -> Iterator[tuple[pa.Table | None, pa.Table | None]]:
    """The file's (valid, rejected) rows: a well-formed CSV in one SQL pass, anything else
    record by record, RECORDS_PER_PART at a time."""
    checked = _read_csv_whole(path) if path.suffix.lower() == ".csv" else None
    return iter([checked]) if checked is not None else _record_parts(path)


def read_litellm(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(read_litellm_parts(path))


# ---- the vectorised CSV path: the same mapping as _call, in DuckDB SQL -------------------
# Planning the SQL costs ~0.1 s a file; Python reads ~2.4 MB of rows in that time.
SQL_PATH_MIN_BYTES = 256 << 10


def _csv_query(columns: list[str]) -> tuple[str, set[str]]:
    """SQL for canonical keys from the CSV's columns ($1 = path), and the keys it gives."""
    def col(name: str) -> str:  # a CSV cell, '' read as absent (Python's `or`)
        return f'nullif("{name}", \'\')' if name in columns else "cast(null as varchar)"

    def cell(name: str) -> str:  # a CSV cell as csv.DictReader gives it ('' when empty)
        return f"coalesce(\"{name}\", '')" if name in columns else "cast(null as varchar)"

    def json_cell(name: str) -> str:  # _json_field: JSON text starting with { or [, parsed
        return (f"case when ltrim({col(name)})[1] in ('{{', '[') "
                f"then try_cast({col(name)} as json) end")

    q = sql.column

    def meta_text(key: str) -> str:
        return f"nullif({q('metadata')}->>'{key}', '')"

    prompt_layers = sql.last_user_text(q("messages"))
    layer1 = {
        "metadata": (f"case when json_type({json_cell('metadata')}) = 'OBJECT' "
                     f"then {json_cell('metadata')} end"),
        "request_tags": json_cell("request_tags"),
        "messages": json_cell("messages"),
        "model": f"trim(coalesce({col('model')}, ''))",
        "prompt_tokens": f"to_json({col('prompt_tokens')})",
    }
    layer2 = {
        "usage": (f"coalesce({sql.truthy(q('metadata') + '->' + repr('usage_object'))}, "
                  "'{}'::json)"),
        "provider": (f"coalesce({col('custom_llm_provider')}, {meta_text('custom_llm_provider')}, "
                     f"case when contains({q('model')}, '/') "
                     f"then split_part({q('model')}, '/', 1) end)"),
        "tags": (f"coalesce({sql.truthy(q('request_tags'))}, "
                 f"{sql.truthy(q('metadata') + '->' + repr('tags'))})"),
        **prompt_layers[0],
    }
    layer3 = {
        "details": (f"coalesce({sql.truthy(q('usage') + '->' + repr('prompt_tokens_details'))}, "
                    "'{}'::json)"),
        **prompt_layers[1],
    }
    layer4 = {
        "read_node": (f"coalesce({sql.truthy(q('usage') + '->' + repr('cache_read_input_tokens'))},"
                      f" {q('details')}->'cached_tokens')"),
        **prompt_layers[2],
    }
    prompt_tokens = sql.whole_number(q("prompt_tokens"), "prompt_tokens")
    cache_read = sql.whole_number(q("read_node"), "cache_read_input_tokens")
    cache_write = sql.whole_number(f"{q('usage')}->'cache_creation_input_tokens'",
                                   "cache_creation_input_tokens")
    layer5 = {
        "prompt_tokens_n": f"coalesce({prompt_tokens.number}, 0)",
        "cache_read_n": f"coalesce({cache_read.number}, 0)",
        "cache_write_n": f"coalesce({cache_write.number}, 0)",
        "pre_reason": f"coalesce({prompt_tokens.bad}, {cache_read.bad}, {cache_write.bad})",
    }
    api_key = col("api_key")
    provider, model = q("provider"), q("model")
    values = {
        "event_id": f"'{SOURCE}:' || {col('request_id')}",
        "occurred_at": f"coalesce({col('startTime')}, {col('start_time')})",
        "source": f"'{SOURCE}'",
        "user_key": (f"coalesce({col('user')}, {col('end_user')}, "
                     f"{meta_text('user_api_key_user_id')}, "
                     f"case when regexp_full_match({api_key}, '[0-9a-f]{{64}}') then {api_key} "
                     f"else sha256({api_key}) end)"),
        "tool": f"'{SOURCE}'",
        "session_id": f"coalesce({col('session_id')}, {meta_text('session_id')})",
        "request_id": col("request_id"),
        "provider": f"nullif({provider}, '')",
        "model": (f"case when {provider} <> '' and starts_with({model}, {provider} || '/') "
                  f"then substr({model}, length({provider}) + 2) else {model} end"),
        "input_tokens": sql.integer_text(
            f"{q('prompt_tokens_n')} - {q('cache_read_n')} - {q('cache_write_n')}"),
        "cache_read_tokens": sql.integer_text(q("cache_read_n")),
        "cache_write_tokens": sql.integer_text(q("cache_write_n")),
        # passed on as given, '' included (the contract rejects it, as for the records)
        "output_tokens": cell("completion_tokens"),
        "reported_cost_usd": cell("spend"),
        "tags": (f"case when json_type({q('tags')}) in ('ARRAY', 'OBJECT') then {q('tags')} "
                 f"else '[]'::json end"),
    }
    csv_rows = ("select * from read_csv($1, header = true, all_varchar = true, delim = ',', "
                "quote = '\"', escape = '\"', strict_mode = true) with ordinality")
    rows = sql.layered(csv_rows, [layer1, layer2, layer3, layer4, layer5])
    final = ", ".join(f"{expression} as {q(name)}" for name, expression in values.items())
    return (f"select ordinality, {q('pre_reason')} as pre_reason, {q('prompt')}, {final} "
            f"from ({rows})"), {*values, "prompt"}


def _read_csv_whole(path: Path, min_bytes: int = SQL_PATH_MIN_BYTES,
                    ) -> tuple[pa.Table | None, pa.Table | None] | None:
    """A well-formed CSV (one line per row) of at least ``min_bytes`` in one vectorised
    pass, else None."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    if not header or len(set(header)) != len(header):
        return None  # DictReader keeps the last of duplicated columns: the record path
    source, mapped = _csv_query(header)
    query = build_relation_query(
        "agent_calls", source,
        text_of=lambda key: f'"«{key}»"' if key in mapped else "null",
        node_of=lambda key: '"«tags»"' if key == "tags" else "null",
        source_line="ordinality + 1", pre_reason="pre_reason")
    return check_whole_file(
        "agent_calls", path, query, header_lines=1, min_bytes=min_bytes,
        originals=lambda wanted: {number: original for number, _, original, _ in _rows(path)
                                  if number in wanted})


def _record_parts(path: Path) -> Iterator[tuple[pa.Table | None, pa.Table | None]]:
    return checked_parts("agent_calls", _source_records(path))


def _source_records(path: Path) -> Iterator[SourceRecord]:
    for number, row, original, reason in _rows(path):
        if row is None:
            yield SourceRecord(number, original, reason=reason)
            continue
        try:
            yield SourceRecord(number, original, _call(row))
        except BadValue as error:
            yield SourceRecord(number, original, reason=str(error))

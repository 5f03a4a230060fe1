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

from pipelines.adapters.canonical import SourceRecord, check_records, json_documents
from pipelines.adapters.fields import BadValue, hashed_key, last_user_text, whole_number

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
    metadata = _json_field(row.get("metadata")) or {}
    if not isinstance(metadata, dict):
        metadata = {}
    usage = metadata.get("usage_object") or {}
    details = usage.get("prompt_tokens_details") or {}
    prompt_tokens = whole_number(row.get("prompt_tokens"), "prompt_tokens")
    cache_read = whole_number(usage.get("cache_read_input_tokens")
                              or details.get("cached_tokens"), "cache_read_input_tokens")
    cache_write = whole_number(usage.get("cache_creation_input_tokens"),
                               "cache_creation_input_tokens")
    model = (row.get("model") or "").strip()
    provider = (row.get("custom_llm_provider") or metadata.get("custom_llm_provider") or "")
    if not provider and "/" in model:
        provider = model.split("/", 1)[0]
    tags = _json_field(row.get("request_tags")) or metadata.get("tags") or []
    user = row.get("user") or row.get("end_user") or metadata.get("user_api_key_user_id")
    return {
        "event_id": f"{SOURCE}:{row['request_id']}" if row.get("request_id") else None,
        "occurred_at": row.get("startTime") or row.get("start_time"),
        "source": SOURCE,
        # Gateway users and hashed keys are identities that people.csv aliases resolve.
        "user_key": user or hashed_key(row.get("api_key")),
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
    ordinal = 0
    for document in json_documents(path):
        if document.canonical is None:
            yield document.source_line, None, document.original, document.reason
            continue
        items = document.canonical
        if isinstance(items, dict):
            items = items.get("data", [items])
        for item in items if isinstance(items, list) else []:
            ordinal += 1
            yield ordinal, item if isinstance(item, dict) else None, json.dumps(item), (
                None if isinstance(item, dict) else "not a JSON object")


def read_litellm(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    records = []
    for number, row, original, reason in _rows(path):
        if row is None:
            records.append(SourceRecord(number, original, reason=reason))
            continue
        try:
            records.append(SourceRecord(number, original, _call(row)))
        except BadValue as error:
            records.append(SourceRecord(number, original, reason=str(error)))
    return check_records("agent_calls", records)

"""Provider usage exports (what was billed) → canonical usage buckets.

- OpenAI ``/v1/organization/usage/completions`` pages: ``input_tokens`` includes
  ``input_cached_tokens`` (OpenAI usage API reference), so uncached input is the difference;
  ``num_model_requests`` is the bucket's request count; group-by fields may be null.
- Anthropic ``/v1/organizations/usage_report/messages`` pages: token buckets are already
  disjoint (``uncached_input_tokens``, ``cache_read_input_tokens``,
  ``cache_creation.ephemeral_5m_input_tokens`` / ``ephemeral_1h_input_tokens``,
  ``output_tokens``); the report has no request count, so a bucket counts 0 calls.

A bucket's event id is its time window and group-by values, so a re-exported page
collapses onto the same events. The api key (else workspace / project / user) is the
bucket's identity, mapped to a person through people.csv aliases.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pyarrow as pa

from pipelines.sources.agent_calls.canonical import (
    Part,
    SourceRecord,
    check_records,
    joined,
    json_documents,
)
from pipelines.sources.reading.fields import BadValue, seconds_to_iso, whole_number

OPENAI_SOURCE = "openai_usage"
ANTHROPIC_SOURCE = "anthropic_usage"


def _buckets(path: Path) -> Iterator[SourceRecord | tuple[dict, dict]]:
    """Each (bucket, result) of every page in the file; unreadable pages as records."""
    return bucket_results(json_documents(path))


def bucket_results(documents: Iterable[SourceRecord]) -> Iterator[SourceRecord | tuple[dict, dict]]:
    """Each (bucket, result) of every page of the documents; unreadable pages as records.

    A document is a page, a list of pages, or a bare list of buckets; a bucket with an
    empty results list holds no record."""
    for document in documents:
        if document.canonical is None:
            yield document
            continue
        pages = document.canonical if isinstance(document.canonical, list) else [
            document.canonical]
        if pages and all(isinstance(p, dict) and "results" in p for p in pages):
            pages = [{"data": pages}]  # a bare list of buckets (what a client's dump holds)
        line = document.source_line
        for page in pages:
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                yield SourceRecord(line, json.dumps(page), reason=(
                    "not a usage page (an object with a data list of buckets)"
                    if data is None else "data is not a list"))
                continue
            for bucket in data:
                results = bucket.get("results") or [] if isinstance(bucket, dict) else None
                if not isinstance(results, list):
                    yield SourceRecord(line, json.dumps(bucket), reason=(
                        "a bucket is not an object" if not isinstance(bucket, dict)
                        else "results is not a list"))
                    continue
                for result in results:
                    if isinstance(result, dict):
                        yield bucket, result
                    else:
                        yield SourceRecord(line, json.dumps(result),
                                           reason="a result is not an object")


def _openai(bucket: dict, result: dict) -> dict:
    for name in ("input_tokens", "output_tokens"):
        if result.get(name) is None:  # required in the usage object: the bucket is unknown
            raise BadValue(f"{name} is missing")
    total_input = whole_number(result.get("input_tokens"), "input_tokens")
    cached = whole_number(result.get("input_cached_tokens"), "input_cached_tokens")
    # the newest schema counts cache writes inside input_tokens too
    writes = whole_number(result.get("input_cache_write_tokens"), "input_cache_write_tokens")
    group = [bucket.get("start_time"), bucket.get("end_time"), result.get("project_id"),
             result.get("user_id"), result.get("api_key_id"), result.get("model"),
             result.get("batch"), result.get("service_tier")]
    return {
        "event_id": f"{OPENAI_SOURCE}:" + "|".join("" if g is None else str(g) for g in group),
        "occurred_at": seconds_to_iso(bucket.get("start_time"), "start_time"),
        "source": OPENAI_SOURCE,
        "user_key": result.get("api_key_id") or result.get("user_id") or result.get(
            "project_id") or "openai-organization",
        "provider": "openai",
        "model": result.get("model"),
        "input_tokens": total_input - cached - writes,
        "cache_read_tokens": cached,
        "cache_write_tokens": writes,
        "output_tokens": result.get("output_tokens"),
        "request_count": result.get("num_model_requests"),
    }


def _anthropic(bucket: dict, result: dict) -> dict:
    writes = result.get("cache_creation") or {}
    if not isinstance(writes, dict):
        raise BadValue("cache_creation is not an object")
    group = [bucket.get("starting_at"), bucket.get("ending_at"), result.get("api_key_id"),
             result.get("workspace_id"), result.get("model"), result.get("service_tier"),
             result.get("context_window")]
    # newer group-by dimensions: part of the key only where the report has them, so older
    # exports keep their event ids
    group += [result[key] for key in ("inference_geo", "speed") if result.get(key) is not None]
    return {
        "event_id": f"{ANTHROPIC_SOURCE}:" + "|".join("" if g is None else str(g)
                                                      for g in group),
        "occurred_at": bucket.get("starting_at"),
        "source": ANTHROPIC_SOURCE,
        "user_key": result.get("api_key_id") or result.get("workspace_id")
        or "anthropic-organization",
        "provider": "anthropic",
        "model": result.get("model"),
        "input_tokens": result.get("uncached_input_tokens"),
        "cache_read_tokens": result.get("cache_read_input_tokens"),
        "cache_write_tokens": writes.get("ephemeral_5m_input_tokens"),
        "cache_write_1h_tokens": writes.get("ephemeral_1h_input_tokens"),
        "output_tokens": result.get("output_tokens"),
        "request_count": 0,
        "speed": result.get("speed"),
    }


def _read(path: Path, to_canonical: Callable[[dict, dict], dict]) -> Iterator[Part]:
    return read_bucket_results(_buckets(path), to_canonical)


def read_bucket_results(items: Iterable[SourceRecord | tuple[dict, dict]],
                        to_canonical: Callable[[dict, dict], dict]) -> Iterator[Part]:
    """Each (bucket, result) as a canonical record, numbered in file order; a result
    ``to_canonical`` cannot read is refused with its reason and its own text."""
    records: list[SourceRecord] = []
    for ordinal, item in enumerate(items, start=1):
        if isinstance(item, SourceRecord):  # numbered in file order, as the rest
            records.append(SourceRecord(ordinal, item.original, reason=item.reason))
            continue
        bucket, result = item
        original = json.dumps({"bucket": {k: v for k, v in bucket.items() if k != "results"},
                               "result": result})
        try:
            records.append(SourceRecord(ordinal, original, to_canonical(bucket, result)))
        except (BadValue, AttributeError, TypeError) as error:
            records.append(SourceRecord(ordinal, original, reason=str(error)))
    yield check_records("agent_calls", records)


def read_openai_usage_parts(path: Path) -> Iterator[Part]:
    return _read(path, _openai)


def read_anthropic_usage_parts(path: Path) -> Iterator[Part]:
    return _read(path, _anthropic)


def read_openai_usage(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(_read(path, _openai))


def read_anthropic_usage(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(_read(path, _anthropic))

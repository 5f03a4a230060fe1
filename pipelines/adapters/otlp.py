"""OpenTelemetry OTLP/JSON → canonical agent calls.

Two shapes carry model requests:
- GenAI spans (``resourceSpans``) with ``gen_ai.*`` attributes. The provider is
  ``gen_ai.provider.name`` (semconv >= 1.37) or the older ``gen_ai.system``.
  ``gen_ai.usage.input_tokens`` INCLUDES cache reads and writes (the semconv says the cache
  attributes "SHOULD be included in gen_ai.usage.input_tokens"), so uncached input is the
  difference.
- Claude Code ``claude_code.api_request`` log events (``resourceLogs``), whose token
  attributes follow Anthropic's disjoint buckets and whose ``cost_usd`` is reported cost.

OTLP/JSON encodes 64-bit ints as strings; both are accepted. A file may hold one export
request or one per line (the collector's file exporter).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.adapters.canonical import SourceRecord, check_records, json_documents
from pipelines.adapters.fields import (
    BadValue,
    last_user_text,
    nanos_to_iso,
    person_fields,
    whole_number,
)

SOURCE = "otlp"
# gen_ai.provider.name / gen_ai.system values → the price catalog's provider names
PROVIDERS = {"az.ai.openai": "azure", "azure.ai.openai": "azure", "aws.bedrock": "bedrock",
             "gcp.gemini": "gemini", "gcp.gen_ai": "gemini", "gcp.vertex_ai": "vertex_ai",
             "x_ai": "xai", "mistral_ai": "mistral"}
API_REQUEST_EVENTS = {"api_request", "claude_code.api_request"}
USER_PROMPT_EVENTS = {"user_prompt", "claude_code.user_prompt"}


def _tags(attrs: dict) -> dict[str, str]:
    """tokenroi.task / tokenroi.feature attributes (set per span, or for a whole session
    through OTEL_RESOURCE_ATTRIBUTES) become the call's tags."""
    return {key: attrs[f"tokenroi.{key}"] for key in ("task", "feature")
            if attrs.get(f"tokenroi.{key}")}


def _value(node: Any) -> Any:
    """An OTLP AnyValue → a Python value."""
    if not isinstance(node, dict):
        return node
    for key in ("stringValue", "intValue", "doubleValue", "boolValue"):
        if key in node:
            return node[key]
    if "arrayValue" in node:
        return [_value(v) for v in node["arrayValue"].get("values", [])]
    return None


def attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {item["key"]: _value(item.get("value")) for item in items
            if isinstance(item, dict) and "key" in item}


def _first(attrs: dict, *names: str) -> Any:
    for name in names:
        if attrs.get(name) not in (None, ""):
            return attrs[name]
    return None


def _identity(attrs: dict) -> dict[str, str]:
    email = _first(attrs, "user.email")
    if email:
        return {"person_email": email}
    return person_fields(_first(attrs, "user.id", "enduser.id"))


def _span_call(span: dict, attrs: dict) -> dict:
    total_input = whole_number(_first(attrs, "gen_ai.usage.input_tokens",
                                      "gen_ai.usage.prompt_tokens"), "gen_ai.usage.input_tokens")
    cache_read = whole_number(_first(attrs, "gen_ai.usage.cache_read.input_tokens",
                                     "gen_ai.usage.cache_read_input_tokens"),
                              "gen_ai.usage.cache_read.input_tokens")
    cache_write = whole_number(_first(attrs, "gen_ai.usage.cache_creation.input_tokens",
                                      "gen_ai.usage.cache_creation_input_tokens"),
                               "gen_ai.usage.cache_creation.input_tokens")
    provider = _first(attrs, "gen_ai.provider.name", "gen_ai.system")
    return {
        "event_id": f"{SOURCE}:span:{span.get('traceId')}:{span.get('spanId')}",
        "occurred_at": nanos_to_iso(span.get("startTimeUnixNano"), "startTimeUnixNano"),
        "source": SOURCE,
        **_identity(attrs),
        "tool": _first(attrs, "service.name"),
        "session_id": _first(attrs, "session.id", "gen_ai.conversation.id"),
        "request_id": _first(attrs, "gen_ai.response.id"),
        "provider": PROVIDERS.get(provider, provider),
        "model": _first(attrs, "gen_ai.response.model", "gen_ai.request.model"),
        "input_tokens": total_input - cache_read - cache_write,
        "cache_read_tokens": cache_read,
        "cache_write_tokens": cache_write,
        "output_tokens": _first(attrs, "gen_ai.usage.output_tokens",
                                "gen_ai.usage.completion_tokens"),
        # only when content capture is on; classified, then dropped
        "prompt": last_user_text(_first(attrs, "gen_ai.input.messages"))
        or _first(attrs, "gen_ai.prompt"),
        "tags": _tags(attrs),
    }


def _log_call(record: dict, attrs: dict, prompts: dict[str, str]) -> dict:
    when = _first(attrs, "event.timestamp")
    if when is None:
        when = nanos_to_iso(record.get("timeUnixNano") or record.get("observedTimeUnixNano"),
                            "timeUnixNano")
    return {
        "occurred_at": when,
        "source": SOURCE,
        **_identity(attrs),
        "tool": "claude_code",
        "session_id": _first(attrs, "session.id"),
        "request_id": _first(attrs, "request_id", "request.id"),
        "provider": "anthropic",
        "model": _first(attrs, "model"),
        "input_tokens": _first(attrs, "input_tokens"),
        "cache_read_tokens": _first(attrs, "cache_read_tokens"),
        "cache_write_tokens": _first(attrs, "cache_creation_tokens"),
        "output_tokens": _first(attrs, "output_tokens"),
        "reported_cost_usd": _first(attrs, "cost_usd"),
        # With OTEL_LOG_USER_PROMPTS=1 the user_prompt event carries the text; prompt.id
        # ties it to the requests it caused.
        "prompt": prompts.get(_first(attrs, "prompt.id") or ""),
        "tags": _tags(attrs),
    }


def _records(document: Any) -> Iterator[tuple[str, dict, dict]]:
    """(kind, item, merged attributes) for every span and log record of one export."""
    if not isinstance(document, dict):
        return
    for resource_spans in document.get("resourceSpans") or []:
        resource = attributes((resource_spans.get("resource") or {}).get("attributes"))
        for scope in resource_spans.get("scopeSpans") or []:
            for span in scope.get("spans") or []:
                yield "span", span, {**resource, **attributes(span.get("attributes"))}
    for resource_logs in document.get("resourceLogs") or []:
        resource = attributes((resource_logs.get("resource") or {}).get("attributes"))
        for scope in resource_logs.get("scopeLogs") or []:
            for record in scope.get("logRecords") or []:
                yield "log", record, {**resource, **attributes(record.get("attributes"))}


def read_otlp(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    records: list[SourceRecord] = []
    documents = list(json_documents(path))
    prompts = {
        str(_first(attrs, "prompt.id")): str(_first(attrs, "prompt"))
        for document in documents if document.canonical is not None
        for kind, item, attrs in _records(document.canonical)
        if kind == "log" and _first(attrs, "prompt.id") and _first(attrs, "prompt")
        and (_first(attrs, "event.name") in USER_PROMPT_EVENTS
             or _value(item.get("body")) in USER_PROMPT_EVENTS)}
    ordinal = 0
    for document in documents:
        if document.canonical is None:
            records.append(document)
            continue
        for kind, item, attrs in _records(document.canonical):
            ordinal += 1
            if kind == "span" and not any(k.startswith("gen_ai.usage.") for k in attrs):
                continue  # not a model request
            if kind == "log" and (_first(attrs, "event.name") not in API_REQUEST_EVENTS
                                  and _value(item.get("body")) not in API_REQUEST_EVENTS):
                continue  # prompts, tool results and other Claude Code events
            original = json.dumps(item)
            try:
                call = (_span_call(item, attrs) if kind == "span"
                        else _log_call(item, attrs, prompts))
            except BadValue as error:
                records.append(SourceRecord(ordinal, original, reason=str(error)))
                continue
            records.append(SourceRecord(ordinal, original, call))
    return check_records("agent_calls", records)

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

A file of spans alone (the high-volume case) is read in one DuckDB pass with the same
mapping in SQL; log records, array-valued attributes or a broken line send the file record
by record through Python, which gives the same rows and reasons, only slower.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pyarrow as pa

from pipelines.adapters import fields_sql as sql
from pipelines.adapters.canonical import (
    WHOLE_FILE_MAX_BYTES,
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
    last_user_text,
    nanos_to_iso,
    person_fields,
    whole_number,
)
from pipelines.settings import keep_prompts

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
        values = as_object(node["arrayValue"]).get("values")
        return [_value(v) for v in values] if isinstance(values, list) else []
    return None


def attributes(items: Any) -> dict[str, Any]:
    if not isinstance(items, list):
        return {}
    return {item["key"]: _value(item.get("value")) for item in items
            if isinstance(item, dict) and isinstance(item.get("key"), str)}


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
        "provider": PROVIDERS.get(provider, provider) if isinstance(provider, str) else provider,
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
        "prompt": prompts.get(str(_first(attrs, "prompt.id") or "")),
        "tags": _tags(attrs),
    }


class _Item(NamedTuple):
    ordinal: int  # counts every span, log record and broken line up to it
    kind: str  # "span" or "log"
    item: dict
    attrs: dict  # the resource's attributes overridden by the item's own


_LEVELS = {"span": ("resourceSpans", "scopeSpans", "spans"),
           "log": ("resourceLogs", "scopeLogs", "logRecords")}


def _entries(node: dict, key: str) -> Iterator[dict | str]:
    """The objects listed under ``key`` (null as an empty object, as DuckDB reads it); a
    reason in place of what is not a list or not an object."""
    values = node.get(key)
    if values is not None and not isinstance(values, list):
        yield f"{key} is not a list"
        return
    for value in values or []:
        yield ({} if value is None else value if isinstance(value, dict)
               else f"an entry of {key} is not an object")


def _items(documents: Iterable[SourceRecord]) -> Iterator[_Item | SourceRecord]:
    """Every span and log record of the exports, numbered in file order; what cannot hold
    one (a line that is not JSON, an entry that is not an object) comes through as a
    refusal, numbered as one record."""
    ordinal = 0
    for document in documents:
        export = document.canonical
        if not isinstance(export, dict):
            ordinal += 1
            yield SourceRecord(ordinal, document.original or json.dumps(export), reason=(
                document.reason or "not an OTLP export (a JSON object)"))
            continue
        for kind, (group_key, scope_key, item_key) in _LEVELS.items():
            for group in _entries(export, group_key):
                resource = {} if isinstance(group, str) else as_object(group.get("resource"))
                for scope in [group] if isinstance(group, str) else _entries(group, scope_key):
                    for item in [scope] if isinstance(scope, str) else _entries(scope, item_key):
                        ordinal += 1
                        if isinstance(item, str):
                            yield SourceRecord(ordinal, json.dumps(export), reason=item)
                            continue
                        yield _Item(ordinal, kind, item, {**attributes(resource.get("attributes")),
                                                          **attributes(item.get("attributes"))})


def read_otlp_parts(path: Path) -> Iterator[tuple[pa.Table | None, pa.Table | None]]:
    """The file's (valid, rejected) rows: a file of spans in one SQL pass, any other record
    by record, RECORDS_PER_PART at a time."""
    checked = _read_spans_whole(path)
    return iter([checked]) if checked is not None else _record_parts(path)


def read_otlp(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(read_otlp_parts(path))


def _record_parts(path: Path) -> Iterator[tuple[pa.Table | None, pa.Table | None]]:
    return checked_parts("agent_calls", _source_records(path))


def _is_event(record: dict, attrs: dict, names: set[str]) -> bool:
    """A Claude Code log event of one of these names (its event.name, or its body)."""
    return any(isinstance(name, str) and name in names
               for name in (_first(attrs, "event.name"), _value(record.get("body"))))


def _source_records(path: Path) -> Iterator[SourceRecord]:
    # A first pass collects the user prompts (an api_request names the prompt it answers,
    # which may come anywhere in the file); it parses only lines that mention one.
    prompts = {
        str(_first(entry.attrs, "prompt.id")): str(_first(entry.attrs, "prompt"))
        for entry in _items(json_documents(path, containing="user_prompt"))
        if isinstance(entry, _Item) and entry.kind == "log"
        and _first(entry.attrs, "prompt.id") and _first(entry.attrs, "prompt")
        and _is_event(entry.item, entry.attrs, USER_PROMPT_EVENTS)}
    for entry in _items(json_documents(path)):
        if isinstance(entry, SourceRecord):
            yield entry
            continue
        ordinal, kind, item, attrs = entry
        if kind == "span" and not any(k.startswith("gen_ai.usage.") for k in attrs):
            continue  # not a model request
        if kind == "log" and not _is_event(item, attrs, API_REQUEST_EVENTS):
            continue  # prompts, tool results and other Claude Code events
        original = json.dumps(item)
        try:
            call = _span_call(item, attrs) if kind == "span" else _log_call(item, attrs, prompts)
        except BadValue as error:
            yield SourceRecord(ordinal, original, reason=str(error))
            continue
        yield SourceRecord(ordinal, original, call)


# ---- the vectorised path for GenAI spans: the same mapping as _span_call, in DuckDB SQL ----
# Planning the SQL costs ~0.17 s a file; Python reads ~1 MB of spans in that time.
SQL_PATH_MIN_BYTES = 1 << 20
_ATTRIBUTES = "STRUCT(key VARCHAR, value JSON)[]"
_RESOURCE_SPANS = (
    f"STRUCT(resource STRUCT(attributes {_ATTRIBUTES}), scopeSpans STRUCT(spans STRUCT("
    f"traceId JSON, spanId JSON, startTimeUnixNano JSON, attributes {_ATTRIBUTES})[])[])[]")
# The attributes _span_call reads, as the record path's _first reads them.
_FIRST = {
    "total_input": ("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"),
    "cache_read": ("gen_ai.usage.cache_read.input_tokens",
                   "gen_ai.usage.cache_read_input_tokens"),
    "cache_write": ("gen_ai.usage.cache_creation.input_tokens",
                    "gen_ai.usage.cache_creation_input_tokens"),
    "output_tokens": ("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"),
    "provider": ("gen_ai.provider.name", "gen_ai.system"),
    "model": ("gen_ai.response.model", "gen_ai.request.model"),
    "email": ("user.email",),
    "identity": ("user.id", "enduser.id"),
    "tool": ("service.name",),
    "session_id": ("session.id", "gen_ai.conversation.id"),
    "request_id": ("gen_ai.response.id",),
    "messages": ("gen_ai.input.messages",),
    "prompt_attribute": ("gen_ai.prompt",),
}
_TAGS = ("tokenroi.task", "tokenroi.feature")


def _any_value(node: str) -> str:
    """``_value`` over a JSON AnyValue; an array comes back as a JSON array (which sends the
    file to the record path: Python keeps lists as lists)."""
    branches = " ".join(f"when json_exists({node}, '$.{kind}') then {node}->'{kind}'"
                        for kind in ("stringValue", "intValue", "doubleValue", "boolValue"))
    return (f"case when json_type({node}) <> 'OBJECT' then {node} "
            f"else case {branches} when json_exists({node}, '$.arrayValue') "
            "then '[\"arrayValue\"]'::json end end")


def _spans_query() -> tuple[str, set[str]]:
    """SQL for canonical keys from an OTLP JSON-lines file's GenAI spans ($1 = the path),
    and the keys it gives.

    Each span's ordinal counts every span before it, model request or not, as the record
    path does; a file with log records or array attributes raises (the record path)."""
    q = sql.column
    keys = sorted({key for names in _FIRST.values() for key in names} | set(_TAGS))
    documents = f"""
        select ordinality as document, resourceSpans as resource_spans
        from read_json($1, format = 'newline_delimited', records = true,
                       columns = {{'resourceSpans': '{_RESOURCE_SPANS}', 'resourceLogs': 'JSON'}},
                       maximum_object_size = {WHOLE_FILE_MAX_BYTES})
            with ordinality
        where case when {sql.truthy('resourceLogs')} is not null
                   then error('log records: the record path reads them') else true end"""
    # one level at a time: unnesting is cheap, building lists of structs in lambdas is not
    resources = f"""
        select document, unnest(resource_spans) as resource,
               generate_subscripts(resource_spans, 1) as resource_position
        from ({documents})"""
    scopes = f"""
        select document, resource_position, resource.resource.attributes as resource_attributes,
               unnest(resource.scopeSpans) as scope,
               generate_subscripts(resource.scopeSpans, 1) as scope_position
        from ({resources})"""
    spans = f"""
        select document, resource_position, scope_position, resource_attributes,
               unnest(scope.spans) as span, generate_subscripts(scope.spans, 1) as span_position
        from ({scopes})"""
    ordered = f"""
        select row_number() over (order by document, resource_position, scope_position,
                                           span_position) as ordinal,
               span.traceId as trace_id, span.spanId as span_id,
               span.startTimeUnixNano as start,
               -- span attributes override the resource's: {{**resource, **span}}
               list_concat(coalesce(resource_attributes, []), coalesce(span.attributes, []))
                   as attributes
        from ({spans})"""
    # the last attribute of a key wins, as in a dict built from the list
    keyed = {"reversed_keys": "list_reverse(list_transform(attributes, lambda a: a.key))",
             "is_model_request": ("len(list_filter(list_transform(attributes, lambda a: a.key), "
                                  "lambda k: starts_with(k, 'gen_ai.usage.'))) > 0")}
    raw = {f"raw:{key}": ("attributes[len(attributes) + 1 - "
                          f"list_position({q('reversed_keys')}, '{key}')].value")
           for key in keys}
    values = {key: _any_value(q(f"raw:{key}")) for key in keys}
    first = {name: f"coalesce({', '.join(sql.present(q(k)) for k in names)})"
             for name, names in _FIRST.items()}
    first["has_array"] = " or ".join(f"coalesce(json_type({q(k)}) = 'ARRAY', false)"
                                     for k in keys)
    first["messages_json"] = (f"case when json_type({q('messages')}) = 'VARCHAR' "
                              f"then try_cast({q('messages')}->>'$' as json) end")
    total = sql.whole_number(q("total_input"), "gen_ai.usage.input_tokens")
    cache_read = sql.whole_number(q("cache_read"), "gen_ai.usage.cache_read.input_tokens")
    cache_write = sql.whole_number(q("cache_write"),
                                   "gen_ai.usage.cache_creation.input_tokens")
    start = sql.whole_number("start", "startTimeUnixNano")
    numbers = {"total_n": f"coalesce({total.number}, 0)",
               "cache_read_n": f"coalesce({cache_read.number}, 0)",
               "cache_write_n": f"coalesce({cache_write.number}, 0)",
               "start_n": start.number, "start_empty": start.empty,
               "number_reason": f"coalesce({total.bad}, {cache_read.bad}, {cache_write.bad}, "
                                f"{start.bad})"}
    timestamp, out_of_range = sql.nanos_to_timestamp(q("start_n"))
    times = {"started_at": timestamp,
             "pre_reason": (f"coalesce({q('number_reason')}, case when {q('start_empty')} "
                            "then 'missing required field startTimeUnixNano' "
                            f"when {out_of_range} then 'startTimeUnixNano is out of range' end)")}
    prompt = sql.last_user_text(q("messages_json"))

    def text(name: str) -> str:
        return f"json_extract_string({q(name)}, '$')"

    email = q("email")
    identity = f"trim(json_extract_string({sql.truthy(q('identity'))}, '$'))"
    provider = text("provider")
    renamed = " ".join(f"when '{name}' then '{ours}'" for name, ours in PROVIDERS.items())
    canonical = {
        "event_id": (f"'{SOURCE}:span:' || coalesce(json_extract_string(trace_id, '$'), 'None') "
                     "|| ':' || coalesce(json_extract_string(span_id, '$'), 'None')"),
        "occurred_at": f"cast({q('started_at')} as varchar) || '+00:00'",
        "source": f"'{SOURCE}'",
        # _identity: an email attribute first, else user.id / enduser.id (person_fields)
        "person_email": (f"case when {sql.truthy(email)} is not null then {text('email')} "
                         f"when contains({identity}, '@') then {identity} end"),
        "user_key": (f"case when {sql.truthy(email)} is null and not contains({identity}, '@') "
                     f"then {identity} end"),
        "tool": text("tool"),
        "session_id": text("session_id"),
        "request_id": text("request_id"),
        "provider": f"case {provider} {renamed} else {provider} end",
        "model": text("model"),
        "input_tokens": sql.integer_text(
            f"{q('total_n')} - {q('cache_read_n')} - {q('cache_write_n')}"),
        "cache_read_tokens": sql.integer_text(q("cache_read_n")),
        "cache_write_tokens": sql.integer_text(q("cache_write_n")),
        "output_tokens": text("output_tokens"),
        "prompt": f"coalesce(nullif({q('prompt')}, ''), {text('prompt_attribute')})",
        "tags": (f"json_object('task', {sql.truthy(q('tokenroi.task'))}, "
                 f"'feature', {sql.truthy(q('tokenroi.feature'))})"),
    }
    rows = sql.layered(ordered, [keyed, raw, values, first, numbers, times, *prompt])
    final = ", ".join(f"{expression} as {q(name)}" for name, expression in canonical.items())
    return f"""
        select ordinal, {q('pre_reason')} as pre_reason, {final}
        from ({rows})
        where case when not {q('is_model_request')} then false
                   when {q('has_array')} then error('array attributes: the record path reads them')
                   else true end""", set(canonical) - {"tags"}


@functools.cache
def _spans_contract_query(keeping_prompts: bool) -> str:
    query, keys = _spans_query()
    return build_relation_query(
        "agent_calls", query,
        text_of=lambda key: sql.column(key) if key in keys else "null",
        node_of=lambda key: sql.column("tags") if key == "tags" else "null",
        source_line="ordinal", pre_reason="pre_reason")  # keeping_prompts: the cache key


def _read_spans_whole(path: Path, min_bytes: int = SQL_PATH_MIN_BYTES,
                      ) -> tuple[pa.Table | None, pa.Table | None] | None:
    """A file of GenAI spans (no log records) of at least ``min_bytes`` in one vectorised
    pass, else None."""
    return check_whole_file("agent_calls", path, _spans_contract_query(keep_prompts()),
                            lambda wanted: _span_originals(path, wanted),
                            one_row_per_line=False, min_bytes=min_bytes)


def _span_originals(path: Path, wanted: set[int]) -> dict[int, str]:
    """The quarantine's text for the rejected spans: as the record path writes it."""
    return {entry.ordinal: json.dumps(entry.item) for entry in _items(json_documents(path))
            if isinstance(entry, _Item) and entry.ordinal in wanted}

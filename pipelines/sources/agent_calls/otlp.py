"""OpenTelemetry OTLP/JSON → canonical agent calls, through two declared mappings.

A file holds one export request per line (the collector's file exporter) or one
pretty-printed document. Two kinds of record carry model requests:
- GenAI spans (``resourceSpans``) with ``gen_ai.*`` attributes (``SPAN_MAPPING``);
- Claude Code ``claude_code.api_request`` log events (``resourceLogs``), whose token
  attributes are Anthropic's disjoint buckets and whose ``cost_usd`` is a reported cost
  (``LOG_MAPPING``).
Every span and log record is a record, numbered in file order (a line that is not JSON
counts as one): loaded, refused with a reason, or skipped by a rule (``not_a_model_request``:
a span without token counts; ``other_event``: a log record that is not an api_request;
``empty_export``: a document with no span or log record).

Tokens: the GenAI semantic conventions say cache tokens "SHOULD be included in
gen_ai.usage.input_tokens", but instrumentations differ (some copy Anthropic's disjoint
buckets), so the rule is ``auto`` (mapping.token_rule_sql): a total that adds up one way
decides, cache larger than input means disjoint, else inclusive. TOKENROI_TOKEN_CONVENTIONS
overrides it per instrumentation scope or service (``otlp/<name>=disjoint``).
Identity: ``user.email``, ``user.id``, ``enduser.id``, ``user.account_uuid``, else the
resource's ``service.name``, else ``unknown``. Provider: ``gen_ai.provider.name`` or the
older ``gen_ai.system``, else inferred in the warehouse from the model through the catalog.
OTLP/JSON encodes 64-bit ints as strings; both are accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path as FilePath

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sources.agent_calls import canonical
from pipelines.sources.agent_calls.canonical import (
    Part,
    build_relation_query,
    joined,
    run_query,
    split_checked,
)
from pipelines.sources.reading import fields_sql as sql
from pipelines.sources.reading import lines
from pipelines.sources.reading.lines import json_texts
from pipelines.sources.reading.mapping import (
    Const,
    Expr,
    First,
    Mapping,
    Path,
    Renamed,
    Tags,
    Tokens,
    compile_mapping,
    json_text,
)
from pipelines.sources.reading.options import keep_prompts, token_conventions

SOURCE = "otlp"
# Lines are read, mapped and checked this many bytes at a time: planning the format's query
# costs about what mapping 5,000 spans does, so a day's file is best one or two blocks.
BLOCK_BYTES = 48 << 20
# gen_ai.provider.name / gen_ai.system values → the price catalog's provider names
PROVIDERS = (("anthropic.messages", "anthropic"), ("az.ai.openai", "azure"),
             ("azure.ai.openai", "azure"),
             ("aws.bedrock", "bedrock"), ("gcp.gemini", "gemini"), ("gcp.gen_ai", "gemini"),
             ("gcp.vertex_ai", "vertex_ai"), ("x_ai", "xai"), ("mistral_ai", "mistral"),
             ("azure.ai.inference", "azure_ai"))
API_REQUEST_EVENTS = ("api_request", "claude_code.api_request")
USER_PROMPT_EVENTS = ("user_prompt", "claude_code.user_prompt")


class Nanos(Expr):
    """A time in nanoseconds since the epoch (int or digit string) as a UTC timestamp; a
    value that is not one is a reason."""

    def __init__(self, path: str):
        self.path = path

    def paths(self):
        return {self.path}

    def _number(self, c):
        checked = sql.whole_number(c.paths[self.path], self.path.split(":")[-1])
        return (c.hoist(checked.number), c.hoist(checked.empty), c.hoist(checked.bad))

    def sql(self, c):
        # 0 is OTLP's "unknown" (log records often leave timeUnixNano at 0)
        number, empty, bad = self._number(c)
        timestamp, _ = sql.nanos_to_timestamp(number)
        return (f"case when {bad} is null and not {empty} and {number} <> 0 "
                f"then to_json(cast({timestamp} as varchar) || '+00:00') end")

    def reason(self, c):
        number, empty, bad = self._number(c)
        _, out_of_range = sql.nanos_to_timestamp(number)
        name = self.path.split(":")[-1]
        return (f"coalesce({bad}, case when not {empty} and {out_of_range} "
                f"then '{name} is out of range' end)")


class Concat(Expr):
    """Literal texts and values joined, NULL when a value is missing."""

    def __init__(self, *items: str | Expr):
        self.items = items

    def paths(self):
        return set().union(*(item.paths() for item in self.items if isinstance(item, Expr)))

    def sql(self, c):
        parts = [json_text(sql.present(c.ref(item)))
                 if isinstance(item, Expr) else f"'{item}'" for item in self.items]
        return f"to_json({' || '.join(parts)})"


_AI_SDK_USAGE = "json:ai.response.providerMetadata#anthropic.usage"
_TAGS = Tags((("task", "attr:tokenroi.task"), ("feature", "attr:tokenroi.feature")))
_PERSON = ("attr:user.email", "attr:user.id", "attr:enduser.id", "attr:user.account_uuid")

SPAN_MAPPING = Mapping(
    format=SOURCE,
    fields={
        "event_id": Concat("otlp:span:", Path("item:traceId"), ":", Path("item:spanId")),
        "occurred_at": Nanos("item:startTimeUnixNano"),
        "source": Const(SOURCE),
        "identity": First(*_PERSON, "attr:service.name", Const("unknown")),
        "tool": First("attr:service.name"),
        "session_id": First("attr:session.id", "attr:gen_ai.conversation.id"),
        "request_id": First("attr:gen_ai.response.id"),
        "provider": Renamed(First("attr:gen_ai.provider.name", "attr:gen_ai.system"), PROVIDERS),
        "model": First("attr:gen_ai.response.model", "attr:gen_ai.request.model"),
        # the instrumentation's own estimate (OpenLIT), kept as a source's reported cost
        "reported_cost_usd": First("attr:gen_ai.usage.cost"),
        # only when content capture is on; classified, then dropped
        "prompt": First("attr:gen_ai.prompt"),
        "tags": _TAGS,
    },
    tokens=Tokens(
        input=First("attr:gen_ai.usage.input_tokens", "attr:gen_ai.usage.prompt_tokens"),
        # The Vercel AI SDK (v5) keeps Anthropic's cache counts only in its provider metadata.
        cache_read=First("attr:gen_ai.usage.cache_read.input_tokens",
                         "attr:gen_ai.usage.cache_read_input_tokens",
                         f"{_AI_SDK_USAGE}.cache_read_input_tokens"),
        cache_write=First("attr:gen_ai.usage.cache_creation.input_tokens",
                          "attr:gen_ai.usage.cache_creation_input_tokens",
                          f"{_AI_SDK_USAGE}.cache_creation_input_tokens"),
        output=First("attr:gen_ai.usage.output_tokens", "attr:gen_ai.usage.completion_tokens"),
        total=First("attr:gen_ai.usage.total_tokens", "attr:llm.usage.total_tokens"),
        convention="auto", default="inclusive",
        override_key=First("scope:name", "attr:service.name"),
        # OpenLIT copies Anthropic's disjoint buckets even where cache < input (its code says
        # so), which no number in the record can show.
        known=(("openlit.otel.tracing", "disjoint"),)),
    messages="attr:gen_ai.input.messages",
)

LOG_MAPPING = Mapping(
    format=SOURCE,
    fields={
        "occurred_at": First("attr:event.timestamp", Nanos("item:timeUnixNano"),
                             Nanos("item:observedTimeUnixNano")),
        "source": Const(SOURCE),
        "identity": First(*_PERSON, "attr:service.name", Const("unknown")),
        "tool": Const("claude_code"),
        "session_id": First("attr:session.id"),
        "request_id": First("attr:request_id", "attr:request.id"),
        "provider": Const("anthropic"),
        "model": First("attr:model"),
        "reported_cost_usd": First("attr:cost_usd"),
        "speed": First("attr:speed"),
        # With OTEL_LOG_USER_PROMPTS=1 the user_prompt event carries the text; prompt.id
        # ties it to the requests it caused.
        "prompt": First("joined:prompt"),
        "tags": _TAGS,
    },
    # Claude Code's events carry Anthropic's buckets: input_tokens excludes the cache.
    tokens=Tokens(input=First("attr:input_tokens"), output=First("attr:output_tokens"),
                  cache_read=First("attr:cache_read_tokens"),
                  cache_write=First("attr:cache_creation_tokens"), convention="disjoint"),
)


def _list(node: str, what: str) -> str:
    """The entries listed in a JSON value: its elements (null → an empty object, as DuckDB
    reads it), [] where absent, or one marker entry carrying the reason it is no list."""
    items = (f"list_transform(from_json({node}, '[\"JSON\"]'), lambda e: "
             f"case when e is null or json_type(e) = 'NULL' then '{{}}'::json "
             f"when json_type(e) = 'OBJECT' then e "
             f"else json_object('«reason»', 'an entry of {what} is not an object') end)")
    return (f"case when {node} is null or json_type({node}) = 'NULL' then [] "
            f"when json_type({node}) = 'ARRAY' then {items} "
            f"else [json_object('«reason»', '{what} is not a list')] end")


def _level(entry: str, key: str, what: str) -> str:
    """The next level's entries under ``entry``: a marker passes down as itself."""
    return (f"case when json_exists({entry}, '$.\"«reason»\"') then [{entry}] "
            f"else {_list(f'json_extract({entry}, {sql_literal(key)})', what)} end")


def sql_literal(key: str) -> str:
    return f"'$.\"{key}\"'"


# The fields of a span or log record the mappings read.
_ITEM_FIELDS = ("traceId", "spanId", "startTimeUnixNano", "timeUnixNano",
                "observedTimeUnixNano", "body")
# An attribute's AnyValue typed as its kinds, so it is unwrapped once per attribute (a value
# that is no object sends its line the JSON way).
_ANY_VALUE_KINDS = ("stringValue", "intValue", "doubleValue", "boolValue")
_KEYED = ("STRUCT(key VARCHAR, value STRUCT("
          + ", ".join(f"{kind} JSON" for kind in _ANY_VALUE_KINDS) + ", arrayValue JSON))[]")
# The same with each AnyValue as its JSON text: the records' own text, for the quarantine.
_KEYED_TEXT = "STRUCT(key VARCHAR, value JSON)[]"
_LEVELS = {"span": ("resourceSpans", "scopeSpans", "spans"),
           "log": ("resourceLogs", "scopeLogs", "logRecords")}


def _export_type(keyed: str) -> str:
    """An export as DuckDB reads it into typed lists in one pass (ten times the speed of
    walking it as JSON); a line this type does not fit is walked as JSON (_json_records)."""
    items = {"span": f"STRUCT(traceId JSON, spanId JSON, startTimeUnixNano JSON, "
                     f"attributes {keyed})",
             "log": f"STRUCT(timeUnixNano JSON, observedTimeUnixNano JSON, body JSON, "
                    f"attributes {keyed})"}
    return "{" + ", ".join(
        f'"{group}": "STRUCT(resource STRUCT(attributes {keyed}), {scopes} STRUCT(scope '
        f'STRUCT(name VARCHAR), {item} {items[kind]}[])[])[]"'
        for kind, (group, scopes, item) in _LEVELS.items()) + "}"


_EXPORT_TYPE = _export_type(_KEYED)


def _holes(kind: str) -> str:
    """True where an export's lists hold a null or an entry with none of the type's fields
    (a null, a number where a span should be, an empty object): the JSON walk tells those
    apart and gives each its reason."""
    group, scopes, items = _LEVELS[kind]
    fields = [name for name in _TYPED_FIELDS[kind]] + ["attributes"]
    empty_item = " and ".join(f"i.{name} is null" for name in fields)
    return (f"coalesce(len(list_filter(doc.{group}, lambda g: g is null "
            f"or (g.resource is null and g.{scopes} is null) "
            f"or len(list_filter(g.{scopes}, lambda sc: sc is null "
            f"or (sc.scope is null and sc.{items} is null) "
            f"or len(list_filter(sc.{items}, lambda i: i is null or ({empty_item}))) > 0)) > 0)"
            f") > 0, false)")


# A line the export type does not fit stops the typed-only query (a block then takes the
# query that also walks lines as JSON).
_NOT_TYPED = "otlp: a line the export type does not fit"


def _with_typed_lines(query: str, export_type: str = _EXPORT_TYPE, typed_only: bool = False,
                      ) -> str:
    """The query with ``typed_lines`` (each line parsed by the export type) computed once
    for both record walks; ``typed_only``: no JSON walk reads it, a line it does not fit
    is an error."""
    if typed_only:
        return f"with typed_lines as ({_typed_lines(export_type, strict=True)}) {query}"
    return f"with typed_lines as materialized ({_typed_lines(export_type)}) {query}"


def _typed_lines(export_type: str, strict: bool = False) -> str:
    holes = " or ".join(_holes(kind) for kind in _LEVELS)
    unfit = f"error('{_NOT_TYPED}')" if strict else "null"
    return f"""
        select line, raw, case when doc is null or {holes} then {unfit} else doc end as doc
        from (select source_line as line, raw, try(from_json(raw, '{export_type}')) as doc
              from lines)"""


def _typed_records(kind: str, value: Callable[[str], str] | None = None) -> str:
    """The records of lines that fit the export type, with their positions; ``value``
    gives SQL for an attribute's value from its typed AnyValue (by default the AnyValue
    itself, unwrapped where a path reads it)."""
    value = value or (lambda v: v)
    group, scopes, items = _LEVELS[kind]
    fields = ", ".join(f"to_json(item.{name}) as \"item:{name}\"" if name in _TYPED_FIELDS[kind]
                       else f"cast(null as json) as \"item:{name}\"" for name in _ITEM_FIELDS)
    return f"""
        select line, {1 if kind == 'span' else 2} as kind, group_position, scope_position,
               item_position, cast(null as varchar) as raw,
               cast(null as varchar) as pre_reason,
               list_concat(coalesce(list_transform(resource_attributes, lambda a: a.key), []),
                           coalesce(list_transform(item.attributes, lambda a: a.key), []))
                   as keys,
               list_concat(coalesce(list_transform(resource_attributes,
                                                   lambda a: {value("a.value")}), []),
                           coalesce(list_transform(item.attributes,
                                                   lambda a: {value("a.value")}), []))
                   as values,
               to_json(scope_name) as "scope:name", {fields}
        from (
            select line, group_position, scope_position, resource_attributes,
                   scope.scope.name as scope_name,
                   unnest(scope.{items}) as item,
                   generate_subscripts(scope.{items}, 1) as item_position
            from (
                select line, group_position, grp.resource.attributes as resource_attributes,
                       unnest(grp.{scopes}) as scope,
                       generate_subscripts(grp.{scopes}, 1) as scope_position
                from (
                    select line, unnest(doc.{group}) as grp,
                           generate_subscripts(doc.{group}, 1) as group_position
                    from typed_lines
                    where doc is not null
                      and (doc.resourceSpans is not null or doc.resourceLogs is not null)
                )
            )
        )"""


_TYPED_FIELDS = {"span": ("traceId", "spanId", "startTimeUnixNano"),
                 "log": ("timeUnixNano", "observedTimeUnixNano", "body")}


def _json_records(kind: str) -> str:
    """The records of the other lines, walked as JSON, level by level: a line that is not
    JSON, an entry that is not an object or a list that is not one each becomes a record
    with its reason."""
    group, scope, item = _LEVELS[kind]
    doc_reason = ("case when not json_valid(raw) then 'malformed JSON' "
                  "when json_type(raw) <> 'OBJECT' then 'not an OTLP export (a JSON object)' "
                  "when not json_exists(raw, '$.resourceSpans') "
                  "and not json_exists(raw, '$.resourceLogs') "
                  "then 'not an OTLP export (no resourceSpans or resourceLogs)' end")
    # A document's own reason is one record, given once (with the spans).
    top = ("case when reason is not null then "
           + ("[json_object('«reason»', reason)]" if kind == "span" else "[]")
           + f" else {_list(f'json_extract(raw, {sql_literal(group)})', group)} end")
    fields = ", ".join(f"json_extract(item, '$.{name}') as \"item:{name}\""
                       for name in _ITEM_FIELDS)
    return f"""
        select line, kind, group_position, scope_position, item_position,
               cast(item as varchar) as raw,
               json_extract_string(item, '$."«reason»"') as pre_reason,
               list_transform(attributes, lambda a: json_extract_string(a, '$.key')) as keys,
               list_transform(attributes,
                              lambda a: {_any_value_struct("json_extract(a, '$.value')")})
                   as values,
               json_extract(scope, '$.scope.name') as "scope:name", {fields}
        from (
        select *, list_concat(
            {_attributes("json_extract(resource, '$.attributes')")},
            {_attributes("json_extract(item, '$.attributes')")}) as attributes
        from (
        select line, {1 if kind == 'span' else 2} as kind, group_position, scope_position,
               generate_subscripts(items, 1) as item_position,
               resource, scope, unnest(items) as item
        from (
            select line, group_position, scope_position, resource, scope,
                   {_level('scope', item, item)} as items
            from (
                select line, group_position, resource,
                       generate_subscripts(scopes, 1) as scope_position, unnest(scopes) as scope
                from (
                    select line, group_position, json_extract(grp, '$.resource') as resource,
                           {_level('grp', scope, scope)} as scopes
                    from (
                        select line, generate_subscripts(groups, 1) as group_position,
                               unnest(groups) as grp
                        from (
                            select line, {top} as groups
                            from (select line, raw, {doc_reason} as reason
                                  from typed_lines
                                  where doc is null or (doc.resourceSpans is null
                                                        and doc.resourceLogs is null))
                        )
                    )
                )
            )
        )
        )
        )"""


def _records(kind: str, typed_only: bool = False) -> str:
    """A block's spans or log records: position, own text, reason if it is no record, the
    attributes' keys and values (the resource's, then the record's own) and the fields the
    mappings read. ``typed_only``: the lines are known to fit the export type."""
    if typed_only:
        return _typed_records(kind)
    return f"({_typed_records(kind)}) union all by name ({_json_records(kind)})"


def _attributes(node: str) -> str:
    return (f"case when json_type({node}) = 'ARRAY' then from_json({node}, '[\"JSON\"]') "
            "else [] end")


def _array_values(values: str) -> str:
    """An OTLP arrayValue's values (JSON) as a JSON array of the values they hold."""
    return (f"to_json(list_transform({_attributes(values)}, lambda v: coalesce("
            + ", ".join(f"v->'{kind}'" for kind in _ANY_VALUE_KINDS) + ")))")


def _typed_value(value: str) -> str:
    """A typed AnyValue (the export type's) as the JSON value it holds."""
    return (f"coalesce({', '.join(f'{value}.{kind}' for kind in _ANY_VALUE_KINDS)}, "
            f"case when {value}.arrayValue is not null then "
            f"{_array_values(f'json_extract({value}.arrayValue, {chr(39)}$.values{chr(39)})')} "
            "end)")


def _any_value_struct(node: str) -> str:
    """An OTLP AnyValue walked as JSON, as the export type's struct (a value that is no
    object stands as itself)."""
    kinds = ", ".join(f"{kind} := {node}->'{kind}'" for kind in _ANY_VALUE_KINDS[1:])
    return (f"struct_pack(stringValue := case when json_type({node}) <> 'OBJECT' then {node} "
            f"else {node}->'stringValue' end, {kinds}, arrayValue := {node}->'arrayValue')")


def _attribute_value(name: str) -> str:
    """An attribute's AnyValue: the last of a repeated key wins, the record's own over its
    resource's."""
    return f"values[len(keys) + 1 - list_position(reversed_keys, '{name}')]"


def _attribute(name: str) -> str:
    """The JSON value an attribute holds."""
    return _typed_value(_attribute_value(name))


def _producer(kind: str, prompts: str | None, typed_only: bool = False) -> str:
    """Records of one kind with their position in the block and the attribute lists the
    paths read, and the rule that skips them. ``prompts``: SQL for a relation of
    (prompt_id, prompt) to join to."""
    usage = ("len(list_filter(keys, lambda k: starts_with(k, 'gen_ai.usage.') "
             "or starts_with(k, 'llm.usage.'))) > 0")
    events = ", ".join(f"'{name}'" for name in API_REQUEST_EVENTS)
    event_name = (f"coalesce(json_extract_string({_attribute('event.name')}, '$'), "
                  "json_extract_string(\"item:body\", '$.stringValue'))")
    skip = (f"case when not ({usage}) then 'not_a_model_request' end" if kind == "span"
            else f"case when coalesce({event_name} not in ({events}), true) "
                 "then 'other_event' end")
    prompt_id = _attribute("prompt.id")
    join = (f"left join ({prompts}) as otlp_prompts on otlp_prompts.prompt_id = "
            f"json_extract_string({prompt_id}, '$')" if prompts else "")
    prompt = "otlp_prompts.prompt" if prompts else "cast(null as varchar)"
    return f"""
        select *,
               case when pre_reason is null then {skip} end as skip_rule,
               {prompt} as joined_prompt
        from (
            select *, list_reverse(keys) as reversed_keys
            from ({_records(kind, typed_only)})
        ) {join}"""


def _resolve(path: str) -> str:
    kind, _, name = path.partition(":")
    if kind == "attr":  # the AnyValue looked up once, unwrapped from its column
        return _attribute_value(name), _typed_value
    if kind == "json":  # a path inside a JSON text an attribute holds
        attribute, _, inner = name.partition("#")
        return (_attribute_value(attribute), lambda column: (
            f"json_extract(try_cast({json_text(_typed_value(column))} as json), '$.{inner}')"))
    if kind in ("item", "scope"):
        return f'"{path}"'  # a column both record walks give
    if kind == "joined":
        return "to_json(joined_prompt)"
    raise ValueError(f"unknown OTLP path {path}")


_POSITION = ("line", "kind", "group_position", "scope_position", "item_position")


def _typed_originals(kind: str) -> str:
    """The text of each record of the lines that fit the export type, by position: what the
    quarantine keeps of a refused one (read back only for those, it costs a tenth of a
    block's time)."""
    records = _typed_records(kind, value=lambda v: v).replace(
        "cast(null as varchar) as raw", "cast(to_json(item) as varchar) as raw", 1)
    return _with_typed_lines(f"select {', '.join(_POSITION)}, raw from ({records}) "
                             "where line in (select line from refused_lines)",
                             _export_type(_KEYED_TEXT))


def _contract(source: str, keys: set[str]) -> str:
    return build_relation_query(
        "agent_calls", source,
        text_of=lambda key: sql.column(key) if key in keys and key != "tags" else "null",
        node_of=lambda key: sql.column("tags") if key == "tags" else "null",
        source_line="source_line", pre_reason="pre_reason", raw="raw", skip_rule="skip_rule",
        keep=_POSITION)


@functools.cache
def _query(kinds: tuple[str, ...], prompts: str | None, keeping_prompts: bool,
           conventions: str, typed_only: bool = False) -> str:
    """The mappings of the kinds a block holds ("span", "log"), records numbered in file
    order. ``prompts``: "inline" (the block's own user_prompt events), "table" (the
    ``otlp_prompts`` relation a first pass over a larger file made) or None.
    ``typed_only``: a smaller query for a block whose every line fits the export type (it
    raises on one that does not)."""
    position = "line, kind, group_position, scope_position, item_position"
    parts, keys = [], set()
    for kind, mapping in (("span", SPAN_MAPPING), ("log", LOG_MAPPING)):
        if kind not in kinds:
            continue
        joined_prompts = {"inline": _prompts_sql(typed_only),
                          "table": "select * from otlp_prompts"}.get(
            prompts) if kind == "log" else None
        mapped, given = compile_mapping(
            mapping, _producer(kind, joined_prompts, typed_only), _resolve)
        parts.append(mapped.replace("select source_line, raw,", f"select {position}, raw,", 1))
        keys |= given
    union = " union all by name ".join(f"({part})" for part in parts)
    numbered = _with_typed_lines(f"select row_number() over (order by {position}) as "
                                 f"source_line, * from ({union})", typed_only=typed_only)
    return _contract(numbered, keys)  # the settings are the cache key


def _prompts_sql(typed_only: bool = False) -> str:
    """Claude Code's user prompts by prompt.id, from the block's user_prompt events."""
    return f"""
    select prompt_id, any_value(prompt) as prompt
    from (
        select json_extract_string({_attribute('prompt.id')}, '$') as prompt_id,
               json_extract_string({_attribute('prompt')}, '$') as prompt,
               coalesce(json_extract_string({_attribute('event.name')}, '$'),
                        json_extract_string("item:body", '$.stringValue')) as event_name
        from ({_producer("log", None, typed_only)})
    )
    where event_name in ({", ".join(f"'{n}'" for n in USER_PROMPT_EVENTS)})
      and prompt_id is not null and prompt is not null
    group by prompt_id
"""




def _prompts(path: FilePath) -> pa.Table | None:
    """Claude Code's user prompts by prompt.id, from a first pass over a file read in
    several blocks (an api_request may come anywhere in the file after or before its
    prompt); it reads only the lines that name one."""
    found = []
    for texts in json_texts(path, canonical.WHOLE_FILE_MAX_BYTES, BLOCK_BYTES):
        texts = texts.filter(pc.match_substring(texts["raw"], "user_prompt"))
        if texts.num_rows:
            found.append(run_query(_with_typed_lines(_prompts_sql()), {"lines": texts}))
    found = [table for table in found if table.num_rows]
    return pa.concat_tables(found) if found else None


def _blocks(path: FilePath, prompts: pa.Table | None, inline: bool) -> Iterator[Part]:
    """Each block through the query for the kinds of record it holds; a line with none at
    all (an export of empty lists) is one record, skipped as ``empty_export``. Prompts are
    joined from the block itself (``inline``) or from ``prompts`` (a first pass's)."""
    offset = 0
    joined = "inline" if inline else "table" if prompts is not None else None
    for texts in json_texts(path, canonical.WHOLE_FILE_MAX_BYTES, BLOCK_BYTES):
        texts = texts.select(["source_line", "raw"])
        kinds = tuple(kind for kind, key in (("span", "resourceSpans"), ("log", "resourceLogs"))
                      if pc.any(pc.match_substring(texts["raw"], key)).as_py())
        records = None
        if kinds:
            relations = {"lines": texts,
                         **({"otlp_prompts": prompts} if joined == "table" else {})}
            settings = (keep_prompts(), str(token_conventions()))
            try:  # the common case: every line fits the export type
                records = run_query(_query(kinds, joined, *settings, typed_only=True),
                                    relations)
            except duckdb.Error as error:
                if _NOT_TYPED not in str(error):
                    raise
                records = run_query(_query(kinds, joined, *settings), relations)
            records = _with_originals(texts, records, kinds)
        seen = set() if records is None else set(pc.unique(records["line"]).to_pylist())
        empty = [n for n in texts["source_line"].to_pylist() if n not in seen]
        part = (Part(None, None, {}) if records is None
                else split_checked("agent_calls", records.set_column(
                    records.schema.get_field_index("source_line"), "source_line",
                    pc.add(records["source_line"], pa.scalar(offset, pa.int64())))))
        offset += 0 if records is None else records.num_rows
        if empty:
            part = Part(part.valid, part.rejected,
                        {**part.skipped, "empty_export": part.skipped.get("empty_export", 0)
                         + len(empty)})
        yield part


def _with_originals(texts: pa.Table, records: pa.Table, kinds: tuple[str, ...]) -> pa.Table:
    """Refused records read through the export type get their own text back."""
    missing = pc.and_(pc.is_valid(records["reason"]), pc.is_null(records["raw"]))
    if not pc.any(missing).as_py():
        return records
    refused = pa.table({"line": pc.unique(records.filter(missing)["line"])})
    found = pa.concat_tables(
        run_query(_typed_originals(kind),
                  {"lines": texts, "refused_lines": refused}) for kind in kinds)
    text = {tuple(row[k] for k in _POSITION): row["raw"] for row in found.to_pylist()}
    raw = [value if value is not None or reason is None else text.get(key)
           for value, reason, key in zip(
               records["raw"].to_pylist(), records["reason"].to_pylist(),
               zip(*(records[k].to_pylist() for k in _POSITION), strict=True), strict=True)]
    return records.set_column(records.schema.get_field_index("raw"), "raw",
                              pa.array(raw, records.schema.field("raw").type))


def read_otlp_parts(path: FilePath) -> Iterator[Part]:
    """The file's records a block of lines at a time (a pretty-printed document at once)."""
    try:
        yield from _read_parts(path)
    except lines.DocumentTooBig as refusal:
        yield Part(None, refusal.refusal(), {})


def _read_parts(path: FilePath) -> Iterator[Part]:
    if path.stat().st_size <= BLOCK_BYTES:  # one block: its prompts join within the query
        yield from _blocks(path, None, inline=True)
    else:
        yield from _blocks(path, _prompts(path), inline=False)


def read_otlp(path: FilePath) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(read_otlp_parts(path))

"""LiteLLM proxy ``LiteLLM_SpendLogs`` exports (CSV, a JSON array, JSON lines, or the
``/spend/logs`` API's pages) → canonical agent calls, through one declared mapping.

- Tokens: ``prompt_tokens`` includes cache reads (OpenAI style) and, for Anthropic models,
  cache writes; the split is in ``metadata.usage_object`` (``cache_read_input_tokens`` or
  ``prompt_tokens_details.cached_tokens``, and ``cache_creation_input_tokens``). The rule
  is ``auto``: ``total_tokens`` = prompt + completion confirms the inclusive reading, cache
  larger than the prompt means a row copied disjoint buckets (mapping.token_rule_sql).
- ``spend`` is LiteLLM's own cost: kept as reported cost.
- Skipped by rule: ``litellm_response_cache_hit`` (answered from LiteLLM's own cache, no
  provider call) and ``failed_request_no_usage`` (status failure, no tokens, no spend).
- Identity: the gateway user (``user``), else ``end_user``, the key's user, the API key
  (LiteLLM's hashed token; anything that is not a hash is hashed here), the key or team
  alias, else ``unknown``: spend without a person is still spend.
- Provider: ``custom_llm_provider``, else the model id's ``provider/`` prefix, else left
  empty for the warehouse to infer from the price catalog (a model nobody prices stays
  unpriced).
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from pipelines.sources.agent_calls import canonical
from pipelines.sources.agent_calls.canonical import (
    Part,
    build_relation_query,
    check_whole_file,
    joined,
)
from pipelines.sources.reading import fields_sql as sql
from pipelines.sources.reading import lines
from pipelines.sources.reading.mapping import (
    BeforeSlash,
    Const,
    Expr,
    First,
    Hashed,
    Mapping,
    Prefixed,
    Skip,
    Tokens,
    compile_mapping,
    json_text,
    run_on_texts,
)
from pipelines.sources.reading.options import keep_prompts, token_conventions

SOURCE = "litellm"


class _Model(Expr):
    """The model id without the provider's ``provider/`` prefix (``bedrock/anthropic.…``)."""

    def __init__(self, model: str, provider: Expr):
        self.model, self.provider = model, provider

    def paths(self):
        return {self.model} | self.provider.paths()

    def sql(self, c):
        model = c.hoist(f"trim({json_text(c.paths[self.model])})")
        provider = c.hoist(json_text(c.ref(self.provider)))
        return (f"to_json(case when {provider} <> '' and starts_with({model}, {provider} || '/') "
                f"then substr({model}, length({provider}) + 2) else {model} end)")


_WRITES = "metadata.usage_object.prompt_tokens_details.cache_creation_token_details"
_PROVIDER = First("custom_llm_provider", "metadata.custom_llm_provider", BeforeSlash("model"))

MAPPING = Mapping(
    format=SOURCE,
    fields={
        "event_id": Prefixed(f"{SOURCE}:", "request_id"),
        "occurred_at": First("startTime", "start_time"),
        "source": Const(SOURCE),
        # Gateway users and hashed keys are identities that people.csv aliases resolve.
        "user_key": First("user", "end_user", "metadata.user_api_key_user_id",
                          "metadata.user_api_key_end_user_id", Hashed("api_key"),
                          "metadata.user_api_key_alias", "metadata.user_api_key_team_alias",
                          "team_id", Const("unknown")),
        "tool": Const(SOURCE),
        "session_id": First("session_id", "metadata.session_id"),
        "request_id": First("request_id"),
        "provider": _PROVIDER,
        "model": _Model("model", _PROVIDER),
        "reported_cost_usd": First("spend"),
        "tags": First("request_tags", "metadata.tags"),
    },
    tokens=Tokens(
        input=First("prompt_tokens"),
        cache_read=First("metadata.usage_object.cache_read_input_tokens",
                         "metadata.usage_object.prompt_tokens_details.cached_tokens",
                         nonzero=True),
        # Newer proxies split Anthropic's writes by TTL under cache_creation_token_details.
        cache_write=First(f"{_WRITES}.ephemeral_5m_input_tokens",
                          "metadata.usage_object.cache_creation_input_tokens"),
        cache_write_1h=First(f"{_WRITES}.ephemeral_1h_input_tokens"),
        output=First("completion_tokens"),
        total=First("total_tokens"),
        convention="auto", default="inclusive"),
    # present when the proxy stores prompts in its spend logs; classified, then dropped
    messages="messages",
    skips=(
        # LiteLLM answered from its own response cache: no provider call, spend forced to 0.
        Skip("litellm_response_cache_hit",
             lambda c: f"lower(trim({json_text(c.ref('cache_hit'))})) "
                       "in ('true', 't', '1')", ("cache_hit",)),
        # A request that failed before the provider billed anything.
        Skip("failed_request_no_usage",
             lambda c: (f"lower(trim({json_text(c.ref('status'))})) = 'failure' "
                        + "".join(f"and coalesce(try_cast({json_text(c.ref(path))} as double), "
                                  "0) = 0 "
                                  for path in ("prompt_tokens", "completion_tokens", "spend"))),
             ("status", "prompt_tokens", "completion_tokens", "spend")),
    ),
)


def _json_value(text: str) -> str:
    """A value that may hold JSON as text (CSV cells, stringified JSON columns): parsed when
    it looks like an object or a list, else kept as a JSON string."""
    return (f"case when ltrim({text})[1] in ('{{', '[') "
            f"then coalesce(json(try_cast({text} as json)), to_json({text})) "
            f"else to_json(nullif({text}, '')) end")


def _nested(top: str, rest: list[str]) -> str:
    if not rest:
        return top
    return f"({top})->'$.{'.'.join(json.dumps(part) for part in rest)}'"


def _csv_resolver(columns: list[str]):
    """A column's cell as JSON; the paths inside one cell (``metadata.usage_object.…``) are
    extracted in one call, so the cell is parsed once, not once a path."""
    inside: dict[str, list[str]] = {}
    for path in sorted(MAPPING.paths()):
        top, *rest = path.split(".")
        if rest:
            inside.setdefault(top, []).append(".".join(json.dumps(part) for part in rest))

    def resolve(path: str):
        top, *rest = path.split(".")
        if top not in columns:
            return "cast(null as json)"
        if not rest:
            return _json_value(f'"{top}"')
        paths = inside[top]
        every = "[" + ", ".join(f"'$.{inner}'" for inner in paths) + "]"
        index = paths.index(".".join(json.dumps(part) for part in rest)) + 1
        return (f"json_extract({_json_value(f'{chr(34)}{top}{chr(34)}')}, {every})",
                lambda column: f"{column}[{index}]")
    return resolve


def _json_resolver(path: str) -> str:
    top, *rest = path.split(".")
    value = f"json_extract(item, '$.{json.dumps(top)}')"
    return _nested(f"case when json_type({value}) = 'VARCHAR' "
                   f"then {_json_value(f'({value}->>{chr(39)}${chr(39)})')} else {value} end", rest)


def _contract(source: str, keys: set[str], raw: str = "raw") -> str:
    return build_relation_query(
        "agent_calls", source,
        text_of=lambda key: sql.column(key) if key in keys and key != "tags" else "null",
        node_of=lambda key: (f"case when json_type({sql.column('tags')}) in ('ARRAY', 'OBJECT') "
                             f"then {sql.column('tags')} else '[]'::json end")
        if key == "tags" else "null",
        source_line="source_line", pre_reason="pre_reason", raw=raw, skip_rule="skip_rule")


# ---- CSV: DuckDB's reader, one row a record --------------------------------------------------
@functools.cache
def _csv_query(header: tuple[str, ...], keeping_prompts: bool, conventions: str) -> str:
    rows = ("select ordinality + 1 as source_line, cast(null as varchar) as raw, "
            "cast(null as varchar) as pre_reason, cast(null as varchar) as skip_rule, * "
            "from read_csv($1, header = true, all_varchar = true, delim = ',', quote = '\"', "
            "escape = '\"', strict_mode = true) with ordinality")
    mapped, keys = compile_mapping(MAPPING, rows, _csv_resolver(list(header)))
    return _contract(mapped, keys)  # keeping_prompts and conventions: the cache key


def _csv_header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        return next(csv.reader(handle), [])


def _read_csv(path: Path) -> Part | None:
    """A well-formed CSV in one pass; None when DuckDB's reader refuses it (a ragged row, an
    unterminated quote) or its header repeats a column."""
    header = _csv_header(path)
    if not header or len(set(header)) != len(header):
        return None
    query = _csv_query(tuple(header), keep_prompts(), str(token_conventions()))
    # A row's number is its record's (the header is 1): the line, unless a value holds one.
    return check_whole_file("agent_calls", path, query, header_lines=1,
                            one_row_per_line=False,
                            originals=lambda wanted: _csv_originals(path, wanted))


def _csv_rows(path: Path) -> Iterator[tuple[int, str]]:
    """Each data row as (record number, its JSON object text), by Python's csv module: the
    tokenizer for a CSV DuckDB's strict reader refuses. The mapping is the same."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.DictReader(handle, restkey="_extra_columns")
        for number, row in enumerate(reader, start=2):
            yield number, json.dumps(row)


def _csv_originals(path: Path, wanted: set[int]) -> dict[int, str]:
    return {number: text for number, text in _csv_rows(path) if number in wanted}


# ---- JSON: an array of rows, the API's {"data": [...]} pages, or JSON lines ---------------
_JSON_RECORDS = """
    with docs as (
        select source_line as line, raw, json_valid(raw) as ok from lines
    ),
    lists as (
        select line, raw, ok,
            case when not ok then null
                 when json_type(raw) = 'ARRAY' then from_json(raw, '["JSON"]')
                 when json_type(raw) = 'OBJECT' and json_type(raw, '$.data') = 'ARRAY'
                     then from_json(json_extract(raw, '$.data'), '["JSON"]')
                 when json_type(raw) = 'OBJECT' then [raw::json]
            end as entries
        from docs
    ),
    items as (
        select line, 0 as position, raw as text, cast(null as json) as item,
               case when not ok then 'malformed JSON'
                    else 'not a SpendLogs row (a JSON object), nor a list of them' end
                   as pre_reason
        from lists where entries is null
        union all
        select line, generate_subscripts(entries, 1) as position, null as text,
               unnest(entries) as item, null as pre_reason
        from lists where entries is not null
    )
    select {number} as source_line,
           coalesce(text, cast(item as varchar)) as raw,
           coalesce(pre_reason, case when json_type(item) <> 'OBJECT'
                                     then 'not a JSON object' end) as pre_reason,
           cast(null as varchar) as skip_rule,
           case when json_type(item) = 'OBJECT' then item end as item
    from items
"""


@functools.cache
def _json_query(keeping_prompts: bool, conventions: str, renumber: bool = True) -> str:
    """Records numbered in file order within the block (run_on_texts adds the blocks before),
    or, without ``renumber``, by the numbers the texts came with (one record a text)."""
    number = "row_number() over (order by line, position)" if renumber else "line"
    mapped, keys = compile_mapping(MAPPING, _JSON_RECORDS.format(number=number), _json_resolver)
    return _contract(mapped, keys)


def _csv_texts(path: Path) -> Iterator[pa.Table]:
    """The tokenised rows a block at a time (lines.BLOCK_BYTES of text), so a big file is
    held a part at a time."""
    numbers, texts, size = [], [], 0
    for number, text in _csv_rows(path):
        numbers.append(number)
        texts.append(text)
        size += len(text)
        if size >= lines.BLOCK_BYTES:
            yield pa.table({"source_line": pa.array(numbers, pa.int64()),
                            "raw": pa.array(texts, pa.large_string())})
            numbers, texts, size = [], [], 0
    if numbers:
        yield pa.table({"source_line": pa.array(numbers, pa.int64()),
                        "raw": pa.array(texts, pa.large_string())})


def read_litellm_parts(path: Path) -> Iterator[Part]:
    """The file's rows in parts: a well-formed CSV in one DuckDB pass; a CSV that reader
    refuses tokenised by Python's csv module, and JSON files a block of lines at a time,
    through the same mapping."""
    if path.suffix.lower() == ".csv":
        checked = _read_csv(path)
        if checked is not None:
            yield checked
            return
        # Records are already numbered by the tokenizer: an offset of 0 and its own numbers.
        yield from run_on_texts(_json_query(keep_prompts(), str(token_conventions()), False),
                                _csv_texts(path), renumber=False)
        return
    try:
        yield from run_on_texts(_json_query(keep_prompts(), str(token_conventions())),
                                _json_lines(path))
    except lines.DocumentTooBig as refusal:
        yield Part(None, refusal.refusal(), {})


def _json_lines(path: Path) -> Iterator[pa.Table]:
    from pipelines.sources.reading.lines import json_texts

    return json_texts(path, canonical.WHOLE_FILE_MAX_BYTES)


def read_litellm(path: Path) -> tuple[pa.Table | None, pa.Table | None]:
    return joined(read_litellm_parts(path))

"""tokenroi's own JSONL schema for agent calls, commits and deal events (DESIGN.md).

Each line is parsed and checked against the contract inside an in-memory DuckDB, a batch
at a time: valid lines become canonical rows, the others come back with a reason.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.adapters.lines import numbered_lines
from pipelines.adapters.schema import STREAM_FIELDS, TASK_CLASSES, Field

# Tokens above this are a unit mix-up, not a request.
MAX_TOKENS = 10**12
# Clock skew allowance before an event counts as "in the future".
FUTURE_SLACK = "interval 1 day"


def _json_text(name: str) -> str:
    return f"(j->>'{name}')"


def _cast(field: Field) -> tuple[str, list[str]]:
    """SQL for the typed value and SQL for each contract violation (NULL when fine)."""
    raw = _json_text(field.name)
    problems: list[str] = []
    if field.kind == "text":
        value = f"nullif(trim({raw}), '')"
    elif field.kind in ("count", "integer"):
        number = f"try_cast({raw} as double)"
        value = f"cast({number} as bigint)"
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
        node = f"(j->'{field.name}')"
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
    return (f"case json_type(j->'tags') when 'OBJECT' then j->'tags'->>'{key}' "
            f"when 'ARRAY' then substr(list_filter(try(from_json(j->'tags', '[\"VARCHAR\"]')), "
            f"lambda t: starts_with(t, '{key}:'))[1], {len(key) + 2}) end")


# Agent calls carry a few derived fields: the prompt is hashed and measured, then dropped.
_AGENT_CALL_OVERRIDES = {
    "source": "coalesce(nullif(trim(j->>'source'), ''), 'canonical')",
    "feature_key": f"coalesce(nullif(trim(j->>'feature_key'), ''), {_tag('feature')})",
    "task_class": (
        "coalesce(list_filter([" + _tag("task") + ", j->>'task_class'], "
        f"lambda c: c in {TASK_CLASSES})[1], 'unknown')"
    ),
    "prompt_sha256": "coalesce(j->>'prompt_sha256', sha256(j->>'prompt'))",
    "prompt_chars": "coalesce(try_cast(j->>'prompt_chars' as bigint), length(j->>'prompt'))",
    "request_count": "coalesce(try_cast(j->>'request_count' as bigint), 1)",
}
_AGENT_CALL_PROBLEMS = [
    "case when nullif(trim(j->>'person_email'), '') is null "
    "and nullif(trim(j->>'user_key'), '') is null "
    "then 'missing required field person_email or user_key' end",
]
_TOKEN_FIELDS = ("input_tokens", "cache_read_tokens", "cache_write_tokens",
                 "cache_write_1h_tokens", "output_tokens")


def build_query(stream: str) -> str:
    """One SELECT over a `lines` relation (source_line, raw) giving typed columns + reason."""
    fields = STREAM_FIELDS[stream]
    columns, problems = [], []
    for field in fields:
        value, field_problems = _cast(field)
        if stream == "agent_calls":
            value = _AGENT_CALL_OVERRIDES.get(field.name, value)
            if field.name in _TOKEN_FIELDS:
                value = f"coalesce({value}, 0)"
        columns.append(f"{value} as {field.name}")
        problems.extend(field_problems)
    if stream == "agent_calls":
        problems.extend(_AGENT_CALL_PROBLEMS)
    hashed = ", ".join(f"coalesce(cast({f.name} as varchar), '')" for f in fields
                       if f.name != "event_id")
    reason = ("case when j is null then 'malformed JSON' "
              "when json_type(j) <> 'OBJECT' then 'not a JSON object' "
              f"else nullif(concat_ws('; ', {', '.join(problems)}), '') end")
    return f"""
        with parsed as (
            select source_line, raw, try(cast(raw as json)) as j from lines
        ),
        typed as (
            select source_line, raw, {reason} as reason, {', '.join(columns)}
            from parsed
        )
        select * replace (
            coalesce(event_id, sha256(concat_ws('|', '{stream}', {hashed}))) as event_id
        )
        from typed
    """


def read_canonical_jsonl(stream: str, path: Path) -> tuple[pa.Table, pa.Table]:
    """(valid canonical rows with source_line, rejected lines with source_line/raw/reason)."""
    query = build_query(stream)
    names = [f.name for f in STREAM_FIELDS[stream]]
    valid, rejected = [], []
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = 'UTC'")
        for lines in numbered_lines(path):
            con.register("lines", lines)
            con.execute(f"create or replace temp table checked as {query}")
            valid.append(con.sql(
                f"select {', '.join(names)}, source_line from checked where reason is null"
            ).to_arrow_table())
            rejected.append(con.sql(
                "select source_line, raw, reason from checked where reason is not null"
            ).to_arrow_table())
            con.unregister("lines")
    finally:
        con.close()
    return _concat(valid), _concat(rejected)


def _concat(tables: list[pa.Table]) -> pa.Table | None:
    tables = [t for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else None

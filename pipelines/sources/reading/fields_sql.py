"""The helpers of ``fields.py`` as DuckDB SQL, for the vectorised readers.

Each gives, over a JSON value, what its Python twin gives over the parsed value (or the
same reason), so a whole file read by DuckDB lands exactly as the record path lands it.
Expressions are built in layers: each layer names its columns, the next reads them
(inlining everything made the expression tree, and DuckDB's planning time, explode).
"""

from __future__ import annotations

from typing import NamedTuple


def column(name: str) -> str:
    """A computed column's name (guillemets keep clear of any name a source file uses)."""
    return f'"«{name}»"'


def layered(source: str, layers: list[dict[str, str]]) -> str:
    """SELECT over ``source`` adding each layer's named expressions, one layer at a time."""
    for layer in layers:
        named = ", ".join(f"{sql} as {column(name)}" for name, sql in layer.items())
        source = f"select *, {named} from ({source})"
    return source


def truthy(node: str) -> str:
    """The JSON value, NULL where Python would find it falsy. (Values are minified JSON:
    their text tells their type without parsing them.)"""
    node = f"({node})"  # ->, ->> bind looser than comparisons
    return (f"case when cast({node} as varchar) in "
            "('null', '0', '0.0', '-0.0', 'false', '\"\"', '[]', '{}') then null "
            f"else {node} end")


def present(node: str) -> str:
    """The JSON value, NULL where it is null or "" (what ``_first`` skips)."""
    node = f"({node})"
    return f"case when cast({node} as varchar) in ('null', '\"\"') then null else {node} end"


class WholeNumber(NamedTuple):
    number: str  # the value as DOUBLE, NULL when empty (not to be read where bad is set)
    empty: str  # true where whole_number would take its default
    bad: str  # whole_number's reason, NULL when fine


def whole_number(value: str, name: str) -> WholeNumber:
    """``fields.whole_number`` over a (minified) JSON value: ints, integral floats, digit
    strings."""
    text = f"cast(({value}) as varchar)"
    number = (f"case when regexp_full_match({text}, '-?[0-9][0-9.eE+-]*') "
              f"then try_cast({text} as double) "
              f"when regexp_full_match({text}, '\" *-?[0-9]+ *\"') "
              f"then cast(trim({text}[2:-2]) as double) end")
    empty = f"(({value}) is null or {text} in ('null', '\"\"'))"
    bad = (f"case when not {empty} and ({number} is null or {number} <> floor({number})) "
           f"then '{name} is not a whole number' end")
    return WholeNumber(number, empty, bad)


def integer_text(number: str) -> str:
    """A whole DOUBLE as the text Python's int gives (exact below 1e15; beyond, the
    contract refuses the value anyway)."""
    return (f"case when abs({number}) < 1e15 then cast(cast({number} as bigint) as varchar) "
            f"else cast({number} as varchar) end")


def nanos_to_timestamp(nanos: str) -> tuple[str, str]:
    """``fields.nanos_to_iso`` over a DOUBLE: the TIMESTAMP, and true when out of range.

    Python divides by 1e9 in floating point, then rounds the fraction to microseconds half
    to even (CPython's _PyTime_ObjectToTimeval); the same steps here give the same
    microsecond."""
    seconds = f"({nanos} / 1e9)"
    whole = f"trunc({seconds})"
    micros = f"round_even(({seconds} - {whole}) * 1e6, 0)"
    carry = f"(case when {micros} >= 1e6 then 1 when {micros} < 0 then -1 else 0 end)"
    epoch = f"({whole} + {carry})"
    # datetime.fromtimestamp only reaches years 1 to 9999
    out_of_range = f"not ({epoch} between -62135596800 and 253402300799)"
    timestamp = (f"make_timestamp(cast({epoch} as bigint) * 1000000 "
                 f"+ cast({micros} - {carry} * 1e6 as bigint))")
    return f"case when not {out_of_range} then {timestamp} end", out_of_range


def last_user_text(messages: str) -> list[dict[str, str]]:
    """``fields.last_user_text`` over a JSON transcript, as three layers ending in a
    ``prompt`` column: the last user message, its content (or semconv parts), its text."""
    last_user = column("last_user")
    content = column("content")
    parts = (f"list_filter(list_transform(try(cast({content} as json[])), lambda part: "
             "case when json_type(part) = 'OBJECT' and (part->>'type') = 'text' then "
             "coalesce(case when json_type(part->'text') = 'VARCHAR' "
             "and (part->>'text') <> '' then part->>'text' end, "
             "case when json_type(part->'content') = 'VARCHAR' then part->>'content' end) "
             "end), lambda t: t is not null)")
    return [
        {"last_user": (f"list_filter(try(cast({messages} as json[])), "
                       f"lambda m: json_type(m) = 'OBJECT' and (m->>'role') = 'user')[-1]")},
        {"content": (f"case when json_exists({last_user}, '$.content') "
                     f"then {last_user}->'content' else {last_user}->'parts' end")},
        {"prompt": (f"case json_type({content}) when 'VARCHAR' then {content}->>'$' "
                    f"when 'ARRAY' then nullif(array_to_string({parts}, chr(10)), '') end")},
    ]

"""One declared mapping per volume format (LiteLLM, OpenTelemetry), compiled to DuckDB SQL.

A format is two things:
- a *producer*: SQL that turns a file into records, one row each, with ``source_line`` (the
  record's number in the file), ``raw`` (its own text, for the quarantine), ``pre_reason``
  (why it is no record at all: a line that is not JSON, an entry that is not an object),
  ``skip_rule`` (why it is deliberately not loaded: a span that is no model request) and
  whatever columns its paths read;
- a ``Mapping``: each canonical field as the source paths that may give it, in precedence
  order, plus the format's token rule (``Tokens``).

``compile_mapping`` turns a mapping into one SELECT over the producer; the canonical
contract (``canonical.build_relation_query``) then types each field and gives the reason a
record is refused. Valid rows, the quarantine and the skip counts all come out of that one
query: a fix to a format's mapping lands once, whatever the file's shape or size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.sources.agent_calls.canonical import Part, run_query, split_checked
from pipelines.sources.reading import fields_sql as sql
from pipelines.sources.reading.options import token_conventions

# A path is resolved by the producer to SQL giving a JSON value (NULL where absent).
Resolver = Callable[[str], str]


def json_text(node: str) -> str:
    """A JSON value as text: a string unquoted, anything else as its JSON. (Every value is
    minified JSON, as DuckDB's JSON functions write it: a string without escapes is its
    text between the quotes, no parsing needed.)"""
    text = f"cast({node} as varchar)"
    return (f"case when starts_with({text}, '\"') and not contains({text}, '\\') "
            f"then {text}[2:-2] else json_extract_string({node}, '$') end")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Expr:
    """A canonical field's value: SQL giving a JSON value (NULL where the record has none).

    ``sql(c)`` reads other values through ``c.ref(expr)`` (a column holding it) and may put
    a sub-expression it reads several times in a column of its own with ``c.hoist(sql)``:
    an expression is never inlined twice, so the query stays small however deep the
    mapping (inlined, one file's OTLP query grew to 220 KB and took 3 s to plan)."""

    def paths(self) -> set[str]:
        return set()

    def sql(self, c: Compiler) -> str:
        raise NotImplementedError

    def reason(self, c: Compiler) -> str | None:
        """SQL for why the value is unusable (NULL when fine), for values that can be."""
        return None


class Compiler:
    """Columns for a mapping's values, in layers: each after the columns it reads."""

    def __init__(self, resolve: Resolver, paths: set[str]):
        """``resolve(path)`` gives SQL for the path's value, or (SQL for a raw value, a
        function of that value's column giving the value): the raw value is then computed
        once, in a layer of its own, however often the function reads it."""
        self.paths = {path: sql.column(f"path:{path}") for path in sorted(paths)}
        self.layers: list[dict[str, str]] = [{}, {}]
        for path in sorted(paths):
            resolved = resolve(path)
            if isinstance(resolved, tuple):
                raw, value = resolved
                self.layers[0][f"raw:{path}"] = raw
                self.layers[1][f"path:{path}"] = value(sql.column(f"raw:{path}"))
            else:
                self.layers[0][f"path:{path}"] = resolved
        self._depth: dict[str, int] = {column: 1 for column in self.paths.values()}
        self._cache: dict[str, str] = {}

    def ref(self, expr: Expr | str) -> str:
        expr = _expr(expr)
        if isinstance(expr, Path):
            return self.paths[expr.path]
        return self.hoist(expr.sql(self))

    def hoist(self, text: str) -> str:
        """A column computing ``text``, in the layer after the last column it reads."""
        if text in self._cache:
            return self._cache[text]
        depth = 1 + max((d for column, d in self._depth.items() if column in text), default=0)
        name = f"v:{len(self._cache)}"
        column = sql.column(name)
        depth = max(depth, 2)  # after the paths' own layers
        while len(self.layers) <= depth:
            self.layers.append({})
        self.layers[depth][name] = text
        self._depth[column] = depth
        self._cache[text] = column
        return column


def _expr(item: str | Expr) -> Expr:
    return Path(item) if isinstance(item, str) else item


@dataclass(frozen=True)
class Path(Expr):
    path: str

    def paths(self) -> set[str]:
        return {self.path}

    def sql(self, c):
        return c.paths[self.path]


@dataclass(frozen=True)
class Const(Expr):
    value: object

    def sql(self, c):
        return f"{_literal(json.dumps(self.value, separators=(',', ':')))}::json"


class First(Expr):
    """The first of the items that is present (not null, not an empty string; with
    ``nonzero``, not 0 or false either, as a source that writes 0 for "not reported")."""

    def __init__(self, *items: str | Expr, nonzero: bool = False):
        self.items = [_expr(item) for item in items]
        self.nonzero = nonzero

    def paths(self) -> set[str]:
        return set().union(*(item.paths() for item in self.items))

    def sql(self, c):
        test = sql.truthy if self.nonzero else sql.present
        return f"coalesce({', '.join(test(c.ref(item)) for item in self.items)})"


@dataclass(frozen=True)
class Prefixed(Expr):
    """``prefix`` + the value's text (an event id in the source's own terms)."""

    prefix: str
    item: str | Expr

    def paths(self):
        return _expr(self.item).paths()

    def sql(self, c):
        value = sql.present(c.ref(self.item))
        return f"to_json({_literal(self.prefix)} || {json_text(value)})"


@dataclass(frozen=True)
class Hashed(Expr):
    """An API key: LiteLLM's hashed token kept as it is, anything else hashed (never stored
    as given)."""

    item: str | Expr

    def paths(self):
        return _expr(self.item).paths()

    def sql(self, c):
        key = c.hoist(f"nullif(trim({json_text(c.ref(self.item))}), '')")
        return (f"to_json(case when regexp_full_match({key}, '[0-9a-f]{{64}}') then {key} "
                f"else sha256({key}) end)")


@dataclass(frozen=True)
class BeforeSlash(Expr):
    """The provider prefix of a LiteLLM-style model id (``bedrock/…`` → ``bedrock``)."""

    item: str | Expr

    def paths(self):
        return _expr(self.item).paths()

    def sql(self, c):
        model = f"trim({json_text(c.ref(self.item))})"
        return f"case when contains({model}, '/') then to_json(split_part({model}, '/', 1)) end"


@dataclass(frozen=True)
class Renamed(Expr):
    """A name spelt the source's way, lower-cased and renamed to the price catalog's
    (``Anthropic`` → ``anthropic``, ``aws.bedrock`` → ``bedrock``)."""

    item: str | Expr
    names: tuple[tuple[str, str], ...]

    def paths(self):
        return _expr(self.item).paths()

    def sql(self, c):
        value = c.hoist(f"lower(trim({json_text(c.ref(self.item))}))")
        cases = " ".join(f"when {_literal(theirs)} then {_literal(ours)}"
                         for theirs, ours in self.names)
        return f"to_json(case {value} {cases} else {value} end)"


@dataclass(frozen=True)
class Tags(Expr):
    """A tags object from several values: {"task": …, "feature": …}."""

    items: tuple[tuple[str, str | Expr], ...]

    def paths(self):
        return set().union(*(_expr(item).paths() for _, item in self.items))

    def sql(self, c):
        values = [c.ref(item) for _, item in self.items]
        pairs = ", ".join(f"{_literal(name)}, {sql.present(value)}"
                          for (name, _), value in zip(self.items, values, strict=True))
        # most records carry no tag: build no object for them (it cost most of a span's time)
        return f"case when coalesce({', '.join(values)}) is not null then json_object({pairs}) end"


@dataclass(frozen=True)
class Tokens:
    """A format's token fields and how its input count relates to the cache buckets.

    Canonical buckets are disjoint. ``convention`` says what ``input`` holds:
    ``inclusive`` (cache reads and writes are inside it: OpenAI, LiteLLM, the GenAI semantic
    conventions), ``disjoint`` (uncached input only: Anthropic), or ``auto``, decided per
    record by the rule in ``token_rule_sql``. A setting (TOKENROI_TOKEN_CONVENTIONS)
    overrides it per format, or per ``override_key`` value (an OTLP instrumentation scope or
    service).
    """

    input: Expr
    output: Expr
    cache_read: Expr = Const(None)
    cache_write: Expr = Const(None)
    cache_write_1h: Expr = Const(None)
    total: Expr = Const(None)
    convention: str = "inclusive"
    # what ``auto`` falls back to when a record's numbers do not decide
    default: str = "inclusive"
    override_key: Expr = Const(None)
    # conventions known for some override_key values (an instrumentation's documented one)
    known: tuple[tuple[str, str], ...] = ()

    def exprs(self) -> dict[str, Expr]:
        return {"input": self.input, "output": self.output, "cache_read": self.cache_read,
                "cache_write": self.cache_write, "cache_write_1h": self.cache_write_1h,
                "total": self.total, "override_key": self.override_key}


@dataclass(frozen=True)
class Skip:
    """Records a format leaves out on purpose, by a named rule: ``when(c)`` is SQL true for
    them (``c.ref`` reads a path's value)."""

    rule: str
    when: Callable[[Compiler], str]
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class Mapping:
    """A format's canonical fields, each an expression over the record's paths."""

    format: str  # the landing folder's name; also what TOKENROI_TOKEN_CONVENTIONS names
    fields: dict[str, Expr]
    tokens: Tokens | None = None
    # The path holding the chat transcript whose last user message is the prompt.
    messages: str | None = None
    skips: tuple[Skip, ...] = ()

    def paths(self) -> set[str]:
        paths = set().union(*(e.paths() for e in self.fields.values()))
        paths |= {path for skip in self.skips for path in skip.paths}
        if self.tokens:
            paths |= set().union(*(e.paths() for e in self.tokens.exprs().values()))
        if self.messages:
            paths.add(self.messages)
        return paths


TOKEN_FIELDS = {"input_tokens": "input", "cache_read_tokens": "cache_read",
                "cache_write_tokens": "cache_write", "cache_write_1h_tokens": "cache_write_1h",
                "output_tokens": "output"}


def token_rule_sql(convention: str, default: str, numbers: dict[str, str]) -> str:
    """SQL true when a record's input count is disjoint from its cache buckets.

    ``auto`` decides per record, first rule that applies:
    1. a total that adds up one way only decides: total = input + output means the cache
       is inside input; total = input + cache + output means it is not;
    2. cache larger than input means disjoint (inside it, input would be negative);
    3. else ``default`` (the format's documented convention).
    An inclusive reading that leaves input below the cache but not below the reads alone
    counts the writes apart (compile_mapping's ``writes_apart``).
    """
    if convention in ("inclusive", "disjoint"):
        return "true" if convention == "disjoint" else "false"
    n = numbers
    cache = f"({n['cache_read']} + {n['cache_write']} + {n['cache_write_1h']})"
    inside = f"{n['total']} = {n['input']} + {n['output']}"
    apart = f"{n['total']} = {n['input']} + {cache} + {n['output']}"
    return (f"case when {n['total']} is not null and ({inside}) and not ({apart}) then false "
            f"when {n['total']} is not null and ({apart}) and not ({inside}) then true "
            f"when {cache} > {n['input']} then true "
            f"else {'true' if default == 'disjoint' else 'false'} end")


def compile_mapping(mapping: Mapping, producer: str, resolve: Resolver) -> tuple[str, set[str]]:
    """One SELECT over the producer's rows giving source_line, raw, pre_reason, skip_rule
    and each canonical key's value as text (``sql.column(key)``), and the keys it gives."""
    q = sql.column
    c = Compiler(resolve, mapping.paths())
    values = {name: c.ref(expr) for name, expr in mapping.fields.items()}
    reasons = [reason for expr in mapping.fields.values()
               if (reason := expr.reason(c)) is not None]
    tokens = {name: c.ref(expr) for name, expr in mapping.tokens.exprs().items()} \
        if mapping.tokens else {}
    skips = [(skip.rule, skip.when(c)) for skip in mapping.skips]
    layers = [layer for layer in c.layers if layer]
    canonical = {name: json_text(values[name]) for name in values
                 if name not in ("tags", "identity")}
    if "identity" in values:
        # One identity, whatever the source calls it: an email names a person, anything else
        # is a user key that people.csv aliases resolve.
        identity = f"trim({json_text(values['identity'])})"
        canonical["person_email"] = f"case when contains({identity}, '@') then {identity} end"
        canonical["user_key"] = f"case when not contains({identity}, '@') then {identity} end"
    # A list or an object where the contract wants a value is no value (an OTLP array).
    reasons += [f"case when left(cast({values[name]} as varchar), 1) in ('[', '{{') "
                f"then '{name} is not a single value' end"
                for name in values if name not in ("tags", "identity")]
    if mapping.tokens:
        checked = {name: sql.whole_number(tokens[name], _source_name(mapping, name))
                   for name in ("input", "output", "cache_read", "cache_write",
                                "cache_write_1h", "total")}
        numbers = {name: f"coalesce({number.number}, 0)" for name, number in checked.items()
                   if name != "total"}
        numbers["total"] = checked["total"].number
        layers.append({f"number:{name}": expression for name, expression in numbers.items()})
        named = {name: q(f"number:{name}") for name in numbers}
        reasons += [number.bad for number in checked.values()]
        layers.append({"is_disjoint": _convention_sql(mapping, named, tokens["override_key"])})
        writes = f"({named['cache_write']} + {named['cache_write_1h']})"
        # Reads inside the input count but writes apart from it (LiteLLM for Anthropic models
        # from April to about September 2025): the inclusive reading leaves input below the
        # cache, input less the reads alone does not.
        layers.append({"writes_apart": f"not {q('is_disjoint')} "
                                       f"and {named['input']} < {named['cache_read']} + {writes} "
                                       f"and {named['input']} >= {named['cache_read']}"})
        uncached = (f"case when {q('is_disjoint')} then {named['input']} "
                    f"when {q('writes_apart')} then {named['input']} - {named['cache_read']} "
                    f"else {named['input']} - {named['cache_read']} - {writes} end")
        canonical["input_tokens"] = sql.integer_text(uncached)
        for key, name in TOKEN_FIELDS.items():
            if key != "input_tokens":
                canonical[key] = sql.integer_text(named[name])
        # An input count the cache buckets exceed is a reason only where a setting forced
        # the inclusive reading; ``auto`` reads such a record as disjoint.
        reasons.append(f"case when not {q('is_disjoint')} and {named['input']} >= 0 "
                       f"and {uncached} < 0 then "
                       f"{_literal(_source_name(mapping, 'input'))} || ' is smaller than its "
                       f"cache tokens under the inclusive convention set for this source' end")
    if mapping.messages:
        # A transcript may arrive as JSON text (an OTLP string attribute, a CSV cell).
        messages = c.paths[mapping.messages]
        layers.append({"messages": f"case when json_type({messages}) = 'VARCHAR' "
                                   f"then try_cast({messages}->>'$' as json) else {messages} end"})
        layers.extend(sql.last_user_text(q("messages")))
        canonical["prompt"] = (f"coalesce(nullif({q('prompt')}, ''), "
                               f"{canonical.pop('prompt', 'null')})")
    pre_reason = f"coalesce(pre_reason, {', '.join(reasons) or 'null'})"
    rows = sql.layered(producer, layers)
    final = ", ".join(f"{expression} as {q(name)}" for name, expression in canonical.items())
    tags = f", {values['tags']} as {q('tags')}" if "tags" in values else ""
    rules = " ".join(f"when {when} then {_literal(rule)}" for rule, when in skips)
    skip_rule = f"coalesce(skip_rule, case {rules} end)" if skips else "skip_rule"
    return (f"select source_line, raw, {pre_reason} as pre_reason, {skip_rule} as skip_rule, "
            f"{final}{tags} from ({rows})"), set(canonical) | ({"tags"} if tags else set())


def _source_name(mapping: Mapping, name: str) -> str:
    """The source's own name for a token field, for reasons: its first path's last part
    (an OpenTelemetry attribute's whole name)."""
    expr = mapping.tokens.exprs()[name]
    items = expr.items if isinstance(expr, First) else [expr]
    paths = [path for item in items for path in sorted(item.paths())]
    if not paths:
        return name
    kind, _, path = paths[0].rpartition(":")
    return path if kind == "attr" else path.split(".")[-1]


def _convention_sql(mapping: Mapping, numbers: dict[str, str], override_key: str) -> str:
    """The token rule, with TOKENROI_TOKEN_CONVENTIONS' overrides for this format."""
    tokens = mapping.tokens
    overrides = token_conventions()
    convention = overrides.get(mapping.format, tokens.convention)
    default = token_rule_sql(convention, tokens.default, numbers)
    keyed = dict(tokens.known) | {key.split("/", 1)[1]: value for key, value in overrides.items()
                                  if key.startswith(f"{mapping.format}/")}
    if not keyed:
        return default
    key = json_text(override_key)
    cases = " ".join(f"when {_literal(name)} then "
                     f"{token_rule_sql(value, tokens.default, numbers)}"
                     for name, value in sorted(keyed.items()))
    return f"case {key} {cases} else {default} end"


def run_on_texts(query: str, tables: Iterable[pa.Table], renumber: bool = True,
                 ) -> Iterator[Part]:
    """Run a compiled format query over tables of (source_line, raw) texts registered as
    ``lines``, one part per table. With ``renumber`` the query numbers records from 1 in
    each table and they are numbered on across tables (records in file order)."""
    offset = 0
    for texts in tables:
        checked = run_query(query, {"lines": texts.select(["source_line", "raw"])})
        if renumber and offset:
            checked = checked.set_column(
                checked.schema.get_field_index("source_line"), "source_line",
                pc.add(checked["source_line"], pa.scalar(offset, pa.int64())))
        offset += checked.num_rows
        yield split_checked("agent_calls", checked)

"""Two ways to get fct_spend_daily without tokenroi, on the same landing files.

floor:  one hand-written DuckDB SQL statement over the canonical JSONL, LiteLLM CSV and
        OTLP JSON-lines files — what the engine can do with no pipeline around it.
pandas: what an analyst would write: read every file into DataFrames, parse, merge, group.

Run as ``python -m bench.baselines floor|pandas LANDING OUT.parquet`` so each is measured
in its own process. Both price like tokenroi (catalog price per token at 12 decimals; a
blank cache price falls back to the input price).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CATALOG = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "model_prices.csv"
KEYS = ["day", "person_email", "team", "provider", "model", "model_tier", "task_class"]

FLOOR_SQL = """
with people as (
    select email, team, aliases from read_csv('{landing}/reference/people.csv')
),
identities as (
    select lower(email) as identity, email, team from people
    union all
    select lower(trim(unnest(string_split(aliases, ';')))), email, team from people
    where aliases is not null
),
prices as (
    select * from read_csv('{catalog}', types = {{
        'valid_from': 'DATE', 'valid_to': 'DATE', 'input_usd_per_mtok': 'DECIMAL(18,6)',
        'output_usd_per_mtok': 'DECIMAL(18,6)', 'cache_read_usd_per_mtok': 'DECIMAL(18,6)',
        'cache_write_usd_per_mtok': 'DECIMAL(18,6)'}})
),
canonical as (
    select cast(occurred_at as timestamp) as occurred_at, provider, model,
        lower(person_email) as identity, input_tokens, cache_read_tokens, cache_write_tokens,
        output_tokens, tags.task as task_class
    from read_json('{landing}/agent_calls/canonical/*.jsonl', format = 'newline_delimited',
        columns = {{occurred_at: 'VARCHAR', provider: 'VARCHAR', model: 'VARCHAR',
                   person_email: 'VARCHAR', input_tokens: 'BIGINT',
                   cache_read_tokens: 'BIGINT', cache_write_tokens: 'BIGINT',
                   output_tokens: 'BIGINT', tags: 'STRUCT(task VARCHAR)'}})
),
litellm as (
    select cast(startTime as timestamp) as occurred_at, custom_llm_provider as provider,
        model, lower("user") as identity,
        prompt_tokens - cast(metadata ->> '$.usage_object.cache_read_input_tokens' as bigint)
            - cast(metadata ->> '$.usage_object.cache_creation_input_tokens' as bigint)
            as input_tokens,
        cast(metadata ->> '$.usage_object.cache_read_input_tokens' as bigint)
            as cache_read_tokens,
        cast(metadata ->> '$.usage_object.cache_creation_input_tokens' as bigint)
            as cache_write_tokens,
        completion_tokens as output_tokens,
        replace(request_tags ->> '$[0]', 'task:', '') as task_class
    from read_csv('{landing}/agent_calls/litellm/*.csv', header = true, columns = {{
        request_id: 'VARCHAR', startTime: 'VARCHAR', model: 'VARCHAR',
        custom_llm_provider: 'VARCHAR', "user": 'VARCHAR', prompt_tokens: 'BIGINT',
        completion_tokens: 'BIGINT', metadata: 'JSON', request_tags: 'JSON'}})
),
otlp_requests as (
    select unnest(resourceSpans) as resource_spans
    from read_json('{landing}/agent_calls/otlp/*.jsonl', format = 'newline_delimited',
        columns = {{resourceSpans: 'STRUCT(resource STRUCT(attributes {attributes}),
            scopeSpans STRUCT(spans STRUCT(startTimeUnixNano VARCHAR,
                attributes {attributes})[])[])[]'}})
),
otlp_scopes as (
    select resource_spans.resource.attributes as resource,
        unnest(resource_spans.scopeSpans) as scope
    from otlp_requests
),
otlp_spans as (
    select resource, unnest(scope.spans) as span from otlp_scopes
),
otlp as (
    select make_timestamp(cast(span.startTimeUnixNano as bigint) // 1000) as occurred_at,
        {otlp_columns}
    from otlp_spans
),
calls as (
    select * from canonical union all select * from litellm union all select * from otlp
),
priced as (
    select
        cast(calls.occurred_at as date) as day, identities.email as person_email,
        identities.team, calls.provider, calls.model, prices.tier as model_tier,
        calls.task_class, calls.input_tokens, calls.cache_read_tokens,
        calls.cache_write_tokens, calls.output_tokens,
        calls.input_tokens * cast(prices.input_usd_per_mtok / 1000000 as decimal(18, 12))
        + calls.cache_read_tokens * cast(coalesce(prices.cache_read_usd_per_mtok,
            prices.input_usd_per_mtok) / 1000000 as decimal(18, 12))
        + calls.cache_write_tokens * cast(coalesce(prices.cache_write_usd_per_mtok,
            prices.input_usd_per_mtok) / 1000000 as decimal(18, 12))
        + calls.output_tokens * cast(prices.output_usd_per_mtok / 1000000 as decimal(18, 12))
            as cost_usd
    from calls
    join identities on calls.identity = identities.identity
    join prices
        on calls.provider = prices.provider and calls.model = prices.model
        and cast(calls.occurred_at as date) >= prices.valid_from
        and (prices.valid_to is null or cast(calls.occurred_at as date) < prices.valid_to)
)
select day, person_email, team, provider, model, model_tier, task_class,
    count(*) as calls, sum(input_tokens) as input_tokens,
    sum(cache_read_tokens) as cache_read_tokens, sum(cache_write_tokens) as cache_write_tokens,
    sum(output_tokens) as output_tokens, sum(cost_usd) as cost_usd
from priced
group by all
"""


def floor(landing: Path, out: Path) -> None:
    import duckdb

    con = duckdb.connect()
    def text(key: str) -> str:  # a span attribute's value by key
        return f"list_filter(span.attributes, lambda a: a.key = '{key}')[1].value.stringValue"

    def count(key: str) -> str:
        return (f"cast(list_filter(span.attributes, lambda a: a.key = '{key}')[1].value.intValue "
                "as bigint)")

    cache_read, cache_write = (count("gen_ai.usage.cache_read.input_tokens"),
                               count("gen_ai.usage.cache_creation.input_tokens"))
    otlp_columns = f"""{text("gen_ai.provider.name")} as provider,
        {text("gen_ai.request.model")} as model,
        lower(list_filter(resource, lambda a: a.key = 'user.email')[1].value.stringValue)
            as identity,
        {count("gen_ai.usage.input_tokens")} - {cache_read} - {cache_write} as input_tokens,
        {cache_read} as cache_read_tokens, {cache_write} as cache_write_tokens,
        {count("gen_ai.usage.output_tokens")} as output_tokens,
        {text("tokenroi.task")} as task_class"""
    attributes = "STRUCT(key VARCHAR, value STRUCT(stringValue VARCHAR, intValue VARCHAR))[]"
    sql = FLOOR_SQL.format(landing=landing, catalog=CATALOG, attributes=attributes,
                           otlp_columns=otlp_columns)
    con.execute(f"copy ({sql}) to '{out}' (format parquet)")


def pandas_way(landing: Path, out: Path) -> None:
    import pandas as pd

    people = pd.read_csv(landing / "reference" / "people.csv")
    identities = pd.concat([
        pd.DataFrame({"identity": people["email"].str.lower(), "person_email": people["email"],
                      "team": people["team"]}),
        people.assign(identity=people["aliases"].fillna("").str.split(";"))
        .explode("identity").query("identity != ''")
        .assign(identity=lambda f: f["identity"].str.strip().str.lower())
        .rename(columns={"email": "person_email"})[["identity", "person_email", "team"]],
    ])
    canonical = pd.concat(
        [pd.read_json(path, lines=True, dtype={"event_id": str})
         for path in sorted((landing / "agent_calls" / "canonical").glob("*.jsonl"))],
        ignore_index=True)
    canonical["task_class"] = canonical["tags"].map(lambda tags: tags.get("task"))
    canonical["identity"] = canonical["person_email"].str.lower()
    litellm = pd.concat(
        [pd.read_csv(path) for path in sorted((landing / "agent_calls" / "litellm").glob("*.csv"))],
        ignore_index=True)
    usage = litellm["metadata"].map(lambda text: json.loads(text)["usage_object"])
    litellm["cache_read_tokens"] = usage.map(lambda u: u["cache_read_input_tokens"])
    litellm["cache_write_tokens"] = usage.map(lambda u: u["cache_creation_input_tokens"])
    litellm["input_tokens"] = (litellm["prompt_tokens"] - litellm["cache_read_tokens"]
                               - litellm["cache_write_tokens"])
    litellm["task_class"] = litellm["request_tags"].map(
        lambda text: json.loads(text)[0].removeprefix("task:"))
    litellm = litellm.rename(columns={"startTime": "occurred_at", "completion_tokens":
                                      "output_tokens", "custom_llm_provider": "provider"})
    litellm["identity"] = litellm["user"].str.lower()
    otlp = pd.DataFrame(_otlp_spans(landing))
    columns = ["occurred_at", "provider", "model", "identity", "input_tokens",
               "cache_read_tokens", "cache_write_tokens", "output_tokens", "task_class"]
    for frame in (canonical, litellm):
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True, format="ISO8601")
    if len(otlp):
        otlp["occurred_at"] = pd.to_datetime(otlp["occurred_at"].astype("int64"), unit="ns",
                                             utc=True)
    calls = pd.concat([frame[columns] for frame in (canonical, litellm, otlp) if len(frame)],
                      ignore_index=True)
    calls["day"] = calls["occurred_at"].dt.date
    calls = calls.merge(identities, on="identity")
    prices = pd.read_csv(CATALOG, parse_dates=["valid_from", "valid_to"])
    calls = calls.merge(prices, on=["provider", "model"])
    when = pd.to_datetime(calls["day"])
    calls = calls[(when >= calls["valid_from"])
                  & (calls["valid_to"].isna() | (when < calls["valid_to"]))]
    per_token = {c: calls[c] / 1e6 for c in ["input_usd_per_mtok", "output_usd_per_mtok"]}
    cache_read = calls["cache_read_usd_per_mtok"].fillna(calls["input_usd_per_mtok"]) / 1e6
    cache_write = calls["cache_write_usd_per_mtok"].fillna(calls["input_usd_per_mtok"]) / 1e6
    calls["cost_usd"] = (calls["input_tokens"] * per_token["input_usd_per_mtok"]
                         + calls["cache_read_tokens"] * cache_read
                         + calls["cache_write_tokens"] * cache_write
                         + calls["output_tokens"] * per_token["output_usd_per_mtok"])
    calls = calls.rename(columns={"tier": "model_tier"})
    daily = calls.groupby(KEYS, as_index=False).agg(
        calls=("cost_usd", "size"), input_tokens=("input_tokens", "sum"),
        cache_read_tokens=("cache_read_tokens", "sum"),
        cache_write_tokens=("cache_write_tokens", "sum"),
        output_tokens=("output_tokens", "sum"), cost_usd=("cost_usd", "sum"))
    daily.to_parquet(out)


def _otlp_spans(landing: Path) -> list[dict]:
    """GenAI spans from the collector's JSON lines, flattened in Python (no reader for it)."""
    def values(attributes: list[dict]) -> dict:
        return {a["key"]: next(iter(a["value"].values())) for a in attributes}

    rows = []
    for path in sorted((landing / "agent_calls" / "otlp").glob("*.jsonl")):
        with path.open() as handle:
            for line in handle:
                for resource_spans in json.loads(line).get("resourceSpans", []):
                    resource = values(resource_spans["resource"]["attributes"])
                    for scope in resource_spans["scopeSpans"]:
                        for span in scope["spans"]:
                            a = values(span["attributes"])
                            read = int(a["gen_ai.usage.cache_read.input_tokens"])
                            written = int(a["gen_ai.usage.cache_creation.input_tokens"])
                            rows.append({
                                "occurred_at": int(span["startTimeUnixNano"]),
                                "provider": a["gen_ai.provider.name"],
                                "model": a["gen_ai.request.model"],
                                "identity": resource["user.email"].lower(),
                                "input_tokens": int(a["gen_ai.usage.input_tokens"]) - read
                                - written,
                                "cache_read_tokens": read, "cache_write_tokens": written,
                                "output_tokens": int(a["gen_ai.usage.output_tokens"]),
                                "task_class": a["tokenroi.task"]})
    return rows


if __name__ == "__main__":
    way, landing, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    {"floor": floor, "pandas": pandas_way}[way](landing, out)

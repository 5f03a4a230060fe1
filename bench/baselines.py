"""Two ways to get fct_spend_daily without tokenroi, on the same landing files.

floor:  one hand-written DuckDB SQL statement over the canonical JSONL and LiteLLM CSV
        files — what the engine can do with no pipeline around it.
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
calls as (
    select * from canonical union all select * from litellm
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
    sql = FLOOR_SQL.format(landing=landing, catalog=CATALOG)
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
    columns = ["occurred_at", "provider", "model", "identity", "input_tokens",
               "cache_read_tokens", "cache_write_tokens", "output_tokens", "task_class"]
    calls = pd.concat([canonical[columns], litellm[columns]], ignore_index=True)
    calls["occurred_at"] = pd.to_datetime(calls["occurred_at"], utc=True, format="ISO8601")
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


if __name__ == "__main__":
    way, landing, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    {"floor": floor, "pandas": pandas_way}[way](landing, out)

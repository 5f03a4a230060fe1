"""A large synthetic org for benchmarks, written by DuckDB (seconds for millions of calls).

Not the sample org (pipelines/generate/, per-call Python with truth.json): this one only
has to be big, deterministic and realistic in shape. Calls are spread over people with a
heavy tail, over six priced models in three tiers and four task classes (tagged), and
land as canonical JSONL (about 65%), LiteLLM SpendLogs CSV (about 25%) and OpenTelemetry
GenAI spans (about 10%, the collector's file exporter: one export request per line), one
file per day and format; commits (about one per 70 calls) and CRM deal events as canonical JSONL.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb

MODELS = [  # provider, model, share of calls
    ("anthropic", "claude-opus-4-6", 0.28), ("anthropic", "claude-sonnet-4-5", 0.27),
    ("openai", "gpt-5.2", 0.10), ("openai", "gpt-5-mini", 0.15),
    ("deepseek", "deepseek-chat", 0.12), ("anthropic", "claude-haiku-4-5", 0.08),
]
TASKS = [("implementation", 0.55), ("planning", 0.15), ("trivial", 0.20), ("non_work", 0.10)]
LITELLM_SHARE = 0.25
OTLP_SHARE = 0.10
CALLS_PER_PERSON_MONTH = 5_000  # a 2,000-engineer org makes ~10M calls a month
TEAMS = 12


def _case(unit: str, choices: list[tuple[str, float]], pick) -> str:
    """A SQL CASE choosing among weighted options by a uniform value in [0, 1)."""
    parts, bound = [], 0.0
    for option, weight in choices[:-1]:
        bound += weight
        parts.append(f"when {unit} < {bound:.6f} then {pick(option)}")
    return f"case {' '.join(parts)} else {pick(choices[-1][0])} end"


def _uniform(*salt: object) -> str:
    """A deterministic uniform value in [0, 1) from the row's coordinates."""
    return f"(hash(i, day_number, {', '.join(repr(str(s)) for s in salt)}) % 1000003) / 1000003.0"


def generate(out: Path, calls: int, days: int, start: date = date(2026, 1, 1)) -> dict:
    """Write the landing folder; return what was written."""
    people = max(20, round(calls / days * 30 / CALLS_PER_PERSON_MONTH))
    per_day = calls // days
    for folder in ("agent_calls/canonical", "agent_calls/litellm", "agent_calls/otlp", "git",
                   "crm/canonical", "reference"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    con.execute(f"""
        create table people as
        select i, format('eng{{:05d}}@bench.example', i) as email,
               format('team-{{:02d}}', i % {TEAMS}) as team,
               100000 + (i % 9) * 15000 as annual_cost_usd
        from range({people}) t(i)""")
    con.execute(f"copy (select email, 'Engineer ' || i as name, team, annual_cost_usd, "
                f"'gw-' || i as aliases from people) to '{out}/reference/people.csv' (header)")
    con.execute(f"copy (select 'team' as scope, team as scope_id, 40000 as monthly_limit_usd "
                f"from people group by team order by team) to '{out}/reference/budgets.csv' "
                "(header)")
    features = max(50, people // 4)
    con.execute(f"copy (select format('F{{}}-{{}}', i % {TEAMS}, i) as feature_key, "
                f"'Feature ' || i as name, 'area-' || (i % {TEAMS}) as product_area "
                f"from range({features}) t(i)) to '{out}/reference/features.csv' (header)")
    model_pick = _case(_uniform("model"), [((p, m), w) for p, m, w in MODELS],
                       lambda pm: f"['{pm[0]}', '{pm[1]}']")
    task_pick = _case(_uniform("task"), TASKS, lambda t: f"'{t}'")
    for day_number in range(days):
        day = start + timedelta(days=day_number)
        # The day's calls: a tail of heavy users (u^1.5), sessions of two hours, 30% with a
        # feature key on the branch.
        con.execute(f"""
            create or replace temp table calls as
            with base as (
                select i, {day_number} as day_number from range({per_day}) t(i)
            )
            select
                i, day_number,
                format('c{day_number:04d}-{{:09d}}', i) as event_id,
                timestamp '{day}' + to_seconds(cast(hash(i, day_number, 't') % 86400 as bigint))
                    as occurred_at,
                cast(floor({people} * pow({_uniform("person")}, 1.5)) as bigint) as person,
                {model_pick} as provider_model,
                {task_pick} as task,
                200 + cast(hash(i, day_number, 'in') % 20000 as bigint) as input_tokens,
                50 + cast(hash(i, day_number, 'out') % 4000 as bigint) as output_tokens,
                cast(hash(i, day_number, 'cr') % 40000 as bigint) as cache_read_tokens,
                cast(hash(i, day_number, 'cw') % 3000 as bigint) as cache_write_tokens,
                case when {_uniform("channel")} < {LITELLM_SHARE} then 'litellm'
                     when {_uniform("channel")} < {LITELLM_SHARE + OTLP_SHARE} then 'otlp'
                     else 'canonical' end as channel,
                {_uniform("feature")} < 0.3 as on_feature
            from base""")
        con.execute(f"""
            copy (
                select event_id, strftime(occurred_at, '%Y-%m-%dT%H:%M:%SZ') as occurred_at,
                    provider_model[1] as provider, provider_model[2] as model,
                    people.email as person_email, 'claude_code' as tool,
                    people.email || '-' || day_number || '-' || (hour(occurred_at) // 2)
                        as session_id,
                    'repo-' || (person % {TEAMS}) as repo,
                    case when on_feature
                        then format('feature/F{{}}-{{}}', person % {TEAMS}, person % {features})
                        else 'main' end as branch,
                    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                    {{'task': task}} as tags
                from calls join people on calls.person = people.i
                where channel = 'canonical'
            ) to '{out}/agent_calls/canonical/calls-{day}.jsonl' (format json)""")
        con.execute(f"""
            copy (
                select 'req-' || event_id as request_id,
                    strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.000Z') as startTime,
                    provider_model[2] as model, provider_model[1] as custom_llm_provider,
                    'gw-' || person as "user",
                    input_tokens + cache_read_tokens + cache_write_tokens as prompt_tokens,
                    output_tokens as completion_tokens,
                    to_json({{'usage_object': {{'cache_read_input_tokens': cache_read_tokens,
                             'cache_creation_input_tokens': cache_write_tokens}}}}) as metadata,
                    to_json(['task:' || task]) as request_tags
                from calls where channel = 'litellm'
            ) to '{out}/agent_calls/litellm/spend-{day}.csv' (header)""")
        # GenAI spans: gen_ai.usage.input_tokens includes cache reads and writes; 64-bit
        # ints as strings, as OTLP/JSON encodes them.
        def attribute(key: str, kind: str, value: str) -> str:
            return f"{{'key': '{key}', 'value': map {{'{kind}': cast({value} as varchar)}}}}"

        span_attributes = ", ".join([
            attribute("gen_ai.operation.name", "stringValue", "'chat'"),
            attribute("gen_ai.provider.name", "stringValue", "provider_model[1]"),
            attribute("gen_ai.request.model", "stringValue", "provider_model[2]"),
            attribute("gen_ai.usage.input_tokens", "intValue",
                      "input_tokens + cache_read_tokens + cache_write_tokens"),
            attribute("gen_ai.usage.cache_read.input_tokens", "intValue", "cache_read_tokens"),
            attribute("gen_ai.usage.cache_creation.input_tokens", "intValue",
                      "cache_write_tokens"),
            attribute("gen_ai.usage.output_tokens", "intValue", "output_tokens"),
            attribute("gen_ai.conversation.id", "stringValue",
                      "people.email || '-' || day_number || '-' || (hour(occurred_at) // 2)"),
            attribute("tokenroi.task", "stringValue", "task"),
        ])
        con.execute(f"""
            copy (
                select [{{
                    'resource': {{'attributes': [{attribute("user.email", "stringValue",
                                                            "people.email")}]}},
                    'scopeSpans': [{{
                        'scope': {{'name': 'opentelemetry.instrumentation.genai'}},
                        'spans': [{{
                            'traceId': md5(event_id), 'spanId': md5(event_id)[1:16],
                            'name': 'chat ' || provider_model[2], 'kind': 3,
                            'startTimeUnixNano': cast(epoch_ns(occurred_at) as varchar),
                            'endTimeUnixNano': cast(epoch_ns(occurred_at) as varchar),
                            'attributes': [{span_attributes}]
                        }}]
                    }}]
                }}] as resourceSpans
                from calls join people on calls.person = people.i
                where channel = 'otlp'
            ) to '{out}/agent_calls/otlp/otel-{day}.jsonl' (format json)""")
        commits = max(1, per_day // 70)
        con.execute(f"""
            copy (
                select 'repo-' || (i % {TEAMS}) as repo,
                    sha256('{day}' || i) [1:40] as sha, [] as parents,
                    'Engineer ' || (i % {people}) as author_name,
                    format('eng{{:05d}}@bench.example', i % {people}) as author_email,
                    strftime(timestamp '{day}' + to_seconds(cast(hash(i, 'c') % 86400 as bigint)),
                             '%Y-%m-%dT%H:%M:%SZ') as authored_at,
                    'Engineer ' || (i % {people}) as committer_name,
                    format('eng{{:05d}}@bench.example', i % {people}) as committer_email,
                    strftime(timestamp '{day}' + to_seconds(cast(hash(i, 'c') % 86400 as bigint)),
                             '%Y-%m-%dT%H:%M:%SZ') as committed_at,
                    format('F{{}}-{{}}: change {{}}', i % {TEAMS}, i % {features}, i) as message,
                    cast(hash(i, 'a') % 200 as bigint) as additions,
                    cast(hash(i, 'd') % 80 as bigint) as deletions,
                    1 + cast(hash(i, 'f') % 6 as bigint) as files_changed,
                    true as is_on_default_branch
                from range({commits}) t(i)
            ) to '{out}/git/commits-{day}.jsonl' (format json)""")
    deals = max(100, people)
    con.execute(f"""
        copy (
            select 'evt-' || i || '-' || step as event_id, 'D' || i as deal_id,
                strftime(timestamp '{start}' + to_days(cast((i * 7 + step * 5) % {days} as int)),
                         '%Y-%m-%dT%H:%M:%SZ') as occurred_at,
                step as sequence,
                case step when 0 then 'created' else
                    case when i % 3 = 0 then 'closed_won' else 'stage_changed' end end
                    as event_type,
                'Account ' || (i % 500) as account, 'Deal ' || i as deal_name,
                case step when 0 then 'open' else
                    case when i % 3 = 0 then 'closed_won' else 'negotiation' end end as stage,
                1000 + (i % 50) * 1000 as amount_usd,
                [format('F{{}}-{{}}', i % {TEAMS}, i % {features})] as features
            from range({deals}) t(i), range(2) s(step)
        ) to '{out}/crm/canonical/deals.jsonl' (format json)""")
    summary = {"calls": per_day * days, "requested_calls": calls, "days": days,
               "people": people, "start": str(start),
               "commits": max(1, per_day // 70) * days, "deals": deals}
    (out / "bench.json").write_text(json.dumps(summary, indent=1))
    return summary

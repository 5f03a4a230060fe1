-- Per day, fct_spend_daily holds every priced call's cost and every call: nothing lost or
-- counted twice between the call grain and the daily grain.
{{ config(meta={'dagster': {'ref': {'name': 'fct_spend_daily'}}}) }}
with calls as (

    select
        occurred_date as day,
        coalesce(sum(cost_usd), 0) as cost_usd,
        sum(request_count) as calls
    from {{ ref('fct_agent_calls') }}
    group by occurred_date

),

daily as (

    select
        day,
        sum(cost_usd) as cost_usd,
        sum(calls) as calls
    from {{ ref('fct_spend_daily') }}
    group by day

)

select
    coalesce(calls.day, daily.day) as day,
    calls.cost_usd,
    daily.cost_usd as daily_cost_usd,
    calls.calls,
    daily.calls as daily_calls
from calls
full outer join daily
    on calls.day = daily.day
where
    round(coalesce(calls.cost_usd, 0), 2) <> round(coalesce(daily.cost_usd, 0), 2)
    or coalesce(calls.calls, 0) <> coalesce(daily.calls, 0)

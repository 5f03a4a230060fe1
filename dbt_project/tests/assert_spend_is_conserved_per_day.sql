-- docs/rules.md "Quality gates": per day, attributed + unattributed = total spend, to the cent.
{{ config(meta={'dagster': {'ref': {'name': 'fct_spend_attribution'}}}) }}
with calls as (

    select
        occurred_date as day,
        sum(cost_usd) as cost_usd
    from {{ ref('fct_agent_calls') }}
    group by occurred_date

),

attribution as (

    select
        day,
        sum(attributed_cost_usd) as attributed_cost_usd,
        sum(unattributed_cost_usd) as unattributed_cost_usd
    from {{ ref('fct_spend_attribution') }}
    group by day

)

select
    calls.day,
    calls.cost_usd,
    attribution.attributed_cost_usd,
    attribution.unattributed_cost_usd
from calls
full outer join attribution
    on calls.day = attribution.day
where round(coalesce(calls.cost_usd, 0), 2) <> round(
    coalesce(attribution.attributed_cost_usd, 0) + coalesce(attribution.unattributed_cost_usd, 0),
    2
)

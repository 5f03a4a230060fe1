-- docs/rules.md "Quality gates": credited + not credited = closed-won revenue, per deal.
{{ config(meta={'dagster': {'ref': {'name': 'fct_revenue_attribution'}}}) }}
with won as (

    select
        deal_id,
        amount_usd
    from {{ ref('fct_deals') }}
    where is_won

),

split as (

    select
        deal_id,
        sum(credited_revenue_usd + not_credited_revenue_usd) as split_usd
    from {{ ref('fct_revenue_attribution') }}
    group by deal_id

)

select
    won.deal_id,
    won.amount_usd,
    split.split_usd
from won
left join split
    on won.deal_id = split.deal_id
where round(won.amount_usd, 2) <> round(coalesce(split.split_usd, 0), 2)

-- What routing routine work to open models would save (docs/rules.md "Routing savings"):
-- trivial, non-work and implementation calls on frontier or mid models are re-priced at the
-- open target configured for their class (seed routing_targets), same token buckets;
-- savings = max(cost - routed cost, 0). Planning is never routed.
with calls as (

    select * from {{ ref('fct_agent_calls') }}
    where cost_usd is not null

),

targets as (

    select * from {{ ref('routing_targets') }}

),

prices as (

    select * from {{ ref('int_model_prices_resolved') }}

),

routed as (

    select
        calls.*,
        case
            when calls.model_tier in ('frontier', 'mid') and prices.provider is not null
                then {{ priced_tokens('calls', 'prices', tiers=false) }}
            else calls.cost_usd
        end as routed_cost_usd
    from calls
    left join targets
        on calls.task_class = targets.task_class
    left join prices
        on
            lower(targets.target_provider) = prices.provider
            and targets.target_model = prices.model
            and {{ price_in_force('prices', 'calls.occurred_at') }}

),

final as (

    select
        {{ format_time('occurred_at', '%Y-%m') }} as month,
        team,
        task_class,
        model_tier,
        sum(cost_usd) as cost_usd,
        sum(routed_cost_usd) as routed_cost_usd,
        sum(greatest(cost_usd - routed_cost_usd, 0)) as savings_usd
    from routed
    group by all

)

select * from final

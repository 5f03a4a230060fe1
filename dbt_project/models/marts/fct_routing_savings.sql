-- What routing routine work to open models would save (DESIGN.md "Routing savings"):
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
                then calls.input_tokens * prices.input_usd_per_token
                + calls.cache_read_tokens * prices.cache_read_usd_per_token
                + calls.cache_write_tokens * prices.cache_write_usd_per_token
                + calls.cache_write_1h_tokens * prices.cache_write_1h_usd_per_token
                + calls.output_tokens * prices.output_usd_per_token
            else calls.cost_usd
        end as routed_cost_usd
    from calls
    left join targets
        on calls.task_class = targets.task_class
    left join prices
        on
            lower(targets.target_provider) = prices.provider
            and targets.target_model = prices.model
            and calls.occurred_at >= prices.valid_from
            and (prices.valid_until is null or calls.occurred_at < prices.valid_until)

),

final as (

    select
        strftime(occurred_at, '%Y-%m') as month,
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

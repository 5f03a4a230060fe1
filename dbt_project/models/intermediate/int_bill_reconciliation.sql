-- DESIGN.md "The bill": per (provider, model, day), usage exports are what was billed and
-- per-call logs are the detail. Both sides are priced with the catalog, so the comparison
-- is of like with like (a source's reported cost does not move the bill).
with calls as (

    select * from {{ ref('int_agent_calls_priced') }}

),

billed as (

    select
        provider,
        model_key,
        cast(occurred_at as date) as day,
        sum(catalog_cost_usd) as billed_cost_usd
    from calls
    where is_usage_export
    group by all

),

logged as (

    select
        provider,
        model_key,
        cast(occurred_at as date) as day,
        sum(catalog_cost_usd) as logged_cost_usd
    from calls
    where not is_usage_export
    group by all

),

final as (

    select
        billed.provider,
        billed.model_key,
        billed.day,
        billed.billed_cost_usd,
        coalesce(logged.logged_cost_usd, 0) as logged_cost_usd,
        greatest(billed.billed_cost_usd - coalesce(logged.logged_cost_usd, 0), 0)
            as unlogged_cost_usd
    from billed
    left join logged
        on
            billed.provider = logged.provider
            and billed.model_key = logged.model_key
            and billed.day = logged.day
    where billed.billed_cost_usd is not null

)

select * from final

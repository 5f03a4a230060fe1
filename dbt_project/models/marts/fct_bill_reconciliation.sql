with bill as (

    select * from {{ ref('int_bill_reconciliation') }}

),

final as (

    select
        day,
        provider,
        model_key as model,
        billed_cost_usd,
        least(logged_cost_usd, billed_cost_usd) as logged_cost_usd,
        unlogged_cost_usd,
        -- Telemetry coverage: the share of the bill that per-call logs explain.
        case
            when billed_cost_usd > 0
                then cast(least(logged_cost_usd, billed_cost_usd) as double)
                / cast(billed_cost_usd as double)
        end as telemetry_coverage
    from bill

)

select * from final

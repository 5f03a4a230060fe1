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
        {{ ratio('least(logged_cost_usd, billed_cost_usd)', 'billed_cost_usd') }}
            as telemetry_coverage
    from bill

)

select * from final

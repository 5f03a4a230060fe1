with bill as (

    select * from {{ ref('int_bill_reconciliation') }}

),

final as (

    select
        day,
        provider,
        -- NULL where the bill names no model: reconciled per provider and day
        model_key as model,
        grain,
        case when is_from_costs then 'cost_endpoint' else 'usage_export' end as bill_source,
        billed_cost_usd,
        -- (NULL with the bill's dollars: a sum of logged over billed stays a share)
        case
            when billed_cost_usd is not null then least(logged_cost_usd, billed_cost_usd)
        end as logged_cost_usd,
        unlogged_cost_usd,
        non_token_cost_usd,
        billed_tokens,
        logged_tokens,
        unlogged_tokens,
        -- Telemetry coverage: the share of the bill that per-call logs explain, in dollars;
        -- in tokens where the bill has no price (a usage bucket grouped by no model).
        case
            when billed_cost_usd is not null
                then {{ ratio('least(logged_cost_usd, billed_cost_usd)', 'billed_cost_usd') }}
            else {{ ratio('least(logged_tokens, billed_tokens)', 'billed_tokens') }}
        end as telemetry_coverage,
        case when billed_cost_usd is not null then 'cost' else 'tokens' end as coverage_basis
    from bill

)

select * from final

-- Quality gate: per provider, the share of the bill over the last telemetry_coverage_days
-- that per-call logs explain, at least telemetry_coverage_floor.
with bill_window as (

    select *
    from {{ ref('fct_bill_reconciliation') }}
    where
        day > (select max(day) from {{ ref('fct_bill_reconciliation') }})
        - {{ var('telemetry_coverage_days') }}

),

telemetry_coverage as (

    select
        'telemetry_coverage' as check_name,
        provider as subject,
        '{{ gate_severity("telemetry_coverage") }}' as severity,
        {{ ratio('sum(logged_cost_usd)', 'sum(billed_cost_usd)') }} as observed_value,
        {{ var('telemetry_coverage_floor') }} as threshold,
        'share' as unit,
        cast(null as bigint) as affected_rows,
        'per-call logs explain $' || round(sum(logged_cost_usd), 2) || ' of $'
        || round(sum(billed_cost_usd), 2) || ' billed, ' || min(day) || ' to '
        || max(day) as detail
    from bill_window
    group by provider
    having sum(billed_cost_usd) > 0

),

final as (

    select
        check_name,
        subject,
        severity,
        -- a floor: the logs explain at least the threshold
        {{ gate_status(floor=true) }} as status,
        cast(observed_value as double) as observed_value,
        cast(threshold as double) as threshold,
        unit,
        affected_rows,
        detail,
        {{ gate_measured_at() }} as measured_at
    from telemetry_coverage

)

select * from final

-- Quality gate: per currency with deals no rate converts to the reporting currency (only
-- then), their share of deals with an amount; any is outside the gate.
with deal_amounts as (

    select
        currency,
        count(*) filter (where amount_usd_missing_reason = 'no_exchange_rate') as unconverted,
        sum(count(*)) over () as deals_with_amount,
        min(deal_id) filter (where amount_usd_missing_reason = 'no_exchange_rate')
            as first_deal_id,
        max(reporting_currency) as reporting_currency
    from {{ ref('fct_deals') }}
    where amount is not null
    group by currency

),

unconverted_deals as (

    -- a deal whose currency has no rate on its close date counts in no revenue total
    select
        'unconverted_deal_amounts' as check_name,
        currency as subject,
        '{{ gate_severity("unconverted_deal_amounts") }}' as severity,
        {{ ratio('unconverted', 'deals_with_amount') }} as observed_value,
        0 as threshold,
        'share' as unit,
        unconverted as affected_rows,
        unconverted || ' deal(s) in ' || currency || ' have no rate to ' || reporting_currency
        || ' on their close date (first ' || first_deal_id
        || '), so no amount_usd and no revenue: add ' || currency
        || ' to landing/reference/fx_rates.csv' as detail
    from deal_amounts
    where unconverted > 0

),

final as (

    select
        check_name,
        subject,
        severity,
        {{ gate_status() }} as status,
        cast(observed_value as double) as observed_value,
        cast(threshold as double) as threshold,
        unit,
        affected_rows,
        detail,
        {{ gate_measured_at() }} as measured_at
    from unconverted_deals

)

select * from final

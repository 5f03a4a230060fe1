-- The run's quality gates beside their thresholds (dbt vars): one row per gate and subject.
-- The Great Expectations checks on this table decide: an 'error' gate that is not 'pass'
-- stops publication, a 'warn' gate shows in the report's data-quality section.
{%- set freshness_max_hours = var('freshness_max_hours') %}
{%- set measured_at -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp)
{%- endset %}

with calls as (

    select * from {{ ref('fct_agent_calls') }}

),

newest_events as (

    select
        'agent_calls' as stream,
        'agent_calls/' || source as subject,
        max(occurred_at) as newest_at
    from {{ ref('stg_raw__agent_calls') }}
    group by source

    union all

    select
        'commits',
        'commits',
        max(committed_at)
    from {{ ref('stg_raw__commits') }}

    union all

    select
        'deal_events',
        'deal_events',
        max(occurred_at)
    from {{ ref('stg_raw__deal_events') }}

),

newest_ages as (

    select
        *,
        {{ measured_at }} as measured_at
    from newest_events

),

freshness as (

    select
        'source_freshness' as check_name,
        subject,
        'warn' as severity,
        {{ dbt.datediff('newest_at', 'measured_at', 'second') | trim }} / 3600.0 as observed_value,
        case stream
            {%- for stream, hours in freshness_max_hours.items() %}
                when '{{ stream }}' then {{ hours }}
            {%- endfor %}
        end as threshold,
        'hours' as unit,
        cast(null as bigint) as affected_rows,
        'newest event ' || {{ format_time('newest_at', '%Y-%m-%d %H:%M') }} || ' UTC' as detail
    from newest_ages
    where newest_at is not null

),

bill_window as (

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
        'warn' as severity,
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

tokens_by_month as (

    select
        {{ format_time('occurred_date', '%Y-%m') }} as month,
        sum(
            input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens
            + output_tokens
        ) as tokens,
        sum(
            input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens
            + output_tokens
        ) filter (where cost_source = 'unpriced') as unpriced_tokens,
        count(*) filter (where cost_source = 'unpriced') as unpriced_calls,
        {{ sorted_distinct_text("provider || '/' || model", "', '", "cost_source = 'unpriced'") }}
            as unpriced_models
    from calls
    where not is_unlogged
    group by month

),

unpriced_share as (

    select
        'unpriced_token_share' as check_name,
        month as subject,
        'error' as severity,
        coalesce({{ ratio('unpriced_tokens', 'tokens') }}, 0) as observed_value,
        {{ var('max_unpriced_token_share') }} as threshold,
        'share' as unit,
        unpriced_calls as affected_rows,
        case
            when unpriced_calls = 0 then 'every call has a price'
            else
                'no price for ' || unpriced_models
                || ': add them to landing/reference/model_prices.csv'
        end as detail
    from tokens_by_month

),

spend_by_month as (

    select
        {{ format_time('occurred_date', '%Y-%m') }} as month,
        sum(cost_usd) as cost_usd,
        sum(cost_usd) filter (where not is_known_person) as unknown_cost_usd,
        count(distinct person_email) filter (where not is_known_person) as unknown_identities
    from calls
    group by month

),

unknown_identities as (

    select
        'unknown_identity_spend' as check_name,
        month as subject,
        'warn' as severity,
        coalesce({{ ratio('unknown_cost_usd', 'cost_usd') }}, 0) as observed_value,
        {{ var('max_unknown_identity_spend_share') }} as threshold,
        'share' as unit,
        unknown_identities as affected_rows,
        case
            when unknown_identities = 0 then 'every identity is in people.csv'
            else
                unknown_identities
                || ' identities not in people.csv (marts.fct_unknown_identities)'
        end as detail
    from spend_by_month

),

loaded_by_source as (

    select
        {{ landing_source('source_file') }} as landing_source,
        count(*) as records
    from {{ ref('stg_raw__agent_calls') }}
    group by landing_source

    union all

    select
        {{ landing_source('source_file') }} as landing_source,
        count(*) as records
    from {{ ref('stg_raw__commits') }}
    group by landing_source

    union all

    select
        {{ landing_source('source_file') }} as landing_source,
        count(*) as records
    from {{ ref('stg_raw__deal_events') }}
    group by landing_source

),

quarantined as (

    select
        source,
        reason,
        count(*) as records,
        sum(count(*)) over (partition by source) as source_records,
        min(source_file || ':' || source_line) as first_at
    from {{ ref('fct_quarantined_records') }}
    group by source, reason

),

quarantine as (

    select
        'quarantined_records' as check_name,
        quarantined.source as subject,
        'warn' as severity,
        {{ ratio('quarantined.source_records',
                 'quarantined.source_records + coalesce(loaded.records, 0)') }} as observed_value,
        {{ var('max_quarantined_share') }} as threshold,
        'share' as unit,
        quarantined.records as affected_rows,
        quarantined.reason || ' (first at ' || quarantined.first_at || ')' as detail
    from quarantined
    left join (
        select
            landing_source as source,
            sum(records) as records
        from loaded_by_source
        group by landing_source
    ) as loaded
        on quarantined.source = loaded.source

),

deal_amounts as (

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
        'warn' as severity,
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

gates as (

    select * from freshness
    union all
    select * from telemetry_coverage
    union all
    select * from unpriced_share
    union all
    select * from unknown_identities
    union all
    select * from quarantine
    union all
    select * from unconverted_deals

),

final as (

    select
        check_name,
        subject,
        severity,
        case
            -- freshness is an upper limit in hours; coverage a floor; the rest are ceilings
            when check_name = 'telemetry_coverage' and observed_value >= threshold then 'pass'
            when check_name <> 'telemetry_coverage' and observed_value <= threshold then 'pass'
            when severity = 'error' then 'fail'
            else 'warn'
        end as status,
        cast(observed_value as double) as observed_value,
        cast(threshold as double) as threshold,
        unit,
        affected_rows,
        detail,
        {{ measured_at }} as measured_at
    from gates

)

select * from final

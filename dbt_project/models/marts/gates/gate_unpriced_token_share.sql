-- Quality gate (blocking by default): per month, the share of tokens on models without a
-- price, at most max_unpriced_token_share.
with calls as (

    select * from {{ ref('fct_agent_calls') }}

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
        '{{ gate_severity("unpriced_token_share") }}' as severity,
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
    from unpriced_share

)

select * from final

-- Quality gate: per month, the share of spend by identities people.csv does not name, at
-- most max_unknown_identity_spend_share.
with calls as (

    select * from {{ ref('fct_agent_calls') }}

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
        '{{ gate_severity("unknown_identity_spend") }}' as severity,
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
    from unknown_identities

)

select * from final

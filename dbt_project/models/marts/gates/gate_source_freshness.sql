-- Quality gate: hours since each landing source's newest event, at most freshness_max_hours.
{%- set freshness_max_hours = var('freshness_max_hours') %}

with newest_events as (

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
        {{ gate_measured_at() }} as measured_at
    from newest_events

),

freshness as (

    select
        'source_freshness' as check_name,
        subject,
        '{{ gate_severity("source_freshness") }}' as severity,
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
    from freshness

)

select * from final

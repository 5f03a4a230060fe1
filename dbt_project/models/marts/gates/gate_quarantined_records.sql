-- Quality gate: per landing source and reason, the source's quarantined share of its
-- records, at most max_quarantined_share.
with loaded_by_source as (

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
        '{{ gate_severity("quarantined_records") }}' as severity,
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
    from quarantine

)

select * from final

-- Every landing unit's latest ingest: how many of its records were loaded, quarantined or
-- skipped by a named rule. Nothing vanishes: records = loaded + quarantined + skipped, and
-- the loaded rows are in the event log under the same batch.
with outcomes as (

    select * from {{ ref('stg_raw__ingested_files') }}

),

latest as (

    -- An edited file is re-ingested whole: its current accounting is its latest batch's.
    select *
    from outcomes
    qualify ingested_at = max(ingested_at) over (partition by stream, source_file)

),

final as (

    select
        stream,
        {{ landing_source('source_file') }} as source,
        source_file,
        batch_id,
        ingested_at,
        sum(records) as records,
        sum(case when outcome = 'loaded' then records else 0 end) as loaded,
        sum(case when outcome = 'quarantined' then records else 0 end) as quarantined,
        sum(case when outcome = 'skipped' then records else 0 end) as skipped,
        {{ sorted_distinct_text(
            "rule || ': ' || cast(records as string)", "', '",
            "outcome = 'skipped' and records > 0"
        ) }} as skipped_by_rule
    from latest
    group by stream, source_file, batch_id, ingested_at

)

select * from final

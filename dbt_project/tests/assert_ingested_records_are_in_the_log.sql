-- Nothing vanishes between a landing file and the event log: per batch, the records the
-- ingest says it loaded are the rows the log holds, and those it says it quarantined are
-- the quarantine's rows. Returns the batches that disagree.
{{ config(meta={'dagster': {'ref': {'name': 'stg_raw__ingested_files'}}}) }}
with accounted as (

    select
        batch_id,
        sum(case when outcome = 'loaded' then records else 0 end) as loaded,
        sum(case when outcome = 'quarantined' then records else 0 end) as quarantined
    from {{ ref('stg_raw__ingested_files') }}
    group by batch_id

),

logged as (

    select
        batch_id,
        count(*) as rows_in_log
    from (
        select batch_id from {{ source('raw', 'agent_calls') }}
        union all
        select batch_id from {{ source('raw', 'commits') }}
        union all
        select batch_id from {{ source('raw', 'deal_events') }}
    ) as rows_of_every_stream
    group by batch_id

),

refused as (

    select
        batch_id,
        count(*) as rows_in_quarantine
    from {{ source('raw', 'quarantine') }}
    group by batch_id

)

select
    accounted.batch_id,
    accounted.loaded,
    coalesce(logged.rows_in_log, 0) as rows_in_log,
    accounted.quarantined,
    coalesce(refused.rows_in_quarantine, 0) as rows_in_quarantine
from accounted
left join logged on accounted.batch_id = logged.batch_id
left join refused on accounted.batch_id = refused.batch_id
where
    accounted.loaded <> coalesce(logged.rows_in_log, 0)
    or accounted.quarantined <> coalesce(refused.rows_in_quarantine, 0)

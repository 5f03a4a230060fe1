{{ config(materialized='view') }}

with source as (

    select * from {{ source('raw', 'quarantine') }}

),

latest_version as (

    -- An edited file is re-ingested whole: its current problems are those of its latest batch.
    select *
    from source
    qualify ingested_at = max(ingested_at) over (partition by stream, source_file)

),

final as (

    select
        stream,
        source_file,
        source_line,
        reason,
        batch_id,
        cast(ingested_at as timestamp) as ingested_at
    from latest_version

)

select * from final

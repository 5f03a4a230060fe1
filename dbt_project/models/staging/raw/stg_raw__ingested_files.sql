{{ config(materialized='view') }}

with source as (

    select * from {{ source('raw', 'ingested_files') }}

),

final as (

    select
        stream,
        source_file,
        source_file_sha256,
        batch_id,
        cast(ingested_at as timestamp) as ingested_at,
        outcome,
        rule,
        cast(records as bigint) as records
    from source

)

select * from final

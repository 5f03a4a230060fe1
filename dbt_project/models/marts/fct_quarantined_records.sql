-- Records the event log refused, without their raw text (it may hold prompts): the raw
-- line stays in the lake's _quarantine folder for whoever fixes the source.
with quarantine as (

    select * from {{ ref('stg_raw__quarantine') }}

),

final as (

    select
        stream,
        {{ landing_source('source_file') }} as source,
        source_file,
        source_line,
        reason,
        ingested_at
    from quarantine

)

select * from final

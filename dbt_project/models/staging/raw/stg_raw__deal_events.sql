{#- Incremental (dbt_project.yml): the new batches replace the versions of their event_ids. -#}
{{ config(unique_key='event_id') }}

with source as (

    select * from {{ source('raw', 'deal_events') }}
    {{ new_batches_only() }}

),

deduplicated as (

    select *
    from source
    qualify row_number() over (
        partition by event_id
        order by ingested_at desc, source_file asc, source_line asc
    ) = 1

),

final as (

    select
        event_id,
        deal_id,
        cast(occurred_at as timestamp) as occurred_at,
        coalesce(sequence, 0) as sequence,
        lower(event_type) as event_type,
        account,
        deal_name,
        stage,
        cast(amount_usd as decimal(38, 10)) as amount_usd,
        -- the source's digits, all of them (a CRM amount is text in the log)
        try_cast(amount as decimal(38, 10)) as amount,
        upper(trim(currency)) as currency,
        close_date,
        features,
        lower(owner_email) as owner_email,
        source_file,
        batch_id,
        ingested_at
    from deduplicated

)

select * from final

{#- Incremental (dbt_project.yml): the new batches replace the versions of their event_ids. -#}
{{ config(unique_key='event_id') }}

with source as (

    select * from {{ source('raw', 'agent_calls') }}
    {{ new_batches_only() }}

),

repeated as (

    -- A re-landed or edited file repeats events. Finding which ids repeat is one hash
    -- aggregate; only their rows are ordered (a window over every row cost 3x at 10M).
    select event_id
    from source
    group by event_id
    having count(*) > 1

),

deduplicated as (

    select source.*
    from source
    where source.event_id not in (select repeated.event_id from repeated)
    union all
    -- keep the most recently ingested version
    select source.*
    from source
    where source.event_id in (select repeated.event_id from repeated)
    qualify row_number() over (
        partition by source.event_id
        order by source.ingested_at desc, source.source_file asc, source.source_line asc
    ) = 1

),

final as (

    select
        event_id,
        cast(occurred_at as timestamp) as occurred_at,
        source,
        -- Provider usage exports are the bill (aggregated buckets, or cost-endpoint lines in
        -- money), not per-call logs.
        source in (
            'openai_usage', 'anthropic_usage', 'openai_costs', 'anthropic_costs'
        ) as is_usage_export,
        source in ('openai_costs', 'anthropic_costs') as is_cost_line,
        nullif(trim(user_key), '') as user_key,
        lower(nullif(trim(person_email), '')) as person_email,
        nullif(trim(team), '') as team,
        tool,
        session_id,
        request_id,
        lower(trim(provider)) as provider,
        trim(model) as model,
        {{ normalize_model_name('provider', 'model') }} as model_key,
        {{ pricing_provider('provider', normalize_model_name('provider', 'model')) }}
            as pricing_provider,
        model_tier,
        cast(input_tokens as bigint) as input_tokens,
        cast(cache_read_tokens as bigint) as cache_read_tokens,
        cast(cache_write_tokens as bigint) as cache_write_tokens,
        cast(cache_write_1h_tokens as bigint) as cache_write_1h_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(request_count as bigint) as request_count,
        cast(reported_cost_usd as decimal(38, 12)) as reported_cost_usd,
        repo,
        branch,
        feature_key,
        task_class,
        cast(task_class_confidence as double) as task_class_confidence,
        prompt_sha256,
        prompt_chars,
        prompt_text,
        nullif(lower(trim(speed)), '') as speed,
        -- a cost-endpoint line: what was billed, in dollars (exact; never a float)
        nullif(trim(bill_line_item), '') as bill_line_item,
        nullif(lower(trim(bill_cost_type)), '') as bill_cost_type,
        cast(bill_amount_usd as decimal(38, 18)) as bill_amount_usd,
        source_file,
        source_line,
        batch_id,
        ingested_at
    from deduplicated

)

select * from final

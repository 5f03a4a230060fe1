with calls as (

    select * from {{ ref('fct_agent_calls') }}

),

final as (

    select
        occurred_date as day,
        person_email,
        team,
        provider,
        model,
        model_tier,
        task_class,
        sum(request_count) as calls,
        sum(input_tokens) as input_tokens,
        sum(cache_read_tokens) as cache_read_tokens,
        sum(cache_write_tokens) as cache_write_tokens,
        sum(cache_write_1h_tokens) as cache_write_1h_tokens,
        sum(output_tokens) as output_tokens,
        coalesce(sum(cost_usd), 0) as cost_usd,
        count(*) filter (where cost_source = 'unpriced') as unpriced_calls
    from calls
    group by all

)

select * from final

-- The costliest trivial and non-work frontier calls per month, redacted: class, size,
-- model and cost. The prompt itself only when the user opted in (TOKENROI_KEEP_PROMPTS=1).
with calls as (

    select * from {{ ref('fct_agent_calls') }}
    where model_tier = 'frontier' and task_class in ('trivial', 'non_work')

),

ranked as (

    select
        {{ format_time('occurred_date', '%Y-%m') }} as month,
        event_id,
        occurred_at,
        team,
        task_class,
        provider,
        model,
        prompt_chars,
        input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens
        + output_tokens as total_tokens,
        cost_usd,
        prompt_text,
        row_number() over (
            partition by {{ format_time('occurred_date', '%Y-%m') }}
            order by cost_usd desc, event_id asc
        ) as rank_in_month
    from calls

)

select * from ranked
where rank_in_month <= 20

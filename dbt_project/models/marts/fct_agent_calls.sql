with calls as (

    select * from {{ ref('int_agent_calls_priced') }}
    where not is_usage_export

),

unlogged as (

    select * from {{ ref('int_unlogged_spend') }}

),

with_feature as (

    select
        calls.*,
        nullif(regexp_extract(calls.branch, '{{ var("feature_key_pattern") }}'), '')
            as branch_feature_key
    from calls

),

logged_calls as (

    select
        event_id,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        source,
        false as is_unlogged,
        is_known_person,
        person_email,
        team,
        tool,
        provider,
        model,
        model_tier,
        task_class,
        input_tokens,
        cache_read_tokens,
        cache_write_tokens,
        cache_write_1h_tokens,
        output_tokens,
        request_count,
        cost_usd,
        cost_source,
        session_id,
        repo,
        branch,
        -- DESIGN.md "Call -> feature": an explicit key first, then a key in the branch name.
        -- Non-work calls are never attributed to a feature.
        case
            when task_class = 'non_work' then null
            else coalesce(feature_key, branch_feature_key)
        end as feature_key,
        case
            when task_class = 'non_work' then null
            when feature_key is not null then 'explicit_key'
            when branch_feature_key is not null then 'branch_name'
        end as attribution_method,
        case
            when task_class = 'non_work' then 'non_work'
            when feature_key is not null or branch_feature_key is not null then null
            when not is_known_person then 'unknown_person'
            else 'no_linked_commit'
        end as unattributed_reason,
        prompt_sha256,
        prompt_chars,
        source_file,
        source_line
    from with_feature

),

unlogged_spend as (

    -- Billed spend that no per-call log explains (DESIGN.md "The bill"): cost only, its
    -- tokens are unknown; never attributed to a feature.
    select
        event_id,
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        source,
        true as is_unlogged,
        is_known_person,
        person_email,
        team,
        source as tool,
        provider,
        model,
        model_tier,
        'unknown' as task_class,
        0 as input_tokens,
        0 as cache_read_tokens,
        0 as cache_write_tokens,
        0 as cache_write_1h_tokens,
        0 as output_tokens,
        0 as request_count,
        cost_usd,
        'catalog' as cost_source,
        null as session_id,
        null as repo,
        null as branch,
        null as feature_key,
        null as attribution_method,
        'unlogged' as unattributed_reason,
        null as prompt_sha256,
        null as prompt_chars,
        null as source_file,
        null as source_line
    from unlogged

),

final as (

    select * from logged_calls
    union all
    select * from unlogged_spend

)

select * from final

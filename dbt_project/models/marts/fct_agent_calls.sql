with calls as (

    select * from {{ ref('int_agent_calls_priced') }}

),

with_feature as (

    select
        calls.*,
        regexp_extract(calls.branch, '{{ var("feature_key_pattern") }}') as branch_feature_key
    from calls

),

final as (

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
            else coalesce(feature_key, nullif(branch_feature_key, ''))
        end as feature_key,
        case
            when task_class = 'non_work' then null
            when feature_key is not null then 'explicit_key'
            when nullif(branch_feature_key, '') is not null then 'branch_name'
        end as attribution_method,
        case
            when task_class = 'non_work' then 'non_work'
            when feature_key is not null or nullif(branch_feature_key, '') is not null then null
            when not is_known_person then 'unknown_person'
            else 'no_linked_commit'
        end as unattributed_reason,
        prompt_sha256,
        prompt_chars,
        source_file,
        source_line
    from with_feature

)

select * from final

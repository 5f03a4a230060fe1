with calls as (

    select * from {{ ref('int_agent_calls_sessionized') }}

),

shares as (

    select * from {{ ref('int_call_feature_shares') }}

),

attribution as (

    -- One line per call: its feature when all its attributed cost went to one feature.
    select
        event_id,
        case when count(distinct feature_key) = 1 then min(feature_key) end as feature_key,
        case
            when count(distinct attribution_method) = 1 then min(attribution_method)
        end as attribution_method,
        case when count(feature_key) = 0 then min(unattributed_reason) end
            as unattributed_reason
    from shares
    group by event_id

),

unlogged as (

    select * from {{ ref('int_unlogged_spend') }}

),

with_feature as (

    select
        {{ star_except('calls', ['feature_key']) }},
        attribution.feature_key,
        attribution.attribution_method,
        attribution.unattributed_reason
    from calls
    left join attribution
        on calls.event_id = attribution.event_id

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
        task_class_confidence,
        input_tokens,
        cache_read_tokens,
        cache_write_tokens,
        cache_write_1h_tokens,
        output_tokens,
        request_count,
        cost_usd,
        cost_source,
        session_key as session_id,
        repo,
        branch,
        -- docs/rules.md "Attribution: call → feature" (int_call_feature_shares has every dollar's
        -- share): the feature when all of the call went to one, how, or why nothing was attributed.
        feature_key,
        attribution_method,
        unattributed_reason,
        prompt_sha256,
        prompt_chars,
        prompt_text,
        source_file,
        source_line
    from with_feature

),

unlogged_spend as (

    -- Billed spend that no per-call log explains (docs/rules.md "The bill reconciliation"): cost
    -- only, its tokens are unknown; never attributed to a feature. 'reported' when the provider's
    -- cost endpoint gave the amount, 'catalog' when a usage bucket was priced.
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
        cast(null as double) as task_class_confidence,
        0 as input_tokens,
        0 as cache_read_tokens,
        0 as cache_write_tokens,
        0 as cache_write_1h_tokens,
        0 as output_tokens,
        0 as request_count,
        cost_usd,
        cost_source,
        null as session_id,
        null as repo,
        null as branch,
        null as feature_key,
        null as attribution_method,
        'unlogged' as unattributed_reason,
        null as prompt_sha256,
        null as prompt_chars,
        null as prompt_text,
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

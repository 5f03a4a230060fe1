with shares as (

    select * from {{ ref('int_call_feature_shares') }}

),

final as (

    select
        cast(occurred_at as date) as day,
        team,
        coalesce(sum(cost_usd), 0) as total_cost_usd,
        coalesce(sum(cost_usd) filter (where feature_key is not null), 0) as attributed_cost_usd,
        coalesce(sum(cost_usd) filter (where feature_key is null), 0) as unattributed_cost_usd,
        coalesce(sum(cost_usd) filter (where unattributed_reason = 'non_work'), 0)
            as unattributed_non_work_usd,
        coalesce(sum(cost_usd) filter (where unattributed_reason = 'unlogged'), 0)
            as unattributed_unlogged_usd,
        coalesce(sum(cost_usd) filter (where unattributed_reason = 'unknown_person'), 0)
            as unattributed_unknown_person_usd,
        coalesce(sum(cost_usd) filter (where unattributed_reason = 'no_linked_commit'), 0)
            as unattributed_no_linked_commit_usd,
        coalesce(sum(cost_usd) filter (where unattributed_reason = 'no_feature_key'), 0)
            as unattributed_no_feature_key_usd
    from shares
    group by all

)

select * from final

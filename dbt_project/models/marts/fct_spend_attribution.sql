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
        {% for reason in ['non_work', 'unlogged', 'unknown_person', 'no_linked_commit',
                          'no_feature_key'] %}
        coalesce(sum(cost_usd) filter (where unattributed_reason = '{{ reason }}'), 0)
            as unattributed_{{ reason }}_usd{{ "," if not loop.last }}
        {% endfor %}
    from shares
    group by all

)

select * from final

with features as (

    select * from {{ ref('dim_features') }}

),

spend as (

    select
        feature_key,
        sum(cost_usd) as agent_cost_usd
    from {{ ref('int_call_feature_shares') }}
    where feature_key is not null
    group by feature_key

),

commits as (

    select
        feature_key,
        count(*) as commits,
        count(*) filter (where ai_method is not null) as ai_assisted_commits
    from {{ ref('int_commits_features') }}
    where feature_key is not null and cardinality(parents) < 2
    group by feature_key

),

revenue as (

    select
        feature_key,
        sum(credited_revenue_usd) as attributed_revenue_usd
    from {{ ref('fct_revenue_attribution') }}
    where feature_key is not null
    group by feature_key

),

final as (

    select
        features.feature_key,
        features.feature_name as name,
        features.product_area,
        features.shipped_at,
        coalesce(commits.commits, 0) as commits,
        coalesce(commits.ai_assisted_commits, 0) as ai_assisted_commits,
        coalesce(spend.agent_cost_usd, 0) as agent_cost_usd,
        coalesce(revenue.attributed_revenue_usd, 0) as attributed_revenue_usd,
        {{ ratio('coalesce(revenue.attributed_revenue_usd, 0)', 'spend.agent_cost_usd') }}
            as revenue_per_token_dollar
    from features
    left join spend on features.feature_key = spend.feature_key
    left join commits on features.feature_key = commits.feature_key
    left join revenue on features.feature_key = revenue.feature_key

)

select * from final

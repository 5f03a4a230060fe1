-- The load-bearing view: each person's token spend beside what it produced — AI-assisted
-- commits, shipped features they committed to, and credited revenue in proportion to their
-- share of each feature's agent cost — so "high spend, no output" is visible.
with people as (

    select * from {{ ref('stg_reference__people') }}

),

spend as (

    select
        person_email,
        sum(cost_usd) as spend_usd
    from {{ ref('fct_agent_calls') }}
    group by person_email

),

commits as (

    select * from {{ ref('int_commits_features') }}

),

shipped as (

    select * from {{ ref('int_features_shipped') }}

),

feature_spend as (

    select
        person_email,
        feature_key,
        sum(cost_usd) as cost_usd
    from {{ ref('int_call_feature_shares') }}
    where feature_key is not null
    group by all

),

feature_revenue as (

    select
        feature_key,
        sum(credited_revenue_usd) as credited_revenue_usd
    from {{ ref('fct_revenue_attribution') }}
    where feature_key is not null
    group by feature_key

),

person_share as (

    select
        feature_spend.person_email,
        -- kept as decimals before summing, so every run adds the same numbers
        cast(
            coalesce(feature_revenue.credited_revenue_usd, 0)
            * cast(feature_spend.cost_usd as double)
            / cast(sum(feature_spend.cost_usd) over (
                partition by feature_spend.feature_key
            ) as double) as decimal(18, 6)
        ) as credited_revenue_usd
    from feature_spend
    left join feature_revenue
        on feature_spend.feature_key = feature_revenue.feature_key

),

revenue_share as (

    select
        person_email,
        sum(credited_revenue_usd) as credited_revenue_usd
    from person_share
    group by person_email

),

output as (

    select
        commits.person_email,
        count(*) filter (where commits.ai_method is not null) as ai_assisted_commits,
        count(distinct commits.feature_key) filter (where shipped.feature_key is not null)
            as shipped_features
    from commits
    left join shipped
        on commits.feature_key = shipped.feature_key
    where commits.person_email is not null
    group by commits.person_email

),

final as (

    select
        people.person_email,
        people.team,
        coalesce(spend.spend_usd, 0) as spend_usd,
        coalesce(output.ai_assisted_commits, 0) as ai_assisted_commits,
        coalesce(output.shipped_features, 0) as shipped_features,
        coalesce(revenue_share.credited_revenue_usd, 0) as credited_revenue_usd
    from people
    left join spend on people.person_email = spend.person_email
    left join output on people.person_email = output.person_email
    left join revenue_share on people.person_email = revenue_share.person_email

)

select * from final

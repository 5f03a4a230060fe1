-- How much of the spend and of the won revenue could be attributed at all (docs/README.md
-- question 5), per month and overall ("all"). Shown next to every ROI figure.
with shares as (

    select
        {{ format_time('occurred_at', '%Y-%m') }} as period,
        cost_usd,
        feature_key
    from {{ ref('int_call_feature_shares') }}

),

spend as (

    select
        coalesce(period, 'all') as period,
        coalesce(sum(cost_usd), 0) as total_spend_usd,
        coalesce(sum(cost_usd) filter (where feature_key is not null), 0)
            as attributed_spend_usd
    from shares
    group by rollup(period)

),

revenue as (

    select
        coalesce({{ format_time('deals.closed_at', '%Y-%m') }}, 'all') as period,
        sum(credit.credited_revenue_usd + credit.not_credited_revenue_usd) as won_revenue_usd,
        sum(credit.credited_revenue_usd) as credited_revenue_usd
    from {{ ref('fct_revenue_attribution') }} as credit
    inner join {{ ref('int_deals_replayed') }} as deals
        on credit.deal_id = deals.deal_id
    group by rollup({{ format_time('deals.closed_at', '%Y-%m') }})

),

periods as (

    -- every month of the calls' span (a quiet one is a month of zeros), and any month a
    -- deal closed in
    select month as period from {{ ref('int_months') }}
    union
    select period from spend
    union
    select period from revenue

),

final as (

    select
        periods.period,
        coalesce(spend.total_spend_usd, 0) as total_spend_usd,
        coalesce(spend.attributed_spend_usd, 0) as attributed_spend_usd,
        {{ ratio('spend.attributed_spend_usd', 'spend.total_spend_usd') }} as spend_coverage,
        coalesce(revenue.won_revenue_usd, 0) as won_revenue_usd,
        coalesce(revenue.credited_revenue_usd, 0) as credited_revenue_usd,
        {{ ratio('revenue.credited_revenue_usd', 'revenue.won_revenue_usd') }}
            as revenue_coverage
    from periods
    left join spend
        on periods.period = spend.period
    left join revenue
        on periods.period = revenue.period

)

select * from final

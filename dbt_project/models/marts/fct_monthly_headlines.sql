-- The report's headline numbers per month, all computed here so the report only formats
-- them: spend and its share of payroll, frontier spend, waste and what is routable, routing
-- savings, and revenue per token dollar next to the coverage it rests on.
with calls as (

    select * from {{ ref('fct_agent_calls') }}

),

routing as (

    select * from {{ ref('fct_routing_savings') }}

),

coverage as (

    select * from {{ ref('fct_attribution_coverage') }}

),

payroll as (

    select
        month,
        payroll_usd
    from {{ ref('fct_salary_share_summary') }}
    where group_name = 'org'

),

spend as (

    select
        strftime(occurred_date, '%Y-%m') as month,
        sum(cost_usd) as total_spend_usd,
        coalesce(sum(cost_usd) filter (where model_tier = 'frontier'), 0) as frontier_spend_usd,
        coalesce(sum(cost_usd) filter (
            where model_tier = 'frontier' and task_class in ('trivial', 'non_work')
        ), 0) as frontier_waste_usd,
        count(distinct person_email) filter (where not is_unlogged) as active_people
    from calls
    group by all

),

routable as (

    select
        month,
        sum(savings_usd) as routing_savings_usd,
        coalesce(sum(cost_usd) filter (
            where model_tier = 'frontier'
            and task_class in (select task_class from {{ ref('routing_targets') }})
        ), 0) as routable_frontier_spend_usd
    from routing
    group by month

),

final as (

    select
        spend.month,
        spend.total_spend_usd,
        spend.active_people,
        payroll.payroll_usd,
        {{ ratio('spend.total_spend_usd', 'payroll.payroll_usd') }} as spend_pct_of_payroll,
        spend.frontier_spend_usd,
        spend.frontier_waste_usd,
        routable.routable_frontier_spend_usd,
        {{ ratio('routable.routable_frontier_spend_usd', 'spend.frontier_spend_usd') }}
            as routable_share_of_frontier_spend,
        routable.routing_savings_usd,
        coverage.attributed_spend_usd,
        coverage.spend_coverage,
        coverage.credited_revenue_usd,
        coverage.revenue_coverage,
        {{ ratio('coverage.credited_revenue_usd', 'coverage.attributed_spend_usd') }}
            as revenue_per_token_dollar
    from spend
    left join payroll on spend.month = payroll.month
    left join routable on spend.month = routable.month
    left join coverage on spend.month = coverage.period

)

select * from final

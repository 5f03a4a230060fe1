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

months as (

    select * from {{ ref('int_months') }}

),

monthly_spend as (

    select
        {{ format_time('occurred_date', '%Y-%m') }} as month,
        sum(cost_usd) as total_spend_usd,
        coalesce(sum(cost_usd) filter (where model_tier = 'frontier'), 0) as frontier_spend_usd,
        coalesce(sum(cost_usd) filter (
            where model_tier = 'frontier' and task_class in ('trivial', 'non_work')
        ), 0) as frontier_waste_usd,
        count(distinct person_email) filter (where not is_unlogged) as active_people,
        min(occurred_date) as first_day,
        max(occurred_date) as last_day
    from calls
    group by all

),

spend as (

    -- a month without a call is a month of zeros, run over its whole length
    select
        months.month,
        coalesce(monthly_spend.total_spend_usd, 0) as total_spend_usd,
        coalesce(monthly_spend.frontier_spend_usd, 0) as frontier_spend_usd,
        coalesce(monthly_spend.frontier_waste_usd, 0) as frontier_waste_usd,
        coalesce(monthly_spend.active_people, 0) as active_people,
        coalesce(monthly_spend.first_day, months.month_start) as first_day,
        coalesce(monthly_spend.last_day, months.month_end) as last_day
    from months
    left join monthly_spend on months.month = monthly_spend.month

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

month_figures as (

    select
        spend.month,
        spend.first_day,
        spend.last_day,
        spend.total_spend_usd,
        spend.active_people,
        payroll.payroll_usd,
        {{ ratio('spend.total_spend_usd', 'payroll.payroll_usd') }} as spend_pct_of_payroll,
        spend.frontier_spend_usd,
        spend.frontier_waste_usd,
        {{ ratio('spend.frontier_waste_usd', 'spend.frontier_spend_usd') }} as frontier_waste_share,
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

),

month_days as (

    select
        *,
        {{ dbt.datediff('first_day', 'last_day', 'day') | trim }} + 1 as covered_days,
        day(last_day(first_day)) as days_in_month
    from month_figures

),

run_rates as (

    -- A month in progress (or one the data starts in) is scaled to its full length, so
    -- month-over-month changes compare run rates, not a half month with a whole one.
    select
        *,
        total_spend_usd * days_in_month / covered_days as projected_spend_usd,
        routing_savings_usd * days_in_month / covered_days as projected_routing_savings_usd
    from month_days

),

final as (

    select
        *,
        {{ ratio('projected_spend_usd', 'payroll_usd') }} as projected_spend_pct_of_payroll,
        lag(month) over by_month as previous_month,
        {{ ratio('projected_spend_usd - lag(projected_spend_usd) over by_month',
                 'lag(projected_spend_usd) over by_month') }} as total_spend_change,
        {{ ratio('projected_spend_usd', 'payroll_usd') }}
        - lag({{ ratio('projected_spend_usd', 'payroll_usd') }}) over by_month
            as spend_pct_of_payroll_change_points,
        {{ ratio('revenue_per_token_dollar - lag(revenue_per_token_dollar) over by_month',
                 'lag(revenue_per_token_dollar) over by_month') }}
            as revenue_per_token_dollar_change,
        routable_share_of_frontier_spend - lag(routable_share_of_frontier_spend) over by_month
            as routable_share_change_points,
        {{ ratio('projected_routing_savings_usd - lag(projected_routing_savings_usd) '
                 'over by_month', 'lag(projected_routing_savings_usd) over by_month') }}
            as routing_savings_change
    from run_rates
    window by_month as (order by month)

)

select * from final

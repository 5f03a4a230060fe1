-- The spread of spend as a share of salary, per month: team and org median and p90 over
-- everyone in people.csv (zero spenders included: the spread is bimodal), and token spend as
-- a share of payroll (all spend, unknown identities included, over everyone's monthly cost).
with shares as (

    select * from {{ ref('fct_spend_vs_salary') }}

),

calls as (

    select
        {{ format_time('occurred_date', '%Y-%m') }} as month,
        team,
        sum(cost_usd) as spend_usd
    from {{ ref('fct_agent_calls') }}
    group by all

),

groups as (

    select
        month,
        team as group_name,
        spend_pct_of_salary,
        annual_cost_usd
    from shares
    union all
    select
        month,
        'org',
        spend_pct_of_salary,
        annual_cost_usd
    from shares

),

payroll as (

    select
        month,
        group_name,
        median(spend_pct_of_salary) as median_spend_pct_of_salary,
        percentile_cont(0.9) within group (order by spend_pct_of_salary)
            as p90_spend_pct_of_salary,
        count(*) as people,
        -- exact decimals summed, divided once: the same bits on every run
        sum(annual_cost_usd) / 12 as payroll_usd
    from groups
    group by all

),

spend as (

    select
        month,
        team as group_name,
        sum(spend_usd) as spend_usd
    from calls
    group by all
    union all
    select
        month,
        'org',
        sum(spend_usd)
    from calls
    group by month

),

final as (

    select
        payroll.*,
        coalesce(spend.spend_usd, 0) as spend_usd,
        cast(coalesce(spend.spend_usd, 0) as double) / cast(payroll.payroll_usd as double)
            as spend_pct_of_payroll
    from payroll
    left join spend
        on payroll.month = spend.month and payroll.group_name = spend.group_name

)

select * from final

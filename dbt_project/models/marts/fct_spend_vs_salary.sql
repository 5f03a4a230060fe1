-- Monthly token spend per person as a share of their monthly cost (annual_cost_usd / 12).
with calls as (

    select * from {{ ref('fct_agent_calls') }}

),

people as (

    select * from {{ ref('stg_reference__people') }}

),

months as (

    select month from {{ ref('int_months') }}

),

spend as (

    select
        {{ format_time('occurred_date', '%Y-%m') }} as month,
        person_email,
        sum(cost_usd) as spend_usd
    from calls
    group by all

),

final as (

    select
        months.month,
        people.person_email,
        people.team,
        coalesce(spend.spend_usd, 0) as spend_usd,
        people.annual_cost_usd,
        people.annual_cost_usd / 12 as monthly_cost_usd,
        cast(coalesce(spend.spend_usd, 0) as double)
        / (cast(people.annual_cost_usd as double) / 12) as spend_pct_of_salary
    from people
    cross join months
    left join spend
        on people.person_email = spend.person_email and months.month = spend.month

)

select * from final

-- Month-to-date spend per budget scope (user, team, org) against its monthly limit, judged
-- as of the latest day with data (var as_of_date to override). projected = spend × days in
-- the month ÷ days elapsed; 'over' when spend >= limit, 'at_risk' when projected >= limit.
with calls as (

    select * from {{ ref('fct_agent_calls') }}

),

budgets as (

    select * from {{ ref('stg_reference__budgets') }}

),

as_of as (

    select
        coalesce(
            {% if var('as_of_date', none) -%}
                cast('{{ var("as_of_date") }}' as date)
            {%- else -%}
                null
            {%- endif %},
            max(occurred_date)
        ) as as_of_date
    from calls

),

months as (

    select month_start from {{ ref('int_months') }}

),

spend as (

    select
        months.month_start,
        budgets.scope,
        budgets.scope_id,
        budgets.monthly_limit_usd,
        coalesce(sum(calls.cost_usd), 0) as spend_usd
    from budgets
    cross join months
    left join calls
        on
            months.month_start = {{ month_start('calls.occurred_date') }}
            and (
                budgets.scope = 'org'
                or (budgets.scope = 'team' and budgets.scope_id = calls.team)
                or (budgets.scope = 'user' and budgets.scope_id = calls.person_email)
            )
    group by all

),

projected as (

    select
        spend.*,
        -- exact decimals: a finished month projects exactly its spend
        case
            when as_of.as_of_date >= last_day(spend.month_start) then spend.spend_usd
            else cast(
                spend.spend_usd * day(last_day(spend.month_start)) / day(as_of.as_of_date)
                as decimal(38, 12)
            )
        end as projected_usd
    from spend
    cross join as_of
    where spend.month_start is not null

),

final as (

    select
        {{ format_time('month_start', '%Y-%m') }} as month,
        scope,
        scope_id,
        monthly_limit_usd as limit_usd,
        spend_usd,
        projected_usd,
        case
            when spend_usd >= monthly_limit_usd then 'over'
            when projected_usd >= monthly_limit_usd then 'at_risk'
            else 'ok'
        end as status
    from projected

)

select * from final

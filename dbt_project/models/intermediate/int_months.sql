-- Every month from the first call's to the last call's, quiet ones included: a month with
-- no call (a bill that starts before the logs, a team on holiday) is a month of zeros in
-- every monthly mart, never a missing row.
with recursive calls as (

    select * from {{ ref('int_agent_calls_priced') }}

),

bounds as (

    select
        {{ month_start('min(occurred_at)') }} as first_month,
        {{ month_start('max(occurred_at)') }} as last_month
    from calls

),

spine as (

    select first_month as month_start
    from bounds
    where first_month is not null
    union all
    select cast({{ dbt.dateadd('month', 1, 'spine.month_start') }} as date)
    from spine
    inner join bounds
        on spine.month_start < bounds.last_month

),

final as (

    select
        cast(month_start as date) as month_start,
        {{ format_time('month_start', '%Y-%m') }} as month,
        cast(last_day(month_start) as date) as month_end
    from spine

)

select * from final

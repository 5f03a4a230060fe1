-- Spend on trivial and non-work prompts by model tier (docs/README.md question 2: the frontier
-- rows are the waste), per month, team, person and model.
with calls as (

    select * from {{ ref('fct_agent_calls') }}
    where task_class in ('trivial', 'non_work')

),

final as (

    select
        {{ format_time('occurred_date', '%Y-%m') }} as month,
        team,
        person_email,
        model_tier,
        provider,
        model,
        task_class,
        count(*) as calls,
        sum(cost_usd) as cost_usd
    from calls
    group by all

)

select * from final

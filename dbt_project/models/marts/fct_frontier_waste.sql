-- Frontier-model spend on trivial and non-work prompts (DESIGN.md question 2), per month,
-- team, person and model.
with calls as (

    select * from {{ ref('fct_agent_calls') }}
    where model_tier = 'frontier' and task_class in ('trivial', 'non_work')

),

final as (

    select
        strftime(occurred_date, '%Y-%m') as month,
        team,
        person_email,
        provider,
        model,
        task_class,
        count(*) as calls,
        sum(cost_usd) as cost_usd
    from calls
    group by all

)

select * from final
